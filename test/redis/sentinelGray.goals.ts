// Gray failures of the master on the loopback Sentinel topology (every instance in a network namespace of its own,
// as in sentinelFaultsLoopback.spec.ts): a link that flaps, and a link that stays up but slow. Safety (no
// WAIT-acknowledged write lost) must hold as under clean faults; availability is measured and bounded:
// - flapping, cut from everything for C s and healed for C s, 8 times (C = 2 and 1): writes refused at most half
//   of the window, no stretch without a write over 4 s;
// - every packet the master sends held 250 or 400 ms for 20 s: the master keeps taking writes, or one failover
//   moves the endpoint; no stretch over 5 s, and the master is fenced at most once (no fence/unfence flapping).
// These are goals the agent does not meet yet (bench/README.md "Gray failures" has the figures), so this file is
// not a spec of the loopback stage: `npm run test:gray` runs it, and prints the table either way.
import * as assert from "assert";
import { sleep, waitFor } from "../../harness/processes";
import { LOOPBACK_ENGINES } from "../../harness/loopback/engines";
import { netdelayUnavailable, netnsUnavailable } from "../../harness/loopback/netns";
import { once } from "../../harness/loopback/resp";
import { AckedWriter, missing, refusedWithin } from "../../harness/loopback/writer";
import { useSentinelCluster } from "../support/loopbackCluster";

const PASSWORD = "gray-failure-pw";

/** One row of bench/README.md's "Gray failures" table. */
interface GrayOutcome {
    case: string;
    refusedPct: number;
    longestGapMs: number;
    acked: number;
    lost: number;
    failovers: number;
    fences: number;
}

for (const engine of LOOPBACK_ENGINES) {
    describe(`RedisSentinel under gray failures of the master (network namespaces) [${engine}]`, function () {
        this.timeout(180000);
        const outcomes: GrayOutcome[] = [];
        after(() => {
            if (outcomes.length) console.table(outcomes);
        });
        const c = useSentinelCluster(engine, {
            password: PASSWORD,
            netns: true,
            unavailable: () => netnsUnavailable() ?? netdelayUnavailable(),
            startMs: 90000,
        });

        const everyoneElse = (m: number) => [
            ...c()
                .nodes.filter((_n, i) => i !== m)
                .map(n => n.host),
            ...c().sentinels.map(s => s.host),
            c().proxy.host,
            c().net!.gateway,
        ];

        /** Runs `fault` against the current master under the writer; returns the outcome once the set is whole again. */
        async function measure(name: string, fault: (m: number) => Promise<void>): Promise<GrayOutcome> {
            const m = await c().healthy(40000);
            const marks = c().nodes.map((_n, i) => c().logMark(`agent${i}`));
            const sentinelMark = c().logMark("sentinel0");
            const w = new AckedWriter({
                host: c().proxy.host,
                port: c().proxy.port,
                password: PASSWORD,
                prefix: name.replace(/\W+/g, "-"),
            }).start();
            await sleep(500);
            const t0 = Date.now();
            try {
                await fault(m);
            } finally {
                c().net!.heal(`node${m}`);
                c().net!.undelay(`node${m}`);
            }
            const t1 = Date.now();
            const to = await c().healthy(40000);
            await sleep(300);
            await w.stop();
            const lost = await missing(w.acked, keys => once(c().nodes[to], PASSWORD, ["MGET", ...keys]) as Promise<(string | null)[]>);
            const fenceLines =
                c()
                    .logSince(`agent${m}`, marks[m])
                    .match(/fenced \(/g) ?? [];
            const o: GrayOutcome = {
                case: name,
                refusedPct: Math.round((100 * refusedWithin(w.spans(), t0, t1)) / (t1 - t0)),
                longestGapMs: w.longestGap(t0, t1),
                acked: w.acked.length,
                lost: lost.length,
                failovers: (
                    c()
                        .logSince("sentinel0", sentinelMark)
                        .match(/\+switch-master/g) ?? []
                ).length,
                fences: fenceLines.length,
            };
            outcomes.push(o);
            console.log(`      ${name}: ${JSON.stringify(o)}`);
            assert.ok(w.acked.length > 0, "the writer got no acknowledged write");
            assert.strictEqual(
                lost.length,
                0,
                `${lost.length} of ${w.acked.length} WAIT-acknowledged writes lost (${name}): ${lost.slice(0, 5)}`,
            );
            return o;
        }

        for (const seconds of [2, 1]) {
            it(`a flapping link: the master cut from everything for ${seconds} s and healed for ${seconds} s, 8 times`, async () => {
                const o = await measure(`flapping ${seconds} s / ${seconds} s`, async m => {
                    for (let i = 0; i < 8; i++) {
                        c().net!.partition(`node${m}`, everyoneElse(m));
                        await sleep(seconds * 1000);
                        c().net!.heal(`node${m}`);
                        await sleep(seconds * 1000);
                    }
                });
                assert.ok(o.refusedPct <= 50, `writes refused ${o.refusedPct} % of the window\n${await c().describe()}`);
                assert.ok(o.longestGapMs <= 4000, `no write for ${o.longestGapMs} ms\n${await c().describe()}`);
            });
        }

        for (const ms of [250, 400]) {
            it(`a slow link: every packet the master sends held ${ms} ms for 20 s`, async () => {
                const o = await measure(`slow link +${ms} ms`, async m => {
                    await c().net!.delay(`node${m}`, ms);
                    await sleep(20000);
                });
                assert.ok(o.longestGapMs <= 5000, `no write for ${o.longestGapMs} ms\n${await c().describe()}`);
                assert.ok(o.fences <= 1, `the master was fenced ${o.fences} times (fence/unfence flapping)\n${c().log(`agent0`)}`);
                assert.ok(o.failovers <= 1, `${o.failovers} failovers`);
            });
        }

        it("the set is whole after all of it", async () => {
            assert.ok(await waitFor(async () => (await c().healthy(40000)) >= 0, 45000));
        });
    });
}

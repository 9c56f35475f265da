// RedisSentinel under every single fault of the master, with each instance in a network namespace
// of its own on a private bridge: kill, freeze, full partition, partition from the sentinels only,
// partition from the replicas only. A client keeps writing SET + WAIT 1 through the endpoint;
// no write a replica acknowledged may be lost, and the set must heal to one master.
import * as assert from "assert";
import { SENTINEL_DEFAULTS } from "../../components/redis/sentinel/defaults";
import { sleep, waitFor } from "../../harness/processes";
import { LOOPBACK_ENGINES } from "../../harness/loopback/engines";
import { netnsUnavailable } from "../../harness/loopback/netns";
import { once } from "../../harness/loopback/resp";
import { AckedWriter, missing } from "../../harness/loopback/writer";
import { useSentinelCluster } from "../support/loopbackCluster";

const PASSWORD = "fault-password";

interface Outcome {
    fault: string;
    refusedMs: number;
    acked: number;
    lost: number;
    from: number;
    to: number;
}

for (const engine of LOOPBACK_ENGINES) {
    describe(`RedisSentinel under single faults of the master (network namespaces) [${engine}]`, function () {
        this.timeout(90000);
        const outcomes: Outcome[] = [];
        after(() => {
            if (outcomes.length) console.table(outcomes);
        });
        const c = useSentinelCluster(engine, { password: PASSWORD, netns: true, unavailable: netnsUnavailable, startMs: 90000 });

        const others = (m: number) => [
            ...c()
                .nodes.filter((_n, i) => i !== m)
                .map(n => n.host),
            ...c().sentinels.map(s => s.host),
            c().proxy.host,
        ];

        /**
         * Injects a fault into the current master while the writer runs, lifts it after `holdMs`,
         * waits for the set to heal and checks every acknowledged write.
         */
        async function run(
            fault: string,
            inject: (m: number) => void,
            lift: (m: number) => void,
            o: { holdMs: number; failover: boolean },
        ) {
            const m = await c().healthy(40000);
            const w = new AckedWriter({ host: c().proxy.host, port: c().proxy.port, password: PASSWORD, prefix: fault }).start();
            await sleep(500);
            const t0 = Date.now();
            inject(m);
            let lifted = false;
            try {
                await waitFor(() => (o.failover ? w.okTimes.some(t => t > t0 + 200) : false), o.holdMs, 20);
                await sleep(Math.max(0, t0 + o.holdMs - Date.now()));
                lift(m);
                lifted = true;
                const to = await c().healthy(40000);
                await sleep(300);
                await w.stop();
                const lost = await missing(w.acked, keys => once(c().nodes[to], PASSWORD, ["MGET", ...keys]) as Promise<(string | null)[]>);
                outcomes.push({ fault, refusedMs: w.longestGap(t0, Date.now()), acked: w.acked.length, lost: lost.length, from: m, to });
                assert.ok(w.acked.length > 0, "the writer got no acknowledged write");
                assert.strictEqual(
                    lost.length,
                    0,
                    `${lost.length} of ${w.acked.length} WAIT-acknowledged writes lost (${fault}): ${lost.slice(0, 5)}`,
                );
                if (o.failover) assert.notStrictEqual(to, m, `no failover after ${fault}`);
                else assert.strictEqual(to, m, `an unneeded failover after ${fault}`);
            } finally {
                if (!lifted) lift(m);
                await w.stop();
            }
        }

        it("kill: SIGKILL of the master, restarted as a container would be", () =>
            run(
                "kill",
                m => c().kill(`node${m}`),
                m => c().startNode(m),
                { holdMs: 4000, failover: true },
            ));

        it("freeze: SIGSTOP of the master for 4 s, then SIGCONT", () =>
            run(
                "freeze",
                m => c().kill(`node${m}`, "SIGSTOP"),
                m => c().kill(`node${m}`, "SIGCONT"),
                { holdMs: 4000, failover: true },
            ));

        it("full partition of the master for 5 s", () =>
            run(
                "full partition",
                m => c().net!.partition(`node${m}`, [...others(m), c().net!.gateway]),
                m => c().net!.heal(`node${m}`),
                { holdMs: 5000, failover: true },
            ));

        it("partition of the master from the sentinels only (replicas and HAProxy still reach it) for 5 s", () =>
            run(
                "partition from sentinels",
                m =>
                    c().net!.partition(
                        `node${m}`,
                        c().sentinels.map(s => s.host),
                    ),
                m => c().net!.heal(`node${m}`),
                { holdMs: 5000, failover: true },
            ));

        it("partition of the master from the replicas only for 5 s: writes wait, nobody fails over", () =>
            run(
                "partition from replicas",
                m =>
                    c().net!.partition(
                        `node${m}`,
                        c()
                            .nodes.filter((_n, i) => i !== m)
                            .map(n => n.host),
                    ),
                m => c().net!.heal(`node${m}`),
                { holdMs: 5000, failover: false },
            ));

        it("self-fencing: a master cut off from the sentinels refuses writes within down-after/2 and leaves the endpoint before they can promote", async () => {
            const m = await c().healthy(40000);
            const half = SENTINEL_DEFAULTS.downAfterMilliseconds / 2;
            const t0 = Date.now();
            c().net!.partition(
                `node${m}`,
                c().sentinels.map(s => s.host),
            );
            let refusedAt = 0;
            let offEndpointAt = 0;
            try {
                // A fresh connection each time: the fence also closes every client connection.
                const refused = waitFor(
                    async () => {
                        const r = await once(c().nodes[m], PASSWORD, ["SET", "fence-probe", "x"], 300).catch(e => e);
                        if (/NOREPLICAS/.test(String(r))) refusedAt = Date.now();
                        return refusedAt > 0;
                    },
                    3000,
                    10,
                );
                const off = waitFor(
                    async () => {
                        const served = await c()
                            .writeThroughProxy("endpoint-probe", "x", 0, 300)
                            .catch(() => -1);
                        if (served !== m) offEndpointAt = Date.now();
                        return offEndpointAt > 0;
                    },
                    3000,
                    10,
                );
                await Promise.all([refused, off]);
            } finally {
                c().net!.heal(`node${m}`);
            }
            console.log(`      fenced ${refusedAt - t0} ms after the cut, off the endpoint after ${offEndpointAt - t0} ms`);
            assert.ok(refusedAt > 0 && refusedAt - t0 <= half, `the master still took writes ${half} ms after losing the sentinels`);
            assert.ok(
                offEndpointAt > 0 && offEndpointAt - t0 < SENTINEL_DEFAULTS.downAfterMilliseconds,
                `the endpoint still served the cut-off master after down-after (${offEndpointAt - t0} ms)`,
            );
            await c().healthy(40000);
        });
    });
}

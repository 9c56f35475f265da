// RedisSentinel's data-aware bootstrap under double faults, on 127.0.0.1 with the rendered
// configs: a data set of 10,000 keys must survive as long as one copy does, and no node without
// data may become master while a reachable peer holds it.
import { LOOPBACK_ENGINES } from "../../harness/loopback/engines";
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { sleep, waitFor } from "../../harness/processes";
import { SentinelCluster } from "../../harness/loopback/sentinelCluster";
import { once, replicationInfo } from "../../harness/loopback/resp";
import { useSentinelCluster } from "../support/loopbackCluster";

const PASSWORD = "double-fault";
const KEYS = 10000;
/** Keys a node must hold: the 10,000 plus the ones the harness itself writes (set on start). */
let expected = 0;

/** Samples every node's role and key count until stopped; records any moment an empty master coexists with a peer holding data. */
function emptyMasterWatch(c: SentinelCluster) {
    const violations: string[] = [];
    let running = true;
    const done = (async () => {
        while (running) {
            const states = await Promise.all(
                c.nodes.map(async (n, i) => {
                    const r = await replicationInfo(n, PASSWORD).catch(() => undefined);
                    const keys = r ? await c.keys(i).catch(() => -1) : -1;
                    return { i, role: r?.role, keys };
                }),
            );
            const held = states.filter(s => s.keys > 0);
            for (const s of states) {
                if (s.role === "master" && s.keys === 0 && held.length > 0) {
                    violations.push(`node${s.i} was an empty master while node${held.map(h => h.i).join(",node")} held data`);
                }
            }
            await sleep(200);
        }
    })();
    return {
        violations,
        stop: async () => {
            running = false;
            await done;
        },
    };
}

async function expectAllKeys(c: SentinelCluster, what: string): Promise<void> {
    const master = await c.healthy(60000);
    const ok = await waitFor(
        async () => {
            for (let i = 0; i < c.nodes.length; i++) if ((await c.keys(i)) !== expected) return false;
            return true;
        },
        20000,
        250,
    );
    const counts = await Promise.all(c.nodes.map((_n, i) => c.keys(i).catch(() => -1)));
    assert.ok(ok, `${what}: nodes hold ${counts.join("/")} of ${expected} keys\n${await c.describe()}`);
    assert.strictEqual(Number(await once(c.proxy, PASSWORD, ["DBSIZE"])), expected, "the endpoint does not serve the whole data set");
    assert.strictEqual(await c.sentinelMaster(), master);
}

for (const engine of LOOPBACK_ENGINES) {
    describe(`RedisSentinel keeps the data set through double faults (loopback) [${engine}]`, function () {
        this.timeout(150000);
        const c = useSentinelCluster(engine, {
            basePort: 17500,
            password: PASSWORD,
            started: async cluster => {
                await cluster.fill("k", KEYS);
                await cluster.healthy();
                expected = await cluster.keys(0);
                assert.ok(expected >= KEYS);
            },
        });

        /** Stops a data pod as Kubernetes would replace it: both containers, and its emptyDir gone. */
        function losePod(i: number): void {
            c().killGroup(`agent${i}`);
            c().kill(`node${i}`);
        }

        it("a sentinel majority is down and the master's pod comes back empty: nobody copies the emptiness; the sentinels' return heals it", async () => {
            const m = await c().healthy();
            c().kill("sentinel1");
            c().kill("sentinel2");
            const watch = emptyMasterWatch(c());
            try {
                losePod(m);
                await sleep(300);
                c().startNode(m, true);
                // Longer than the agents' wait for sentinels, so any rule that would act alone has had its chance.
                await sleep(15000);
                for (const [i] of c().nodes.entries()) {
                    if (i === m) continue;
                    assert.strictEqual(
                        await c().keys(i),
                        expected,
                        `node${i} lost its copy while the sentinels were away\n${await c().describe()}`,
                    );
                }
                c().startSentinel(1);
                c().startSentinel(2);
                await expectAllKeys(c(), "after the sentinels came back");
            } finally {
                await watch.stop();
            }
            assert.deepStrictEqual(watch.violations.slice(0, 3), []);
        });

        it("the master's pod and every sentinel restart together, sentinel state lost: the copy with the highest offset becomes master", async () => {
            const m = await c().healthy();
            const watch = emptyMasterWatch(c());
            try {
                c().sentinels.forEach((_s, i) => c().kill(`sentinel${i}`));
                losePod(m);
                await sleep(300);
                for (let i = 0; i < c().sentinels.length; i++)
                    fs.rmSync(path.join(c().dir, `sentinel${i}`, "run"), { recursive: true, force: true });
                c().startNode(m, true);
                c().sentinels.forEach((_s, i) => c().startSentinel(i));
                await expectAllKeys(c(), "after the restart");
                assert.notStrictEqual(await c().sentinelMaster(), m, "the node that came back empty became master");
            } finally {
                await watch.stop();
            }
            assert.deepStrictEqual(watch.violations.slice(0, 3), []);
        });
    });
}

for (const engine of LOOPBACK_ENGINES) {
    describe(`RedisSentinel with persistence survives fast restarts of every node (loopback) [${engine}]`, function () {
        this.timeout(150000);
        let held = 0;
        const c = useSentinelCluster(engine, {
            basePort: 17550,
            password: PASSWORD,
            persistence: true,
            started: async cluster => {
                await cluster.fill("k", KEYS);
                await cluster.healthy();
                held = await cluster.keys(0);
                // appendfsync everysec: give the last second of writes to the files.
                await sleep(1500);
            },
        });

        for (const which of ["master", "replica"] as const) {
            it(`the ${which} restarted faster than down-after (append-only file on its volume) leaves every node with the whole data set`, async () => {
                const m = await c().healthy();
                const i = which === "master" ? m : (m + 1) % c().nodes.length;
                const watch = emptyMasterWatch(c());
                try {
                    c().kill(`node${i}`);
                    await sleep(200);
                    c().startNode(i);
                    assert.ok(fs.readdirSync(path.join(c().dir, `node${i}`, "data", "appendonlydir")).length > 0, "no append-only file");
                    const master = await c().healthy(60000);
                    const ok = await waitFor(
                        async () => {
                            for (let n = 0; n < c().nodes.length; n++) if ((await c().keys(n)) !== held) return false;
                            return true;
                        },
                        20000,
                        250,
                    );
                    const counts = await Promise.all(
                        c().nodes.map((_n, n) =>
                            c()
                                .keys(n)
                                .catch(() => -1),
                        ),
                    );
                    assert.ok(ok, `after a fast restart of the ${which}: ${counts.join("/")} of ${held} keys (master node${master})`);
                } finally {
                    await watch.stop();
                }
                assert.deepStrictEqual(watch.violations.slice(0, 3), []);
            });
        }
    });
}

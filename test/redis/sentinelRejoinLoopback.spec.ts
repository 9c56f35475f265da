// Nodes that come and go, with a failover-timeout long enough that Sentinel's own slow repairs would show:
// - a node that was failed over takes writes as soon as the sentinels promote it again (the agent's hold
//   after a down report guards only the failover that demoted it);
// - a replica the sentinels took for down when a failover ended follows the new master as soon as it is
//   back (Sentinel's +fix-slave-config would wait a failover-timeout; meanwhile the new master lacks it).
import { LOOPBACK_ENGINES } from "../../harness/loopback/engines";
import * as assert from "assert";
import { waitFor } from "../../harness/processes";
import { once, replicationInfo } from "../../harness/loopback/resp";
import { useSentinelCluster } from "../support/loopbackCluster";

const PASSWORD = "repromote-pw";
// Long enough that a hold left from the first failover would dominate the second one.
const FAILOVER_TIMEOUT_MS = 30000;

for (const engine of LOOPBACK_ENGINES) {
    describe(`RedisSentinel nodes rejoining after a failover (loopback) [${engine}]`, function () {
        this.timeout(120000);
        const c = useSentinelCluster(engine, {
            basePort: 17600,
            password: PASSWORD,
            tuning: { failoverTimeoutMilliseconds: FAILOVER_TIMEOUT_MS },
        });

        async function firstWriteAfter(t0: number, boundMs: number): Promise<{ ms: number; node: number }> {
            let node = -1;
            const ok = await waitFor(
                async () => {
                    node = await c().writeThroughProxy("k", "v", 0, 500);
                    return true;
                },
                boundMs,
                50,
            );
            assert.ok(ok, `no write through the endpoint within ${boundMs} ms\n${await c().describe()}`);
            return { ms: Date.now() - t0, node };
        }

        it("kill the master, let it rejoin, kill its successor: the first master takes writes again within one failover", async () => {
            const first = await c().healthy();
            const third = [0, 1, 2].find(i => i !== first && i !== (first + 1) % 3)!;
            // Only `first` may be promoted the second time.
            await once(c().nodes[third], PASSWORD, ["CONFIG", "SET", "replica-priority", "0"]);

            c().kill(`node${first}`);
            const one = await firstWriteAfter(Date.now(), 20000);
            assert.notStrictEqual(one.node, first);
            c().startNode(first);
            await c().healthy(20000);
            assert.strictEqual((await replicationInfo(c().nodes[first], PASSWORD)).role, "slave");

            const second = await c().sentinelMaster();
            const t0 = Date.now();
            c().kill(`node${second}`);
            const two = await firstWriteAfter(t0, FAILOVER_TIMEOUT_MS * 2);
            console.log(`      failover 1: ${one.ms} ms to node${one.node}; failover 2: ${two.ms} ms back to node${two.node}`);
            assert.strictEqual(two.node, first, "the sentinels promoted the only eligible replica");
            assert.ok(two.ms < 8000, `the re-promoted node took writes after ${two.ms} ms (failover-timeout ${FAILOVER_TIMEOUT_MS} ms)`);
            c().startNode(second);
        });

        it("a replica that was down when the failover ended follows the new master within a second of coming back", async () => {
            const master = await c().healthy(20000);
            for (const n of c().nodes) await once(n, PASSWORD, ["CONFIG", "SET", "replica-priority", "100"]);
            const [target, away] = [0, 1, 2].filter(i => i !== master);
            const name = `${c().nodes[away].host}:${c().nodes[away].port}`;
            c().kill(`node${away}`, "SIGSTOP");
            try {
                const seenDown = await waitFor(
                    async () => {
                        const rs = (await once(c().sentinels[0], PASSWORD, ["SENTINEL", "REPLICAS", "mymaster"])) as string[][];
                        const r = rs.find(x => x[x.indexOf("name") + 1] === name);
                        return !!r && /s_down/.test(r[r.indexOf("flags") + 1]);
                    },
                    10000,
                    100,
                );
                assert.ok(seenDown, `sentinel0 never took node${away} for down`);
                // Only `target` can be chosen; the failover ends without the replica the sentinels think is down.
                assert.strictEqual(await once(c().sentinels[0], PASSWORD, ["SENTINEL", "FAILOVER", "mymaster"]), "OK");
                assert.ok(
                    await waitFor(async () => (await c().sentinelMaster()) === target, 15000, 100),
                    "no failover to the only eligible replica",
                );
            } finally {
                c().kill(`node${away}`, "SIGCONT");
            }
            const t0 = Date.now();
            const followed = await waitFor(
                async () => {
                    const r = await replicationInfo(c().nodes[away], PASSWORD);
                    return r.master_port === String(c().nodes[target].port) && r.master_link_status === "up";
                },
                FAILOVER_TIMEOUT_MS,
                50,
            );
            const ms = Date.now() - t0;
            console.log(`      node${away} back: replicating from the new master node${target} after ${ms} ms`);
            assert.ok(followed, `node${away} still follows its old master\n${c().log(`agent${away}`, 800)}`);
            assert.ok(
                ms < 2000,
                `node${away} followed the new master only after ${ms} ms (Sentinel alone: a failover-timeout, ${FAILOVER_TIMEOUT_MS} ms)`,
            );
        });
    });
}

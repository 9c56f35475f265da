// A RedisSentinel rolled from one engine to another, 127.0.0.1: the data nodes restarted in the StatefulSet's order
// (highest ordinal first), each on the new engine, with its preStop run first as the kubelet does. The master stays on
// the old engine until every replica runs the new one (sentinel/scripts/prestop.sh), so no replica ever syncs from a
// master whose RDB it may not read (Valkey 8 writes RDB 11; Redis 7.0 reads up to 10).
import * as assert from "assert";
import { SENTINEL_DEFAULTS } from "../../components/redis/sentinel/defaults";
import { skipUnlessEngine } from "../../harness/loopback/engines";
import { sleep, waitFor } from "../../harness/processes";
import { info, once, replicationInfo } from "../../harness/loopback/resp";
import { AckedWriter, missing, refusedWithin } from "../../harness/loopback/writer";
import { useSentinelCluster } from "../support/loopbackCluster";

const PASSWORD = "engine-roll-password";

/** `valkey-<version>` or `redis-<version>`, as prestop.sh's server_of reads it. */
async function serverOf(port: { host: string; port: number }): Promise<string> {
    const s = await info(port, PASSWORD, "server");
    return s.valkey_version ? `valkey-${s.valkey_version}` : `redis-${s.redis_version}`;
}

describe("RedisSentinel rolled from Redis to Valkey (loopback)", function () {
    this.timeout(180000);
    before(function () {
        skipUnlessEngine(this, "valkey", []);
    });
    const c = useSentinelCluster("redis", { basePort: 17750, password: PASSWORD });

    it("updates every replica first and the master last, each master change a hand-over; nothing acknowledged is lost and every replica ends linked", async () => {
        // The master on a middle ordinal, so the roll meets it with an updated replica above and an old one below: the
        // case where handing over to the higher ordinal (as a plain rolling restart does) would leave node0 on Redis
        // replicating from a Valkey master.
        if ((await c().healthy()) !== 1) {
            await once(c().nodes[2], PASSWORD, ["CONFIG", "SET", "replica-priority", "0"]);
            await once(c().nodes[0], PASSWORD, ["CONFIG", "SET", "replica-priority", "0"]);
            await sleep(2000); // the sentinels read a replica's priority from its INFO, once a second
            await once(c().sentinels[0], PASSWORD, ["SENTINEL", "FAILOVER", "mymaster"]);
            const moved = await waitFor(async () => (await c().sentinelMaster()) === 1 && (await c().role(1)) === "master", 20000);
            for (const i of [0, 2]) await once(c().nodes[i], PASSWORD, ["CONFIG", "SET", "replica-priority", "100"]);
            assert.ok(moved, `the master did not move to node1\n${await c().describe()}`);
            await c().healthy();
        }
        const w = new AckedWriter({ host: c().proxy.host, port: c().proxy.port, password: PASSWORD, prefix: "roll" }).start();
        await sleep(500);
        const t0 = Date.now();
        const handovers: string[] = [];
        for (const i of [2, 1, 0]) {
            const master = await c().sentinelMaster();
            // Every node still on the old engine, and the master among them, until the last old node rolls.
            const servers = await Promise.all(c().nodes.map(serverOf));
            assert.match(servers[master], /^redis-/, `the master moved to another engine before the last old node: ${servers}`);
            const out = await c().preStop(i);
            if (i === master) handovers.push(out.trim().split("\n").slice(-3).join(" | "));
            c().kill(`node${i}`, "SIGTERM");
            await sleep(300);
            c().nodeEngines[i] = "valkey";
            c().startNode(i);
            const linked = await waitFor(async () => {
                const r = await replicationInfo(c().nodes[i], PASSWORD).catch(() => ({}) as Record<string, string>);
                return r.role === "master" || (r.role === "slave" && r.master_link_status === "up");
            }, 60000);
            assert.ok(linked, `node${i} on valkey did not come back linked\n${await c().describe()}`);
        }
        const t1 = Date.now();
        await sleep(500);
        await w.stop();
        const master = await c().healthy();
        const servers = await Promise.all(c().nodes.map(serverOf));
        console.log(
            `      roll redis -> valkey in ${t1 - t0} ms; refused ${refusedWithin(w.attempts, t0, t1, 100)} ms in all ` +
                `(longest ${w.longestGap(t0, t1)} ms); ${w.acked.length} acked; hand-overs: ${handovers.join(" || ")}`,
        );
        assert.ok(
            servers.every(s => s.startsWith("valkey-")),
            `not every node runs valkey: ${servers}`,
        );
        for (const [i, n] of c().nodes.entries()) {
            if (i === master) continue;
            assert.strictEqual((await replicationInfo(n, PASSWORD)).master_link_status, "up", `node${i}`);
        }
        const lost = await missing(w.acked, keys => once(c().nodes[master], PASSWORD, ["MGET", ...keys]) as Promise<(string | null)[]>);
        assert.strictEqual(lost.length, 0, `${lost.length} of ${w.acked.length} acknowledged writes lost`);
        // Each master change went through a hand-over, never a crash's failover: writes never stopped for down-after.
        assert.strictEqual(handovers.length, 2, handovers.join("\n"));
        assert.ok(
            handovers.every(h => /handed over to/.test(h)),
            handovers.join("\n"),
        );
        assert.ok(w.longestGap(t0, t1) < SENTINEL_DEFAULTS.downAfterMilliseconds, `writes stopped for ${w.longestGap(t0, t1)} ms`);
    });
});

// Real failovers on 127.0.0.1 with the exact redis.conf, sentinel.conf, start scripts and
// haproxy.cfg that RedisSentinel renders: 3 data nodes, 3 sentinels, 1 HAProxy.
import * as assert from "assert";
import { SENTINEL_DEFAULTS } from "../../components/redis/sentinelDefaults";
import { commandExists, waitFor } from "../support/processes";
import { SentinelCluster } from "./loopback/sentinelCluster";
import { RespClient, RespError, once, replicationInfo } from "./loopback/resp";

const PASSWORD = 'p@ss "word" \\ with $pace';

describe("RedisSentinel rendered configs on real redis/sentinel/haproxy (loopback)", function () {
    this.timeout(30000);
    let cluster: SentinelCluster | undefined;
    let killed = -1;
    const acked: string[] = [];

    before(async function () {
        this.timeout(45000);
        const missing = ["redis-server", "redis-sentinel", "haproxy"].filter(c => !commandExists(c));
        if (missing.length) {
            const reason = `${missing.join(", ")} not installed (run scripts/setup.sh)`;
            this.test!.parent!.ctx.skipReason = reason;
            console.log(`      skipped: ${reason}`);
            this.skip();
        }
        cluster = new SentinelCluster({
            basePort: 17400, password: PASSWORD, minReplicasMaxLag: SENTINEL_DEFAULTS.minReplicasMaxLagSeconds,
            tuning: { ...SENTINEL_DEFAULTS, quorum: 2 },
        });
        await cluster.start();
    });

    after(() => cluster?.stop());

    const c = () => cluster!;

    /** Writes through the endpoint until one succeeds; returns ms taken and the serving port. */
    async function firstWrite(key: string, boundMs: number): Promise<{ ms: number; port: number }> {
        const t0 = Date.now();
        let port = 0;
        const ok = await waitFor(async () => { port = await c().writeThroughProxy(key, "v", 0, 500); return true; }, boundMs, 50);
        assert.ok(ok, `no write through the endpoint within ${boundMs} ms\n${c().log("haproxy0")}`);
        return { ms: Date.now() - t0, port };
    }

    /** Keeps writing `WAIT 1`-acknowledged keys over one connection until `stop()`; records the acknowledged ones. */
    function ackedWriter(prefix: string) {
        let running = true;
        const done = (async () => {
            const cl = await RespClient.connect(c().proxyPort);
            await cl.ok(["AUTH", PASSWORD]);
            try {
                for (let i = 0; running && i < 100000; i++) {
                    await cl.ok(["SET", `${prefix}:${i}`, String(i)]);
                    if (Number(await cl.ok(["WAIT", 1, 200], 1000)) >= 1) acked.push(`${prefix}:${i}`);
                }
            } catch { /* the master died under us: expected */ } finally { cl.close(); }
        })();
        return { stop: async () => { running = false; await done; } };
    }

    async function rejoins(i: number, masterPort: number): Promise<void> {
        c().startNode(i);
        const ok = await waitFor(async () => {
            const r = await replicationInfo(c().nodes[i].port, PASSWORD);
            return r.role === "slave" && r.master_port === String(masterPort) && r.master_link_status === "up";
        }, 15000, 200);
        assert.ok(ok, `node${i} did not rejoin as a replica of port ${masterPort}\n${c().log(`node${i}`)}`);
    }

    it("writes through the HAProxy endpoint reach the master and replicate to every replica", async () => {
        const master = await c().sentinelMaster();
        const port = await c().writeThroughProxy("hello", "world", 2);
        assert.strictEqual(port, c().nodes[master].port, "endpoint did not serve from the sentinels' master");
        assert.strictEqual(await c().role(master), "master");
        for (const [i, n] of c().nodes.entries()) {
            if (i === master) continue;
            assert.strictEqual(await once(n.port, PASSWORD, ["GET", "hello"]), "world", `replica node${i} lacks the write`);
            assert.ok((await once(n.port, PASSWORD, ["SET", "x", "y"]).catch(e => e)) instanceof RespError, "replica took a write");
        }
        assert.ok((await once(c().proxyPort, undefined, ["GET", "hello"]).catch(e => e)) instanceof RespError, "endpoint served without AUTH");
    });

    it("SIGKILL of the master: the same endpoint takes writes again within 10 s and the restarted node rejoins as replica", async () => {
        killed = await c().sentinelMaster();
        const writer = ackedWriter("before-kill");
        await new Promise(r => setTimeout(r, 300));
        c().kill(`node${killed}`);
        await writer.stop();
        const { ms, port } = await firstWrite("after-kill", 10000);
        const promoted = c().nodes.findIndex(n => n.port === port);
        assert.notStrictEqual(promoted, killed);
        assert.strictEqual(await c().sentinelMaster(), promoted, "endpoint and sentinels disagree on the master");
        console.log(`      first write after SIGKILL: ${ms} ms (node${killed} -> node${promoted})`);
        await rejoins(killed, port);
    });

    it("no write acknowledged by WAIT 1 before the kill is lost", async () => {
        assert.ok(acked.length > 0, "the writer got no acknowledged writes before the kill");
        const cl = await RespClient.connect(c().proxyPort);
        try {
            await cl.ok(["AUTH", PASSWORD]);
            const values = await cl.ok(["MGET", ...acked]) as (string | null)[];
            const lost = acked.filter((_k, i) => values[i] === null);
            assert.deepStrictEqual(lost, [], `${lost.length} of ${acked.length} acknowledged writes lost`);
        } finally { cl.close(); }
    });

    it("sentinels restarted all at once monitor the current master, not ordinal 0", async () => {
        const master = await c().sentinelMaster();
        // The first failover moved the master off ordinal 0, so the two answers differ.
        assert.notStrictEqual(master, 0);
        c().sentinels.forEach((_s, i) => c().kill(`sentinel${i}`));
        await new Promise(r => setTimeout(r, 200));
        c().sentinels.forEach((_s, i) => c().startSentinel(i));
        const ok = await waitFor(async () => (await c().sentinelMaster()) === master, 10000, 200);
        assert.ok(ok, `restarted sentinels do not name node${master}\n${c().log("sentinel0")}`);
        const { port } = await firstWrite("after-sentinel-restart", 10000);
        assert.strictEqual(port, c().nodes[master].port);
    });

    it("a second failover (of the promoted master) works too and the data survives both", async () => {
        let second = -1;
        const syncedReplicas = await waitFor(async () => {
            second = await c().sentinelMaster();
            return (await replicationInfo(c().nodes[second].port, PASSWORD)).connected_slaves === "2";
        }, 15000, 200);
        assert.ok(syncedReplicas, `master node${second} does not have both replicas back\n${await c().describe()}`);
        c().kill(`node${second}`);
        const { ms, port } = await firstWrite("after-second-kill", 10000);
        assert.notStrictEqual(port, c().nodes[second].port);
        console.log(`      first write after second SIGKILL: ${ms} ms (now port ${port})`);
        assert.strictEqual(await once(port, PASSWORD, ["GET", "hello"]), "world");
        await rejoins(second, port);
    });

    it("a frozen master that wakes up after the failover gets no traffic, refuses writes and is demoted", async function () {
        this.timeout(40000);
        const old = await c().sentinelMaster();
        assert.ok(await waitFor(async () => (await replicationInfo(c().nodes[old].port, PASSWORD)).connected_slaves === "2", 15000, 200),
            `master lacks replicas before the freeze\n${await c().describe()}`);
        c().kill(`node${old}`, "SIGSTOP");
        let resumed = false;
        try {
            const { port } = await firstWrite("after-freeze", 10000);
            assert.notStrictEqual(port, c().nodes[old].port);
            c().kill(`node${old}`, "SIGCONT");
            resumed = true;
            assert.strictEqual(await c().role(old), "master", "the woken master should still believe it is master");
            // Its replicas left during the freeze, so min-replicas-to-write makes it refuse writes.
            const refused = await once(c().nodes[old].port, PASSWORD, ["SET", "split-brain", "x"]).catch(e => e);
            assert.match(String(refused), /NOREPLICAS/);
            for (let i = 0; i < 10; i++) {
                const served = await c().writeThroughProxy(`woken-${i}`, "v").catch(async e => { throw new Error(`write ${i}: ${e.message}\n${await c().describe()}`); });
                assert.strictEqual(served, port, "a write reached the woken old master");
                await new Promise(r => setTimeout(r, 100));
            }
            const demoted = await waitFor(async () => {
                const r = await replicationInfo(c().nodes[old].port, PASSWORD);
                return r.role === "slave" && r.master_port === String(port);
            }, 20000, 250);
            assert.ok(demoted, `the sentinels did not demote the woken master\n${await c().describe()}`);
        } finally {
            if (!resumed) c().kill(`node${old}`, "SIGCONT");
        }
    });

    it("a node that claims master without the sentinels' confirmation gets no traffic", async () => {
        const master = await c().sentinelMaster();
        // The lowest non-master ordinal: its use-server rule comes first, so only the sentinel condition keeps it out.
        const rogue = master === 0 ? 1 : 0;
        await once(c().nodes[rogue].port, PASSWORD, ["REPLICAOF", "NO", "ONE"]);
        try {
            assert.strictEqual(await c().role(rogue), "master");
            // Long enough for HAProxy's role check to see the rogue up (it re-checks down servers every 100 ms).
            await new Promise(r => setTimeout(r, 1000));
            for (let i = 0; i < 10; i++) {
                assert.strictEqual(await c().writeThroughProxy(`rogue-${i}`, "v"), c().nodes[master].port, "a write reached the unconfirmed master");
            }
        } finally {
            await once(c().nodes[rogue].port, PASSWORD, ["REPLICAOF", "127.0.0.1", c().nodes[master].port]);
        }
    });
});

/**
 * Failover benchmark of the RedisSentinel topology on 127.0.0.1 (not a test): 3 data nodes,
 * 3 sentinels and HAProxy started from the component's own renderers, SIGKILL of the master
 * while a client keeps writing with `WAIT 1`, then:
 *   - time from SIGKILL to the first successful write through the unified endpoint;
 *   - writes acknowledged by `WAIT 1` before the kill that are missing afterwards.
 * Profiles differ only in the sentinel timings, so the comparison is like for like.
 *
 *   npx ts-node --transpile-only bench/redis-failover/run.ts [profile ...] [--runs N]
 *   profiles: tuned (default), aggressive, redis-defaults, bitnami
 */
import { SENTINEL_DEFAULTS } from "../../components/redis/sentinelDefaults";
import { SentinelCluster } from "../../test/redis/loopback/sentinelCluster";
import { RespClient, replicationInfo } from "../../test/redis/loopback/resp";
import { waitFor } from "../../test/support/processes";

const PASSWORD = "bench-password";

const PROFILES: Record<string, { downAfterMilliseconds: number; failoverTimeoutMilliseconds: number; note: string }> = {
    tuned: { ...SENTINEL_DEFAULTS, note: "RedisSentinel defaults" },
    aggressive: { downAfterMilliseconds: 1000, failoverTimeoutMilliseconds: 3000, note: "down-after 1 s" },
    "redis-defaults": { downAfterMilliseconds: 30000, failoverTimeoutMilliseconds: 180000, note: "sentinel.conf defaults" },
    bitnami: { downAfterMilliseconds: 60000, failoverTimeoutMilliseconds: 180000, note: "bitnami/redis chart defaults" },
};

interface Run { ms: number; acked: number; lost: number; from: number; to: number }

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/** Writes `WAIT 1`-acknowledged keys over one connection until stopped; returns the acknowledged keys. */
function ackedWriter(c: SentinelCluster, prefix: string) {
    const acked: string[] = [];
    let running = true;
    const done = (async () => {
        let cl: RespClient | undefined;
        try {
            cl = await RespClient.connect(c.proxyPort);
            await cl.ok(["AUTH", PASSWORD]);
            for (let i = 0; running && i < 1_000_000; i++) {
                await cl.ok(["SET", `${prefix}:${i}`, String(i)]);
                if (Number(await cl.ok(["WAIT", 1, 200], 1000)) >= 1) acked.push(`${prefix}:${i}`);
            }
        } catch { /* the master died under the writer */ } finally { cl?.close(); }
    })();
    return { acked, stop: async () => { running = false; await done; } };
}

async function oneFailover(c: SentinelCluster, run: number, boundMs: number): Promise<Run> {
    const from = await c.sentinelMaster();
    const writer = ackedWriter(c, `run${run}`);
    await sleep(500);
    const t0 = Date.now();
    c.kill(`node${from}`);
    if (process.env.KEEP_LOGS === "1") console.log(`kill at ${new Date(t0).toISOString()}`);
    await writer.stop();
    let port = 0;
    const ok = await waitFor(async () => { port = await c.writeThroughProxy(`after${run}`, "v", 0, 500); return true; }, boundMs, 50);
    if (!ok) throw new Error(`run ${run}: no write through the endpoint within ${boundMs} ms`);
    const ms = Date.now() - t0;
    const cl = await RespClient.connect(c.proxyPort);
    let lost = 0;
    try {
        await cl.ok(["AUTH", PASSWORD]);
        const keys = writer.acked.length ? writer.acked : ["-"];
        const values = await cl.ok(["MGET", ...keys]) as (string | null)[];
        lost = writer.acked.filter((_k, i) => values[i] === null).length;
    } finally { cl.close(); }
    const to = c.nodes.findIndex(n => n.port === port);
    // Bring the killed node back through its bootstrap and let everyone settle before the next run.
    c.startNode(from);
    // (Against whichever master the sentinels name by then: an unprovoked failover is counted, not fatal.)
    const settled = await waitFor(async () => {
        const master = c.nodes[await c.sentinelMaster()].port;
        const r = await replicationInfo(c.nodes[from].port, PASSWORD);
        return r.role === "slave" && r.master_port === String(master) && r.master_link_status === "up" &&
            (await replicationInfo(master, PASSWORD)).connected_slaves === String(c.nodes.length - 1);
    }, 30000, 200);
    if (!settled) throw new Error(`run ${run}: node${from} did not rejoin or the master lacks replicas`);
    await sleep(1500);
    return { ms, acked: writer.acked.length, lost, from, to };
}

function stats(xs: number[]) {
    const s = [...xs].sort((a, b) => a - b);
    const mid = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    return { median: mid, min: s[0], max: s[s.length - 1] };
}

async function main() {
    const argv = process.argv.slice(2);
    const runsAt = argv.indexOf("--runs");
    const runs = runsAt >= 0 ? Number(argv[runsAt + 1]) : 5;
    const names = argv.filter((a, i) => !a.startsWith("--") && (runsAt < 0 || i !== runsAt + 1));
    const rows: string[] = [];
    for (const [k, name] of (names.length ? names : ["tuned"]).entries()) {
        const p = PROFILES[name];
        if (!p) throw new Error(`unknown profile ${name}; have ${Object.keys(PROFILES).join(", ")}`);
        const tuning = { ...SENTINEL_DEFAULTS, quorum: 2, downAfterMilliseconds: p.downAfterMilliseconds, failoverTimeoutMilliseconds: p.failoverTimeoutMilliseconds };
        const cluster = new SentinelCluster({ basePort: 17500 + 30 * k, password: PASSWORD, minReplicasMaxLag: SENTINEL_DEFAULTS.minReplicasMaxLagSeconds, tuning });
        const results: Run[] = [];
        try {
            await cluster.start();
            for (let i = 0; i < runs; i++) {
                const r = await oneFailover(cluster, i, p.downAfterMilliseconds + p.failoverTimeoutMilliseconds + 30000);
                results.push(r);
                console.log(`${name} run ${i + 1}/${runs}: ${r.ms} ms, node${r.from} -> node${r.to}, ${r.acked} acked, ${r.lost} lost`);
            }
        } catch (e) {
            cluster.stop(true);
            throw new Error(`${(e as Error).message} (logs kept in ${cluster.dir})`);
        }
        const switches = (cluster.log("sentinel0", Infinity).match(/\+switch-master/g) ?? []).length;
        cluster.stop(process.env.KEEP_LOGS === "1");
        if (process.env.KEEP_LOGS === "1") console.log(`logs kept in ${cluster.dir}`);
        const t = stats(results.map(r => r.ms));
        const lost = results.reduce((a, r) => a + r.lost, 0);
        const acked = results.reduce((a, r) => a + r.acked, 0);
        rows.push(`| ${name} (${p.note}) | ${p.downAfterMilliseconds} / ${p.failoverTimeoutMilliseconds} | ${results.length} | ` +
            `${(t.median / 1000).toFixed(2)} | ${(t.min / 1000).toFixed(2)} | ${(t.max / 1000).toFixed(2)} | ${lost} of ${acked} | ${switches - results.length} |`);
    }
    console.log("\n| profile | down-after / failover-timeout (ms) | failovers | median s | min s | max s | WAIT-acked writes lost | unprovoked failovers |");
    console.log("|---|---|---|---|---|---|---|---|");
    for (const r of rows) console.log(r);
}

main().catch(e => { console.error(e); process.exit(1); });

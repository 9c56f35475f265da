/**
 * SIGKILL of the master while a client writes SET + WAIT 1 through the endpoint, per Sentinel
 * timing profile: time from the kill to the first write the endpoint takes again, WAIT-acked
 * writes lost, unprovoked failovers and retried attempts.
 */
import { SENTINEL_DEFAULTS } from "../../components/redis/sentinel/defaults";
import { LoopbackEngine } from "../../harness/loopback/engines";
import { SentinelCluster } from "../../harness/loopback/sentinelCluster";
import { AckedWriter } from "../../harness/loopback/writer";
import { waitFor } from "../../harness/processes";
import { PASSWORD, load, lostOn, retries, sec, sleep, stats, switches } from "./common";

export const PROFILES: Record<string, { downAfterMilliseconds: number; failoverTimeoutMilliseconds: number; note: string }> = {
    tuned: { ...SENTINEL_DEFAULTS, note: "RedisSentinel defaults" },
    aggressive: { downAfterMilliseconds: 1000, failoverTimeoutMilliseconds: 3000, note: "down-after 1 s" },
    "redis-defaults": { downAfterMilliseconds: 30000, failoverTimeoutMilliseconds: 180000, note: "sentinel.conf defaults" },
    bitnami: { downAfterMilliseconds: 60000, failoverTimeoutMilliseconds: 180000, note: "bitnami/redis chart defaults" },
};

export async function killRuns(name: string, runs: number, basePort: number, engine: LoopbackEngine = "redis"): Promise<string> {
    const p = PROFILES[name];
    if (!p) throw new Error(`unknown profile ${name}; have ${Object.keys(PROFILES).join(", ")}`);
    const tuning = {
        ...SENTINEL_DEFAULTS,
        quorum: 2,
        downAfterMilliseconds: p.downAfterMilliseconds,
        failoverTimeoutMilliseconds: p.failoverTimeoutMilliseconds,
    };
    const c = new SentinelCluster({
        basePort,
        engine,
        password: PASSWORD,
        minReplicasMaxLag: SENTINEL_DEFAULTS.minReplicasMaxLagSeconds,
        tuning,
    });
    const ms: number[] = [];
    let acked = 0,
        lost = 0;
    try {
        await c.start();
        for (let i = 0; i < runs; i++) {
            const from = await c.healthy(60000);
            await sleep(1500);
            const w = new AckedWriter({ host: c.proxy.host, port: c.proxy.port, password: PASSWORD, prefix: `run${i}` }).start();
            await sleep(500);
            const t0 = Date.now();
            c.kill(`node${from}`);
            let to = -1;
            const ok = await waitFor(
                async () => {
                    to = await c.writeThroughProxy(`after${i}`, "v", 0, 500);
                    return to !== from;
                },
                p.downAfterMilliseconds + p.failoverTimeoutMilliseconds * 3 + 10000,
                20,
            );
            if (!ok) throw new Error(`run ${i}: no write through the endpoint`);
            ms.push(Date.now() - t0);
            await sleep(200);
            await w.stop();
            const l = await lostOn(c, to, w.acked);
            acked += w.acked.length;
            lost += l;
            console.log(
                `${name} run ${i + 1}/${runs}: ${ms[i]} ms, node${from} -> node${to}, ${w.acked.length} acked, ${l} lost (load ${load()})`,
            );
            c.startNode(from);
        }
        await c.healthy(60000);
    } catch (e) {
        c.stop(true);
        throw new Error(`${(e as Error).message} (logs kept in ${c.dir})`);
    }
    const unprovoked = switches(c) - runs;
    const retried = retries(c);
    c.stop(process.env.KEEP_LOGS === "1");
    const t = stats(ms);
    return `| ${name} (${p.note}), ${engine} | ${p.downAfterMilliseconds} / ${p.failoverTimeoutMilliseconds} | ${runs} | ${sec(t.median)} | ${sec(t.min)} | ${sec(t.max)} | ${lost} of ${acked} | ${unprovoked} | ${retried} |`;
}

export const KILL_HEADER =
    "| profile | down-after / failover-timeout (ms) | failovers | median s | min s | max s | WAIT-acked writes lost | unprovoked failovers | retried attempts |\n|---|---|---|---|---|---|---|---|---|";

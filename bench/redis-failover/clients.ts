/**
 * The endpoint against a Sentinel-aware client, in the same runs: two ioredis 5 clients with
 * default options, one on the endpoint, one in Sentinel mode, both writing in a loop; SIGKILL of
 * the master; time from the kill to each client's first completed write.
 */
import Redis from "ioredis";
import { SENTINEL_DEFAULTS } from "../../components/redis/sentinel/defaults";
import { SentinelCluster } from "../../harness/loopback/sentinelCluster";
import { waitFor } from "../../harness/processes";
import { PASSWORD, load, sec, sleep, stats } from "./common";

function looping(client: Redis, key: string) {
    const done: number[] = [];
    let running = true;
    const loop = (async () => {
        while (running) {
            try {
                await client.set(key, String(Date.now()));
                done.push(Date.now());
            } catch {
                await sleep(10);
            }
        }
    })();
    return {
        done,
        stop: async () => {
            running = false;
            await loop;
        },
    };
}

export async function clientRuns(runs: number, basePort: number): Promise<string[]> {
    const c = new SentinelCluster({
        basePort,
        password: PASSWORD,
        minReplicasMaxLag: SENTINEL_DEFAULTS.minReplicasMaxLagSeconds,
        tuning: { ...SENTINEL_DEFAULTS, quorum: 2 },
    });
    const endpoint: number[] = [],
        sentinel: number[] = [];
    try {
        await c.start();
        for (let i = 0; i < runs; i++) {
            const from = await c.healthy(60000);
            await sleep(1500);
            const a = new Redis({ host: c.proxy.host, port: c.proxy.port, password: PASSWORD, lazyConnect: false });
            const b = new Redis({
                sentinels: c.sentinels.map(s => ({ host: s.host, port: s.port })),
                name: SENTINEL_DEFAULTS.masterName,
                password: PASSWORD,
                sentinelPassword: PASSWORD,
            });
            for (const x of [a, b]) x.on("error", () => undefined);
            const la = looping(a, "via-endpoint"),
                lb = looping(b, "via-sentinels");
            await sleep(1000);
            const t0 = Date.now();
            c.kill(`node${from}`);
            const first = (d: number[]) =>
                waitFor(
                    () => {
                        const after = d.filter(t => t > t0);
                        // The first completion after a gap of at least the down-after: a write on the new master.
                        for (let k = 1; k < after.length; k++) if (after[k] - after[k - 1] > 500) return true;
                        return false;
                    },
                    20000,
                    20,
                );
            await Promise.all([first(la.done), first(lb.done)]);
            const gapEnd = (d: number[]) => {
                const after = [t0, ...d.filter(t => t > t0)];
                for (let k = 1; k < after.length; k++) if (after[k] - after[k - 1] > 500) return after[k] - t0;
                return NaN;
            };
            endpoint.push(gapEnd(la.done));
            sentinel.push(gapEnd(lb.done));
            await la.stop();
            await lb.stop();
            a.disconnect();
            b.disconnect();
            console.log(`clients run ${i + 1}/${runs}: endpoint ${endpoint[i]} ms, Sentinel mode ${sentinel[i]} ms (load ${load()})`);
            c.startNode(from);
        }
        await c.healthy(60000);
    } finally {
        c.stop(process.env.KEEP_LOGS === "1");
    }
    const e = stats(endpoint),
        s = stats(sentinel);
    const diff = stats(endpoint.map((x, i) => x - sentinel[i]));
    return [
        `| ioredis 5 on the endpoint (\`new Redis({ host, port })\`) | ${runs} | ${sec(e.median)} | ${sec(e.min)} | ${sec(e.max)} |`,
        `| ioredis 5 in Sentinel mode (\`new Redis({ sentinels, name })\`) | ${runs} | ${sec(s.median)} | ${sec(s.min)} | ${sec(s.max)} |`,
        `| endpoint minus Sentinel mode, same run | ${runs} | ${sec(diff.median)} | ${sec(diff.min)} | ${sec(diff.max)} |`,
    ];
}

export const CLIENT_HEADER = "| client | failovers | first write after SIGKILL, median s | min s | max s |\n|---|---|---|---|---|";

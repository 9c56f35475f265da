/**
 * Planned hand-over: the master's preStop hook runs as the kubelet runs it before stopping the pod,
 * then Redis gets SIGTERM and the pod comes back, as in a rolling restart of every data pod
 * (highest ordinal first). Per hand-over: the longest stretch without a successful write through
 * the endpoint, WAIT-acked writes lost, whether the target was an already-restarted pod.
 */
import { SENTINEL_DEFAULTS } from "../../components/redis/sentinel/defaults";
import { SentinelCluster } from "../../harness/loopback/sentinelCluster";
import { AckedWriter } from "../../harness/loopback/writer";
import { PASSWORD, load, lostOn, sec, sleep, stats, switches } from "./common";

export async function rollingRestarts(rounds: number, basePort: number): Promise<string> {
    const c = new SentinelCluster({
        basePort,
        password: PASSWORD,
        minReplicasMaxLag: SENTINEL_DEFAULTS.minReplicasMaxLagSeconds,
        tuning: { ...SENTINEL_DEFAULTS, quorum: 2 },
    });
    const gaps: number[] = [];
    let acked = 0,
        lost = 0,
        handovers = 0,
        restarts = 0,
        toUpdated = 0;
    try {
        await c.start();
        for (let r = 0; r < rounds; r++) {
            const w = new AckedWriter({ host: c.proxy.host, port: c.proxy.port, password: PASSWORD, prefix: `roll${r}` }).start();
            await sleep(500);
            for (let i = c.nodes.length - 1; i >= 0; i--) {
                const master = await c.healthy(60000);
                await sleep(1000);
                const t0 = Date.now();
                const out = await c.preStop(i);
                c.kill(`node${i}`, "SIGTERM");
                await sleep(300);
                c.startNode(i);
                restarts++;
                if (i === master) {
                    handovers++;
                    const now = await c.sentinelMaster();
                    if (now > i) toUpdated++;
                    const gap = w.longestGap(t0, Date.now());
                    gaps.push(gap);
                    console.log(
                        `round ${r + 1} ordinal ${i}: hand-over node${i} -> node${now}, writes refused ${gap} ms (load ${load()})\n${out.trim()}`,
                    );
                }
            }
            const to = await c.healthy(60000);
            await w.stop();
            const l = await lostOn(c, to, w.acked);
            acked += w.acked.length;
            lost += l;
        }
    } catch (e) {
        c.stop(true);
        throw new Error(`${(e as Error).message} (logs kept in ${c.dir})`);
    }
    const unprovoked = switches(c) - handovers;
    c.stop(process.env.KEEP_LOGS === "1");
    const t = stats(gaps);
    return `| rolling restart of 3 data pods × ${rounds} | ${restarts} | ${handovers} (${toUpdated} to an already-restarted pod) | ${sec(t.median)} | ${sec(t.min)} | ${sec(t.max)} | ${lost} of ${acked} | ${unprovoked} |`;
}

export const HANDOVER_HEADER =
    "| scenario | pod restarts | master hand-overs | writes refused per hand-over, median s | min s | max s | WAIT-acked writes lost | unprovoked failovers |\n|---|---|---|---|---|---|---|---|";

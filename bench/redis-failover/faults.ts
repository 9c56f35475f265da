/**
 * Every single fault of the master, with each instance in its own network namespace: kill,
 * freeze, full partition, partition from the sentinels, partition from the replicas. Per case:
 * how long writes through the endpoint were refused (the longest stretch without a successful
 * write) and WAIT-acked writes lost once the set healed.
 */
import { SENTINEL_DEFAULTS } from "../../components/redis/sentinel/defaults";
import { once } from "../../harness/loopback/resp";
import { SentinelCluster } from "../../harness/loopback/sentinelCluster";
import { AckedWriter } from "../../harness/loopback/writer";
import { PASSWORD, load, lostOn, sec, sleep, stats } from "./common";

interface Fault {
    name: string;
    holdMs: number;
    inject(c: SentinelCluster, m: number): void;
    lift(c: SentinelCluster, m: number): void;
}

const others = (c: SentinelCluster, m: number) => [
    ...c.nodes.filter((_n, i) => i !== m).map(n => n.host),
    ...c.sentinels.map(s => s.host),
    c.proxy.host,
    c.net!.gateway,
];

export const FAULTS: Fault[] = [
    { name: "SIGKILL, restarted", holdMs: 4000, inject: (c, m) => c.kill(`node${m}`), lift: (c, m) => c.startNode(m) },
    {
        name: "freeze 4 s (SIGSTOP)",
        holdMs: 4000,
        inject: (c, m) => c.kill(`node${m}`, "SIGSTOP"),
        lift: (c, m) => c.kill(`node${m}`, "SIGCONT"),
    },
    {
        name: "full partition 5 s",
        holdMs: 5000,
        inject: (c, m) => c.net!.partition(`node${m}`, others(c, m)),
        lift: (c, m) => c.net!.heal(`node${m}`),
    },
    {
        name: "partition from the sentinels 5 s",
        holdMs: 5000,
        inject: (c, m) =>
            c.net!.partition(
                `node${m}`,
                c.sentinels.map(s => s.host),
            ),
        lift: (c, m) => c.net!.heal(`node${m}`),
    },
    {
        name: "partition from the replicas 5 s",
        holdMs: 5000,
        inject: (c, m) =>
            c.net!.partition(
                `node${m}`,
                c.nodes.filter((_n, i) => i !== m).map(n => n.host),
            ),
        lift: (c, m) => c.net!.heal(`node${m}`),
    },
];

/** Runs `runs` of each fault whose name contains one of `only` (every fault when empty). */
export async function faultRuns(runs: number, only: string[] = []): Promise<string[]> {
    const c = new SentinelCluster({
        basePort: 0,
        netns: true,
        password: PASSWORD,
        minReplicasMaxLag: SENTINEL_DEFAULTS.minReplicasMaxLagSeconds,
        tuning: { ...SENTINEL_DEFAULTS, quorum: 2 },
    });
    const rows: string[] = [];
    try {
        await c.start();
        for (const f of FAULTS.filter(x => !only.length || only.some(o => x.name.includes(o)))) {
            const refused: number[] = [];
            let acked = 0,
                lost = 0,
                failovers = 0;
            for (let i = 0; i < runs; i++) {
                const m = await c.healthy(60000);
                await sleep(1500);
                const w = new AckedWriter({ host: c.proxy.host, port: c.proxy.port, password: PASSWORD, prefix: `${f.name}-${i}` }).start();
                await sleep(500);
                const t0 = Date.now();
                f.inject(c, m);
                await sleep(f.holdMs);
                f.lift(c, m);
                const to = await c.healthy(60000);
                await sleep(300);
                await w.stop();
                const l = await lostOn(c, to, w.acked);
                // Every run writes ~50,000 keys: counted, they go, or 25 runs fill the nodes' maxmemory (64 MiB).
                await once(c.nodes[to], PASSWORD, ["FLUSHALL"]);
                refused.push(w.longestGap(t0, Date.now()));
                acked += w.acked.length;
                lost += l;
                if (to !== m) failovers++;
                console.log(
                    `${f.name} run ${i + 1}/${runs}: refused ${refused[i]} ms, node${m} -> node${to}, ${w.acked.length} acked, ${l} lost (load ${load()})`,
                );
            }
            const t = stats(refused);
            rows.push(`| ${f.name} | ${runs} | ${failovers} | ${sec(t.median)} | ${sec(t.max)} | ${lost} of ${acked} |`);
        }
    } finally {
        c.stop(process.env.KEEP_LOGS === "1");
    }
    return rows;
}

export const FAULT_HEADER =
    "| fault of the master | runs | failovers | writes refused, median s | max s | WAIT-acked writes lost |\n|---|---|---|---|---|---|";

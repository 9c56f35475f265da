/**
 * What a healthy, idle RedisSentinel set costs its own members: connections opened and commands
 * served per second on each sentinel and data node, from `INFO stats` counters sampled over a
 * window once the set is steady (agents, sentinels and one HAProxy running, no client traffic).
 */
import { SENTINEL_DEFAULTS } from "../../components/redis/sentinel/defaults";
import { SentinelCluster } from "../../harness/loopback/sentinelCluster";
import { Target, info } from "../../harness/loopback/resp";
import { PASSWORD, load, sleep } from "./common";

async function counters(t: Target): Promise<[number, number]> {
    const s = await info(t, PASSWORD, "stats");
    return [Number(s.total_connections_received), Number(s.total_commands_processed)];
}

export async function idleLoad(seconds: number, basePort: number): Promise<string[]> {
    const c = new SentinelCluster({
        basePort,
        password: PASSWORD,
        minReplicasMaxLag: SENTINEL_DEFAULTS.minReplicasMaxLagSeconds,
        tuning: { ...SENTINEL_DEFAULTS, quorum: 2 },
    });
    try {
        await c.start();
        const master = await c.healthy(60000);
        await sleep(10000);
        const members = [
            ...c.sentinels.map((s, i) => [`sentinel ${i}`, s] as const),
            ...c.nodes.map((n, i) => [`data node ${i} (${i === master ? "master" : "replica"})`, n] as const),
        ];
        // One sample costs one connection and one command per member: subtracted below.
        const before = await Promise.all(members.map(([, t]) => counters(t)));
        await sleep(seconds * 1000);
        const after = await Promise.all(members.map(([, t]) => counters(t)));
        console.log(`idle window ${seconds} s (load ${load()})`);
        return members.map(([what], i) => {
            const conns = (after[i][0] - before[i][0] - 1) / seconds;
            const cmds = (after[i][1] - before[i][1] - 1) / seconds;
            return `| ${what} | ${conns.toFixed(2)} | ${cmds.toFixed(1)} |`;
        });
    } finally {
        c.stop();
    }
}

export const IDLE_HEADER = "| member | connections opened / s | commands served / s |\n|---|---|---|";

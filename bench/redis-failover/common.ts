/** Shared pieces of the failover benchmarks: statistics, the sentinel log, settling between runs. */
import { SentinelCluster } from "../../harness/loopback/sentinelCluster";
import { once } from "../../harness/loopback/resp";
import { sleep } from "../../harness/processes";

export { sleep };

export const PASSWORD = "bench-password";

export function stats(xs: number[]) {
    const s = [...xs].sort((a, b) => a - b);
    const mid = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    return { median: mid, min: s[0], max: s[s.length - 1] };
}

export const sec = (ms: number) => (ms / 1000).toFixed(2);

/** `+switch-master` events sentinel 0 logged: every failover, provoked or not. */
export function switches(c: SentinelCluster): number {
    return (c.log("sentinel0", Infinity).match(/\+switch-master/g) ?? []).length;
}

/** Failover attempts that were retried: an election lost or no replica eligible. */
export function retries(c: SentinelCluster): number {
    const log = [0, 1, 2].map(i => c.log(`sentinel${i}`, Infinity)).join("\n");
    return (log.match(/-failover-abort-[a-z-]+/g) ?? []).length;
}

/** Keys of `keys` missing on node `i`. */
export async function lostOn(c: SentinelCluster, i: number, keys: string[]): Promise<number> {
    let lost = 0;
    for (let k = 0; k < keys.length; k += 1000) {
        const chunk = keys.slice(k, k + 1000);
        const values = (await once(c.nodes[i], PASSWORD, ["MGET", ...chunk])) as (string | null)[];
        lost += values.filter(v => v === null).length;
    }
    return lost;
}

/** The machine's 1-minute load average, reported next to every figure. */
export function load(): string {
    return require("os").loadavg()[0].toFixed(1);
}

/**
 * A client that keeps writing through an endpoint the way an application does: one connection,
 * `SET` then `WAIT 1 <ms>`, reconnecting after any error. It records every key whose WAIT
 * reported a replica (the writes that must survive) and when writes succeeded, so a test can
 * measure lost writes and how long writes were refused.
 */
import { RespClient } from "./resp";

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

export interface WriterOptions {
    host: string;
    port: number;
    password: string;
    prefix: string;
    waitMs?: number;
    reconnectDelayMs?: number;
}

export class AckedWriter {
    /** Keys acknowledged by at least one replica. */
    readonly acked: string[] = [];
    /** Times (ms since epoch) of writes that succeeded (SET answered OK), in order. */
    readonly okTimes: number[] = [];
    errors = 0;
    private running = true;
    private done?: Promise<void>;

    constructor(private readonly o: WriterOptions) {}

    start(): this {
        this.done = this.loop();
        return this;
    }

    private async loop(): Promise<void> {
        let i = 0;
        while (this.running && i < 10_000_000) {
            let c: RespClient | undefined;
            try {
                c = await RespClient.connect(this.o.port, this.o.host, 500);
                await c.ok(["AUTH", this.o.password], 1000);
                while (this.running) {
                    const key = `${this.o.prefix}:${i++}`;
                    await c.ok(["SET", key, "v"], 2000);
                    this.okTimes.push(Date.now());
                    const n = await c.ok(["WAIT", 1, this.o.waitMs ?? 200], 2000 + (this.o.waitMs ?? 200));
                    if (Number(n) >= 1) this.acked.push(key);
                }
            } catch {
                this.errors++;
                await sleep(this.o.reconnectDelayMs ?? 20);
            } finally {
                c?.close();
            }
        }
    }

    async stop(): Promise<void> {
        this.running = false;
        await this.done;
    }

    /** First successful write at or after `t`, as ms after `t`; undefined when none. */
    firstOkAfter(t: number): number | undefined {
        const hit = this.okTimes.find(x => x >= t);
        return hit === undefined ? undefined : hit - t;
    }

    /** Longest stretch without a successful write between `from` and `to` (ms). */
    longestGap(from: number, to: number): number {
        let last = from;
        let gap = 0;
        for (const t of this.okTimes) {
            if (t < from) continue;
            if (t > to) break;
            gap = Math.max(gap, t - last);
            last = t;
        }
        return Math.max(gap, to - last);
    }
}

/**
 * Milliseconds of [from, to] that fall in stretches of at least `minGapMs` without a successful write: the refused
 * time of several short outages, where {@link AckedWriter.longestGap} sees only the worst.
 */
export function refusedWithin(okTimes: number[], from: number, to: number, minGapMs = 100): number {
    let total = 0;
    let last = Number.NEGATIVE_INFINITY;
    for (const t of [...okTimes, Number.POSITIVE_INFINITY]) {
        if (t - last >= minGapMs) total += Math.max(0, Math.min(t, to) - Math.max(last, from));
        last = t;
        if (last > to) break;
    }
    return total;
}

/** Keys of `keys` that `get` cannot find; asks in chunks. */
export async function missing(keys: string[], mget: (chunk: string[]) => Promise<(string | null)[]>): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < keys.length; i += 1000) {
        const chunk = keys.slice(i, i + 1000);
        const values = await mget(chunk);
        chunk.forEach((k, j) => {
            if (values[j] === null) out.push(k);
        });
    }
    return out;
}

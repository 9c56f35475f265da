/**
 * A client that keeps writing through an endpoint the way an application does: one connection,
 * `SET` then `WAIT 1 <ms>`, reconnecting after any error. It records every key whose WAIT
 * reported a replica (the writes that must survive) and when writes succeeded, so a test can
 * measure lost writes and how long writes were refused.
 */
import { RespClient } from "./resp";
import { sleep } from "../processes";

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
    /**
     * Per successful write, `[tried, ok]`: since when the writer had been trying to write it (retries and reconnects
     * included) and when the SET was answered OK. Trying starts when the previous write's WAIT answered — the time a
     * replica takes to acknowledge is replication latency, not the endpoint refusing writes — or, when that WAIT
     * failed, right after its SET.
     */
    readonly attempts: [number, number][] = [];
    /** Since when the writer has been trying to write. */
    private trying = 0;
    /** While a WAIT is pending: its SET's time. */
    private waiting?: number;
    /** The attempt the writer was making when stopped, if it never succeeded. */
    private unfinished?: [number, number];
    errors = 0;
    private running = true;
    private done?: Promise<void>;

    constructor(private readonly o: WriterOptions) {}

    /** The password of the next connection (an application moving to a rotated one keeps its open connection). */
    usePassword(password: string): void {
        this.o.password = password;
    }

    start(): this {
        this.done = this.loop();
        return this;
    }

    private async loop(): Promise<void> {
        let i = 0;
        this.trying = Date.now();
        while (this.running && i < 10_000_000) {
            let c: RespClient | undefined;
            try {
                c = await RespClient.connect(this.o.port, this.o.host, 500);
                await c.ok(["AUTH", this.o.password], 1000);
                while (this.running) {
                    const key = `${this.o.prefix}:${i++}`;
                    await c.ok(["SET", key, "v"], 2000);
                    const ok = Date.now();
                    this.okTimes.push(ok);
                    this.attempts.push([this.trying, ok]);
                    this.waiting = ok;
                    const n = await c.ok(["WAIT", 1, this.o.waitMs ?? 200], 2000 + (this.o.waitMs ?? 200));
                    this.waiting = undefined;
                    this.trying = Date.now();
                    if (Number(n) >= 1) this.acked.push(key);
                }
            } catch {
                // A failed WAIT: trying since its SET.
                if (this.waiting !== undefined) this.trying = this.waiting;
                this.waiting = undefined;
                this.errors++;
                await sleep(this.o.reconnectDelayMs ?? 20);
            } finally {
                c?.close();
            }
        }
    }

    async stop(): Promise<void> {
        // A write still being tried when the writer stops was refused until now.
        if (this.waiting === undefined) this.unfinished = [this.trying, Date.now()];
        this.running = false;
        await this.done;
        if (this.unfinished && this.attempts.some(([a]) => a === this.unfinished![0])) this.unfinished = undefined;
    }

    /** First successful write at or after `t`, as ms after `t`; undefined when none. */
    firstOkAfter(t: number): number | undefined {
        const hit = this.okTimes.find(x => x >= t);
        return hit === undefined ? undefined : hit - t;
    }

    /** The stretches of trying to write, `[tried, ok]`, with the one still open (if any) ending now. */
    spans(): [number, number][] {
        if (this.running) return this.waiting === undefined ? [...this.attempts, [this.trying, Date.now()]] : [...this.attempts];
        return this.unfinished ? [...this.attempts, this.unfinished] : [...this.attempts];
    }

    /** Longest stretch between `from` and `to` in which the writer tried to write without success (ms). */
    longestGap(from: number, to: number): number {
        let gap = 0;
        for (const [a, b] of this.spans()) gap = Math.max(gap, Math.min(b, to) - Math.max(a, from));
        return gap;
    }
}

/**
 * Milliseconds of [from, to] in stretches of at least `minGapMs` in which the writer tried to write without success
 * (`attempts` of an {@link AckedWriter}): the refused time of several short outages, where
 * {@link AckedWriter.longestGap} sees only the worst.
 */
export function refusedWithin(attempts: [number, number][], from: number, to: number, minGapMs = 100): number {
    let total = 0;
    for (const [a, b] of attempts) if (b - a >= minGapMs) total += Math.max(0, Math.min(b, to) - Math.max(a, from));
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

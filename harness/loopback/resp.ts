/**
 * A minimal RESP2 client over net.Socket for the loopback tests and the failover benchmark:
 * one command at a time, every call bounded by a timeout.
 */
import * as net from "net";
import * as tls from "tls";

let tlsCa: Buffer | undefined;
let tlsClient: { cert: Buffer; key: Buffer } | undefined;

/**
 * Makes every later connection TLS, verified against `ca` (the server names must include the
 * address connected to), presenting `client` when given; `undefined` goes back to plaintext. For the TLS
 * loopback tests.
 */
export function useTls(ca: Buffer | undefined, client?: { cert: Buffer; key: Buffer }): void {
    tlsCa = ca;
    tlsClient = ca ? client : undefined;
}

export type Reply = string | number | null | Reply[] | RespError;

export class RespError extends Error {}

/** Parses one reply from `buf` at `pos`; undefined when more bytes are needed. */
function parse(buf: Buffer, pos: number): { value: Reply; next: number } | undefined {
    const eol = buf.indexOf("\r\n", pos);
    if (eol < 0) return undefined;
    const type = String.fromCharCode(buf[pos]);
    const line = buf.toString("utf8", pos + 1, eol);
    switch (type) {
        case "+":
            return { value: line, next: eol + 2 };
        case "-":
            return { value: new RespError(line), next: eol + 2 };
        case ":":
            return { value: Number(line), next: eol + 2 };
        case "$": {
            const len = Number(line);
            if (len < 0) return { value: null, next: eol + 2 };
            if (buf.length < eol + 2 + len + 2) return undefined;
            return { value: buf.toString("utf8", eol + 2, eol + 2 + len), next: eol + 2 + len + 2 };
        }
        case "*": {
            const count = Number(line);
            if (count < 0) return { value: null, next: eol + 2 };
            const items: Reply[] = [];
            let next = eol + 2;
            for (let i = 0; i < count; i++) {
                const item = parse(buf, next);
                if (!item) return undefined;
                items.push(item.value);
                next = item.next;
            }
            return { value: items, next };
        }
        default:
            throw new Error(`unexpected RESP type byte ${JSON.stringify(type)}`);
    }
}

function encode(args: (string | number)[]): Buffer {
    const parts = [`*${args.length}\r\n`];
    for (const a of args) {
        const s = String(a);
        parts.push(`$${Buffer.byteLength(s)}\r\n${s}\r\n`);
    }
    return Buffer.from(parts.join(""));
}

export class RespClient {
    private buf = Buffer.alloc(0);
    private waiting?: { resolve: (r: Reply) => void; reject: (e: Error) => void };
    private closed?: Error;

    private constructor(private readonly socket: net.Socket) {
        socket.on("data", chunk => {
            this.buf = Buffer.concat([this.buf, chunk]);
            this.drain();
        });
        const fail = (e: Error) => {
            this.closed = e;
            this.waiting?.reject(e);
            this.waiting = undefined;
        };
        socket.on("error", fail);
        socket.on("close", () => fail(new Error("connection closed")));
    }

    static connect(port: number, host = "127.0.0.1", timeoutMs = 1000): Promise<RespClient> {
        return new Promise((resolve, reject) => {
            const socket = tlsCa ? tls.connect({ port, host, ca: tlsCa, ...tlsClient }) : net.connect({ port, host });
            const timer = setTimeout(() => {
                socket.destroy();
                reject(new Error(`connect ${host}:${port} timed out`));
            }, timeoutMs);
            socket.once("error", e => {
                clearTimeout(timer);
                reject(e);
            });
            socket.once(tlsCa ? "secureConnect" : "connect", () => {
                clearTimeout(timer);
                resolve(new RespClient(socket));
            });
        });
    }

    private drain(): void {
        if (!this.waiting) return;
        const r = parse(this.buf, 0);
        if (!r) return;
        this.buf = this.buf.subarray(r.next);
        const w = this.waiting;
        this.waiting = undefined;
        w.resolve(r.value);
    }

    /** Sends one command; resolves with its reply (a RespError value for `-ERR`), rejects on I/O trouble. */
    call(args: (string | number)[], timeoutMs = 2000): Promise<Reply> {
        if (this.closed) return Promise.reject(this.closed);
        return new Promise((resolve, reject) => {
            const timer = setTimeout(() => {
                this.waiting = undefined;
                this.socket.destroy();
                reject(new Error(`${args[0]} timed out`));
            }, timeoutMs);
            this.waiting = {
                resolve: v => {
                    clearTimeout(timer);
                    resolve(v);
                },
                reject: e => {
                    clearTimeout(timer);
                    reject(e);
                },
            };
            this.socket.write(encode(args));
            this.drain();
        });
    }

    /** Like {@link call} but rejects on an error reply too. */
    async ok(args: (string | number)[], timeoutMs = 2000): Promise<Reply> {
        const r = await this.call(args, timeoutMs);
        if (r instanceof RespError) throw r;
        return r;
    }

    close(): void {
        this.socket.destroy();
    }
}

/** A server: a loopback port, or a host and port. */
export type Target = number | { host: string; port: number };

function hostPort(t: Target): { host: string; port: number } {
    return typeof t === "number" ? { host: "127.0.0.1", port: t } : t;
}

/** Connects, authenticates (as the default user, or `[user, password]`), runs one command, closes. */
export async function once(
    target: Target,
    password: string | [string, string] | undefined,
    args: (string | number)[],
    timeoutMs = 2000,
): Promise<Reply> {
    const { host, port } = hostPort(target);
    const c = await RespClient.connect(port, host, timeoutMs);
    try {
        if (password) await c.ok(["AUTH", ...(typeof password === "string" ? [password] : password)], timeoutMs);
        return await c.ok(args, timeoutMs);
    } finally {
        c.close();
    }
}

/** Whether `target` takes `password` (as the default user, or `[user, password]`): its AUTH answers OK. */
export async function acceptsAuth(target: Target, password: string | [string, string], timeoutMs = 1000): Promise<boolean> {
    const { host, port } = hostPort(target);
    let c: RespClient | undefined;
    try {
        c = await RespClient.connect(port, host, timeoutMs);
        await c.ok(["AUTH", ...(typeof password === "string" ? [password] : password)], timeoutMs);
        return true;
    } catch {
        return false;
    } finally {
        c?.close();
    }
}

/** An `INFO <section>` reply as a key/value map. */
export async function info(
    target: Target,
    password: string | [string, string] | undefined,
    section: string,
): Promise<Record<string, string>> {
    const text = String(await once(target, password, ["INFO", section]));
    const out: Record<string, string> = {};
    for (const line of text.split("\r\n")) {
        const i = line.indexOf(":");
        if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
    }
    return out;
}

/** `INFO replication` as a key/value map. */
export function replicationInfo(target: Target, password?: string): Promise<Record<string, string>> {
    return info(target, password, "replication");
}

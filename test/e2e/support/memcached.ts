// memcached clients for the real-pods tier: one text-protocol command, binary-protocol requests (SASL mode speaks
// only those), and an HTTP GET for the exporter's /metrics.
import * as http from "http";
import * as net from "net";

/** One memcached text-protocol command over TCP; resolves with the reply up to END or the first line. */
export function memcachedText(host: string, cmd: string, port = 11211): Promise<string> {
    return new Promise((resolve, reject) => {
        const s = net.connect({ host, port });
        let buf = "";
        const timer = setTimeout(() => {
            s.destroy();
            reject(new Error(`memcached ${cmd} on ${host} timed out`));
        }, 3000);
        s.on("data", d => {
            buf += d;
            if ((cmd === "stats" && buf.includes("END\r\n")) || (cmd !== "stats" && buf.includes("\r\n"))) {
                clearTimeout(timer);
                s.end();
                resolve(buf);
            }
        });
        s.on("error", e => {
            clearTimeout(timer);
            reject(e);
        });
        s.on("connect", () => s.write(`${cmd}\r\n`));
    });
}

/** Whatever memcached sends back to a text-protocol command within `ms` ("" for silence): SASL mode reads the
 *  bytes as the start of a binary request and neither answers nor closes. */
export function textReplyWithin(host: string, cmd: string, ms: number, port = 11211): Promise<string> {
    return new Promise((resolve, reject) => {
        const s = net.connect({ host, port });
        let buf = "";
        const done = () => {
            clearTimeout(timer);
            s.destroy();
            resolve(buf);
        };
        const timer = setTimeout(done, ms);
        s.on("data", d => {
            buf += d;
        });
        s.on("close", done);
        s.on("error", e => {
            clearTimeout(timer);
            reject(e);
        });
        s.on("connect", () => s.write(`${cmd}\r\n`));
    });
}

export const OP = { stat: 0x10, saslList: 0x20, saslAuth: 0x21 } as const;
export const STATUS_AUTH_ERROR = 0x20;

export interface BinaryReply {
    status: number;
    body: string;
    stats: Record<string, string>;
}

/** A binary-protocol connection: requests run one at a time, each read up to the packet that ends it. */
export class MemcachedBinary {
    private buf = Buffer.alloc(0);
    private waiting?: () => void;
    private closed?: Error;

    private constructor(private readonly sock: net.Socket) {
        sock.on("data", d => {
            this.buf = Buffer.concat([this.buf, d]);
            this.waiting?.();
        });
        sock.on("close", () => {
            this.closed ??= new Error("connection closed");
            this.waiting?.();
        });
        sock.on("error", e => {
            this.closed = e;
            this.waiting?.();
        });
    }

    static connect(host: string, port = 11211, timeoutMs = 3000): Promise<MemcachedBinary> {
        return new Promise((resolve, reject) => {
            const s = net.connect({ host, port });
            const timer = setTimeout(() => {
                s.destroy();
                reject(new Error(`connect ${host}:${port} timed out`));
            }, timeoutMs);
            s.once("connect", () => {
                clearTimeout(timer);
                resolve(new MemcachedBinary(s));
            });
            s.once("error", e => {
                clearTimeout(timer);
                reject(e);
            });
        });
    }

    private async read(n: number, deadline: number): Promise<Buffer> {
        while (this.buf.length < n) {
            if (this.closed) throw this.closed;
            const left = deadline - Date.now();
            if (left <= 0) throw new Error("memcached binary reply timed out");
            await new Promise<void>(r => {
                const t = setTimeout(r, left);
                this.waiting = () => {
                    clearTimeout(t);
                    r();
                };
            });
            this.waiting = undefined;
        }
        const out = this.buf.subarray(0, n);
        this.buf = this.buf.subarray(n);
        return out;
    }

    /** Sends one request; stats answers one packet per stat and an empty-key terminator, collected in `stats`. */
    async request(op: number, key = "", value = ""): Promise<BinaryReply> {
        const k = Buffer.from(key),
            v = Buffer.from(value, "latin1");
        const hdr = Buffer.alloc(24);
        hdr[0] = 0x80;
        hdr[1] = op;
        hdr.writeUInt16BE(k.length, 2);
        hdr.writeUInt32BE(k.length + v.length, 8);
        this.sock.write(Buffer.concat([hdr, k, v]));
        const deadline = Date.now() + 3000;
        const stats: Record<string, string> = {};
        let first: BinaryReply | undefined;
        for (;;) {
            const h = await this.read(24, deadline);
            const keyLen = h.readUInt16BE(2),
                extras = h[4],
                status = h.readUInt16BE(6),
                total = h.readUInt32BE(8);
            const body = await this.read(total, deadline);
            const rkey = body.subarray(extras, extras + keyLen).toString(),
                rval = body.subarray(extras + keyLen).toString();
            first ??= { status, body: rval, stats };
            if (status !== 0) return { status, body: rval, stats };
            if (op !== OP.stat || keyLen === 0) return first;
            stats[rkey] = rval;
        }
    }

    close(): void {
        this.sock.destroy();
    }
}

/** GET url; resolves with the status code and body. */
export function httpGet(url: string, timeoutMs = 3000): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
        const req = http.get(url, { timeout: timeoutMs }, res => {
            let body = "";
            res.setEncoding("utf8");
            res.on("data", d => {
                body += d;
            });
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on("timeout", () => req.destroy(new Error(`GET ${url} timed out`)));
        req.on("error", reject);
    });
}

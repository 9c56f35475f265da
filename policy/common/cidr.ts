/** IPv4 CIDR parsing, just enough to test containment in the RFC 1918 private ranges. */

interface Range {
    base: number;
    prefix: number;
}

function parse(text: string): Range | undefined {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
    if (!m) return undefined;
    const octets = m.slice(1, 5).map(Number);
    const prefix = Number(m[5]);
    if (octets.some(o => o > 255) || prefix > 32) return undefined;
    return { base: octets.reduce((acc, o) => acc * 256 + o, 0), prefix };
}

const PRIVATE = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].map(t => parse(t)!);

function within(inner: Range, outer: Range): boolean {
    if (inner.prefix < outer.prefix) return false;
    const size = 2 ** (32 - outer.prefix);
    return Math.floor(inner.base / size) === Math.floor(outer.base / size);
}

/** True when `text` is an IPv4 CIDR block entirely inside 10/8, 172.16/12 or 192.168/16. */
export function isPrivateCidr(text: string): boolean {
    const range = parse(text);
    return range !== undefined && PRIVATE.some(p => within(range, p));
}

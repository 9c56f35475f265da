/** IPv4 CIDR arithmetic for the cluster network plan: parsing, overlap and containment, subnetting. */

export interface Cidr {
    /** Network address as an unsigned 32-bit integer (host bits cleared). */
    base: number;
    prefix: number;
}

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Parses `a.b.c.d/n`; undefined when malformed or when host bits are set (a likely typo). */
export function parseCidr(text: string): Cidr | undefined {
    const m = CIDR.exec(typeof text === "string" ? text : "");
    if (!m) return undefined;
    const octets = m.slice(1, 5).map(Number);
    const prefix = Number(m[5]);
    if (octets.some(o => o > 255) || prefix > 32) return undefined;
    const address = ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
    const base = (address & mask(prefix)) >>> 0;
    return base === address ? { base, prefix } : undefined;
}

function mask(prefix: number): number {
    return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

function size(c: Cidr): number {
    return 2 ** (32 - c.prefix);
}

export function formatCidr(c: Cidr): string {
    const b = c.base;
    return `${b >>> 24}.${(b >>> 16) & 255}.${(b >>> 8) & 255}.${b & 255}/${c.prefix}`;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
    return a.base < b.base + size(b) && b.base < a.base + size(a);
}

/** True when `inner` lies entirely inside `outer`. */
export function contains(outer: Cidr, inner: Cidr): boolean {
    return inner.prefix >= outer.prefix && inner.base >= outer.base && inner.base + size(inner) <= outer.base + size(outer);
}

/** The `index`-th subnet of `parent` with prefix `newPrefix` (like Terraform's `cidrsubnet`). */
export function subnet(parent: Cidr, newPrefix: number, index: number): Cidr {
    if (newPrefix < parent.prefix || newPrefix > 32) throw new RangeError(`cannot cut a /${newPrefix} from a /${parent.prefix}`);
    const count = 2 ** (newPrefix - parent.prefix);
    if (!Number.isInteger(index) || index < 0 || index >= count) {
        throw new RangeError(`a /${parent.prefix} holds ${count} /${newPrefix} subnets; index ${index} is out of range`);
    }
    return { base: (parent.base + index * 2 ** (32 - newPrefix)) >>> 0, prefix: newPrefix };
}

/** The first pair of named ranges that overlap, or undefined when all are disjoint. */
export function firstOverlap(named: ReadonlyArray<[string, Cidr]>): [string, string] | undefined {
    for (let i = 0; i < named.length; i++) {
        for (let j = i + 1; j < named.length; j++) {
            if (overlaps(named[i][1], named[j][1])) return [named[i][0], named[j][0]];
        }
    }
    return undefined;
}

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
const QUANTITY = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;

/** Bytes in a Kubernetes memory/storage quantity ("256Mi", "1G", "1073741824"); undefined when it is not one. */
export function quantityToBytes(q: string): number | undefined {
    const m = QUANTITY.exec(String(q).trim());
    if (!m) return undefined;
    const unit = m[2] ?? "";
    const factor = BINARY[unit] ?? DECIMAL[unit];
    return Math.round(parseFloat(m[1]) * factor);
}

export function isQuantity(q: string): boolean {
    return quantityToBytes(q) !== undefined;
}

import { ArgumentError } from "./validate";

/**
 * True when an image reference names a tag other than `latest`, or a digest. A bare `redis` or
 * `redis:latest` changes under a running workload, so it is refused.
 */
export function isPinnedImage(image: string): boolean {
    if (/@sha256:[0-9a-f]{64}$/.test(image)) return true;
    const lastSlash = image.lastIndexOf("/");
    const tail = image.slice(lastSlash + 1);
    const colon = tail.lastIndexOf(":");
    if (colon <= 0 || colon === tail.length - 1) return false;
    return tail.slice(colon + 1) !== "latest";
}

export function requirePinnedImage(component: string, field: string, image: string | undefined): void {
    if (image === undefined) return;
    if (typeof image !== "string" || !isPinnedImage(image)) {
        throw new ArgumentError(
            component,
            field,
            `must name an explicit tag or digest (e.g. "redis:7.4.2-alpine"), not a bare or \`latest\` image; got ${JSON.stringify(image)}.`,
        );
    }
}

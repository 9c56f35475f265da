/**
 * Image reference parsing. Deliberately self-contained (not shared with components/) so the pack can
 * be copied or published on its own.
 */

/** The repository part of an image reference, without registry host, tag or digest: `bitnami/redis`. */
export function imageRepository(image: string): string {
    const noDigest = image.split("@")[0];
    const slash = noDigest.lastIndexOf("/");
    const colon = noDigest.lastIndexOf(":");
    const withoutTag = colon > slash ? noDigest.slice(0, colon) : noDigest;
    const parts = withoutTag.split("/");
    if (parts.length > 1 && /[.:]|^localhost$/.test(parts[0])) parts.shift();
    return parts.join("/");
}

/** The last path segment of the repository: `redis` for `docker.io/bitnami/redis:7.4`. */
export function imageBaseName(image: string): string {
    const repo = imageRepository(image);
    return repo.slice(repo.lastIndexOf("/") + 1);
}

/** Why an image reference is not pinned, or undefined when it names a digest or a non-`latest` tag. */
export function unpinnedReason(image: string): string | undefined {
    if (/@sha256:[0-9a-f]{64}$/.test(image)) return undefined;
    if (image.includes("@")) return "has a malformed digest";
    const slash = image.lastIndexOf("/");
    const colon = image.lastIndexOf(":");
    if (colon <= slash || colon === image.length - 1) return "has no tag";
    if (image.slice(colon + 1) === "latest") return "uses the mutable `latest` tag";
    return undefined;
}

import * as pulumi from "@pulumi/pulumi";
import { ArgumentError, checked, known, quantityToBytes, requireInteger, requirePinnedImage, Resources } from "../common";
import { MEMCACHED_BOUNDS, MEMCACHED_DEFAULTS, MEMCACHED_LIST_BOUNDS } from "./types";

const COMPONENT = "Memcached";

/**
 * The spec fields a caller sets; each check mirrors the CRD's admission rule so errors surface at
 * `pulumi preview`. Plain values are checked before anything is created, Outputs once they resolve.
 */
export interface MemcachedSpecInputs {
    /** memcached pods, 0 to 100 (default 1); `kubectl scale` changes it too (scale subresource). */
    size?: pulumi.Input<number>;
    /** TCP port memcached listens on and the headless Service exposes, 1 to 65535 (default 11211). */
    port?: pulumi.Input<number>;
    /** Item memory in megabytes (memcached `-m`), 64 to 65536 (default 64); the memory limit must cover it. */
    memoryMB?: pulumi.Input<number>;
    /** memcached image with an explicit tag other than `latest`, or a digest (default `memcached:1.6.39-alpine`). */
    image?: pulumi.Input<string>;
    /** Container resources; a memory limit below `memoryMB` is refused (the pod would be OOM-killed once full). */
    resources?: pulumi.Input<Resources>;
    /** Extra memcached command-line arguments, at most 32 of at most 256 characters, e.g. `["-t", "4"]`. */
    extraArgs?: pulumi.Input<pulumi.Input<string>[]>;
}

export function checkSize(v: number | undefined): void {
    requireInteger(COMPONENT, "size", v, MEMCACHED_BOUNDS.size.min, MEMCACHED_BOUNDS.size.max);
}

export function checkPort(v: number | undefined): void {
    requireInteger(COMPONENT, "port", v, MEMCACHED_BOUNDS.port.min, MEMCACHED_BOUNDS.port.max);
}

export function checkMemoryMB(v: number | undefined): void {
    requireInteger(COMPONENT, "memoryMB", v, MEMCACHED_BOUNDS.memoryMB.min, MEMCACHED_BOUNDS.memoryMB.max);
}

export function checkImage(v: string | undefined): void {
    requirePinnedImage(COMPONENT, "image", v);
    if (v !== undefined && v.length > MEMCACHED_LIST_BOUNDS.image.maxLength) {
        throw new ArgumentError(COMPONENT, "image", `must be at most ${MEMCACHED_LIST_BOUNDS.image.maxLength} characters; got ${v.length}.`);
    }
}

/** A memory limit below the item memory gets the pod OOM-killed once the cache fills. */
export function checkMemoryLimit(memoryMB: number | undefined, resources: Resources | undefined): void {
    const limits = known(resources?.limits) as Record<string, unknown> | undefined;
    const limit = known(limits?.memory as pulumi.Input<string> | undefined);
    if (memoryMB === undefined || limit === undefined) return;
    const bytes = quantityToBytes(limit);
    if (bytes === undefined) {
        throw new ArgumentError(COMPONENT, "resources.limits.memory", `must be a Kubernetes quantity such as "128Mi"; got ${JSON.stringify(limit)}.`);
    }
    if (bytes < memoryMB * 2 ** 20) {
        throw new ArgumentError(COMPONENT, "resources.limits.memory",
            `must be at least \`memoryMB\` (${memoryMB}Mi); got ${JSON.stringify(limit)}.`);
    }
}

export function checkExtraArgs(v: string[] | undefined): void {
    if (v === undefined) return;
    const { maxItems, maxItemLength } = MEMCACHED_LIST_BOUNDS.extraArgs;
    if (!Array.isArray(v) || v.length > maxItems || v.some(a => typeof a !== "string" || a.length > maxItemLength)) {
        throw new ArgumentError(COMPONENT, "extraArgs",
            `must be a list of at most ${maxItems} strings of at most ${maxItemLength} characters; got ${JSON.stringify(v).slice(0, 200)}.`);
    }
}

/**
 * Checks every known value now (throws before any resource exists) and returns the spec with the
 * Output-valued fields wrapped so they are checked again once resolved.
 */
export function validatedSpec(args: MemcachedSpecInputs): Record<string, pulumi.Input<unknown>> {
    const size = args.size ?? 1;
    const spec: Record<string, pulumi.Input<unknown>> = { size: checked(size, checkSize) };
    if (args.port !== undefined) spec.port = checked(args.port, checkPort);
    if (args.memoryMB !== undefined) spec.memoryMB = checked(args.memoryMB, checkMemoryMB);
    if (args.image !== undefined) spec.image = checked(args.image, checkImage);
    if (args.extraArgs !== undefined) spec.extraArgs = checked(args.extraArgs as pulumi.Input<string[]>, checkExtraArgs);
    const resources = known(args.resources);
    checkMemoryLimit(args.memoryMB === undefined ? MEMCACHED_DEFAULTS.memoryMB : known(args.memoryMB), resources);
    if (args.resources !== undefined) spec.resources = args.resources;
    return spec;
}

import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ArgumentError, checked, known, quantityToBytes, requireInteger, requirePinnedImage } from "../common";
import { MEMCACHED_BOUNDS, MEMCACHED_DEFAULTS, MEMCACHED_LIST_BOUNDS } from "./types";

const COMPONENT = "Memcached";

/** The spec fields a caller sets; each check mirrors the CRD's admission rule so errors surface at `pulumi preview`. */
export interface MemcachedSpecInputs {
    size?: pulumi.Input<number>;
    port?: pulumi.Input<number>;
    memoryMB?: pulumi.Input<number>;
    image?: pulumi.Input<string>;
    resources?: pulumi.Input<k8s.types.input.core.v1.ResourceRequirements>;
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
export function checkMemoryLimit(memoryMB: number | undefined, resources: k8s.types.input.core.v1.ResourceRequirements | undefined): void {
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

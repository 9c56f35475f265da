import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { ArgumentError, checked, known, quantityToBytes, requireInteger, requireOneOf, requirePinnedImage, Resources } from "../common";
import {
    MEMCACHED_BOUNDS,
    MEMCACHED_DEFAULTS,
    MEMCACHED_LIST_BOUNDS,
    MEMCACHED_METRICS_BOUNDS,
    MEMCACHED_NAME_PATTERN,
    MEMCACHED_NESTED_DEFAULTS,
    MEMCACHED_TOPOLOGY_SPREAD,
    MemcachedAuthSpec,
    MemcachedMetricsSpec,
    MemcachedNetworkPolicySpec,
    MemcachedTopologySpread,
} from "./types";

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
    /** Zone spreading: `none` (default), `preferred` or `required`; pods always prefer distinct nodes. */
    topologySpread?: pulumi.Input<MemcachedTopologySpread>;
    /** Node labels the pods must run on (at most 32). */
    nodeSelector?: pulumi.Input<Record<string, string>>;
    /** Taints the pods tolerate (at most 32). */
    tolerations?: pulumi.Input<k8s.types.input.core.v1.Toleration[]>;
    /** PriorityClass of the pods. */
    priorityClassName?: pulumi.Input<string>;
    /** Exporter sidecar; `{ enabled: true }` uses `prom/memcached-exporter:v0.16.0` on port 9150. */
    metrics?: pulumi.Input<MemcachedMetricsSpec>;
    /** SASL mode with the credentials of a Secret; not combinable with `metrics.enabled`. */
    auth?: pulumi.Input<MemcachedAuthSpec>;
    /** A NetworkPolicy admitting only pods labelled `kubecache.io/memcached-client: <name>`. */
    networkPolicy?: pulumi.Input<MemcachedNetworkPolicySpec>;
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
        throw new ArgumentError(
            COMPONENT,
            "image",
            `must be at most ${MEMCACHED_LIST_BOUNDS.image.maxLength} characters; got ${v.length}.`,
        );
    }
}

/** A memory limit below the item memory gets the pod OOM-killed once the cache fills. */
export function checkMemoryLimit(memoryMB: number | undefined, resources: Resources | undefined): void {
    const limits = known(resources?.limits) as Record<string, unknown> | undefined;
    const limit = known(limits?.memory as pulumi.Input<string> | undefined);
    if (memoryMB === undefined || limit === undefined) return;
    const bytes = quantityToBytes(limit);
    if (bytes === undefined) {
        throw new ArgumentError(
            COMPONENT,
            "resources.limits.memory",
            `must be a Kubernetes quantity such as "128Mi"; got ${JSON.stringify(limit)}.`,
        );
    }
    if (bytes < memoryMB * 2 ** 20) {
        throw new ArgumentError(
            COMPONENT,
            "resources.limits.memory",
            `must be at least \`memoryMB\` (${memoryMB}Mi); got ${JSON.stringify(limit)}.`,
        );
    }
}

export function checkExtraArgs(v: string[] | undefined): void {
    if (v === undefined) return;
    const { maxItems, maxItemLength } = MEMCACHED_LIST_BOUNDS.extraArgs;
    if (!Array.isArray(v) || v.length > maxItems || v.some(a => typeof a !== "string" || a.length > maxItemLength)) {
        throw new ArgumentError(
            COMPONENT,
            "extraArgs",
            `must be a list of at most ${maxItems} strings of at most ${maxItemLength} characters; got ${JSON.stringify(v).slice(0, 200)}.`,
        );
    }
}

export function checkTopologySpread(v: MemcachedTopologySpread | undefined): void {
    requireOneOf(COMPONENT, "topologySpread", v, MEMCACHED_TOPOLOGY_SPREAD);
}

function requireName(field: string, v: string | undefined, maxLength: number): void {
    if (v === undefined) return;
    if (typeof v !== "string" || v.length === 0 || v.length > maxLength || !new RegExp(MEMCACHED_NAME_PATTERN).test(v)) {
        throw new ArgumentError(
            COMPONENT,
            field,
            `must be a DNS-1123 subdomain of at most ${maxLength} characters; got ${JSON.stringify(v)}.`,
        );
    }
}

export function checkPriorityClassName(v: string | undefined): void {
    requireName("priorityClassName", v, MEMCACHED_LIST_BOUNDS.priorityClassName.maxLength);
}

export function checkNodeSelector(v: Record<string, string> | undefined): void {
    if (v === undefined) return;
    const max = MEMCACHED_LIST_BOUNDS.nodeSelector.maxProperties;
    if (typeof v !== "object" || Array.isArray(v) || Object.keys(v).length > max || Object.values(v).some(x => typeof x !== "string")) {
        throw new ArgumentError(
            COMPONENT,
            "nodeSelector",
            `must be a map of at most ${max} string labels; got ${JSON.stringify(v).slice(0, 200)}.`,
        );
    }
}

export function checkTolerations(v: unknown[] | undefined): void {
    if (v === undefined) return;
    const max = MEMCACHED_LIST_BOUNDS.tolerations.maxItems;
    if (!Array.isArray(v) || v.length > max) {
        throw new ArgumentError(
            COMPONENT,
            "tolerations",
            `must be a list of at most ${max} tolerations; got ${Array.isArray(v) ? v.length : typeof v}.`,
        );
    }
}

export function checkMetrics(v: MemcachedMetricsSpec | undefined, port: number | undefined): void {
    if (v === undefined) return;
    if (v.enabled !== undefined && typeof v.enabled !== "boolean") {
        throw new ArgumentError(COMPONENT, "metrics.enabled", `must be a boolean; got ${JSON.stringify(v.enabled)}.`);
    }
    requirePinnedImage(COMPONENT, "metrics.image", v.image);
    if (v.image !== undefined && v.image.length > MEMCACHED_LIST_BOUNDS.metricsImage.maxLength) {
        throw new ArgumentError(
            COMPONENT,
            "metrics.image",
            `must be at most ${MEMCACHED_LIST_BOUNDS.metricsImage.maxLength} characters; got ${v.image.length}.`,
        );
    }
    requireInteger(COMPONENT, "metrics.port", v.port, MEMCACHED_METRICS_BOUNDS.port.min, MEMCACHED_METRICS_BOUNDS.port.max);
    const metricsPort = v.port ?? MEMCACHED_NESTED_DEFAULTS.metrics.port;
    if (port !== undefined && metricsPort === port) {
        throw new ArgumentError(COMPONENT, "metrics.port", `must differ from \`port\` (${port}).`);
    }
}

export function checkAuth(v: MemcachedAuthSpec | undefined): void {
    if (v === undefined) return;
    if (v.secretName === undefined) throw new ArgumentError(COMPONENT, "auth.secretName", "is required with `auth`.");
    requireName("auth.secretName", v.secretName, MEMCACHED_LIST_BOUNDS.authSecretName.maxLength);
}

/** The exporter speaks memcached's text protocol without a login, which SASL mode refuses. */
export function checkMetricsWithAuth(metrics: MemcachedMetricsSpec | undefined, auth: MemcachedAuthSpec | undefined): void {
    if (metrics?.enabled === true && auth !== undefined) {
        throw new ArgumentError(
            COMPONENT,
            "metrics.enabled",
            "cannot be combined with `auth`: the memcached exporter does not authenticate, and SASL mode refuses unauthenticated stats.",
        );
    }
}

export function checkNetworkPolicy(v: MemcachedNetworkPolicySpec | undefined): void {
    if (v?.enabled !== undefined && typeof v.enabled !== "boolean") {
        throw new ArgumentError(COMPONENT, "networkPolicy.enabled", `must be a boolean; got ${JSON.stringify(v.enabled)}.`);
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
    if (args.topologySpread !== undefined) spec.topologySpread = checked(args.topologySpread, checkTopologySpread);
    if (args.nodeSelector !== undefined) spec.nodeSelector = checked(args.nodeSelector, checkNodeSelector);
    if (args.tolerations !== undefined) spec.tolerations = checked(args.tolerations as pulumi.Input<unknown[]>, checkTolerations);
    if (args.priorityClassName !== undefined) spec.priorityClassName = checked(args.priorityClassName, checkPriorityClassName);
    const port = args.port === undefined ? MEMCACHED_DEFAULTS.port : known(args.port);
    if (args.metrics !== undefined) spec.metrics = checked(args.metrics, m => checkMetrics(m, port));
    if (args.auth !== undefined) spec.auth = checked(args.auth, checkAuth);
    if (args.networkPolicy !== undefined) spec.networkPolicy = checked(args.networkPolicy, checkNetworkPolicy);
    checkMetricsWithAuth(known(args.metrics), known(args.auth));
    return spec;
}

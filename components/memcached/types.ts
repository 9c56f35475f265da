/**
 * TypeScript view of the operator's `Memcached` custom resource. The CRD in
 * `operator/config/crd/bases` is the source of truth: test/memcached/types.spec.ts loads it and
 * fails when a field, a type, a bound or a default here no longer matches it.
 */
import * as k8s from "@pulumi/kubernetes";

export const MEMCACHED_GROUP = "cache.kubecache.io";
export const MEMCACHED_VERSION = "v1alpha1";
export const MEMCACHED_API_VERSION = `${MEMCACHED_GROUP}/${MEMCACHED_VERSION}`;
export const MEMCACHED_KIND = "Memcached";
export const MEMCACHED_PLURAL = "memcacheds";
export const MEMCACHED_CRD_NAME = `${MEMCACHED_PLURAL}.${MEMCACHED_GROUP}`;

/** Desired state (`.spec`). Optional fields are defaulted by the API server from the CRD schema. */
export interface MemcachedSpec {
    /** Number of memcached pods (the seed's field); the API server defaults it to 1. */
    size?: number;
    /** memcached container image, with an explicit tag. */
    image?: string;
    /** TCP port memcached listens on and the headless Service exposes. */
    port?: number;
    /** Item memory in megabytes (memcached `-m`). */
    memoryMB?: number;
    /** Container resource requests/limits. */
    resources?: k8s.types.input.core.v1.ResourceRequirements;
    /** Extra memcached command-line arguments. */
    extraArgs?: string[];
}

export interface MemcachedCondition {
    type: string;
    status: "True" | "False" | "Unknown";
    reason: string;
    message: string;
    lastTransitionTime: string;
    observedGeneration?: number;
}

/** Observed state (`.status`), written by the operator. */
export interface MemcachedStatus {
    /** Names of the memcached pods, sorted (the seed's field). */
    nodes?: string[];
    /** memcached pods that are ready. */
    readyReplicas?: number;
    /** Label selector of the pods, for the scale subresource. */
    selector?: string;
    /** The `.metadata.generation` this status describes. */
    observedGeneration?: number;
    /** `Available`, `Progressing` and `Degraded`. */
    conditions?: MemcachedCondition[];
}

type SchemaType = "integer" | "string" | "object" | "array";

/** OpenAPI type of every spec field; typed as a full Record so adding a field to the interface forces an entry. */
export const MEMCACHED_SPEC_TYPES: Record<keyof MemcachedSpec, SchemaType> = {
    size: "integer",
    image: "string",
    port: "integer",
    memoryMB: "integer",
    resources: "object",
    extraArgs: "array",
};

export const MEMCACHED_STATUS_TYPES: Record<keyof MemcachedStatus, SchemaType> = {
    nodes: "array",
    readyReplicas: "integer",
    selector: "string",
    observedGeneration: "integer",
    conditions: "array",
};

/** Spec fields the CRD marks as required: none, every field has a default or may be omitted. */
export const MEMCACHED_REQUIRED: readonly (keyof MemcachedSpec)[] = [];

/** Inclusive bounds enforced by the CRD at admission and by the `Memcached` component before it creates anything. */
export const MEMCACHED_BOUNDS = {
    size: { min: 0, max: 100 },
    port: { min: 1, max: 65535 },
    memoryMB: { min: 64, max: 65536 },
} as const;

/** Limits on `extraArgs` (count, and length of each argument) and on the length of `image`. */
export const MEMCACHED_LIST_BOUNDS = {
    extraArgs: { maxItems: 32, maxItemLength: 256 },
    image: { maxLength: 512 },
} as const;

/** Values the API server fills in when a field is omitted. */
export const MEMCACHED_DEFAULTS = {
    size: 1,
    image: "memcached:1.6.39-alpine",
    port: 11211,
    memoryMB: 64,
} as const;

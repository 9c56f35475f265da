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

/** Zone spreading of the pods (`spec.topologySpread`); whatever the value, pods prefer distinct nodes. */
export const MemcachedTopologySpread = { None: "none", Preferred: "preferred", Required: "required" } as const;
export type MemcachedTopologySpread = (typeof MemcachedTopologySpread)[keyof typeof MemcachedTopologySpread];
export const MEMCACHED_TOPOLOGY_SPREAD: readonly MemcachedTopologySpread[] = Object.values(MemcachedTopologySpread);

/** The pod label a NetworkPolicy-guarded Memcached admits clients by; its value is the Memcached's name. */
export const MEMCACHED_CLIENT_LABEL = "kubecache.io/memcached-client";

/** `spec.metrics`: a Prometheus exporter sidecar (container and port named `metrics`). */
export interface MemcachedMetricsSpec {
    /** Add the exporter; default false. */
    enabled?: boolean;
    /** Exporter image, pinned; default `prom/memcached-exporter:v0.16.0`. */
    image?: string;
    /** Port of `/metrics`, also on the headless Service; default 9150, must differ from `port`. */
    port?: number;
}

/** `spec.auth`: memcached in SASL mode (binary protocol only). */
export interface MemcachedAuthSpec {
    /**
     * Secret in the Memcached's namespace, mounted as memcached's SASL directory: key
     * `memcached-sasl-pwdb` holds `user@memcached:password` lines; an optional `memcached.conf` holds
     * Cyrus SASL options and replaces the operator's default, `mech_list: plain`.
     */
    secretName: string;
}

/** `spec.networkPolicy`: admit only pods labelled `kubecache.io/memcached-client: <name>` of the namespace. */
export interface MemcachedNetworkPolicySpec {
    /** Create the NetworkPolicy; default false. */
    enabled?: boolean;
}

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
    /** Zone spreading: `none` (default), `preferred` or `required`. */
    topologySpread?: MemcachedTopologySpread;
    /** Node labels the pods must run on. */
    nodeSelector?: Record<string, string>;
    /** Taints the pods tolerate. */
    tolerations?: k8s.types.input.core.v1.Toleration[];
    /** PriorityClass of the pods. */
    priorityClassName?: string;
    /** Prometheus exporter sidecar (off by default). */
    metrics?: MemcachedMetricsSpec;
    /** SASL authentication with the credentials of a Secret (off by default: memcached is unauthenticated). */
    auth?: MemcachedAuthSpec;
    /** NetworkPolicy admitting only labelled client pods (off by default). */
    networkPolicy?: MemcachedNetworkPolicySpec;
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

type SchemaType = "integer" | "string" | "object" | "array" | "boolean";

/** OpenAPI type of every spec field; typed as a full Record so adding a field to the interface forces an entry. */
export const MEMCACHED_SPEC_TYPES: Record<keyof MemcachedSpec, SchemaType> = {
    size: "integer",
    image: "string",
    port: "integer",
    memoryMB: "integer",
    resources: "object",
    extraArgs: "array",
    topologySpread: "string",
    nodeSelector: "object",
    tolerations: "array",
    priorityClassName: "string",
    metrics: "object",
    auth: "object",
    networkPolicy: "object",
};

/** Fields of the nested spec objects, typed as full Records like MEMCACHED_SPEC_TYPES. */
export const MEMCACHED_NESTED_TYPES: {
    metrics: Record<keyof MemcachedMetricsSpec, SchemaType>;
    auth: Record<keyof MemcachedAuthSpec, SchemaType>;
    networkPolicy: Record<keyof MemcachedNetworkPolicySpec, SchemaType>;
} = {
    metrics: { enabled: "boolean", image: "string", port: "integer" },
    auth: { secretName: "string" },
    networkPolicy: { enabled: "boolean" },
};

/** Nested fields the CRD requires once their object is given. */
export const MEMCACHED_NESTED_REQUIRED = { metrics: [], auth: ["secretName"], networkPolicy: [] } as const;

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

/** Bounds of `metrics.port`. */
export const MEMCACHED_METRICS_BOUNDS = { port: { min: 1, max: 65535 } } as const;

/** Pattern of `priorityClassName` and `auth.secretName` (a DNS-1123 subdomain). */
export const MEMCACHED_NAME_PATTERN = "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$";

/** Limits on `extraArgs` (count, and length of each argument) and on the length of `image`. */
export const MEMCACHED_LIST_BOUNDS = {
    extraArgs: { maxItems: 32, maxItemLength: 256 },
    image: { maxLength: 512 },
    nodeSelector: { maxProperties: 32 },
    tolerations: { maxItems: 32 },
    priorityClassName: { maxLength: 253 },
    metricsImage: { maxLength: 512 },
    authSecretName: { minLength: 1, maxLength: 253 },
} as const;

/** Values the API server fills in when a field is omitted. */
export const MEMCACHED_DEFAULTS = {
    size: 1,
    image: "memcached:1.6.39-alpine",
    port: 11211,
    memoryMB: 64,
    topologySpread: "none",
} as const;

/** Values the API server fills in inside `metrics` and `networkPolicy` once the object is given. */
export const MEMCACHED_NESTED_DEFAULTS = {
    metrics: { enabled: false, image: "prom/memcached-exporter:v0.16.0", port: 9150 },
    auth: {},
    networkPolicy: { enabled: false },
} as const;

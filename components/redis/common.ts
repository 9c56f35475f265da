import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    ArgumentError,
    checked,
    isQuantity,
    known,
    quantityToBytes,
    requireDnsLabel,
    requireOneOf,
    requirePinnedImage,
    Resources,
    restrictedContainerSecurityContext,
    ServiceExposureArgs,
} from "../common";
import { RedisUserArgs, validateExtraConfig, validateUsers } from "./acl";
import { AUTH_DIR, RedisAuthArgs } from "./auth";
import { DEFAULT_RESOURCES, MAXMEMORY_SHARE, PASSWORD_KEY, REDIS_IMAGE, REDIS_PORT, RedisEngine, VALKEY_IMAGE } from "./defaults";
import { RedisMetricsArgs, ResolvedMetrics, resolveMetrics } from "./metrics";
import { RedisSchedulingArgs, ResolvedScheduling, ZoneSpread, resolveScheduling } from "./scheduling";
import { RedisTlsArgs, ResolvedTls, TLS_DIR, resolveTls, tlsCliArgs } from "./tls";

/** Where Redis keeps its data (Bitnami's `persistence.*`). */
export interface RedisPersistenceArgs {
    /** Keep data on a PersistentVolumeClaim (one per pod of a StatefulSet) instead of an emptyDir; default false. */
    enabled?: boolean;
    /** Size of each claim, a quantity such as `8Gi`; default `1Gi`. */
    size?: string;
    /** StorageClass of the claims; the cluster's default class when omitted. */
    storageClass?: string;
    /**
     * Keep the claims (and so the data) when the component is deleted, e.g. by `pulumi destroy`; default false:
     * they are deleted with it. A StatefulSet's claims are kept on scale-in either way, so a pod that comes back
     * resyncs from its old data.
     */
    retainOnDelete?: boolean;
}

/** Arguments every Redis component takes. */
export interface RedisCommonArgs {
    /** Namespace for every object (default `default`). Must already exist. */
    namespace?: pulumi.Input<string>;
    /**
     * Server engine: `valkey` (default; BSD-licensed, wire-compatible fork of Redis 7.2) or `redis`
     * (Redis 7.4: RSALv2/SSPLv1). Picks the default image; the scripts find either's binaries.
     */
    engine?: RedisEngine;
    /**
     * Image pinned to a tag or digest (default `valkey/valkey:9.1.4-trixie`, or `redis:7.4.2-bookworm`
     * with `engine: "redis"`). A plain value is checked before anything is created; an Output is checked
     * once it resolves (a preview of an unknown value skips it).
     */
    image?: pulumi.Input<string>;
    /** Container resources (default requests 100m/128Mi, limit 256Mi). */
    resources?: Resources;
    /** `maxmemory` as a quantity (default 75% of the memory limit); must fit under the limit. */
    maxmemory?: string;
    /** `maxmemory-policy` (default `noeviction`, so a cache that is full refuses writes rather than losing data). */
    maxmemoryPolicy?: string;
    /** Password settings; auth is on by default. */
    auth?: RedisAuthArgs;
    /** Persistent data on a PVC; an emptyDir otherwise. */
    persistence?: RedisPersistenceArgs;
    /** Cluster DNS domain used in the endpoints and the pods' stable names (default `cluster.local`). */
    clusterDomain?: string;
    /** TLS for every connection (clients, replication, sentinels, checks, probes); off by default. */
    tls?: RedisTlsArgs;
    /** Application ACL users besides `default` (which keeps the component's password). */
    users?: RedisUserArgs[];
    /**
     * Extra redis.conf directives, e.g. `{ "hz": "20", "lazyfree-lazy-eviction": "yes" }`. Directives the
     * component sets itself (ports, TLS, replication, authentication, directories, memory, persistence) are refused.
     */
    extraConfig?: Record<string, string>;
    /** Exporter sidecars, a metrics Service, and optionally monitors and alerts; off by default. */
    metrics?: RedisMetricsArgs;
    /** Node selection, tolerations, priority and zone spreading of every pod. */
    scheduling?: RedisSchedulingArgs;
    /**
     * How the client endpoint's Service is reached: ClusterIP (default), NodePort or LoadBalancer, with its
     * annotations, source ranges, traffic policy, node ports and the names outside clients use (TLS SANs).
     */
    service?: ServiceExposureArgs;
}

export interface ResolvedPersistence {
    enabled: boolean;
    size: string;
    storageClass?: string;
    retainOnDelete: boolean;
}

export interface ResolvedCommon {
    namespace: pulumi.Input<string>;
    image: pulumi.Input<string>;
    resources: Resources;
    maxmemoryBytes?: number;
    maxmemoryPolicy: string;
    persistence: ResolvedPersistence;
    clusterDomain: string;
    engine: RedisEngine;
    tls?: ResolvedTls;
    users: RedisUserArgs[];
    extraConfig: Record<string, string>;
    metrics?: ResolvedMetrics;
    scheduling: ResolvedScheduling;
}

const DOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const POLICIES = [
    "noeviction",
    "allkeys-lru",
    "allkeys-lfu",
    "allkeys-random",
    "volatile-lru",
    "volatile-lfu",
    "volatile-random",
    "volatile-ttl",
];

/** Validates the shared arguments and fills defaults. Throws ArgumentError naming the field. */
export function resolveCommon(
    component: string,
    name: string,
    args: RedisCommonArgs,
    defaultZoneSpread: ZoneSpread = "none",
): ResolvedCommon {
    requireDnsLabel(component, "name", name, 40);
    const engine = args.engine ?? "valkey";
    requireOneOf(component, "engine", engine, Object.values(RedisEngine));
    const image = checked(args.image ?? (engine === "redis" ? REDIS_IMAGE : VALKEY_IMAGE), v => requirePinnedImage(component, "image", v));
    const tls = resolveTls(component, name, args.tls);
    const users = validateUsers(component, args.users, name);
    if (users.length && args.auth?.enabled === false) {
        throw new ArgumentError(component, "users", "need `auth`: with `auth.enabled: false` there is no ACL to add them to.");
    }
    const extraConfig = validateExtraConfig(component, args.extraConfig);
    const metrics = resolveMetrics(component, args.metrics);
    const scheduling = resolveScheduling(component, args.scheduling, defaultZoneSpread);
    const clusterDomain = args.clusterDomain ?? "cluster.local";
    if (typeof clusterDomain !== "string" || !DOMAIN.test(clusterDomain)) {
        throw new ArgumentError(
            component,
            "clusterDomain",
            `must be a DNS domain such as "cluster.local"; got ${JSON.stringify(clusterDomain)}.`,
        );
    }
    const resources: Resources & { requests: Record<string, string>; limits: Record<string, string> } = {
        requests: { ...DEFAULT_RESOURCES.requests, ...args.resources?.requests },
        limits: { ...DEFAULT_RESOURCES.limits, ...args.resources?.limits },
    };
    for (const [field, q] of [
        ["resources.limits.memory", resources.limits.memory],
        ["resources.requests.memory", resources.requests.memory],
    ] as const) {
        if (q !== undefined && !isQuantity(q))
            throw new ArgumentError(component, field, `must be a quantity such as "256Mi"; got ${JSON.stringify(q)}.`);
    }
    const limitBytes = resources.limits.memory ? quantityToBytes(resources.limits.memory) : undefined;
    let maxmemoryBytes: number | undefined;
    if (args.maxmemory !== undefined) {
        maxmemoryBytes = quantityToBytes(args.maxmemory);
        if (maxmemoryBytes === undefined || maxmemoryBytes <= 0) {
            throw new ArgumentError(
                component,
                "maxmemory",
                `must be a positive quantity such as "192Mi"; got ${JSON.stringify(args.maxmemory)}.`,
            );
        }
        if (limitBytes !== undefined && limitBytes < maxmemoryBytes) {
            throw new ArgumentError(
                component,
                "resources.limits.memory",
                `(${resources.limits.memory}) is below \`maxmemory\` (${args.maxmemory}); raise the limit or lower maxmemory, or Redis is OOM-killed before it evicts.`,
            );
        }
    } else if (limitBytes !== undefined) {
        maxmemoryBytes = Math.floor(limitBytes * MAXMEMORY_SHARE);
    }
    const maxmemoryPolicy = args.maxmemoryPolicy ?? "noeviction";
    if (!POLICIES.includes(maxmemoryPolicy)) {
        throw new ArgumentError(
            component,
            "maxmemoryPolicy",
            `must be one of ${POLICIES.join(", ")}; got ${JSON.stringify(maxmemoryPolicy)}.`,
        );
    }
    const size = args.persistence?.size ?? "1Gi";
    if (!isQuantity(size))
        throw new ArgumentError(component, "persistence.size", `must be a quantity such as "8Gi"; got ${JSON.stringify(size)}.`);
    const retainOnDelete = args.persistence?.retainOnDelete ?? false;
    if (typeof retainOnDelete !== "boolean")
        throw new ArgumentError(component, "persistence.retainOnDelete", `must be a boolean; got ${JSON.stringify(retainOnDelete)}.`);
    const ns = known(args.namespace);
    if (ns !== undefined) requireDnsLabel(component, "namespace", ns);
    return {
        namespace: args.namespace ?? "default",
        image,
        resources,
        maxmemoryBytes,
        maxmemoryPolicy,
        clusterDomain,
        engine,
        tls,
        users,
        extraConfig,
        metrics,
        scheduling,
        persistence: { enabled: args.persistence?.enabled ?? false, size, storageClass: args.persistence?.storageClass, retainOnDelete },
    };
}

/** The Redis or Valkey client of the image, with the TLS flags when the component uses TLS. */
export function cliCommand(tls: boolean): string {
    return ["$(command -v redis-cli || command -v valkey-cli)", ...(tls ? tlsCliArgs() : [])].join(" ");
}

/**
 * `redis-cli ping` as a probe's shell command: with the password of the mounted file (current through a rotation),
 * else REDISCLI_AUTH of the container's start (auth off, or the file not there); over TLS when `tls`.
 */
export function pingCommand(port: number, tls = false): string {
    const ping = `${cliCommand(tls)} -p ${port} ping | grep -q PONG`;
    const file = `${AUTH_DIR}/${PASSWORD_KEY}`;
    return `{ [ -s ${file} ] && REDISCLI_AUTH=$(cat ${file}) ${ping}; } || ${ping}`;
}

/** {@link pingCommand} for liveness and readiness. */
export function pingProbe(port: number, initialDelaySeconds: number, tls = false): k8s.types.input.core.v1.Probe {
    return {
        exec: { command: ["sh", "-c", pingCommand(port, tls)] },
        initialDelaySeconds,
        periodSeconds: 5,
        timeoutSeconds: 3,
        failureThreshold: 3,
    };
}

export interface ContainerParts {
    name: string;
    image: pulumi.Input<string>;
    script: string;
    env: k8s.types.input.core.v1.EnvVar[];
    resources: Resources;
    port?: number;
    portName?: string;
    volumeMounts: k8s.types.input.core.v1.VolumeMount[];
    /** Serve and probe over TLS, with the certificate mounted at TLS_DIR. */
    tls?: boolean;
}

/** A Redis-family container: runs the mounted start script under the restricted security context. */
export function redisContainer(p: ContainerParts): k8s.types.input.core.v1.Container {
    const port = p.port ?? REDIS_PORT;
    return {
        name: p.name,
        image: p.image,
        command: ["sh", p.script],
        env: p.env,
        ports: [{ name: p.portName ?? "redis", containerPort: port }],
        resources: p.resources,
        livenessProbe: pingProbe(port, 15, p.tls),
        readinessProbe: pingProbe(port, 5, p.tls),
        securityContext: restrictedContainerSecurityContext(),
        volumeMounts: [...p.volumeMounts, ...(p.tls ? [tlsMount()] : [])],
    };
}

/** The certificate Secret, mounted read-only where the configs expect it. */
export function tlsMount(): k8s.types.input.core.v1.VolumeMount {
    return { name: "tls", mountPath: TLS_DIR, readOnly: true };
}

/** The certificate Secret as a pod volume (readable by the pod's group). */
export function tlsVolume(secretName: pulumi.Input<string>): k8s.types.input.core.v1.Volume {
    return { name: "tls", secret: { secretName, defaultMode: 0o440 } };
}

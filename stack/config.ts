/**
 * The stack's typed configuration: every key declared in Pulumi.yaml is read here and nowhere else,
 * checked for its type and allowed values, and turned into the arguments the components take. An
 * error names the key in backticks (`config: \`redisAntiAffinity\` must be one of …`), before any
 * resource exists.
 */
import * as pulumi from "@pulumi/pulumi";
import type { AckClusterArgs } from "../components/cluster/ack";
import type { NetworkPlugin } from "../components/cluster/ackPlan";
import type { ExistingClusterArgs } from "../components/cluster/existing";
import type { KindClusterArgs } from "../components/cluster/kind";
import { ALIBABA_INTERNAL_LOAD_BALANCER, ServiceExposureArgs, ServiceType } from "../components/common/service";
import { ArgumentError } from "../components/common/validate";
import type { OperatorImageArgs } from "../components/image/operatorImage";

type AntiAffinity = "preferred" | "required";
type OperatorPlatform = NonNullable<OperatorImageArgs["platform"]>;

const WHERE = "config";

export const CLUSTER_KINDS = ["kind", "ack", "existing"] as const;
export type ClusterKind = (typeof CLUSTER_KINDS)[number];

/** One entry of the `memcachedInstances` list. */
export interface MemcachedInstanceConfig {
    name: string;
    size?: number;
    memoryMB?: number;
    port?: number;
    image?: string;
    extraArgs?: string[];
}

/** The seed's sample: `memcached-sample` with `spec.size: 1`. */
export const DEFAULT_MEMCACHED_INSTANCES: MemcachedInstanceConfig[] = [{ name: "memcached-sample", size: 1 }];

/** The cluster the stack runs on, as the arguments of its component. */
export type ClusterConfig =
    | { kind: "kind"; args: KindClusterArgs }
    | { kind: "ack"; args: AckClusterArgs }
    | { kind: "existing"; args: ExistingClusterArgs };

export interface RedisConfig {
    pod: boolean;
    standalone: boolean;
    /** Pods of `redis-sfs`; 0 skips it. */
    replicas: number;
    sentinel: boolean;
    sentinelReplicas: number;
    sentinels: number;
    antiAffinity: AntiAffinity;
    networkPolicy: boolean;
    persistence: { enabled: boolean; size: string; storageClass?: string };
    /** One password for every Redis workload (a secret); each generates its own when unset. */
    password?: pulumi.Output<string>;
    /** Server image of every Redis workload; the components' default when unset. */
    image?: string;
    /** HAProxy image of redis-ha's endpoint; the component's default when unset. */
    haproxyImage?: string;
    /** How redis-ha's endpoint Service is reached (`redisService*` keys). */
    endpoint: ServiceExposureArgs;
}

export interface MemcachedConfig {
    /** A prebuilt, pinned operator image; the stack builds one when unset. */
    operatorImage?: string;
    operatorPlatform: OperatorPlatform;
    operatorNamespace: string;
    operatorReplicas: number;
    instances: MemcachedInstanceConfig[];
}

export interface StackConfig {
    namespace: string;
    redis: RedisConfig;
    cluster: ClusterConfig;
    /** Undefined when `memcached` is false. */
    memcached?: MemcachedConfig;
}

/**
 * Typed reads of one config namespace. Pulumi.yaml gives every optional key a default ("" or [] for
 * "not set"), because the CLI makes a declared key without one required on every stack; these read
 * those defaults back as undefined.
 */
class Reader {
    constructor(private readonly config: pulumi.Config) {}

    string(key: string, fallback: string): string {
        return this.optionalString(key) ?? fallback;
    }

    optionalString(key: string): string | undefined {
        const value = this.config.get(key);
        return value === undefined || value === "" ? undefined : value;
    }

    oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
        const value = this.string(key, fallback);
        if (!(allowed as readonly string[]).includes(value)) {
            throw new ArgumentError(WHERE, key, `must be one of ${allowed.map(a => `"${a}"`).join(", ")}; got ${JSON.stringify(value)}.`);
        }
        return value as T;
    }

    boolean(key: string, fallback: boolean): boolean {
        return this.config.getBoolean(key) ?? fallback;
    }

    integer(key: string, fallback: number): number {
        const value = this.config.getNumber(key) ?? fallback;
        if (!Number.isInteger(value)) throw new ArgumentError(WHERE, key, `must be an integer; got ${value}.`);
        return value;
    }

    optionalInteger(key: string): number | undefined {
        const value = this.config.getNumber(key);
        if (value !== undefined && !Number.isInteger(value)) throw new ArgumentError(WHERE, key, `must be an integer; got ${value}.`);
        return value;
    }

    /** A list of strings; undefined for the empty default. */
    optionalList(key: string): string[] | undefined {
        const value = this.config.getObject<unknown>(key);
        if (value === undefined) return undefined;
        if (!Array.isArray(value) || value.some(v => typeof v !== "string")) {
            throw new ArgumentError(WHERE, key, `must be a list of strings; got ${JSON.stringify(value)}.`);
        }
        return value.length === 0 ? undefined : value;
    }

    /** `true`, `false`, or `auto` (undefined: the component decides). */
    autoBoolean(key: string): boolean | undefined {
        const value = this.config.get(key);
        if (value === undefined || value === "" || value === "auto") return undefined;
        if (value === "true") return true;
        if (value === "false") return false;
        throw new ArgumentError(WHERE, key, `must be "true", "false" or "auto"; got ${JSON.stringify(value)}.`);
    }

    /** A secret key: read as plain text first (so it can be checked), handed on as a secret Output. */
    optionalSecret(key: string): pulumi.Output<string> | undefined {
        return this.optionalString(key) === undefined ? undefined : this.config.requireSecret(key);
    }

    object(key: string): unknown {
        return this.config.getObject<unknown>(key);
    }
}

function memcachedInstances(value: unknown): MemcachedInstanceConfig[] {
    if (value === undefined) return DEFAULT_MEMCACHED_INSTANCES;
    const bad = (what: string) => new ArgumentError(WHERE, "memcachedInstances", `${what}; got ${JSON.stringify(value).slice(0, 200)}.`);
    if (!Array.isArray(value)) throw bad("must be a list of objects with a `name`");
    const known = new Set(["name", "size", "memoryMB", "port", "image", "extraArgs"]);
    for (const [i, entry] of value.entries()) {
        if (entry === null || typeof entry !== "object" || typeof entry.name !== "string")
            throw bad("must be a list of objects with a `name`");
        const unknown = Object.keys(entry).filter(k => !known.has(k));
        if (unknown.length) throw bad(`entry ${i} has unknown field(s) ${unknown.join(", ")} (allowed: ${[...known].join(", ")})`);
        for (const k of ["size", "memoryMB", "port"] as const) {
            if (entry[k] !== undefined && !Number.isInteger(entry[k])) throw bad(`entry ${i}: \`${k}\` must be an integer`);
        }
        if (entry.image !== undefined && typeof entry.image !== "string") throw bad(`entry ${i}: \`image\` must be a string`);
        if (
            entry.extraArgs !== undefined &&
            (!Array.isArray(entry.extraArgs) || entry.extraArgs.some((a: unknown) => typeof a !== "string"))
        ) {
            throw bad(`entry ${i}: \`extraArgs\` must be a list of strings`);
        }
    }
    return value as MemcachedInstanceConfig[];
}

function clusterConfig(r: Reader, cloud: Reader, stack: string): ClusterConfig {
    const kind = r.oneOf("cluster", CLUSTER_KINDS, "kind");
    // Every key is read whatever the cluster, so a typo in an unused one still fails here.
    const kindArgs: KindClusterArgs = {
        clusterName: r.string("kindClusterName", "kubecache"),
        nodeImage: r.optionalString("kindNodeImage"),
        workers: r.optionalInteger("kindWorkers"),
        registry: r.boolean("kindRegistry", true) ? { port: r.optionalInteger("kindRegistryPort") } : false,
    };
    const region = r.optionalString("ackRegion");
    const zones = r.optionalList("ackZones");
    const instanceTypes = r.optionalList("ackInstanceTypes");
    const pushAllowedCidrs = r.optionalList("ackRegistryPushCidrs");
    const ackRegistry = r.boolean("ackRegistry", true);
    // The component's provider is explicit (pinned to ackRegion), so it does not read the `alicloud:`
    // stack config by itself: pass the keys on when they are set there.
    const accessKey = cloud.optionalString("accessKey");
    const secretKey = cloud.optionalSecret("secretKey");
    const ack = {
        production: r.boolean("ackProduction", false),
        deletionProtection: r.autoBoolean("ackDeletionProtection"),
        // Also the ACR instance name, which is part of a region-wide host name: never just "cluster".
        clusterName: r.string("ackClusterName", `kubecache-${stack}`),
        clusterSpec: r.optionalString("ackClusterSpec"),
        kubernetesVersion: r.optionalString("ackKubernetesVersion"),
        networkPlugin: r.oneOf<NetworkPlugin>("ackNetworkPlugin", ["terway", "flannel"], "terway"),
        vpcCidr: r.optionalString("ackVpcCidr"),
        podCidr: r.optionalString("ackPodCidr"),
        serviceCidr: r.optionalString("ackServiceCidr"),
        publicApiServer: r.boolean("ackPublicApiServer", false),
        desiredSize: r.optionalInteger("ackDesiredSize"),
        maxSize: r.optionalInteger("ackMaxSize"),
        systemDiskSize: r.optionalInteger("ackSystemDiskSize"),
    };
    const registryServer = r.optionalString("registryServer");
    const existing: ExistingClusterArgs = {
        // Read as plain text so the document is validated before any resource exists;
        // ExistingCluster wraps it as a secret straight away.
        kubeconfig: r.optionalString("kubeconfig"),
        kubeconfigPath: r.optionalString("kubeconfigPath"),
        context: r.optionalString("kubeconfigContext"),
        registry:
            registryServer === undefined
                ? undefined
                : {
                      pushServer: registryServer,
                      pullServer: r.optionalString("registryPullServer"),
                      username: r.optionalString("registryUsername"),
                      password: r.optionalSecret("registryPassword"),
                  },
    };
    if (registryServer === undefined) {
        for (const key of ["registryPullServer", "registryUsername", "registryPassword"]) {
            if (r.optionalString(key) !== undefined) throw new ArgumentError(WHERE, key, "is set but `registryServer` is not; set both.");
        }
    }

    switch (kind) {
        case "kind":
            return { kind, args: kindArgs };
        case "existing":
            return { kind, args: existing };
        case "ack": {
            const required = <T>(key: string, value: T | undefined): T => {
                if (value === undefined) throw new ArgumentError(WHERE, key, 'is required when `cluster` is "ack".');
                return value;
            };
            return {
                kind,
                args: {
                    ...ack,
                    region: required("ackRegion", region),
                    zones: required("ackZones", zones),
                    instanceTypes: required("ackInstanceTypes", instanceTypes),
                    credentials: accessKey === undefined ? undefined : { accessKey, secretKey: required("alicloud:secretKey", secretKey) },
                    registry: ackRegistry ? { pushAllowedCidrs } : false,
                },
            };
        }
    }
}

/**
 * redis-ha's endpoint exposure. A LoadBalancer on ACK is internal unless `redisServiceInternal` is false: a cache
 * reachable from the internet is never a default.
 */
function endpointService(r: Reader, clusterKind: ClusterKind): ServiceExposureArgs {
    const type = r.oneOf<ServiceType>("redisServiceType", Object.values(ServiceType), "ClusterIP");
    const ranges = r.optionalList("redisServiceSourceRanges");
    const nodePort = r.integer("redisServiceNodePort", 0);
    const internalSetting = r.autoBoolean("redisServiceInternal");
    if (internalSetting === true && clusterKind !== "ack") {
        throw new ArgumentError(
            WHERE,
            "redisServiceInternal",
            `is for ack (an Alibaba Cloud SLB annotation); on a "${clusterKind}" cluster use RedisSentinel's \`service.annotations\` for your cloud's.`,
        );
    }
    const internal = type === "LoadBalancer" && clusterKind === "ack" && internalSetting !== false;
    if (ranges !== undefined && type !== "LoadBalancer") {
        throw new ArgumentError(WHERE, "redisServiceSourceRanges", "needs `redisServiceType` LoadBalancer.");
    }
    if (nodePort !== 0 && type === "ClusterIP") {
        throw new ArgumentError(WHERE, "redisServiceNodePort", "needs `redisServiceType` NodePort or LoadBalancer.");
    }
    return {
        type,
        ...(internal ? { annotations: { ...ALIBABA_INTERNAL_LOAD_BALANCER } } : {}),
        ...(ranges ? { loadBalancerSourceRanges: ranges } : {}),
        ...(nodePort ? { nodePorts: { redis: nodePort } } : {}),
    };
}

/** Reads and checks every key of Pulumi.yaml (project namespace `kubecache`, plus `alicloud:` credentials). */
export function loadStackConfig(config: pulumi.Config = new pulumi.Config(), stack: string = pulumi.getStack()): StackConfig {
    const r = new Reader(config);
    const cloud = new Reader(new pulumi.Config("alicloud"));
    const namespace = r.string("namespace", "kubecache");
    const redis: RedisConfig = {
        pod: r.boolean("redisPod", false),
        standalone: r.boolean("redisStandalone", true),
        replicas: r.integer("redisReplicas", 2),
        sentinel: r.boolean("redisSentinel", true),
        sentinelReplicas: r.integer("redisSentinelReplicas", 3),
        sentinels: r.integer("redisSentinels", 3),
        antiAffinity: r.oneOf<AntiAffinity>("redisAntiAffinity", ["preferred", "required"], "preferred"),
        networkPolicy: r.boolean("redisNetworkPolicy", false),
        persistence: {
            enabled: r.boolean("redisPersistence", false),
            size: r.string("redisStorageSize", "1Gi"),
            storageClass: r.optionalString("redisStorageClass"),
        },
        password: r.optionalSecret("redisPassword"),
        image: r.optionalString("redisImage"),
        haproxyImage: r.optionalString("haproxyImage"),
        endpoint: { type: "ClusterIP" },
    };
    const cluster = clusterConfig(r, cloud, stack);
    redis.endpoint = endpointService(r, cluster.kind);
    const memcached: MemcachedConfig = {
        operatorImage: r.optionalString("operatorImage"),
        operatorPlatform: r.oneOf<OperatorPlatform>("operatorPlatform", ["linux/amd64", "linux/arm64"], "linux/amd64"),
        operatorNamespace: r.string("operatorNamespace", "kubecache-system"),
        operatorReplicas: r.integer("operatorReplicas", 1),
        instances: memcachedInstances(r.object("memcachedInstances")),
    };
    return { namespace, redis, cluster, memcached: r.boolean("memcached", true) ? memcached : undefined };
}

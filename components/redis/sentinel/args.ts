import * as pulumi from "@pulumi/pulumi";
import {
    ANTI_AFFINITIES,
    AntiAffinity,
    ArgumentError,
    checked,
    requireInteger,
    requireOneOf,
    requirePinnedImage,
    resolveService,
    ResolvedService,
    Resources,
} from "../../common";
import { RedisCommonArgs, ResolvedCommon, resolveCommon } from "../common";
import { HAPROXY_IMAGE, SENTINEL_DEFAULTS } from "./defaults";

export const COMPONENT = "RedisSentinel";

type ResourceMap = Resources;

/** The HAProxy Deployment behind {@link RedisSentinel}'s unified endpoint. */
export interface RedisSentinelProxyArgs {
    /** Pods; default 2, at least 2 so the endpoint survives losing one. */
    replicas?: number;
    /** Official HAProxy image pinned to a tag or digest (default `haproxy:3.0.5-alpine`); an Output is checked once it resolves. */
    image?: pulumi.Input<string>;
    /** Default requests 50m/32Mi, limit 128Mi. */
    resources?: Resources;
}

/**
 * NetworkPolicies letting only the proxies, the sentinels, the data pods and labelled client pods reach
 * the Redis and Sentinel ports. They need a CNI that enforces them.
 */
export interface RedisNetworkPolicyArgs {
    /** Create the policies; default false. */
    enabled?: boolean;
    /** Labels of client pods allowed in (default `kubecache.io/redis-client: <name>`). */
    clientLabels?: Record<string, string>;
}

/**
 * Arguments of {@link RedisSentinel}. The counts and timings shape the rendered configs, so they
 * are plain values checked before anything is created.
 */
export interface RedisSentinelArgs extends RedisCommonArgs {
    /** Redis data pods (one master, the rest replicas); default 3, at least 2. */
    replicas?: number;
    /** Sentinel pods; odd so a majority always exists; default 3, at least 3. */
    sentinels?: number;
    /** Sentinels that must agree a master is down (default: a majority of `sentinels`). */
    quorum?: number;
    /** Sentinel master-set name clients ask for (Bitnami's `sentinel.masterSet`); default `mymaster`. */
    masterName?: string;
    /** Silence after which a sentinel suspects the master (default 1500, at least 500). */
    downAfterMilliseconds?: number;
    /** Sentinel failover timeout; must exceed `downAfterMilliseconds` (default 3000). */
    failoverTimeoutMilliseconds?: number;
    /** Replicas re-synchronised with a new master at once (default 1). */
    parallelSyncs?: number;
    /** `min-replicas-max-lag` in seconds; with `min-replicas-to-write 1` (default 3, at least 1). */
    minReplicasMaxLagSeconds?: number;
    /** Resources of each sentinel container (default requests 50m/32Mi, limit 64Mi). */
    sentinelResources?: ResourceMap;
    /** The HAProxy Deployment behind the unified endpoint. */
    proxy?: RedisSentinelProxyArgs;
    /** Spread pods of each kind over nodes: `preferred` (default) or `required` (needs enough nodes). */
    antiAffinity?: AntiAffinity;
    /** NetworkPolicies admitting only the set's own pods and labelled clients; off by default. */
    networkPolicy?: RedisNetworkPolicyArgs;
}

export interface ResolvedSentinel {
    common: ResolvedCommon;
    replicas: number;
    sentinels: number;
    quorum: number;
    masterName: string;
    downAfterMilliseconds: number;
    failoverTimeoutMilliseconds: number;
    parallelSyncs: number;
    minReplicasMaxLagSeconds: number;
    sentinelResources: ResourceMap;
    proxy: { replicas: number; image: pulumi.Input<string>; resources: ResourceMap };
    antiAffinity: AntiAffinity;
    networkPolicy?: { clientLabels: Record<string, string> };
    clusterDomain: string;
    /** Exposure of the endpoint Service `<name>` (its write and read ports). */
    service: ResolvedService;
}

function merged(defaults: Required<ResourceMap>, given?: ResourceMap): ResourceMap {
    return { requests: { ...defaults.requests, ...given?.requests }, limits: { ...defaults.limits, ...given?.limits } };
}

/** Validates every argument and fills defaults; throws ArgumentError naming the field. */
export function resolveSentinelArgs(name: string, args: RedisSentinelArgs): ResolvedSentinel {
    const replicas = args.replicas ?? 3;
    requireInteger(COMPONENT, "replicas", replicas, 2);
    const sentinels = args.sentinels ?? 3;
    if (typeof sentinels !== "number" || !Number.isInteger(sentinels) || sentinels < 3 || sentinels % 2 === 0) {
        throw new ArgumentError(
            COMPONENT,
            "sentinels",
            `must be an odd integer >= 3 (an even count adds no fault tolerance and can split votes); got ${JSON.stringify(sentinels)}.`,
        );
    }
    const quorum = args.quorum ?? Math.floor(sentinels / 2) + 1;
    requireInteger(COMPONENT, "quorum", quorum, 1, sentinels);
    const masterName = args.masterName ?? SENTINEL_DEFAULTS.masterName;
    if (typeof masterName !== "string" || !/^[A-Za-z0-9._-]{1,64}$/.test(masterName)) {
        throw new ArgumentError(
            COMPONENT,
            "masterName",
            `must be 1-64 letters, digits, '.', '_' or '-'; got ${JSON.stringify(masterName)}.`,
        );
    }
    const downAfterMilliseconds = args.downAfterMilliseconds ?? SENTINEL_DEFAULTS.downAfterMilliseconds;
    requireInteger(COMPONENT, "downAfterMilliseconds", downAfterMilliseconds, 500);
    const failoverTimeoutMilliseconds = args.failoverTimeoutMilliseconds ?? SENTINEL_DEFAULTS.failoverTimeoutMilliseconds;
    requireInteger(COMPONENT, "failoverTimeoutMilliseconds", failoverTimeoutMilliseconds, 1);
    if (failoverTimeoutMilliseconds <= downAfterMilliseconds) {
        throw new ArgumentError(
            COMPONENT,
            "failoverTimeoutMilliseconds",
            `must be greater than \`downAfterMilliseconds\` (${downAfterMilliseconds}); got ${failoverTimeoutMilliseconds}.`,
        );
    }
    const parallelSyncs = args.parallelSyncs ?? SENTINEL_DEFAULTS.parallelSyncs;
    requireInteger(COMPONENT, "parallelSyncs", parallelSyncs, 1);
    const minReplicasMaxLagSeconds = args.minReplicasMaxLagSeconds ?? SENTINEL_DEFAULTS.minReplicasMaxLagSeconds;
    requireInteger(COMPONENT, "minReplicasMaxLagSeconds", minReplicasMaxLagSeconds, 1);
    const proxyReplicas = args.proxy?.replicas ?? 2;
    requireInteger(COMPONENT, "proxy.replicas", proxyReplicas, 2);
    const proxyImage = checked(args.proxy?.image ?? HAPROXY_IMAGE, v => requirePinnedImage(COMPONENT, "proxy.image", v));
    const antiAffinity = args.antiAffinity ?? "preferred";
    requireOneOf(COMPONENT, "antiAffinity", antiAffinity, ANTI_AFFINITIES);
    // resolveCommon caps the name at 40 characters: room for `-sentinel-headless`.
    const common = resolveCommon(COMPONENT, name, args, "preferred");
    // One Service carries the write and the read port, so `service` exposes both.
    const service = resolveService(COMPONENT, "service", args.service, ["redis", "redis-read"]);
    return {
        common,
        replicas,
        sentinels,
        quorum,
        masterName,
        downAfterMilliseconds,
        failoverTimeoutMilliseconds,
        parallelSyncs,
        minReplicasMaxLagSeconds,
        sentinelResources: merged({ requests: { cpu: "50m", memory: "32Mi" }, limits: { memory: "64Mi" } }, args.sentinelResources),
        proxy: {
            replicas: proxyReplicas,
            image: proxyImage,
            resources: merged({ requests: { cpu: "50m", memory: "32Mi" }, limits: { memory: "128Mi" } }, args.proxy?.resources),
        },
        antiAffinity,
        networkPolicy: args.networkPolicy?.enabled
            ? { clientLabels: args.networkPolicy.clientLabels ?? { "kubecache.io/redis-client": name } }
            : undefined,
        clusterDomain: common.clusterDomain,
        service,
    };
}

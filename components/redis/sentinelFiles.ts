/**
 * Every file RedisSentinel mounts, rendered from its resolved arguments: the data nodes' config,
 * start script, agent and preStop hook; the sentinels' config and start script; HAProxy's config,
 * Lua hold and start script. Pure, so the tests read exactly what the pods get.
 */
import { serviceHost } from "../common";
import { renderRedisConf } from "./config";
import { REDIS_PORT, SENTINEL_PORT } from "./defaults";
import { renderHaproxyCfg, renderHaproxyLua, renderHaproxyStartScript } from "./haproxyConfig";
import { HAPROXY_METRICS_PORT } from "./metrics";
import { ResolvedSentinel } from "./sentinelArgs";
import { renderAgentScript } from "./sentinelAgent";
import { HAPROXY_CHECK_INTERVAL_MS, HAPROXY_HEALTH_PORT, READ_PORT, proxyHoldMilliseconds } from "./sentinelDefaults";
import { statefulHosts } from "./sentinelObjects";
import { AGENT_STATE_DIR, handoverBudget } from "./sentinelPods";
import { renderPreStopScript } from "./sentinelPreStop";
import {
    dataNodeConfExtra,
    renderDataStartScript,
    renderSentinelConf,
    renderSentinelStartScript,
    selfMasterWaitSeconds,
} from "./sentinelScripts";
import { TLS_DIR, tlsCliArgs } from "./tls";

/** Where HAProxy's files are mounted. */
export const HAPROXY_DIR = "/usr/local/etc/haproxy";

export interface SentinelNames {
    data: string;
    headless: string;
    sentinel: string;
    sentinelHeadless: string;
    proxy: string;
}

export interface SentinelFiles {
    data: Record<string, string>;
    sentinel: Record<string, string>;
    proxy: Record<string, string>;
}

export function renderSentinelFiles(o: {
    name: string;
    namespace: string;
    r: ResolvedSentinel;
    names: SentinelNames;
    auth: boolean;
}): SentinelFiles {
    const { r, names } = o;
    const c = r.common;
    const tls = c.tls !== undefined;
    const nodes = statefulHosts(names.data, names.headless, r.replicas, o.namespace, REDIS_PORT, r.clusterDomain);
    const sentinels = statefulHosts(names.sentinel, names.sentinelHeadless, r.sentinels, o.namespace, SENTINEL_PORT, r.clusterDomain);
    const base = { nodes, sentinels, masterName: r.masterName, runtimeDir: "/run/redis", cliArgs: tls ? tlsCliArgs() : undefined };
    const tuning = {
        masterName: r.masterName,
        quorum: r.quorum,
        downAfterMilliseconds: r.downAfterMilliseconds,
        failoverTimeoutMilliseconds: r.failoverTimeoutMilliseconds,
        parallelSyncs: r.parallelSyncs,
    };
    const orphanSeconds = selfMasterWaitSeconds(r);
    const holdMs = proxyHoldMilliseconds(r);
    const users = c.users.map(u => ({ name: u.name, rules: u.rules }));
    return {
        data: {
            "redis.conf": renderRedisConf({
                port: REDIS_PORT,
                dir: "/data",
                maxmemoryBytes: c.maxmemoryBytes,
                maxmemoryPolicy: c.maxmemoryPolicy,
                // On a PVC every write is in the append-only file within a second; on an emptyDir the
                // copies live on the replicas, and the file would only cost disk I/O.
                appendonly: c.persistence.enabled,
                tlsDir: tls ? TLS_DIR : undefined,
                extra: dataNodeConfExtra(r.minReplicasMaxLagSeconds),
                extraConfig: c.extraConfig,
            }),
            "start.sh": renderDataStartScript({ ...base, configTemplate: "/etc/redis/redis.conf", dataDir: "/data", users }),
            "agent.sh": renderAgentScript({
                ...base,
                downAfterMilliseconds: r.downAfterMilliseconds,
                failoverTimeoutMilliseconds: r.failoverTimeoutMilliseconds,
                orphanSeconds,
                stateDir: AGENT_STATE_DIR,
            }),
            "prestop.sh": renderPreStopScript({
                ...base,
                endpoint: { host: serviceHost(o.name, o.namespace, r.clusterDomain), port: REDIS_PORT },
                budgetSeconds: handoverBudget(r).budgetSeconds,
                logTo: "/proc/1/fd/1",
            }),
        },
        sentinel: {
            "sentinel.conf": renderSentinelConf({ port: SENTINEL_PORT, dir: "/run/redis", tlsDir: tls ? TLS_DIR : undefined }),
            "start.sh": renderSentinelStartScript({
                ...base,
                ...tuning,
                configTemplate: "/etc/redis/sentinel.conf",
                masterWaitSeconds: orphanSeconds + 10,
            }),
        },
        proxy: {
            "haproxy.cfg": renderHaproxyCfg({
                nodes,
                port: REDIS_PORT,
                readPort: READ_PORT,
                healthPort: HAPROXY_HEALTH_PORT,
                auth: o.auth,
                checkIntervalMs: HAPROXY_CHECK_INTERVAL_MS,
                dnsResolvers: true,
                luaFile: `${HAPROXY_DIR}/hold.lua`,
                holdMs,
                metricsPort: c.metrics ? HAPROXY_METRICS_PORT : undefined,
                tlsCaFile: tls ? `${TLS_DIR}/ca.crt` : undefined,
            }),
            "hold.lua": renderHaproxyLua({ nodes: nodes.length, holdMs }),
            "start.sh": renderHaproxyStartScript({ config: `${HAPROXY_DIR}/haproxy.cfg` }),
        },
    };
}

/** Every DNS name a client or peer uses for the set's pods and Services (the Certificate's SANs). */
export function sentinelDnsNames(o: { name: string; namespace: string; r: ResolvedSentinel; names: SentinelNames }): string[] {
    const { r, names } = o;
    const pods = [
        ...statefulHosts(names.data, names.headless, r.replicas, o.namespace, REDIS_PORT, r.clusterDomain),
        ...statefulHosts(names.sentinel, names.sentinelHeadless, r.sentinels, o.namespace, SENTINEL_PORT, r.clusterDomain),
    ].map(h => h.host);
    const services = [o.name, names.sentinel, names.headless, names.sentinelHeadless].flatMap(s => [
        s,
        `${s}.${o.namespace}`,
        `${s}.${o.namespace}.svc`,
        `${s}.${o.namespace}.svc.${r.clusterDomain}`,
    ]);
    return [...pods, ...services];
}

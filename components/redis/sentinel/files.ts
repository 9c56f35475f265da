/**
 * Every file RedisSentinel mounts, rendered from its resolved arguments and a {@link SentinelSite} (where the
 * instances are and where each keeps its files): the data nodes' redis.conf, the sentinels' sentinel.conf,
 * HAProxy's config and Lua hold, the shell scripts of the package and one topology.env they all source. The pods'
 * site is the set's stable DNS names and mount paths ({@link podSite}); the loopback tests render the very same
 * files for 127.0.0.1 ports or network-namespace addresses and their own folders.
 */
import { serviceHost } from "../../common";
import { usersList } from "../acl";
import { renderRedisConf } from "../config";
import { REDIS_PORT, SENTINEL_PORT } from "../defaults";
import {
    CHECK_MAP_SEED,
    CheckAuth,
    renderHaproxyAuthLua,
    renderHaproxyCfg,
    renderHaproxyLua,
    renderHaproxyStartScript,
} from "../haproxy/config";
import { AUTH_DIR, AUTH_GRACE_SECONDS } from "../auth";
import { HAPROXY_METRICS_PORT } from "../metrics";
import { hostPortList, renderEnv, shellScript } from "../scripts";
import { agentEnv } from "./agent";
import { ResolvedSentinel } from "./args";
import {
    FENCED_MIN_REPLICAS,
    HAPROXY_CHECK_INTERVAL_MS,
    HAPROXY_HEALTH_PORT,
    OPEN_MIN_REPLICAS,
    ORPHAN_MASTER,
    READ_PORT,
    SENTINEL_DEBUG_TIMINGS,
    tiltPeriodMs,
    voterDelayMs,
    haproxyCheckTimeoutMs,
    proxyHoldMilliseconds,
} from "./defaults";
import { statefulHosts } from "./objects";
import { AGENT_STATE_DIR, handoverBudget } from "./pods";
import { preStopEnv } from "./preStop";
import { dataNodeConfExtra, renderSentinelConf, selfMasterWaitSeconds } from "./conf";
import { HostPort } from "../defaults";
import { TLS_DIR, tlsCliArgs } from "../tls";

/** Where HAProxy's files are mounted. */
export const HAPROXY_DIR = "/usr/local/etc/haproxy";

export interface SentinelNames {
    data: string;
    headless: string;
    sentinel: string;
    sentinelHeadless: string;
    proxy: string;
}

/** The names of a RedisSentinel's objects, from the component's name (the endpoint Service is the name itself). */
export function sentinelNames(name: string): SentinelNames {
    return {
        data: `${name}-node`,
        headless: `${name}-headless`,
        sentinel: `${name}-sentinel`,
        sentinelHeadless: `${name}-sentinel-headless`,
        proxy: `${name}-haproxy`,
    };
}

export interface SentinelFiles {
    data: Record<string, string>;
    sentinel: Record<string, string>;
    proxy: Record<string, string>;
}

/** Where the set's instances are and where each keeps its files. */
export interface SentinelSite {
    /** Data nodes and sentinels by ordinal, as the scripts and HAProxy reach them. */
    nodes: HostPort[];
    sentinels: HostPort[];
    /** The write endpoint, where the preStop sees its hand-over complete. */
    endpoint: HostPort;
    /** The folder the files are mounted in, and the writable ones for runtime copies, data and the agent's state. */
    confDir: string;
    runtimeDir: string;
    dataDir: string;
    stateDir: string;
    /** Where a data node or sentinel answers from inside its own pod. */
    localHost: string;
    /** Port and `bind` of the data node and sentinel these files are for (every pod's alike). */
    dataPort: number;
    sentinelPort: number;
    bind?: string;
    /** Certificates (tls.crt, tls.key, ca.crt) when the set serves TLS. */
    tlsDir?: string;
    /** The mounted password files (`redis-password`, `haproxy-password`, each application user's), kept current. */
    authDir: string;
    /** Seconds a rotated-out password is still accepted after every peer has switched (default AUTH_GRACE_SECONDS). */
    authGraceSeconds?: number;
    probeTimeoutSeconds: number;
    /** Where the preStop writes its progress (a pod discards a hook's output). */
    preStopLog?: string;
    proxy: {
        dir: string;
        bind?: string;
        port: number;
        readPort: number;
        healthPort: number;
        metricsPort?: number;
        /** Re-resolve the nodes' names (pods move IPs on restart). */
        dnsResolvers: boolean;
    };
    /** Seconds ordinal 0 of an empty set waits for its peers (default 10; shorter in tests). */
    peerWaitSeconds?: number;
    /** Seconds without any sentinel before the agents act alone (default: one failover plus 5 s). */
    orphanSeconds?: number;
}

/** The pods' site: stable DNS names, the component's ports and mount paths. */
export function podSite(o: { name: string; namespace: string; r: ResolvedSentinel; names: SentinelNames }): SentinelSite {
    const { r, names } = o;
    const tls = r.common.tls !== undefined;
    return {
        nodes: statefulHosts(names.data, names.headless, r.replicas, o.namespace, REDIS_PORT, r.clusterDomain),
        sentinels: statefulHosts(names.sentinel, names.sentinelHeadless, r.sentinels, o.namespace, SENTINEL_PORT, r.clusterDomain),
        endpoint: { host: serviceHost(o.name, o.namespace, r.clusterDomain), port: REDIS_PORT },
        confDir: "/etc/redis",
        runtimeDir: "/run/redis",
        dataDir: "/data",
        stateDir: AGENT_STATE_DIR,
        localHost: "127.0.0.1",
        dataPort: REDIS_PORT,
        sentinelPort: SENTINEL_PORT,
        tlsDir: tls ? TLS_DIR : undefined,
        authDir: AUTH_DIR,
        probeTimeoutSeconds: 2,
        preStopLog: "/proc/1/fd/1",
        proxy: {
            dir: HAPROXY_DIR,
            port: REDIS_PORT,
            readPort: READ_PORT,
            healthPort: HAPROXY_HEALTH_PORT,
            metricsPort: r.common.metrics ? HAPROXY_METRICS_PORT : undefined,
            dnsResolvers: true,
        },
    };
}

/** How long waiting for the DNS name of the master may take a sentinel's start script (KC_RESOLVE_WAIT_SECONDS). */
const RESOLVE_WAIT_SECONDS = 60;

/**
 * The longest a sentinel's start script may run before Sentinel listens: waiting for a data node to report master
 * (KC_MASTER_WAIT_SECONDS), then for its DNS name, plus the peers' answers before that.
 */
export function sentinelStartupSeconds(r: ResolvedSentinel, orphanSeconds = selfMasterWaitSeconds(r)): number {
    return masterWaitSeconds(orphanSeconds) + RESOLVE_WAIT_SECONDS + 20;
}

/** How long a sentinel's start script waits for a data node to report master (KC_MASTER_WAIT_SECONDS). */
function masterWaitSeconds(orphanSeconds: number): number {
    return orphanSeconds + 10;
}

/** The one topology.env every script of the set sources (data and sentinel pods get the same file). */
export function sentinelTopologyEnv(r: ResolvedSentinel, site: SentinelSite): string {
    const orphanSeconds = site.orphanSeconds ?? selfMasterWaitSeconds(r);
    const debug = Object.entries(SENTINEL_DEBUG_TIMINGS).map(([k, v]) => `${k} ${Math.min(v, r.downAfterMilliseconds)}`);
    debug.push(`tilt-period ${tiltPeriodMs(r.downAfterMilliseconds)}`);
    return renderEnv({
        KC_NODES: hostPortList(site.nodes),
        KC_SENTINELS: hostPortList(site.sentinels),
        KC_MASTER_NAME: r.masterName,
        KC_QUORUM: r.quorum,
        KC_DOWN_AFTER_MS: r.downAfterMilliseconds,
        KC_VOTER_DELAY_MS: voterDelayMs(r.downAfterMilliseconds),
        KC_FAILOVER_TIMEOUT_MS: r.failoverTimeoutMilliseconds,
        KC_PARALLEL_SYNCS: r.parallelSyncs,
        KC_CLI_ARGS: site.tlsDir ? tlsCliArgs(site.tlsDir).join(" ") : "",
        KC_PROBE_TIMEOUT: site.probeTimeoutSeconds,
        KC_LOCAL_HOST: site.localHost,
        KC_CONF_TEMPLATE: `${site.confDir}/redis.conf`,
        KC_SENTINEL_CONF_TEMPLATE: `${site.confDir}/sentinel.conf`,
        KC_RUNTIME_DIR: site.runtimeDir,
        KC_AUTH_DIR: site.authDir,
        KC_AUTH_GRACE_SECONDS: site.authGraceSeconds ?? AUTH_GRACE_SECONDS,
        KC_DATA_DIR: site.dataDir,
        KC_STATE_DIR: site.stateDir,
        KC_ENDPOINT: `${site.endpoint.host}:${site.endpoint.port}`,
        KC_FENCED_MIN_REPLICAS: FENCED_MIN_REPLICAS,
        KC_OPEN_MIN_REPLICAS: OPEN_MIN_REPLICAS,
        KC_ORPHAN_MASTER: `${ORPHAN_MASTER.host} ${ORPHAN_MASTER.port}`,
        KC_PEER_WAIT_SECONDS: site.peerWaitSeconds ?? 10,
        KC_MASTER_WAIT_SECONDS: masterWaitSeconds(orphanSeconds),
        KC_RESOLVE_WAIT_SECONDS: RESOLVE_WAIT_SECONDS,
        KC_SENTINEL_DEBUG: debug.join(" "),
        ...agentEnv({ ...r, orphanSeconds }),
        ...preStopEnv({ budgetSeconds: handoverBudget(r).budgetSeconds, logTo: site.preStopLog }),
    });
}

/**
 * Every file of the set. With `auth`, HAProxy's checks read the `haproxy-password` file, or with `checkFromPassword`
 * (an existing Secret, which holds only the component's password) derive theirs from `redis-password`.
 */
export function renderSentinelFiles(r: ResolvedSentinel, site: SentinelSite, auth: boolean, checkFromPassword = false): SentinelFiles {
    const c = r.common;
    const checkAuth: CheckAuth = {
        luaFile: `${site.proxy.dir}/auth.lua`,
        mapFile: `${site.proxy.dir}/check.map`,
        file: `${site.authDir}/${checkFromPassword ? "redis-password" : "haproxy-password"}`,
        derive: checkFromPassword,
    };
    const env = sentinelTopologyEnv(r, site);
    const lib = shellScript("sentinel/scripts/lib.sh");
    const holdMs = proxyHoldMilliseconds(r);
    return {
        data: {
            "redis.conf": renderRedisConf({
                port: site.dataPort,
                dir: site.dataDir,
                bind: site.bind,
                maxmemoryBytes: c.maxmemoryBytes,
                maxmemoryPolicy: c.maxmemoryPolicy,
                // On a PVC every write is in the append-only file within a second; on an emptyDir the
                // copies live on the replicas, and the file would only cost disk I/O.
                appendonly: c.persistence.enabled,
                tlsDir: site.tlsDir,
                tlsClientAuth: c.tls?.clientAuth,
                extra: dataNodeConfExtra(r.minReplicasMaxLagSeconds),
                extraConfig: c.extraConfig,
            }),
            "users.list": usersList(c.users),
            "topology.env": env,
            "lib.sh": lib,
            "runtime-conf.sh": shellScript("scripts/runtime-conf.sh"),
            "auth-reload.sh": shellScript("scripts/auth-reload.sh"),
            "tls-reload.sh": shellScript("scripts/tls-reload.sh"),
            "start.sh": shellScript("sentinel/scripts/data-start.sh"),
            "agent.sh": shellScript("sentinel/scripts/agent.sh"),
            "agent-repair.sh": shellScript("sentinel/scripts/agent-repair.sh"),
            "agent-streams.sh": shellScript("sentinel/scripts/agent-streams.sh"),
            "prestop.sh": shellScript("sentinel/scripts/prestop.sh"),
        },
        sentinel: {
            "sentinel.conf": renderSentinelConf({
                port: site.sentinelPort,
                bind: site.bind,
                dir: site.runtimeDir,
                tlsDir: site.tlsDir,
                tlsClientAuth: c.tls?.clientAuth,
            }),
            "topology.env": env,
            "lib.sh": lib,
            "auth-reload.sh": shellScript("scripts/auth-reload.sh"),
            "tls-reload.sh": shellScript("scripts/tls-reload.sh"),
            "start.sh": shellScript("sentinel/scripts/sentinel-start.sh"),
        },
        proxy: {
            "haproxy.cfg": renderHaproxyCfg({
                nodes: site.nodes,
                port: site.proxy.port,
                readPort: site.proxy.readPort,
                healthPort: site.proxy.healthPort,
                bind: site.proxy.bind,
                auth,
                checkAuth: auth ? checkAuth : undefined,
                checkIntervalMs: HAPROXY_CHECK_INTERVAL_MS,
                checkTimeoutMs: haproxyCheckTimeoutMs(r.downAfterMilliseconds),
                dnsResolvers: site.proxy.dnsResolvers,
                luaFile: `${site.proxy.dir}/hold.lua`,
                holdMs,
                metricsPort: site.proxy.metricsPort,
                tlsCaFile: site.tlsDir ? `${site.tlsDir}/ca.crt` : undefined,
                tlsClientCert: site.tlsDir && c.tls?.clientAuth ? `${site.tlsDir}/tls.crt` : undefined,
            }),
            "hold.lua": renderHaproxyLua({ nodes: site.nodes.length, holdMs }),
            ...(auth ? { "auth.lua": renderHaproxyAuthLua(checkAuth), "check.map": CHECK_MAP_SEED } : {}),
            "start.sh": renderHaproxyStartScript({ config: `${site.proxy.dir}/haproxy.cfg` }),
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
    return [...pods, ...services, ...r.service.externalNames];
}

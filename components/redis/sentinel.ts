import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    oneDisruptionBudget, recommendedLabels, restrictedContainerSecurityContext, restrictedPodSecurityContext, selectorLabels,
    serviceHost, spreadAffinity,
} from "../common";
import { createRedisAuth, passwordEnv } from "./auth";
import { redisContainer } from "./common";
import { renderRedisConf } from "./config";
import { REDIS_PORT, REDIS_UID, SENTINEL_PORT } from "./defaults";
import { renderHaproxyCfg, renderHaproxyLua, renderHaproxyStartScript } from "./haproxyConfig";
import { RedisSentinelArgs, resolveSentinelArgs } from "./sentinelArgs";
import { renderAgentScript } from "./sentinelAgent";
import { HAPROXY_CHECK_INTERVAL_MS, HAPROXY_HEALTH_PORT, HAPROXY_UID, READ_PORT, proxyHoldMilliseconds } from "./sentinelDefaults";
import { configHash, networkPolicySpecs, statefulHosts } from "./sentinelObjects";
import { AGENT_STATE_DIR, agentContainer, dataContainer, handoverBudget } from "./sentinelPods";
import { renderPreStopScript } from "./sentinelPreStop";
import {
    dataNodeConfExtra, renderDataStartScript, renderSentinelConf, renderSentinelStartScript, selfMasterWaitSeconds,
} from "./sentinelScripts";
import { dataClaimTemplates, dataVolume, redisConfigVolumes } from "./volumes";

export { RedisSentinelArgs } from "./sentinelArgs";

/**
 * Highly available Redis behind one endpoint: data pods (one master, replicas), Sentinels that
 * fail over automatically, and HAProxy pods whose Service `<name>` always reaches the master the
 * sentinels agree on. Sentinel-aware clients can use `<name>-sentinel` instead.
 */
export class RedisSentinel extends pulumi.ComponentResource {
    /** `host:port` of the unified endpoint (HAProxy Service `<name>`); always the current master. */
    public readonly endpoint: pulumi.Output<string>;
    /**
     * `host:port` of the read endpoint (port 6380 of the same Service): balanced over replicas whose
     * link to the master is up, the master when there is none. Replica reads may lag the master.
     */
    public readonly readEndpoint: pulumi.Output<string>;
    /** `host:port` of the `<name>-sentinel` Service, for Sentinel-aware clients. */
    public readonly sentinelEndpoint: pulumi.Output<string>;
    /** Master-set name to ask the sentinels for. */
    public readonly masterName: pulumi.Output<string>;
    /** The Secret holding the password (key `redis-password`); undefined when auth is off. */
    public readonly passwordSecretName: pulumi.Output<string | undefined>;
    /**
     * The password clients authenticate with, as a secret Output (key `redis-password` of the Secret
     * `passwordSecretName`); undefined when auth is off or the password lives in `auth.existingSecret`.
     */
    public readonly password: pulumi.Output<string | undefined>;

    constructor(name: string, args: RedisSentinelArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        super("kubecache:index:RedisSentinel", name, {}, opts);
        const r = resolveSentinelArgs(name, args);
        const c = r.common;
        const ns = c.namespace;
        const parent = { parent: this };

        const names = {
            data: `${name}-node`, headless: `${name}-headless`,
            sentinel: `${name}-sentinel`, sentinelHeadless: `${name}-sentinel-headless`, proxy: `${name}-haproxy`,
        };
        const labelsOf = (part: string) => recommendedLabels("redis", name, part);
        const sel = { data: selectorLabels("redis", name, "data"), sentinel: selectorLabels("redis", name, "sentinel"), proxy: selectorLabels("redis", name, "proxy") };
        const auth = createRedisAuth(name, ns, labelsOf("auth"), args.auth, this, "RedisSentinel");
        const env = passwordEnv(auth);

        const handover = handoverBudget(r);
        const holdMs = proxyHoldMilliseconds(r);
        const files = pulumi.output(ns).apply(namespace => {
            const nodes = statefulHosts(names.data, names.headless, r.replicas, namespace, REDIS_PORT, r.clusterDomain);
            const sentinels = statefulHosts(names.sentinel, names.sentinelHeadless, r.sentinels, namespace, SENTINEL_PORT, r.clusterDomain);
            const base = { nodes, sentinels, masterName: r.masterName, runtimeDir: "/run/redis" };
            const tuning = {
                masterName: r.masterName, quorum: r.quorum, downAfterMilliseconds: r.downAfterMilliseconds,
                failoverTimeoutMilliseconds: r.failoverTimeoutMilliseconds, parallelSyncs: r.parallelSyncs,
            };
            const orphanSeconds = selfMasterWaitSeconds(r);
            return {
                data: {
                    "redis.conf": renderRedisConf({
                        port: REDIS_PORT, dir: "/data", maxmemoryBytes: c.maxmemoryBytes, maxmemoryPolicy: c.maxmemoryPolicy,
                        // On a PVC every write is in the append-only file within a second; on an emptyDir the
                        // copies live on the replicas, and the file would only cost disk I/O.
                        appendonly: c.persistence.enabled,
                        extra: dataNodeConfExtra(r.minReplicasMaxLagSeconds),
                    }),
                    "start.sh": renderDataStartScript({ ...base, configTemplate: "/etc/redis/redis.conf", dataDir: "/data" }),
                    "agent.sh": renderAgentScript({
                        ...base, downAfterMilliseconds: r.downAfterMilliseconds,
                        failoverTimeoutMilliseconds: r.failoverTimeoutMilliseconds, orphanSeconds, stateDir: AGENT_STATE_DIR,
                    }),
                    "prestop.sh": renderPreStopScript({
                        ...base, endpoint: { host: serviceHost(name, namespace, r.clusterDomain), port: REDIS_PORT },
                        budgetSeconds: handover.budgetSeconds, logTo: "/proc/1/fd/1",
                    }),
                },
                sentinel: {
                    "sentinel.conf": renderSentinelConf({ port: SENTINEL_PORT, dir: "/run/redis" }),
                    "start.sh": renderSentinelStartScript({
                        ...base, ...tuning, configTemplate: "/etc/redis/sentinel.conf", masterWaitSeconds: orphanSeconds + 10,
                    }),
                },
                proxy: {
                    "haproxy.cfg": renderHaproxyCfg({
                        nodes, port: REDIS_PORT, readPort: READ_PORT, healthPort: HAPROXY_HEALTH_PORT,
                        auth: auth.secretName !== undefined, checkIntervalMs: HAPROXY_CHECK_INTERVAL_MS, dnsResolvers: true,
                        luaFile: "/usr/local/etc/haproxy/hold.lua", holdMs,
                    }),
                    "hold.lua": renderHaproxyLua({ nodes: nodes.length, holdMs }),
                    "start.sh": renderHaproxyStartScript({ config: "/usr/local/etc/haproxy/haproxy.cfg" }),
                },
            };
        });
        const configMap = (key: "data" | "sentinel" | "proxy", cmName: string) => new k8s.core.v1.ConfigMap(cmName, {
            metadata: { name: cmName, namespace: ns, labels: labelsOf(key) },
            data: files.apply(f => f[key]),
        }, parent);
        const dataConfig = configMap("data", `${name}-node-config`);
        const sentinelConfig = configMap("sentinel", `${name}-sentinel-config`);
        const proxyConfig = configMap("proxy", `${name}-haproxy-config`);
        const hashOf = (key: "data" | "sentinel" | "proxy") => files.apply(f => ({ "kubecache.io/config-hash": configHash(f[key]) }));

        const headless = (svcName: string, part: "data" | "sentinel", port: number, portName: string) => new k8s.core.v1.Service(svcName, {
            metadata: { name: svcName, namespace: ns, labels: labelsOf(part) },
            // Pods must resolve each other while still starting (a replica before its first sync).
            spec: { clusterIP: "None", publishNotReadyAddresses: true, selector: sel[part], ports: [{ name: portName, port, targetPort: portName }] },
        }, parent);
        const dataHeadless = headless(names.headless, "data", REDIS_PORT, "redis");
        const sentinelHeadless = headless(names.sentinelHeadless, "sentinel", SENTINEL_PORT, "sentinel");

        const volumeClaimTemplates = dataClaimTemplates(c.persistence, labelsOf("data"));
        const redisPod = (part: "data" | "sentinel", containers: k8s.types.input.core.v1.Container[], volumes: k8s.types.input.core.v1.Volume[],
            extra: { terminationGracePeriodSeconds?: number } = {}) => ({
            metadata: { labels: { ...labelsOf(part), ...sel[part] }, annotations: hashOf(part) },
            spec: {
                automountServiceAccountToken: false,
                securityContext: restrictedPodSecurityContext(REDIS_UID, REDIS_UID),
                affinity: spreadAffinity(sel[part], r.antiAffinity),
                containers,
                volumes,
                ...extra,
            },
        });
        const mounts = [{ name: "config", mountPath: "/etc/redis", readOnly: true }, { name: "run", mountPath: "/run/redis" }];

        const dataSts = new k8s.apps.v1.StatefulSet(names.data, {
            metadata: { name: names.data, namespace: ns, labels: labelsOf("data") },
            spec: {
                replicas: r.replicas,
                serviceName: dataHeadless.metadata.name,
                // The start script finds the master itself, so pods need not wait for each other.
                podManagementPolicy: "Parallel",
                selector: { matchLabels: sel.data },
                volumeClaimTemplates,
                template: redisPod("data", [
                    dataContainer({ image: c.image, env, resources: c.resources, volumeMounts: [...mounts, { name: "data", mountPath: "/data" }] }),
                    agentContainer({ image: c.image, env, volumeMounts: mounts }),
                ], [...redisConfigVolumes(dataConfig.metadata.name), ...(volumeClaimTemplates ? [] : [dataVolume()])],
                { terminationGracePeriodSeconds: handover.terminationGracePeriodSeconds }),
            },
        }, { parent: this, dependsOn: [dataHeadless] });

        const sentinelSts = new k8s.apps.v1.StatefulSet(names.sentinel, {
            metadata: { name: names.sentinel, namespace: ns, labels: labelsOf("sentinel") },
            spec: {
                replicas: r.sentinels,
                serviceName: sentinelHeadless.metadata.name,
                podManagementPolicy: "Parallel",
                selector: { matchLabels: sel.sentinel },
                template: redisPod("sentinel", [redisContainer({
                    name: "sentinel", image: c.image, script: "/etc/redis/start.sh", env, resources: r.sentinelResources,
                    port: SENTINEL_PORT, portName: "sentinel", volumeMounts: mounts,
                })], redisConfigVolumes(sentinelConfig.metadata.name)),
            },
        }, { parent: this, dependsOn: [sentinelHeadless] });

        const health = { httpGet: { path: "/healthz", port: "health" }, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 3 };
        const proxy = new k8s.apps.v1.Deployment(names.proxy, {
            metadata: { name: names.proxy, namespace: ns, labels: labelsOf("proxy") },
            spec: {
                replicas: r.proxy.replicas,
                selector: { matchLabels: sel.proxy },
                template: {
                    metadata: { labels: { ...labelsOf("proxy"), ...sel.proxy }, annotations: hashOf("proxy") },
                    spec: {
                        automountServiceAccountToken: false,
                        securityContext: restrictedPodSecurityContext(HAPROXY_UID, HAPROXY_UID),
                        affinity: spreadAffinity(sel.proxy, r.antiAffinity),
                        containers: [{
                            name: "haproxy", image: r.proxy.image,
                            command: ["sh", "/usr/local/etc/haproxy/start.sh"],
                            env,
                            ports: [
                                { name: "redis", containerPort: REDIS_PORT }, { name: "redis-read", containerPort: READ_PORT },
                                { name: "health", containerPort: HAPROXY_HEALTH_PORT },
                            ],
                            resources: r.proxy.resources,
                            readinessProbe: { ...health, initialDelaySeconds: 2 },
                            livenessProbe: { ...health, initialDelaySeconds: 10 },
                            securityContext: restrictedContainerSecurityContext(),
                            volumeMounts: [{ name: "config", mountPath: "/usr/local/etc/haproxy", readOnly: true }],
                        }],
                        volumes: [{ name: "config", configMap: { name: proxyConfig.metadata.name, defaultMode: 0o444 } }],
                    },
                },
            },
        }, parent);

        const service = new k8s.core.v1.Service(name, {
            metadata: { name, namespace: ns, labels: labelsOf("proxy") },
            spec: {
                type: "ClusterIP", selector: sel.proxy,
                ports: [{ name: "redis", port: REDIS_PORT, targetPort: "redis" }, { name: "redis-read", port: READ_PORT, targetPort: "redis-read" }],
            },
        }, { parent: this, dependsOn: [proxy] });
        const sentinelService = new k8s.core.v1.Service(names.sentinel, {
            metadata: { name: names.sentinel, namespace: ns, labels: labelsOf("sentinel") },
            spec: { type: "ClusterIP", selector: sel.sentinel, ports: [{ name: "sentinel", port: SENTINEL_PORT, targetPort: "sentinel" }] },
        }, { parent: this, dependsOn: [sentinelSts] });

        for (const [part, pdbName] of [["data", names.data], ["sentinel", names.sentinel], ["proxy", names.proxy]] as const) {
            new k8s.policy.v1.PodDisruptionBudget(pdbName, {
                metadata: { name: pdbName, namespace: ns, labels: labelsOf(part) },
                spec: oneDisruptionBudget(sel[part]),
            }, { parent: this, dependsOn: [dataSts, sentinelSts, proxy] });
        }

        if (r.networkPolicy) {
            const specs = networkPolicySpecs({ ...sel, clients: r.networkPolicy.clientLabels }, REDIS_PORT, SENTINEL_PORT, HAPROXY_HEALTH_PORT, READ_PORT);
            for (const [part, npName] of [["data", names.data], ["sentinel", names.sentinel], ["proxy", names.proxy]] as const) {
                new k8s.networking.v1.NetworkPolicy(npName, {
                    metadata: { name: npName, namespace: ns, labels: labelsOf(part) },
                    spec: specs[part],
                }, parent);
            }
        }

        const hostPort = (svc: k8s.core.v1.Service, port: number) =>
            pulumi.all([svc.metadata.name, svc.metadata.namespace]).apply(([s, n]) => `${serviceHost(s, n, r.clusterDomain)}:${port}`);
        this.endpoint = hostPort(service, REDIS_PORT);
        this.readEndpoint = hostPort(service, READ_PORT);
        this.sentinelEndpoint = hostPort(sentinelService, SENTINEL_PORT);
        this.masterName = pulumi.output(r.masterName);
        this.passwordSecretName = pulumi.output(auth.secretName);
        this.password = auth.password ?? pulumi.output<string | undefined>(undefined);
        this.registerOutputs({
            endpoint: this.endpoint, readEndpoint: this.readEndpoint, sentinelEndpoint: this.sentinelEndpoint,
            masterName: this.masterName, passwordSecretName: this.passwordSecretName, password: this.password,
        });
    }
}

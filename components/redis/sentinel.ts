import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    exposedSpec,
    oneDisruptionBudget,
    recommendedLabels,
    restrictedPodSecurityContext,
    selectorLabels,
    serviceHost,
    spreadAffinity,
} from "../common";
import { checkPasswordEnv, createRedisAuth, createUserSecrets, passwordEnv } from "./auth";
import { redisContainer, tlsVolume } from "./common";
import { REDIS_PORT, REDIS_UID, SENTINEL_PORT } from "./defaults";
import { EXPORTER_PORT, HAPROXY_METRICS_PORT, createMetricsObjects, exporterContainer } from "./metrics";
import { schedulingSpec } from "./scheduling";
import { RedisSentinelArgs, resolveSentinelArgs } from "./sentinel/args";
import { HAPROXY_HEALTH_PORT, HAPROXY_UID, READ_PORT, agentTiming } from "./sentinel/defaults";
import { HAPROXY_DIR, podSite, renderSentinelFiles, sentinelDnsNames, sentinelStartupSeconds } from "./sentinel/files";
import { networkPolicySpecs } from "./sentinel/objects";
import { configMapName } from "./configName";
import { agentContainer, agentResources, dataContainer, handoverBudget, proxyContainer, sentinelProbes } from "./sentinel/pods";
import { TLS_DIR, createCertificate, endpointOf } from "./tls";
import { claimRetention, dataClaimTemplates, dataVolume, redisConfigVolumes } from "./volumes";

export { RedisSentinelArgs } from "./sentinel/args";

/**
 * Highly available Redis behind one endpoint: data pods (one master, replicas), Sentinels that
 * fail over automatically, and HAProxy pods whose Service `<name>` always reaches the master the
 * sentinels agree on. Sentinel-aware clients can use `<name>-sentinel` instead.
 */
export class RedisSentinel extends pulumi.ComponentResource {
    /** `host:port` of the unified endpoint (HAProxy Service `<name>`); always the current master (`rediss://host:port` with TLS). */
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
    /** Per application user (`users`), the Secret holding its password (key `password` unless its `passwordSecret` says otherwise). */
    public readonly userSecretNames: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: RedisSentinelArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        super("kubecache:index:RedisSentinel", name, {}, opts);
        const r = resolveSentinelArgs(name, args);
        const c = r.common;
        const ns = c.namespace;
        const parent = { parent: this };

        const names = {
            data: `${name}-node`,
            headless: `${name}-headless`,
            sentinel: `${name}-sentinel`,
            sentinelHeadless: `${name}-sentinel-headless`,
            proxy: `${name}-haproxy`,
        };
        const labelsOf = (part: string) => recommendedLabels("redis", name, part);
        const sel = {
            data: selectorLabels("redis", name, "data"),
            sentinel: selectorLabels("redis", name, "sentinel"),
            proxy: selectorLabels("redis", name, "proxy"),
        };
        const auth = createRedisAuth(name, ns, labelsOf("auth"), args.auth, this, "RedisSentinel");
        const env = passwordEnv(auth);
        const users = createUserSecrets(name, ns, labelsOf("auth"), c.users, this, "RedisSentinel");
        const tls = c.tls !== undefined;
        const handover = handoverBudget(r);

        const files = pulumi
            .output(ns)
            .apply(namespace => renderSentinelFiles(r, podSite({ name, namespace, r, names }), auth.secretName !== undefined));
        const certificate =
            c.tls &&
            createCertificate({
                name,
                namespace: ns,
                labels: labelsOf("tls"),
                tls: c.tls,
                parent: this,
                dnsNames: pulumi.output(ns).apply(namespace => sentinelDnsNames({ name, namespace, r, names })),
            });
        const tlsVolumes = c.tls ? [tlsVolume(c.tls.secretName)] : [];
        const exporter = (port: number) =>
            c.metrics ? [exporterContainer({ m: c.metrics, port, env, tlsDir: tls ? TLS_DIR : undefined })] : [];
        const configMap = (key: "data" | "sentinel" | "proxy", cmName: string) =>
            new k8s.core.v1.ConfigMap(
                cmName,
                {
                    metadata: {
                        name: configMapName(
                            cmName,
                            files.apply(f => f[key]),
                        ),
                        namespace: ns,
                        labels: labelsOf(key),
                    },
                    data: files.apply(f => f[key]),
                },
                parent,
            );
        const dataConfig = configMap("data", `${name}-node-config`);
        const sentinelConfig = configMap("sentinel", `${name}-sentinel-config`);
        const proxyConfig = configMap("proxy", `${name}-haproxy-config`);

        const headless = (svcName: string, part: "data" | "sentinel", port: number, portName: string) =>
            new k8s.core.v1.Service(
                svcName,
                {
                    metadata: { name: svcName, namespace: ns, labels: labelsOf(part) },
                    // Pods must resolve each other while still starting (a replica before its first sync).
                    spec: {
                        clusterIP: "None",
                        publishNotReadyAddresses: true,
                        selector: sel[part],
                        ports: [{ name: portName, port, targetPort: portName }],
                    },
                },
                parent,
            );
        const dataHeadless = headless(names.headless, "data", REDIS_PORT, "redis");
        const sentinelHeadless = headless(names.sentinelHeadless, "sentinel", SENTINEL_PORT, "sentinel");

        const volumeClaimTemplates = dataClaimTemplates(c.persistence, labelsOf("data"));
        const redisPod = (
            part: "data" | "sentinel",
            containers: k8s.types.input.core.v1.Container[],
            volumes: k8s.types.input.core.v1.Volume[],
            extra: { terminationGracePeriodSeconds?: number } = {},
        ) => ({
            metadata: { labels: { ...labelsOf(part), ...sel[part] } },
            spec: {
                automountServiceAccountToken: false,
                securityContext: restrictedPodSecurityContext(REDIS_UID, REDIS_UID),
                affinity: spreadAffinity(sel[part], r.antiAffinity),
                ...schedulingSpec(c.scheduling, sel[part]),
                containers,
                volumes: [...volumes, ...tlsVolumes],
                ...extra,
            },
        });
        // Pods wait for the Certificate's Secret; their StatefulSets need not wait for anything else.
        const afterCert = certificate ? [certificate] : [];
        const mounts = [
            { name: "config", mountPath: "/etc/redis", readOnly: true },
            { name: "run", mountPath: "/run/redis" },
        ];

        const dataSts = new k8s.apps.v1.StatefulSet(
            names.data,
            {
                metadata: { name: names.data, namespace: ns, labels: labelsOf("data") },
                spec: {
                    replicas: r.replicas,
                    serviceName: dataHeadless.metadata.name,
                    // The start script finds the master itself, so pods need not wait for each other.
                    podManagementPolicy: "Parallel",
                    selector: { matchLabels: sel.data },
                    volumeClaimTemplates,
                    persistentVolumeClaimRetentionPolicy: claimRetention(c.persistence),
                    template: redisPod(
                        "data",
                        [
                            dataContainer({
                                image: c.image,
                                env: [...env, ...users.env],
                                resources: c.resources,
                                tls,
                                volumeMounts: [...mounts, { name: "data", mountPath: "/data" }],
                            }),
                            agentContainer({
                                image: c.image,
                                env,
                                tls,
                                volumeMounts: mounts,
                                resources: agentResources(r.sentinels, agentTiming(r.downAfterMilliseconds).pollMs),
                            }),
                            ...exporter(REDIS_PORT),
                        ],
                        [...redisConfigVolumes(dataConfig.metadata.name), ...(volumeClaimTemplates ? [] : [dataVolume()])],
                        { terminationGracePeriodSeconds: handover.terminationGracePeriodSeconds },
                    ),
                },
            },
            { parent: this, dependsOn: [dataHeadless, ...afterCert] },
        );

        const sentinelSts = new k8s.apps.v1.StatefulSet(
            names.sentinel,
            {
                metadata: { name: names.sentinel, namespace: ns, labels: labelsOf("sentinel") },
                spec: {
                    replicas: r.sentinels,
                    serviceName: sentinelHeadless.metadata.name,
                    podManagementPolicy: "Parallel",
                    selector: { matchLabels: sel.sentinel },
                    template: redisPod(
                        "sentinel",
                        [
                            {
                                ...redisContainer({
                                    name: "sentinel",
                                    image: c.image,
                                    script: "/etc/redis/start.sh",
                                    env,
                                    resources: r.sentinelResources,
                                    port: SENTINEL_PORT,
                                    portName: "sentinel",
                                    volumeMounts: mounts,
                                    tls,
                                }),
                                ...sentinelProbes(sentinelStartupSeconds(r)),
                            },
                            ...exporter(SENTINEL_PORT),
                        ],
                        redisConfigVolumes(sentinelConfig.metadata.name),
                    ),
                },
            },
            { parent: this, dependsOn: [sentinelHeadless, ...afterCert] },
        );

        const proxy = new k8s.apps.v1.Deployment(
            names.proxy,
            {
                metadata: { name: names.proxy, namespace: ns, labels: labelsOf("proxy") },
                spec: {
                    replicas: r.proxy.replicas,
                    selector: { matchLabels: sel.proxy },
                    template: {
                        metadata: { labels: { ...labelsOf("proxy"), ...sel.proxy } },
                        spec: {
                            automountServiceAccountToken: false,
                            securityContext: restrictedPodSecurityContext(HAPROXY_UID, HAPROXY_UID),
                            affinity: spreadAffinity(sel.proxy, r.antiAffinity),
                            ...schedulingSpec(c.scheduling, sel.proxy),
                            containers: [
                                proxyContainer({
                                    image: r.proxy.image,
                                    env: checkPasswordEnv(auth),
                                    resources: r.proxy.resources,
                                    dir: HAPROXY_DIR,
                                    tls,
                                    metrics: c.metrics !== undefined,
                                }),
                            ],
                            volumes: [
                                { name: "config", configMap: { name: proxyConfig.metadata.name, defaultMode: 0o444 } },
                                // Only the CA: HAProxy verifies the nodes, it serves no certificate itself.
                                ...(c.tls
                                    ? [
                                          {
                                              name: "tls",
                                              secret: {
                                                  secretName: c.tls.secretName,
                                                  defaultMode: 0o444,
                                                  items: [{ key: "ca.crt", path: "ca.crt" }],
                                              },
                                          },
                                      ]
                                    : []),
                            ],
                        },
                    },
                },
            },
            { parent: this, dependsOn: afterCert },
        );

        const service = new k8s.core.v1.Service(
            name,
            {
                metadata: { name, namespace: ns, labels: labelsOf("proxy"), annotations: r.service.annotations },
                spec: {
                    selector: sel.proxy,
                    ...exposedSpec(r.service, [
                        { name: "redis", port: REDIS_PORT, targetPort: "redis" },
                        { name: "redis-read", port: READ_PORT, targetPort: "redis-read" },
                    ]),
                },
            },
            parent,
        );
        const sentinelService = new k8s.core.v1.Service(
            names.sentinel,
            {
                metadata: { name: names.sentinel, namespace: ns, labels: labelsOf("sentinel") },
                spec: {
                    type: "ClusterIP",
                    selector: sel.sentinel,
                    ports: [{ name: "sentinel", port: SENTINEL_PORT, targetPort: "sentinel" }],
                },
                // The Services wait for ready endpoints themselves: ordering them after their workloads only added that wait again.
            },
            parent,
        );

        for (const [part, pdbName] of [
            ["data", names.data],
            ["sentinel", names.sentinel],
            ["proxy", names.proxy],
        ] as const) {
            new k8s.policy.v1.PodDisruptionBudget(
                pdbName,
                {
                    metadata: { name: pdbName, namespace: ns, labels: labelsOf(part) },
                    spec: oneDisruptionBudget(sel[part]),
                },
                { parent: this, dependsOn: [dataSts, sentinelSts, proxy] },
            );
        }

        if (r.networkPolicy) {
            const specs = networkPolicySpecs(
                { ...sel, clients: r.networkPolicy.clientLabels },
                REDIS_PORT,
                SENTINEL_PORT,
                HAPROXY_HEALTH_PORT,
                READ_PORT,
                c.metrics ? { exporter: EXPORTER_PORT, proxy: HAPROXY_METRICS_PORT } : undefined,
                r.service.type !== "ClusterIP",
            );
            for (const [part, npName] of [
                ["data", names.data],
                ["sentinel", names.sentinel],
                ["proxy", names.proxy],
            ] as const) {
                new k8s.networking.v1.NetworkPolicy(
                    npName,
                    {
                        metadata: { name: npName, namespace: ns, labels: labelsOf(part) },
                        spec: specs[part],
                    },
                    parent,
                );
            }
        }

        if (c.metrics) {
            createMetricsObjects({
                name,
                namespace: ns,
                labels: labelsOf("metrics"),
                m: c.metrics,
                topology: "sentinel",
                parent: this,
                dependsOn: [dataSts, sentinelSts, proxy],
            });
        }

        const hostPort = (svc: k8s.core.v1.Service, port: number) =>
            pulumi
                .all([svc.metadata.name, svc.metadata.namespace])
                .apply(([s, n]) => endpointOf(`${serviceHost(s, n, r.clusterDomain)}:${port}`, tls));
        this.endpoint = hostPort(service, REDIS_PORT);
        this.readEndpoint = hostPort(service, READ_PORT);
        this.sentinelEndpoint = hostPort(sentinelService, SENTINEL_PORT);
        this.masterName = pulumi.output(r.masterName);
        this.passwordSecretName = pulumi.output(auth.secretName);
        this.password = auth.password ?? pulumi.output<string | undefined>(undefined);
        this.userSecretNames = pulumi.output(users.secretNames);
        this.registerOutputs({
            endpoint: this.endpoint,
            readEndpoint: this.readEndpoint,
            sentinelEndpoint: this.sentinelEndpoint,
            masterName: this.masterName,
            passwordSecretName: this.passwordSecretName,
            password: this.password,
            userSecretNames: this.userSecretNames,
        });
    }
}

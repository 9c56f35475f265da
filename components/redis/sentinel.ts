import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { recommendedLabels, serviceHost } from "../common";
import { authVolume, createRedisAuth, createUserSecrets, passwordEnv, proxyAuthVolume } from "./auth";
import { configMapName } from "./configName";
import { REDIS_PORT, SENTINEL_PORT } from "./defaults";
import { createMetricsObjects } from "./metrics";
import { RedisSentinelArgs, resolveSentinelArgs } from "./sentinel/args";
import { READ_PORT } from "./sentinel/defaults";
import { podSite, renderSentinelFiles, sentinelDnsNames, sentinelNames } from "./sentinel/files";
import { createSentinelGuards } from "./sentinel/guards";
import { createSentinelServices } from "./sentinel/services";
import { SentinelPart, sentinelPodTemplates, sentinelSelectors } from "./sentinel/templates";
import { createCertificate, endpointOf } from "./tls";
import { claimRetention, dataClaimTemplates } from "./volumes";

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

        const names = sentinelNames(name);
        const labelsOf = (part: string) => recommendedLabels("redis", name, part);
        const sel = sentinelSelectors(name);
        const auth = createRedisAuth(name, ns, labelsOf("auth"), args.auth, this, "RedisSentinel");
        const env = passwordEnv(auth);
        const users = createUserSecrets(name, ns, labelsOf("auth"), c.users, this, "RedisSentinel");
        const tls = c.tls !== undefined;

        const files = pulumi
            .output(ns)
            .apply(namespace =>
                renderSentinelFiles(r, podSite({ name, namespace, r, names }), auth.secretName !== undefined, !auth.checkPasswordKey),
            );
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
        const configMap = (key: SentinelPart, cmName: string) =>
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

        const services = createSentinelServices({ name, namespace: ns, names, r, labels: labelsOf, selectors: sel, parent: this });
        const { dataHeadless, sentinelHeadless } = services;

        const volumeClaimTemplates = dataClaimTemplates(c.persistence, labelsOf("data"));
        const templates = sentinelPodTemplates({
            r,
            labels: { data: labelsOf("data"), sentinel: labelsOf("sentinel"), proxy: labelsOf("proxy") },
            selectors: sel,
            env,
            userEnv: users.env,
            authVolume: authVolume(auth, users),
            exporterPasswordFile: auth.checkPasswordKey !== undefined,
            proxyAuthVolume: proxyAuthVolume(auth),
            configMaps: { data: dataConfig.metadata.name, sentinel: sentinelConfig.metadata.name, proxy: proxyConfig.metadata.name },
            claims: volumeClaimTemplates !== undefined,
        });
        // Pods wait for the Certificate's Secret; their StatefulSets need not wait for anything else.
        const afterCert = certificate ? [certificate] : [];

        // The start scripts find the master (and their peers) themselves, so pods need not wait for each other.
        const statefulSet = (part: "data" | "sentinel", stsName: string, replicas: number, headlessSvc: k8s.core.v1.Service, extra = {}) =>
            new k8s.apps.v1.StatefulSet(
                stsName,
                {
                    metadata: { name: stsName, namespace: ns, labels: labelsOf(part) },
                    spec: {
                        replicas,
                        serviceName: headlessSvc.metadata.name,
                        podManagementPolicy: "Parallel",
                        selector: { matchLabels: sel[part] },
                        template: templates[part],
                        ...extra,
                    },
                },
                { parent: this, dependsOn: [headlessSvc, ...afterCert] },
            );
        const dataSts = statefulSet("data", names.data, r.replicas, dataHeadless, {
            volumeClaimTemplates,
            persistentVolumeClaimRetentionPolicy: claimRetention(c.persistence),
        });
        const sentinelSts = statefulSet("sentinel", names.sentinel, r.sentinels, sentinelHeadless);
        const proxy = new k8s.apps.v1.Deployment(
            names.proxy,
            {
                metadata: { name: names.proxy, namespace: ns, labels: labelsOf("proxy") },
                spec: { replicas: r.proxy.replicas, selector: { matchLabels: sel.proxy }, template: templates.proxy },
            },
            { parent: this, dependsOn: afterCert },
        );

        createSentinelGuards({
            namespace: ns,
            names,
            r,
            labels: labelsOf,
            selectors: sel,
            workloads: [dataSts, sentinelSts, proxy],
            parent: this,
        });

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
        this.endpoint = hostPort(services.endpoint, REDIS_PORT);
        this.readEndpoint = hostPort(services.endpoint, READ_PORT);
        this.sentinelEndpoint = hostPort(services.sentinel, SENTINEL_PORT);
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

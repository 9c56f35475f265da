import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    ANTI_AFFINITIES,
    AntiAffinity,
    ServiceExposureArgs,
    exposedSpec,
    headlessSpec,
    oneDisruptionBudget,
    podHost,
    recommendedLabels,
    requireInteger,
    requireOneOf,
    resolveService,
    selectorLabels,
    serviceHost,
    spreadAffinity,
} from "../common";
import { createRedisBasics } from "./basics";
import { RedisCommonArgs, resolveCommon } from "./common";
import { podNodeFiles } from "./config";
import { REDIS_PORT } from "./defaults";
import { createMetricsObjects } from "./metrics";
import { serverPodSpec } from "./serverPod";
import { endpointOf, serviceDnsNames } from "./tls";
import { claimRetention, dataClaimTemplates, dataVolume } from "./volumes";

const COMPONENT = "RedisReplicated";

export interface RedisReplicatedArgs extends RedisCommonArgs {
    /** Pods in the StatefulSet, ordinal 0 the master (default 2, at least 2). */
    replicas?: number;
    /** Spread the pods over nodes: `preferred` (default) or `required` (needs as many nodes as pods). */
    antiAffinity?: AntiAffinity;
    /**
     * How the read endpoint's Service (`<name>-read`) is reached; `service` governs the master's (`<name>-master`).
     * ClusterIP by default.
     */
    readService?: ServiceExposureArgs;
}

/** Replicas verify the master's certificate by its pod name; clients use the Services' names (and `externalNames`). */
function replicatedDnsNames(name: string, ns: string, replicas: number, domain: string, external: string[]): string[] {
    const headless = `${name}-headless`;
    return [
        ...Array.from({ length: replicas }, (_, i) => podHost(name, i, headless, ns, domain)),
        ...[headless, `${name}-master`, `${name}-read`].flatMap(s => serviceDnsNames(s, ns, domain)),
        ...external,
    ];
}

/**
 * The seed's `redis-sfs`: a StatefulSet whose ordinal 0 is master and the rest replicate from it
 * by stable DNS name, with the headless Service that name needs created and wired in.
 * For automatic failover use RedisSentinel; here the master is fixed.
 */
export class RedisReplicated extends pulumi.ComponentResource {
    /** Stable DNS name of the master pod (ordinal 0). */
    public readonly masterHost: pulumi.Output<string>;
    /** `host:port` of the `<name>-master` Service (writes; `rediss://host:port` with TLS). */
    public readonly masterEndpoint: pulumi.Output<string>;
    /** `host:port` of the `<name>-read` Service, spread over every data pod (reads; `rediss://` with TLS). */
    public readonly readEndpoint: pulumi.Output<string>;
    /** The headless Service that gives each pod its stable DNS name (the StatefulSet's `serviceName`). */
    public readonly headlessServiceName: pulumi.Output<string>;
    /** The Secret holding the password (key `redis-password`); undefined when auth is off. */
    public readonly passwordSecretName: pulumi.Output<string | undefined>;
    /**
     * The password clients authenticate with, as a secret Output (key `redis-password` of the Secret
     * `passwordSecretName`); undefined when auth is off or the password lives in `auth.existingSecret`.
     */
    public readonly password: pulumi.Output<string | undefined>;
    /** Pods in the StatefulSet. */
    public readonly replicas: pulumi.Output<number>;
    /** Per application user (`users`), the Secret holding its password (key `password` unless its `passwordSecret` says otherwise). */
    public readonly userSecretNames: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: RedisReplicatedArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        super("kubecache:index:RedisReplicated", name, {}, opts);
        const replicas = args.replicas ?? 2;
        requireInteger(COMPONENT, "replicas", replicas, 2);
        const antiAffinity = args.antiAffinity ?? "preferred";
        requireOneOf(COMPONENT, "antiAffinity", antiAffinity, ANTI_AFFINITIES);
        const c = resolveCommon(COMPONENT, name, args);
        const exposure = resolveService(COMPONENT, "service", args.service, ["redis"]);
        const readExposure = resolveService(COMPONENT, "readService", args.readService, ["redis"]);

        const labels = recommendedLabels("redis", name, "replicated");
        const selector = selectorLabels("redis", name, "replicated");
        const headlessName = `${name}-headless`;
        const master = pulumi.output(c.namespace).apply(ns => podHost(name, 0, headlessName, ns, c.clusterDomain));
        const tls = c.tls !== undefined;
        const { auth, users, env, authVolume, config, certificate } = createRedisBasics({
            component: COMPONENT,
            name,
            c,
            auth: args.auth,
            labels,
            files: pulumi.output(c.namespace).apply(ns =>
                podNodeFiles(c, tls, {
                    master: { host: podHost(name, 0, headlessName, ns, c.clusterDomain), port: REDIS_PORT },
                    nodes: Array.from({ length: replicas }, (_, i) => ({
                        host: podHost(name, i, headlessName, ns, c.clusterDomain),
                        port: REDIS_PORT,
                    })),
                    announceHost: { expr: `$HOSTNAME.${headlessName}.$POD_NAMESPACE.svc.${c.clusterDomain}` },
                }),
            ),
            dnsNames: pulumi
                .output(c.namespace)
                .apply(ns =>
                    replicatedDnsNames(name, ns, replicas, c.clusterDomain, [...exposure.externalNames, ...readExposure.externalNames]),
                ),
            parent: this,
        });

        // Created before the StatefulSet: replicas resolve the master through it (the seed's
        // "Unable to connect to MASTER" came from its absence).
        const headless = new k8s.core.v1.Service(
            headlessName,
            {
                metadata: { name: headlessName, namespace: c.namespace, labels },
                spec: headlessSpec(selector, [{ name: "redis", port: REDIS_PORT, targetPort: "redis" }]),
            },
            { parent: this },
        );

        const volumeClaimTemplates = dataClaimTemplates(c.persistence, labels);

        const sts = new k8s.apps.v1.StatefulSet(
            name,
            {
                metadata: { name, namespace: c.namespace, labels },
                spec: {
                    replicas,
                    serviceName: headless.metadata.name,
                    // Replicas need the master first; ordered start keeps their first sync clean.
                    podManagementPolicy: "OrderedReady",
                    selector: { matchLabels: selector },
                    volumeClaimTemplates,
                    persistentVolumeClaimRetentionPolicy: claimRetention(c.persistence),
                    template: {
                        metadata: { labels: { ...labels, ...selector } },
                        spec: serverPodSpec({
                            c,
                            selector,
                            env,
                            serverEnv: [
                                { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
                                ...env,
                                ...users.env,
                            ],
                            configMap: config.metadata.name,
                            dataVolume: volumeClaimTemplates ? undefined : dataVolume(),
                            authVolume,
                            exporterPasswordFile: auth.checkPasswordKey !== undefined,
                            affinity: spreadAffinity(selector, antiAffinity),
                        }),
                    },
                },
            },
            { parent: this, dependsOn: certificate ? [headless, certificate] : [headless] },
        );

        // Node drains take one pod at a time, so the set never loses master and replica together.
        new k8s.policy.v1.PodDisruptionBudget(
            name,
            {
                metadata: { name, namespace: c.namespace, labels },
                spec: oneDisruptionBudget(selector),
            },
            { parent: this, dependsOn: [sts] },
        );

        // Not ordered after the StatefulSet: the provider awaits a Service until it has ready endpoints, so
        // these await the same pods in parallel with the StatefulSet's rollout instead of ~10 s after it.
        const masterSvc = new k8s.core.v1.Service(
            `${name}-master`,
            {
                metadata: { name: `${name}-master`, namespace: c.namespace, labels, annotations: exposure.annotations },
                spec: {
                    selector: { ...selector, "statefulset.kubernetes.io/pod-name": `${name}-0` },
                    ...exposedSpec(exposure, [{ name: "redis", port: REDIS_PORT, targetPort: "redis" }]),
                },
            },
            { parent: this },
        );
        const readSvc = new k8s.core.v1.Service(
            `${name}-read`,
            {
                metadata: { name: `${name}-read`, namespace: c.namespace, labels, annotations: readExposure.annotations },
                spec: { selector, ...exposedSpec(readExposure, [{ name: "redis", port: REDIS_PORT, targetPort: "redis" }]) },
            },
            { parent: this },
        );

        if (c.metrics)
            createMetricsObjects({
                name,
                namespace: c.namespace,
                labels,
                m: c.metrics,
                topology: "replicated",
                parent: this,
                dependsOn: [sts],
            });

        const hostOf = (svc: k8s.core.v1.Service) =>
            pulumi
                .all([svc.metadata.name, svc.metadata.namespace])
                .apply(([s, ns]) => endpointOf(`${serviceHost(s, ns, c.clusterDomain)}:${REDIS_PORT}`, tls));
        this.masterHost = master;
        this.masterEndpoint = hostOf(masterSvc);
        this.readEndpoint = hostOf(readSvc);
        this.headlessServiceName = headless.metadata.name;
        this.passwordSecretName = pulumi.output(auth.secretName);
        this.password = auth.password ?? pulumi.output<string | undefined>(undefined);
        this.replicas = sts.spec.replicas;
        this.userSecretNames = pulumi.output(users.secretNames);
        this.registerOutputs({
            masterHost: this.masterHost,
            masterEndpoint: this.masterEndpoint,
            readEndpoint: this.readEndpoint,
            headlessServiceName: this.headlessServiceName,
            passwordSecretName: this.passwordSecretName,
            replicas: this.replicas,
            password: this.password,
            userSecretNames: this.userSecretNames,
        });
    }
}

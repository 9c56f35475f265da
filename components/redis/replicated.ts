import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { oneDisruptionBudget, podHost, recommendedLabels, spreadAffinity, requireInteger, requireOneOf, restrictedPodSecurityContext, selectorLabels, serviceHost } from "../common";
import { createRedisAuth, passwordEnv } from "./auth";
import { RedisCommonArgs, redisContainer, resolveCommon } from "./common";
import { renderRedisConf, renderStartScript } from "./config";
import { REDIS_PORT, REDIS_UID } from "./defaults";
import { dataClaimTemplates, dataVolume, redisConfigVolumes } from "./volumes";

const COMPONENT = "RedisReplicated";

export interface RedisReplicatedArgs extends RedisCommonArgs {
    /** Pods in the StatefulSet, ordinal 0 the master (default 2, at least 2). */
    replicas?: number;
    /** Spread the pods over nodes: `preferred` (default) or `required` (needs as many nodes as pods). */
    antiAffinity?: "preferred" | "required";
}

/**
 * The seed's `redis-sfs`: a StatefulSet whose ordinal 0 is master and the rest replicate from it
 * by stable DNS name, with the headless Service that name needs created and wired in.
 * For automatic failover use RedisSentinel; here the master is fixed.
 */
export class RedisReplicated extends pulumi.ComponentResource {
    /** Stable DNS name of the master pod (ordinal 0). */
    public readonly masterHost: pulumi.Output<string>;
    /** `host:port` of the `<name>-master` Service (writes). */
    public readonly masterEndpoint: pulumi.Output<string>;
    /** `host:port` of the `<name>-read` Service, spread over every data pod (reads). */
    public readonly readEndpoint: pulumi.Output<string>;
    public readonly headlessServiceName: pulumi.Output<string>;
    public readonly passwordSecretName: pulumi.Output<string | undefined>;
    public readonly replicas: pulumi.Output<number>;

    constructor(name: string, args: RedisReplicatedArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        super("kubecache:index:RedisReplicated", name, {}, opts);
        const replicas = args.replicas ?? 2;
        requireInteger(COMPONENT, "replicas", replicas, 2);
        const antiAffinity = args.antiAffinity ?? "preferred";
        requireOneOf(COMPONENT, "antiAffinity", antiAffinity, ["preferred", "required"] as const);
        const c = resolveCommon(COMPONENT, name, args);

        const labels = recommendedLabels("redis", name, "replicated");
        const selector = selectorLabels("redis", name, "replicated");
        const headlessName = `${name}-headless`;
        const master = pulumi.output(c.namespace).apply(ns => podHost(name, 0, headlessName, ns));
        const auth = createRedisAuth(name, c.namespace, labels, args.auth, this);

        const config = new k8s.core.v1.ConfigMap(`${name}-config`, {
            metadata: { name: `${name}-config`, namespace: c.namespace, labels },
            data: {
                "redis.conf": renderRedisConf({ port: REDIS_PORT, dir: "/data", maxmemoryBytes: c.maxmemoryBytes, maxmemoryPolicy: c.maxmemoryPolicy }),
                "start.sh": master.apply(host => renderStartScript({
                    configTemplate: "/etc/redis/redis.conf", runtimeDir: "/run/redis",
                    master: { host, port: REDIS_PORT },
                    announceHostExpr: `$HOSTNAME.${headlessName}.$POD_NAMESPACE.svc.cluster.local`,
                })),
            },
        }, { parent: this });

        // Created before the StatefulSet: replicas resolve the master through it (the seed's
        // "Unable to connect to MASTER" came from its absence).
        const headless = new k8s.core.v1.Service(headlessName, {
            metadata: { name: headlessName, namespace: c.namespace, labels },
            spec: {
                clusterIP: "None",
                publishNotReadyAddresses: true,
                selector,
                ports: [{ name: "redis", port: REDIS_PORT, targetPort: "redis" }],
            },
        }, { parent: this });

        const volumeClaimTemplates = dataClaimTemplates(c.persistence, labels);

        const sts = new k8s.apps.v1.StatefulSet(name, {
            metadata: { name, namespace: c.namespace, labels },
            spec: {
                replicas,
                serviceName: headless.metadata.name,
                // Replicas need the master first; ordered start keeps their first sync clean.
                podManagementPolicy: "OrderedReady",
                selector: { matchLabels: selector },
                volumeClaimTemplates,
                template: {
                    metadata: { labels: { ...labels, ...selector } },
                    spec: {
                        automountServiceAccountToken: false,
                        affinity: spreadAffinity(selector, antiAffinity),
                        securityContext: restrictedPodSecurityContext(REDIS_UID, REDIS_UID),
                        containers: [redisContainer({
                            name: "redis", image: c.image, script: "/etc/redis/start.sh", resources: c.resources,
                            env: [
                                { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
                                ...passwordEnv(auth),
                            ],
                            volumeMounts: [
                                { name: "config", mountPath: "/etc/redis", readOnly: true },
                                { name: "run", mountPath: "/run/redis" },
                                { name: "data", mountPath: "/data" },
                            ],
                        })],
                        volumes: [
                            ...redisConfigVolumes(config.metadata.name),
                            ...(volumeClaimTemplates ? [] : [dataVolume()]),
                        ],
                    },
                },
            },
        }, { parent: this, dependsOn: [headless] });

        // Node drains take one pod at a time, so the set never loses master and replica together.
        new k8s.policy.v1.PodDisruptionBudget(name, {
            metadata: { name, namespace: c.namespace, labels },
            spec: oneDisruptionBudget(selector),
        }, { parent: this, dependsOn: [sts] });

        // Not ordered after the StatefulSet: the provider awaits a Service until it has ready endpoints, so
        // these await the same pods in parallel with the StatefulSet's rollout instead of ~10 s after it.
        const masterSvc = new k8s.core.v1.Service(`${name}-master`, {
            metadata: { name: `${name}-master`, namespace: c.namespace, labels },
            spec: {
                selector: { ...selector, "statefulset.kubernetes.io/pod-name": `${name}-0` },
                ports: [{ name: "redis", port: REDIS_PORT, targetPort: "redis" }],
            },
        }, { parent: this });
        const readSvc = new k8s.core.v1.Service(`${name}-read`, {
            metadata: { name: `${name}-read`, namespace: c.namespace, labels },
            spec: { selector, ports: [{ name: "redis", port: REDIS_PORT, targetPort: "redis" }] },
        }, { parent: this });

        const hostOf = (svc: k8s.core.v1.Service) =>
            pulumi.all([svc.metadata.name, svc.metadata.namespace]).apply(([s, ns]) => `${serviceHost(s, ns)}:${REDIS_PORT}`);
        this.masterHost = master;
        this.masterEndpoint = hostOf(masterSvc);
        this.readEndpoint = hostOf(readSvc);
        this.headlessServiceName = headless.metadata.name;
        this.passwordSecretName = pulumi.output(auth.secretName);
        this.replicas = sts.spec.replicas;
        this.registerOutputs({
            masterHost: this.masterHost, masterEndpoint: this.masterEndpoint, readEndpoint: this.readEndpoint,
            headlessServiceName: this.headlessServiceName, passwordSecretName: this.passwordSecretName, replicas: this.replicas,
        });
    }
}

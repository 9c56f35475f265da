import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { exposedSpec, recommendedLabels, requireOneOf, resolveService, selectorLabels, serviceHost } from "../common";
import { createRedisBasics } from "./basics";
import { RedisCommonArgs, resolveCommon } from "./common";
import { podNodeFiles } from "./config";
import { REDIS_PORT } from "./defaults";
import { createMetricsObjects } from "./metrics";
import { serverPodSpec } from "./serverPod";
import { endpointOf, serviceDnsNames } from "./tls";
import { dataVolume } from "./volumes";

const COMPONENT = "RedisStandalone";

/**
 * The workload behind a {@link RedisStandalone}: a `Deployment` re-creates the pod when it dies; a bare
 * `Pod` is gone for good, as the seed shows.
 */
export const RedisWorkloadKind = { Pod: "Pod", Deployment: "Deployment" } as const;
export type RedisWorkloadKind = (typeof RedisWorkloadKind)[keyof typeof RedisWorkloadKind];

export interface RedisStandaloneArgs extends RedisCommonArgs {
    /**
     * `Deployment` (default) re-creates the pod when it dies; a bare `Pod` is gone for good, as the
     * seed shows. `Pod` exists for that demonstration and for throw-away tests.
     */
    kind?: RedisWorkloadKind;
}

/** One Redis server behind a Service (ClusterIP unless `service` says otherwise): the seed's `kubectl run redis` done properly. */
export class RedisStandalone extends pulumi.ComponentResource {
    /** `host:port` of the Service (`rediss://host:port` with TLS). */
    public readonly endpoint: pulumi.Output<string>;
    /** In-cluster DNS name of the Service. */
    public readonly host: pulumi.Output<string>;
    /** The Redis port (6379). */
    public readonly port: pulumi.Output<number>;
    /** Name of the client Service. */
    public readonly serviceName: pulumi.Output<string>;
    /** The Secret holding the password (key `redis-password`); undefined when auth is off. */
    public readonly passwordSecretName: pulumi.Output<string | undefined>;
    /**
     * The password clients authenticate with, as a secret Output (key `redis-password` of the Secret
     * `passwordSecretName`); undefined when auth is off or the password lives in `auth.existingSecret`.
     */
    public readonly password: pulumi.Output<string | undefined>;
    /** The workload's kind and name, e.g. `Deployment/cache`. */
    public readonly workload: pulumi.Output<string>;
    /** Per application user (`users`), the Secret holding its password (key `password` unless its `passwordSecret` says otherwise). */
    public readonly userSecretNames: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: RedisStandaloneArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        super("kubecache:index:RedisStandalone", name, {}, opts);
        const kind = args.kind ?? "Deployment";
        requireOneOf(COMPONENT, "kind", kind, Object.values(RedisWorkloadKind));
        const c = resolveCommon(COMPONENT, name, args);
        const exposure = resolveService(COMPONENT, "service", args.service, ["redis"]);

        const labels = recommendedLabels("redis", name, "standalone");
        const selector = selectorLabels("redis", name, "standalone");
        const tls = c.tls !== undefined;
        const { auth, users, env, authVolume, config, certificate } = createRedisBasics({
            component: COMPONENT,
            name,
            c,
            auth: args.auth,
            labels,
            files: podNodeFiles(c, tls),
            dnsNames: pulumi.output(c.namespace).apply(ns => [...serviceDnsNames(name, ns, c.clusterDomain), ...exposure.externalNames]),
            parent: this,
        });

        let claimName: pulumi.Output<string> | undefined;
        if (c.persistence.enabled) {
            const pvc = new k8s.core.v1.PersistentVolumeClaim(
                `${name}-data`,
                {
                    metadata: { name: `${name}-data`, namespace: c.namespace, labels },
                    spec: {
                        accessModes: ["ReadWriteOnce"],
                        storageClassName: c.persistence.storageClass,
                        resources: { requests: { storage: c.persistence.size } },
                    },
                },
                { parent: this, retainOnDelete: c.persistence.retainOnDelete },
            );
            claimName = pvc.metadata.name;
        }

        const podSpec = serverPodSpec({
            c,
            selector,
            env,
            serverEnv: [...env, ...users.env],
            configMap: config.metadata.name,
            dataVolume: dataVolume(claimName),
            authVolume,
            exporterPasswordFile: auth.checkPasswordKey !== undefined,
        });
        const afterCert = { parent: this, dependsOn: certificate ? [certificate] : [] };

        const metadata = { name, namespace: c.namespace, labels: { ...labels, ...selector } };
        const workload =
            kind === "Pod"
                ? new k8s.core.v1.Pod(name, { metadata, spec: podSpec }, afterCert)
                : new k8s.apps.v1.Deployment(
                      name,
                      {
                          metadata,
                          spec: {
                              replicas: 1,
                              // A single-writer volume cannot be attached to two pods during a rolling update.
                              strategy: { type: "Recreate" },
                              selector: { matchLabels: selector },
                              template: { metadata: { labels: { ...labels, ...selector } }, spec: podSpec },
                          },
                      },
                      afterCert,
                  );

        const service = new k8s.core.v1.Service(
            name,
            {
                metadata: { name, namespace: c.namespace, labels, annotations: exposure.annotations },
                spec: { selector, ...exposedSpec(exposure, [{ name: "redis", port: REDIS_PORT, targetPort: "redis" }]) },
            },
            { parent: this },
        );

        if (c.metrics)
            createMetricsObjects({
                name,
                namespace: c.namespace,
                labels,
                m: c.metrics,
                topology: "standalone",
                parent: this,
                dependsOn: [workload],
            });

        this.serviceName = service.metadata.name;
        this.host = pulumi.all([service.metadata.name, service.metadata.namespace]).apply(([s, ns]) => serviceHost(s, ns, c.clusterDomain));
        this.port = pulumi.output(REDIS_PORT);
        this.endpoint = this.host.apply(h => endpointOf(`${h}:${REDIS_PORT}`, tls));
        this.passwordSecretName = pulumi.output(auth.secretName);
        this.password = auth.password ?? pulumi.output<string | undefined>(undefined);
        this.workload = pulumi.interpolate`${kind}/${workload.metadata.name}`;
        this.userSecretNames = pulumi.output(users.secretNames);
        this.registerOutputs({
            endpoint: this.endpoint,
            host: this.host,
            port: this.port,
            serviceName: this.serviceName,
            passwordSecretName: this.passwordSecretName,
            workload: this.workload,
            password: this.password,
            userSecretNames: this.userSecretNames,
        });
    }
}

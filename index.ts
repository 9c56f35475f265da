// The kubecache stack: reads typed config (schema in Pulumi.yaml) and wires components.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createCluster, deployMemcached, memcachedStackArgsFromConfig, RedisReplicated, RedisSentinel, RedisStandalone } from "./components";
import { optionalSecret, optionalString, recommendedLabels } from "./components/common";

const config = new pulumi.Config();
const namespaceName = config.get("namespace") ?? "kubecache";
// Images and one password for every Redis workload, when given (the `local` stack: locally built images, and no
// random provider needed to generate passwords); otherwise the components' pinned images and generated passwords.
const redisPassword = optionalSecret(config, "redisPassword");
const auth = redisPassword === undefined ? undefined : { password: redisPassword };
const image = optionalString(config, "redisImage");
const persistence = {
    enabled: config.getBoolean("redisPersistence") ?? false,
    size: config.get("redisStorageSize") ?? "1Gi",
    storageClass: optionalString(config, "redisStorageClass"),
};

// The cluster (`cluster`: kind | ack | existing) supplies the provider every component uses.
const cluster = createCluster(config.get("cluster") ?? "kind", config);
const provider = cluster.provider;
const opts: pulumi.ComponentResourceOptions = { provider };

const stackNamespace = new k8s.core.v1.Namespace("namespace", {
    metadata: {
        name: namespaceName,
        // Every kubecache workload meets the "restricted" Pod Security Standard; enforce it.
        labels: { ...recommendedLabels("kubecache", namespaceName), "pod-security.kubernetes.io/enforce": "restricted" },
    },
}, { provider });
const ns = stackNamespace.metadata.name;
const inNamespace = { ...opts, dependsOn: [stackNamespace] };

export const redis: Record<string, pulumi.Output<string>> = {};

if (config.getBoolean("redisPod") ?? false) {
    // The seed's `kubectl run redis`: a bare Pod, kept for the demonstration that it is not re-created.
    redis.pod = new RedisStandalone("redis-pod", { kind: "Pod", namespace: ns, auth, image }, inNamespace).endpoint;
}
if (config.getBoolean("redisStandalone") ?? true) {
    redis.standalone = new RedisStandalone("redis", { kind: "Deployment", namespace: ns, persistence, auth, image }, inNamespace).endpoint;
}
const replicas = config.getNumber("redisReplicas") ?? 2;
if (replicas > 0) {
    const sfs = new RedisReplicated("redis-sfs", { replicas, namespace: ns, persistence, auth, image }, inNamespace);
    redis.replicatedMaster = sfs.masterEndpoint;
    redis.replicatedRead = sfs.readEndpoint;
}
if (config.getBoolean("redisSentinel") ?? true) {
    // The seed's requirement: Redis, highly available, behind one unified endpoint.
    const ha = new RedisSentinel("redis-ha", {
        namespace: ns,
        persistence, auth, image,
        proxy: { image: optionalString(config, "haproxyImage") },
        replicas: config.getNumber("redisSentinelReplicas") ?? 3,
        sentinels: config.getNumber("redisSentinels") ?? 3,
        antiAffinity: config.get<"preferred" | "required">("redisAntiAffinity") ?? "preferred",
        networkPolicy: { enabled: config.getBoolean("redisNetworkPolicy") ?? false },
    }, inNamespace);
    redis.ha = ha.endpoint;
    redis.haSentinel = ha.sentinelEndpoint;
}

// Memcached: build and push the operator image once (to the cluster's registry), install the operator,
// then the configured instances (default: the seed's memcached-sample) in the stack's namespace.
const memcachedArgs = memcachedStackArgsFromConfig(config, cluster.registry, ns);
const memcachedStack = memcachedArgs ? deployMemcached(memcachedArgs, opts) : undefined;
/** The operator image the cluster runs, pinned by digest. */
export const operatorImage = memcachedStack?.operatorImage;
/** `host:port` of each Memcached instance's headless Service. */
export const memcached = memcachedStack?.endpoints;

/** The namespace every cache workload runs in. */
export const namespace = ns;
/** Admin kubeconfig of the stack's cluster (secret: `pulumi stack output --show-secrets kubeconfig`). */
export const kubeconfig = cluster.kubeconfig;
export const registryPushServer = cluster.registry?.pushServer;

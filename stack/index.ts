/**
 * The kubecache stack: typed config (./config.ts) -> cluster -> namespace -> Redis topologies and
 * Memcached. Resource names and parents are those the program has always used (every resource here is
 * top-level), so existing stacks see no URN change.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { recommendedLabels } from "../components/common/labels";
import { RedisReplicated } from "../components/redis/replicated";
import { RedisSentinel } from "../components/redis/sentinel";
import { RedisStandalone } from "../components/redis/standalone";
import { createCluster } from "./cluster";
import { loadStackConfig, StackConfig } from "./config";
import { deployMemcached } from "./memcached";

export { loadStackConfig, StackConfig } from "./config";

/** The stack outputs. */
export interface StackOutputs {
    /** `host:port` of each Redis topology's endpoint(s), by role. */
    redis: Record<string, pulumi.Output<string>>;
    /** The operator image the cluster runs, pinned by digest. */
    operatorImage?: pulumi.Output<string>;
    /** `host:port` of each Memcached instance's headless Service. */
    memcached?: Record<string, pulumi.Output<string>>;
    /** The namespace every cache workload runs in. */
    namespace: pulumi.Output<string>;
    /** Admin kubeconfig of the stack's cluster (secret: `pulumi stack output --show-secrets kubeconfig`). */
    kubeconfig: pulumi.Output<string>;
    registryPushServer?: pulumi.Output<string>;
}

export function deployStack(config: StackConfig = loadStackConfig()): StackOutputs {
    const cluster = createCluster(config.cluster);
    const provider = cluster.provider;
    const opts: pulumi.ComponentResourceOptions = { provider };

    const stackNamespace = new k8s.core.v1.Namespace(
        "namespace",
        {
            metadata: {
                name: config.namespace,
                // Every kubecache workload meets the "restricted" Pod Security Standard; enforce it.
                labels: { ...recommendedLabels("kubecache", config.namespace), "pod-security.kubernetes.io/enforce": "restricted" },
            },
        },
        { provider },
    );
    const ns = stackNamespace.metadata.name;
    const inNamespace = { ...opts, dependsOn: [stackNamespace] };
    const r = config.redis;
    // A configured password and images reach every Redis workload (the `local` stack: locally built images,
    // and no random provider needed); otherwise the components' pinned images and generated passwords.
    const common = { namespace: ns, image: r.image, ...(r.password === undefined ? {} : { auth: { password: r.password } }) };

    const redis: Record<string, pulumi.Output<string>> = {};
    if (r.pod) {
        // The seed's `kubectl run redis`: a bare Pod, kept for the demonstration that it is not re-created.
        redis.pod = new RedisStandalone("redis-pod", { ...common, kind: "Pod" }, inNamespace).endpoint;
    }
    if (r.standalone) {
        redis.standalone = new RedisStandalone(
            "redis",
            { ...common, kind: "Deployment", persistence: r.persistence },
            inNamespace,
        ).endpoint;
    }
    if (r.replicas > 0) {
        const sfs = new RedisReplicated("redis-sfs", { ...common, replicas: r.replicas, persistence: r.persistence }, inNamespace);
        redis.replicatedMaster = sfs.masterEndpoint;
        redis.replicatedRead = sfs.readEndpoint;
    }
    if (r.sentinel) {
        // The seed's requirement: Redis, highly available, behind one unified endpoint.
        const ha = new RedisSentinel(
            "redis-ha",
            {
                ...common,
                persistence: r.persistence,
                proxy: { image: r.haproxyImage },
                replicas: r.sentinelReplicas,
                sentinels: r.sentinels,
                antiAffinity: r.antiAffinity,
                networkPolicy: { enabled: r.networkPolicy },
                service: r.endpoint,
            },
            inNamespace,
        );
        redis.ha = ha.endpoint;
        redis.haSentinel = ha.sentinelEndpoint;
    }

    // Memcached: build and push the operator image once (to the cluster's registry), install the operator,
    // then the configured instances (default: the seed's memcached-sample) in the stack's namespace.
    const m = config.memcached;
    const memcached =
        m &&
        deployMemcached(
            {
                registry: cluster.registry,
                operatorImage: m.operatorImage,
                operatorNamespace: m.operatorNamespace,
                operatorReplicas: m.operatorReplicas,
                image: { platform: m.operatorPlatform },
                namespace: ns,
                instances: m.instances,
            },
            opts,
        );

    return {
        redis,
        operatorImage: memcached?.operatorImage,
        memcached: memcached?.endpoints,
        namespace: ns,
        kubeconfig: cluster.kubeconfig,
        registryPushServer: cluster.registry && pulumi.output(cluster.registry.pushServer),
    };
}

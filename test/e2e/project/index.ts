// The real-engine tiers' program: every kubecache workload, wired as a consumer would, on an existing cluster
// (the local control plane, with kwok or real nodes) or, with `renderDir` set, rendered to YAML for the
// `kubectl apply` comparison. Passwords come from secret config: generating them needs the random provider, which
// this machine cannot build. Images are the components' defaults unless config names others (the real-pods tier
// passes the locally built ones, through the same public `image` arguments a user has).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ExistingCluster } from "../../../components/cluster/existing";
import { Memcached } from "../../../components/memcached/memcached";
import { MemcachedOperator } from "../../../components/memcached/operator";
import { RedisReplicated } from "../../../components/redis/replicated";
import { RedisSentinel } from "../../../components/redis/sentinel";
import { RedisStandalone } from "../../../components/redis/standalone";

const config = new pulumi.Config();
const renderDir = config.get("renderDir");
const provider = renderDir
    ? new k8s.Provider("render", { renderYamlToDirectory: renderDir })
    : new ExistingCluster("local", { kubeconfigPath: config.require("kubeconfigPath") }).provider;

const nsName = config.get("namespace") ?? "kubecache-e2e";
const namespace = new k8s.core.v1.Namespace(
    "namespace",
    {
        metadata: {
            name: nsName,
            labels: { "pod-security.kubernetes.io/enforce": "restricted", "app.kubernetes.io/managed-by": "kubecache" },
        },
    },
    { provider },
);
const opts: pulumi.ComponentResourceOptions = { provider, dependsOn: [namespace] };
const ns = namespace.metadata.name;
const auth = { password: config.requireSecret("redisPassword") };
const image = config.get("redisImage");
// `redisPersistence`: AOF on a PVC of the cluster's default StorageClass for the replicated and Sentinel sets.
const persistence = config.getBoolean("redisPersistence") ? { enabled: true, size: "256Mi" } : undefined;

// `redisEngineImage`: the bare Pod runs the other engine (`engine: redis`), so both engines run on real pods; the
// loopback tier runs every Sentinel spec on both.
const redisEngineImage = config.get("redisEngineImage");
const pod = new RedisStandalone(
    "redis-pod",
    { kind: "Pod", namespace: ns, auth, ...(redisEngineImage ? { engine: "redis" as const, image: redisEngineImage } : { image }) },
    opts,
);
const standalone = new RedisStandalone("redis", { kind: "Deployment", namespace: ns, auth, image }, opts);
const replicated = new RedisReplicated(
    "redis-sfs",
    { replicas: config.getNumber("redisReplicas") ?? 2, namespace: ns, auth, image, persistence },
    opts,
);
// `redisNodePort`: redis-ha's endpoint as a NodePort (the write port at this number, the read port one above), for
// clients outside the cluster; the real-pods tier reaches it from the host at each node's address.
const nodePort = config.getNumber("redisNodePort");
const sentinel = new RedisSentinel(
    "redis-ha",
    {
        namespace: ns,
        service: nodePort ? { type: "NodePort", nodePorts: { redis: nodePort, "redis-read": nodePort + 1 } } : undefined,
        auth,
        image,
        replicas: config.getNumber("sentinelReplicas") ?? 2,
        sentinels: config.getNumber("sentinels") ?? 3,
        proxy: { image: config.get("haproxyImage") },
        // Step 3 changes it to show that a config change updates (rolls) the workloads instead of replacing them.
        maxmemory: config.get("redisMaxmemory"),
        persistence,
    },
    opts,
);
// `redisEngineSentinel`: a second RedisSentinel on `engine: redis` with the Redis image (the real-pods tier's step
// 2c deploys it, fails it over once, switches it to Valkey with `redisEngineSentinelValkey` and removes it again), so
// Sentinel HA runs on both engines on real pods and an engine switch rolls under a writer.
if (config.getBoolean("redisEngineSentinel")) {
    const valkey = config.getBoolean("redisEngineSentinelValkey");
    new RedisSentinel(
        "redis-ha-redis",
        {
            namespace: ns,
            auth,
            ...(valkey ? { engine: "valkey" as const, image } : { engine: "redis" as const, image: config.require("redisEngineImage") }),
            replicas: 3,
            proxy: { image: config.get("haproxyImage") },
        },
        opts,
    );
}

// On kwok no container runs, so the manager Deployment only has to become Ready and the engine tier runs the
// operator binary out of cluster; the image is never pulled there, but must be pinned to pass the component's
// check. The real-pods tier passes the image built from operator/Dockerfile and two replicas (leader election).
const operator = new MemcachedOperator(
    "memcached-operator",
    {
        image: config.get("operatorImage") ?? "registry.invalid/kubecache/memcached-operator:e2e",
        // The tier's cluster is thrown away: let destroy take the CRD too (the component keeps it by default).
        retainCrdOnDelete: false,
        replicas: config.getNumber("operatorReplicas") ?? 1,
    },
    { provider },
);
const memcached = new Memcached(
    "memcached-sample",
    {
        operator,
        namespace: ns,
        size: config.getNumber("memcachedSize") ?? 1,
        image: config.get("memcachedImage"),
    },
    opts,
);

// `memcachedFeatures`: one Memcached with the exporter sidecar and one in SASL mode with the documented Secret
// (`memcached-sasl-pwdb`, user `app`). Off unless set, so the engine tier, the layout proof and the kubectl
// comparison keep their resource sets; the real-pods tier turns it on in an update of its own.
if (config.getBoolean("memcachedFeatures")) {
    new Memcached(
        "memcached-metrics",
        {
            operator,
            namespace: ns,
            image: config.get("memcachedImage"),
            metrics: { enabled: true, image: config.get("exporterImage") },
        },
        opts,
    );
    // memcached uses its hostname as the SASL realm; the operator sets it to `memcached` in SASL mode.
    const sasl = new k8s.core.v1.Secret(
        "memcached-sasl",
        {
            metadata: { name: "memcached-sasl", namespace: ns, labels: { "app.kubernetes.io/managed-by": "kubecache" } },
            stringData: { "memcached-sasl-pwdb": pulumi.interpolate`app@memcached:${config.requireSecret("memcachedPassword")}\n` },
        },
        { provider },
    );
    new Memcached(
        "memcached-auth",
        {
            operator,
            namespace: ns,
            image: config.get("memcachedImage"),
            auth: { secretName: "memcached-sasl" },
        },
        { ...opts, dependsOn: [namespace, sasl] },
    );
}

export const endpoints = {
    pod: pod.endpoint,
    standalone: standalone.endpoint,
    replicatedMaster: replicated.masterEndpoint,
    sentinel: sentinel.endpoint,
    memcached: memcached.endpoint,
};
export const namespaceName = ns;
export const operatorNamespace = operator.namespace;

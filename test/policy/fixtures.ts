/** Compliant resource inputs for policy tests; each test changes one field of a fresh copy. */

export const NS = "kubecache";

export function labels(instance = "cache", name = "redis"): Record<string, string> {
    return { "app.kubernetes.io/name": name, "app.kubernetes.io/instance": instance, "app.kubernetes.io/managed-by": "kubecache" };
}

export function selector(instance = "cache", name = "redis"): Record<string, string> {
    return { "app.kubernetes.io/name": name, "app.kubernetes.io/instance": instance };
}

export function redisContainer(): any {
    return {
        name: "redis",
        image: "redis:7.4.2-bookworm",
        env: [{ name: "REDIS_PASSWORD", valueFrom: { secretKeyRef: { name: "cache-auth", key: "redis-password" } } }],
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } },
        livenessProbe: { exec: { command: ["redis-cli", "ping"] } },
        readinessProbe: { exec: { command: ["redis-cli", "ping"] } },
        securityContext: {
            runAsNonRoot: true,
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ["ALL"] },
            seccompProfile: { type: "RuntimeDefault" },
        },
    };
}

export function podSpec(): any {
    return {
        securityContext: { runAsNonRoot: true, runAsUser: 999, fsGroup: 999, seccompProfile: { type: "RuntimeDefault" } },
        containers: [redisContainer()],
    };
}

export function pod(name = "cache"): any {
    return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: NS, labels: labels(name) }, spec: podSpec() };
}

export function deployment(name = "cache", replicas = 2): any {
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name, namespace: NS, labels: labels(name) },
        spec: { replicas, selector: { matchLabels: selector(name) }, template: { metadata: { labels: labels(name) }, spec: podSpec() } },
    };
}

export function statefulSet(name = "redis-sfs", replicas = 2, serviceName = `${name}-headless`): any {
    return {
        apiVersion: "apps/v1",
        kind: "StatefulSet",
        metadata: { name, namespace: NS, labels: labels(name) },
        spec: {
            replicas,
            serviceName,
            selector: { matchLabels: selector(name) },
            template: { metadata: { labels: labels(name) }, spec: podSpec() },
        },
    };
}

export function service(name: string, instance: string, headless = false): any {
    return {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name, namespace: NS, labels: labels(instance) },
        spec: { ...(headless ? { clusterIP: "None" } : {}), selector: selector(instance), ports: [{ name: "redis", port: 6379 }] },
    };
}

export function pdb(name: string, instance: string, budget: Record<string, number | string | undefined> = { maxUnavailable: 1 }): any {
    return {
        apiVersion: "policy/v1",
        kind: "PodDisruptionBudget",
        metadata: { name, namespace: NS, labels: labels(instance) },
        spec: { ...budget, selector: { matchLabels: selector(instance) } },
    };
}

export function ackCluster(): any {
    return {
        name: "kubecache-prod",
        version: "1.33.3-aliyun.1",
        clusterSpec: "ack.pro.small",
        deletionProtection: true,
        slbInternetEnabled: false,
        vswitchIds: ["vsw-a", "vsw-b"],
        controlPlaneLogComponents: ["apiserver", "kcm", "scheduler", "ccm"],
        controlPlaneLogTtl: "30",
    };
}

export function nodePool(): any {
    return {
        nodePoolName: "kubecache-workers",
        clusterId: "c-123",
        vswitchIds: ["vsw-a", "vsw-b"],
        instanceTypes: ["ecs.g7.xlarge"],
        desiredSize: "2",
        systemDiskCategory: "cloud_essd",
        systemDiskSize: 120,
        systemDiskEncrypted: true,
    };
}

export function vswitch(zoneId: string, cidrBlock: string): any {
    return { vpcId: "vpc-1", zoneId, cidrBlock, vswitchName: `kubecache-${zoneId}` };
}

/**
 * The operator manager's pod: flags, ports and probes of `operator/cmd/main.go`, kept here as pure
 * functions so tests check them without Pulumi.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { quantityToBytes, Resources, restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../common";

export const MANAGER_UID = 65532;
export const HEALTH_PORT = 8081;
export const METRICS_PORT = 8080;

/** Requests fit the manager's measured footprint; the limit leaves room for informer caches on big clusters. */
export const DEFAULT_MANAGER_RESOURCES: Resources = {
    requests: { cpu: "10m", memory: "64Mi" },
    limits: { memory: "128Mi" },
};

/**
 * GOMEMLIMIT as a share of the memory request (the limit when there is none): a soft heap goal makes the
 * runtime collect before the heap outgrows the footprint the pod is scheduled for. 5/8 of the default 64Mi
 * request (40MiB) held the bench's 1,000-object peak RSS at 62 MiB in every run, against 62-67 MiB without it
 * and 62-65 MiB at 48MiB, at no cost in time (bench/README.md, Operator). A share of the 128Mi limit would
 * not take effect at that scale.
 */
export const MEMLIMIT_SHARE = 0.625;

export function managerEnv(r: Resources | undefined): k8s.types.input.core.v1.EnvVar[] {
    const memory = r?.requests?.memory ?? r?.limits?.memory;
    const bytes = memory === undefined ? undefined : quantityToBytes(String(memory));
    if (!bytes) return [];
    return [{ name: "GOMEMLIMIT", value: `${Math.floor((bytes * MEMLIMIT_SHARE) / 2 ** 20)}MiB` }];
}

/** Leader election only matters with more than one replica; a single manager skips the lease round-trips. */
export function managerArgs(replicas: number): string[] {
    const args = [`--health-probe-bind-address=:${HEALTH_PORT}`, `--metrics-bind-address=:${METRICS_PORT}`];
    if (replicas > 1) args.push("--leader-elect");
    return args;
}

export interface ManagerPodOptions {
    image: pulumi.Input<string>;
    replicas: number;
    serviceAccountName: pulumi.Input<string>;
    resources: pulumi.Input<Resources>;
    imagePullSecrets?: string[];
}

export function managerPodSpec(o: ManagerPodOptions): k8s.types.input.core.v1.PodSpec {
    return {
        serviceAccountName: o.serviceAccountName,
        securityContext: restrictedPodSecurityContext(MANAGER_UID, MANAGER_UID),
        // Leader election releases its lease on SIGTERM; 10 s is ample for the manager to stop.
        terminationGracePeriodSeconds: 10,
        imagePullSecrets: o.imagePullSecrets?.map(name => ({ name })),
        containers: [
            {
                name: "manager",
                image: o.image,
                command: ["/manager"],
                args: managerArgs(o.replicas),
                env: pulumi.output(o.resources).apply(r => managerEnv(r as Resources)),
                ports: [
                    { name: "metrics", containerPort: METRICS_PORT, protocol: "TCP" },
                    { name: "health", containerPort: HEALTH_PORT, protocol: "TCP" },
                ],
                livenessProbe: { httpGet: { path: "/healthz", port: "health" }, initialDelaySeconds: 15, periodSeconds: 20 },
                readinessProbe: { httpGet: { path: "/readyz", port: "health" }, initialDelaySeconds: 5, periodSeconds: 10 },
                resources: o.resources,
                securityContext: restrictedContainerSecurityContext(),
            },
        ],
    };
}

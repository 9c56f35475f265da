/**
 * The operator manager's pod: flags, ports and probes of `operator/cmd/main.go`, kept here as pure
 * functions so tests check them without Pulumi.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../common";

export const MANAGER_UID = 65532;
export const HEALTH_PORT = 8081;
export const METRICS_PORT = 8080;

/** Requests fit the manager's measured footprint; the limit leaves room for informer caches on big clusters. */
export const DEFAULT_MANAGER_RESOURCES: k8s.types.input.core.v1.ResourceRequirements = {
    requests: { cpu: "10m", memory: "64Mi" },
    limits: { memory: "128Mi" },
};

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
    resources: pulumi.Input<k8s.types.input.core.v1.ResourceRequirements>;
    imagePullSecrets?: string[];
}

export function managerPodSpec(o: ManagerPodOptions): k8s.types.input.core.v1.PodSpec {
    return {
        serviceAccountName: o.serviceAccountName,
        securityContext: restrictedPodSecurityContext(MANAGER_UID, MANAGER_UID),
        // Leader election releases its lease on SIGTERM; 10 s is ample for the manager to stop.
        terminationGracePeriodSeconds: 10,
        imagePullSecrets: o.imagePullSecrets?.map(name => ({ name })),
        containers: [{
            name: "manager",
            image: o.image,
            command: ["/manager"],
            args: managerArgs(o.replicas),
            ports: [
                { name: "metrics", containerPort: METRICS_PORT, protocol: "TCP" },
                { name: "health", containerPort: HEALTH_PORT, protocol: "TCP" },
            ],
            livenessProbe: { httpGet: { path: "/healthz", port: "health" }, initialDelaySeconds: 15, periodSeconds: 20 },
            readinessProbe: { httpGet: { path: "/readyz", port: "health" }, initialDelaySeconds: 5, periodSeconds: 10 },
            resources: o.resources,
            securityContext: restrictedContainerSecurityContext(),
        }],
    };
}

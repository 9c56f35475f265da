/**
 * Containers of RedisSentinel's data pods: Redis itself (with the preStop hand-over) and the
 * fencing agent beside it, in the same pod so it shares Redis's network view.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { restrictedContainerSecurityContext } from "../common";
import { pingProbe } from "./common";
import { REDIS_PORT } from "./defaults";
import { selfMasterWaitSeconds } from "./sentinelScripts";

type Container = k8s.types.input.core.v1.Container;
type Resources = k8s.types.input.core.v1.ResourceRequirements;

/** Where the start script marks a bootstrap that is waiting on purpose (see renderDataStartScript). */
export const WAITING_FILE = "/run/redis/waiting";
/** The agent's state (memory-backed, shared with nothing but the agent). */
export const AGENT_STATE_DIR = "/run/redis/agent";
/** Resources of the agent container. */
export const AGENT_RESOURCES = { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "64Mi" } };

/**
 * Seconds the preStop may spend on a hand-over, and the pod's grace period around it: the
 * hand-over plus one unplanned failover's worth of margin, so Redis always stops cleanly.
 */
export function handoverBudget(t: { downAfterMilliseconds: number; failoverTimeoutMilliseconds: number }) {
    const budgetSeconds = selfMasterWaitSeconds(t) + 5;
    return { budgetSeconds, terminationGracePeriodSeconds: budgetSeconds + 10 };
}

export interface DataContainerParts {
    image: pulumi.Input<string>;
    env: k8s.types.input.core.v1.EnvVar[];
    resources: Resources;
    volumeMounts: k8s.types.input.core.v1.VolumeMount[];
}

const CLI = "$(command -v redis-cli || command -v valkey-cli)";

export function dataContainer(p: DataContainerParts): Container {
    return {
        name: "redis",
        image: p.image,
        command: ["sh", "/etc/redis/start.sh"],
        env: p.env,
        ports: [{ name: "redis", containerPort: REDIS_PORT }],
        resources: p.resources,
        // A bootstrap waiting for the sentinels' failover (or for a copy of the data) is alive.
        livenessProbe: {
            exec: { command: ["sh", "-c", `${CLI} -p ${REDIS_PORT} ping | grep -q PONG || [ -f ${WAITING_FILE} ]`] },
            initialDelaySeconds: 15, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3,
        },
        readinessProbe: pingProbe(REDIS_PORT, 5),
        lifecycle: { preStop: { exec: { command: ["sh", "/etc/redis/prestop.sh"] } } },
        securityContext: restrictedContainerSecurityContext(),
        volumeMounts: p.volumeMounts,
    };
}

const heartbeat = {
    exec: { command: ["sh", "-c", `[ $(( $(date +%s) - $(stat -c %Y ${AGENT_STATE_DIR}/heartbeat) )) -lt 10 ]`] },
    periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3,
};

export function agentContainer(p: Omit<DataContainerParts, "resources">): Container {
    return {
        name: "agent",
        image: p.image,
        command: ["sh", "/etc/redis/agent.sh"],
        env: p.env,
        resources: AGENT_RESOURCES,
        // The decision loop touches its heartbeat several times a second.
        livenessProbe: { ...heartbeat, initialDelaySeconds: 10 },
        readinessProbe: { ...heartbeat, initialDelaySeconds: 2 },
        securityContext: restrictedContainerSecurityContext(),
        volumeMounts: p.volumeMounts,
    };
}

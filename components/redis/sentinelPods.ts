/**
 * Containers of RedisSentinel's data pods: Redis itself (with the preStop hand-over) and the
 * fencing agent beside it, in the same pod so it shares Redis's network view.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Resources, restrictedContainerSecurityContext } from "../common";
import { cliCommand, pingProbe, tlsMount } from "./common";
import { REDIS_PORT } from "./defaults";
import { HAPROXY_METRICS_PORT } from "./metrics";
import { HAPROXY_HEALTH_PORT, READ_PORT } from "./sentinelDefaults";
import { selfMasterWaitSeconds } from "./sentinelScripts";
import { TLS_DIR } from "./tls";

type Container = k8s.types.input.core.v1.Container;

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
    tls: boolean;
}

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
            exec: { command: ["sh", "-c", `${cliCommand(p.tls)} -p ${REDIS_PORT} ping | grep -q PONG || [ -f ${WAITING_FILE} ]`] },
            initialDelaySeconds: 15,
            periodSeconds: 5,
            timeoutSeconds: 3,
            failureThreshold: 3,
        },
        readinessProbe: pingProbe(REDIS_PORT, 5, p.tls),
        lifecycle: { preStop: { exec: { command: ["sh", "/etc/redis/prestop.sh"] } } },
        securityContext: restrictedContainerSecurityContext(),
        volumeMounts: [...p.volumeMounts, ...(p.tls ? [tlsMount()] : [])],
    };
}

const heartbeat = {
    exec: { command: ["sh", "-c", `[ $(( $(date +%s) - $(stat -c %Y ${AGENT_STATE_DIR}/heartbeat) )) -lt 10 ]`] },
    periodSeconds: 5,
    timeoutSeconds: 3,
    failureThreshold: 3,
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
        volumeMounts: [...p.volumeMounts, ...(p.tls ? [tlsMount()] : [])],
    };
}

/** The HAProxy container behind the endpoints; its files are mounted at `dir`. */
export function proxyContainer(p: {
    image: pulumi.Input<string>;
    env: k8s.types.input.core.v1.EnvVar[];
    resources: Resources;
    dir: string;
    tls: boolean;
    metrics: boolean;
}): k8s.types.input.core.v1.Container {
    const health = { httpGet: { path: "/healthz", port: "health" }, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 3 };
    return {
        name: "haproxy",
        image: p.image,
        command: ["sh", `${p.dir}/start.sh`],
        env: p.env,
        ports: [
            { name: "redis", containerPort: REDIS_PORT },
            { name: "redis-read", containerPort: READ_PORT },
            { name: "health", containerPort: HAPROXY_HEALTH_PORT },
            ...(p.metrics ? [{ name: "metrics", containerPort: HAPROXY_METRICS_PORT }] : []),
        ],
        resources: p.resources,
        readinessProbe: { ...health, initialDelaySeconds: 2 },
        livenessProbe: { ...health, initialDelaySeconds: 10 },
        securityContext: restrictedContainerSecurityContext(),
        volumeMounts: [
            { name: "config", mountPath: p.dir, readOnly: true },
            ...(p.tls ? [{ name: "tls", mountPath: TLS_DIR, readOnly: true }] : []),
        ],
    };
}

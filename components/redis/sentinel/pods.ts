/**
 * Containers of RedisSentinel's data pods: Redis itself (with the preStop hand-over) and the
 * fencing agent beside it, in the same pod so it shares Redis's network view.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Resources, restrictedContainerSecurityContext } from "../../common";
import { pingCommand, pingProbe, tlsMount } from "../common";
import { REDIS_PORT } from "../defaults";
import { HAPROXY_METRICS_PORT } from "../metrics";
import { HAPROXY_HEALTH_PORT, READ_PORT } from "./defaults";
import { selfMasterWaitSeconds } from "./conf";
import { TLS_DIR } from "../tls";
import { AUTH_MOUNT } from "../auth";

type Container = k8s.types.input.core.v1.Container;

/** Where the start script marks a bootstrap that is waiting on purpose (see renderDataStartScript). */
export const WAITING_FILE = "/run/redis/waiting";
/** The agent's state (memory-backed, shared with nothing but the agent). */
export const AGENT_STATE_DIR = "/run/redis/agent";
/**
 * Resources of the agent container. Its CPU request is what it uses, so that a busy node's scheduler gives it that
 * share: it reads each sentinel and its own Redis every poll and decides on every answer. Measured on the local
 * cluster's pods (3 sentinels, poll 100 ms, a writer through the endpoint): 0.13-0.18 cores per agent, against the
 * 10m it used to request; with 10m (10 CPU shares against Redis's 102) a saturated node starved it into stalls and
 * false fences. About 40m per stream at 10 answers a second, plus the local stream and the loop; no CPU limit,
 * since throttling would be the same starvation.
 */
export function agentResources(sentinels: number, pollMs: number) {
    const cpu = Math.ceil(((sentinels + 1) * 40 * 100) / pollMs);
    return { requests: { cpu: `${cpu}m`, memory: "16Mi" }, limits: { memory: "64Mi" } };
}

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
        // A bootstrap waiting for the sentinels' failover (or for a copy of the data) is alive. Every exec probe is a
        // runc exec on the node (see sentinelProbes), so liveness is asked half as often as readiness.
        livenessProbe: {
            exec: { command: ["sh", "-c", `${pingCommand(REDIS_PORT, p.tls)} || [ -f ${WAITING_FILE} ]`] },
            initialDelaySeconds: 15,
            periodSeconds: 10,
            timeoutSeconds: 3,
            failureThreshold: 3,
        },
        readinessProbe: pingProbe(REDIS_PORT, 5, p.tls),
        lifecycle: { preStop: { exec: { command: ["sh", "/etc/redis/prestop.sh"] } } },
        securityContext: restrictedContainerSecurityContext(),
        volumeMounts: [...p.volumeMounts, ...(p.tls ? [tlsMount()] : [])],
    };
}

// The decision loop touches its heartbeat several times a second; a check every 10 s (a runc exec each) is enough to
// restart a hung agent within 30 s.
const heartbeat = {
    exec: { command: ["sh", "-c", `[ $(( $(date +%s) - $(stat -c %Y ${AGENT_STATE_DIR}/heartbeat) )) -lt 10 ]`] },
    periodSeconds: 10,
    timeoutSeconds: 3,
    failureThreshold: 3,
};

export function agentContainer(p: Omit<DataContainerParts, "resources"> & { resources: Resources }): Container {
    return {
        name: "agent",
        image: p.image,
        command: ["sh", "/etc/redis/agent.sh"],
        env: p.env,
        resources: p.resources,
        // The decision loop touches its heartbeat several times a second.
        livenessProbe: { ...heartbeat, initialDelaySeconds: 10 },
        readinessProbe: { ...heartbeat, initialDelaySeconds: 2 },
        securityContext: restrictedContainerSecurityContext(),
        volumeMounts: [...p.volumeMounts, ...(p.tls ? [tlsMount()] : [])],
    };
}

/**
 * A sentinel's probes: a TCP connection to its port, made by the kubelet itself. An exec probe is a `runc exec` in
 * the container (a process tree of runc, its init, sh and the CLI: tens of milliseconds of CPU each), and on the
 * 2-core local cluster two Sentinel sets' exec probes, timing out under that load, restarted sentinels in a loop and
 * starved the fencing agents. Sentinel listens only once its start script has found the master, which may take
 * `startupSeconds` (waiting for a data node, then for its DNS name): the startup probe allows that much.
 */
export function sentinelProbes(startupSeconds: number): Pick<Container, "startupProbe" | "livenessProbe" | "readinessProbe"> {
    const tcp = { tcpSocket: { port: "sentinel" } };
    return {
        startupProbe: { ...tcp, periodSeconds: 2, timeoutSeconds: 2, failureThreshold: Math.ceil(startupSeconds / 2) },
        livenessProbe: { ...tcp, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
        readinessProbe: { ...tcp, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 2 },
    };
}

/** The HAProxy container behind the endpoints; its files are mounted at `dir`, the check password's at AUTH_DIR. */
export function proxyContainer(p: {
    image: pulumi.Input<string>;
    auth: boolean;
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
            ...(p.auth ? [AUTH_MOUNT] : []),
            ...(p.tls ? [{ name: "tls", mountPath: TLS_DIR, readOnly: true }] : []),
        ],
    };
}

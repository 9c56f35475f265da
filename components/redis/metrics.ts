/**
 * Metrics of the Redis components (`metrics`): a redis_exporter sidecar beside every data and
 * sentinel container (container and port named `metrics`), HAProxy's own Prometheus endpoint, a
 * `<name>-metrics` Service over all of them, and on request a `monitoring.coreos.com/v1`
 * ServiceMonitor or PodMonitor, a PrometheusRule with the alerts of metricsRules.ts, and a ConfigMap with the
 * topology's Grafana dashboard (dashboards.ts).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    ArgumentError,
    createDashboardConfigMap,
    enabledPart,
    Resources,
    checked,
    requirePinnedImage,
    restrictedContainerSecurityContext,
    selectorLabels,
} from "../common";
import { renderDashboard } from "./dashboards";
import { RedisTopology, redisAlertRules } from "./metricsRules";
import { AUTH_DIR, AUTH_MOUNT, EXPORTER_PASSWORDS_KEY } from "./auth";

/** redis_exporter, pinned; it also reads sentinels (it detects them from INFO). */
export const EXPORTER_IMAGE = "oliver006/redis_exporter:v1.90.0";
export const EXPORTER_PORT = 9121;
/** HAProxy's built-in Prometheus exporter. */
export const HAPROXY_METRICS_PORT = 9101;
const EXPORTER_RESOURCES = { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "64Mi" } };

/** A Prometheus Operator monitor (ServiceMonitor or PodMonitor) of the component. */
export interface RedisMonitorArgs {
    /** Create the monitor (default false). */
    enabled?: boolean;
    /** Labels of the monitor, for the Prometheus `serviceMonitorSelector`/`podMonitorSelector` (e.g. `{ release: "prometheus" }`). */
    labels?: Record<string, string>;
    /** Scrape interval, e.g. `30s` (Prometheus's default when omitted). */
    interval?: string;
}

/** The PrometheusRule with the component's alerts. */
export interface RedisPrometheusRuleArgs {
    /** Create the rule (default false). */
    enabled?: boolean;
    /** Labels of the rule, for the Prometheus `ruleSelector`. */
    labels?: Record<string, string>;
    /** Share of `maxmemory` above which memory alerts fire (default 0.9). */
    memoryThreshold?: number;
    /** Seconds a replica may lag before the lag alert fires (default 10). */
    lagSeconds?: number;
}

/** The Grafana dashboard of the component's topology, in a ConfigMap for Grafana's dashboard sidecar. */
export interface RedisDashboardsArgs {
    /** Create the ConfigMap (default false). */
    enabled?: boolean;
    /**
     * Labels of the ConfigMap besides `grafana_dashboard: "1"` (the sidecar's default label; give it another value
     * here if your sidecar looks for one).
     */
    labels?: Record<string, string>;
}

/** Metrics settings every Redis component takes. */
export interface RedisMetricsArgs {
    /** Add the exporter sidecars, HAProxy's exporter and the `<name>-metrics` Service (default false). */
    enabled?: boolean;
    /** redis_exporter image pinned to a tag or digest (default `oliver006/redis_exporter:v1.90.0`). */
    image?: pulumi.Input<string>;
    /** Resources of each exporter container (default requests 10m/16Mi, limit 64Mi). */
    resources?: Resources;
    /** A ServiceMonitor for `<name>-metrics` (needs the Prometheus Operator's CRDs); `true` is short for `{ enabled: true }`. */
    serviceMonitor?: RedisMonitorArgs;
    /** A PodMonitor for the component's pods instead (or as well); `true` is short for `{ enabled: true }`. */
    podMonitor?: RedisMonitorArgs;
    /**
     * A PrometheusRule with alerts: no master, replica link down, lag, failover, memory, rejected connections;
     * `true` is short for `{ enabled: true }`.
     */
    prometheusRule?: RedisPrometheusRuleArgs;
    /**
     * Grafana dashboards: memory against maxmemory, hit ratio, commands/s, connections, replication lag and link
     * state, failovers and the endpoint's backends; `true` is short for `{ enabled: true }`.
     */
    dashboards?: RedisDashboardsArgs;
}

export interface ResolvedMetrics {
    image: pulumi.Input<string>;
    resources: Resources;
    serviceMonitor?: RedisMonitorArgs;
    podMonitor?: RedisMonitorArgs;
    prometheusRule?: RedisPrometheusRuleArgs;
    dashboards?: RedisDashboardsArgs;
}

export function resolveMetrics(component: string, m: RedisMetricsArgs | undefined): ResolvedMetrics | undefined {
    // Each part takes `true` for `{ enabled: true }` (see enabledPart) and needs the exporters.
    const part = <T extends { enabled?: boolean }>(k: string, v: T | undefined): T | undefined => {
        const on = enabledPart(component, `metrics.${k}`, v, true);
        if (on && !m?.enabled) throw new ArgumentError(component, `metrics.${k}`, "needs `metrics.enabled: true`.");
        return on;
    };
    const serviceMonitor = part("serviceMonitor", m?.serviceMonitor);
    const podMonitor = part("podMonitor", m?.podMonitor);
    const rule = part("prometheusRule", m?.prometheusRule);
    const dashboards = part("dashboards", m?.dashboards);
    if (!m?.enabled) return undefined;
    if (rule?.memoryThreshold !== undefined && !(rule.memoryThreshold > 0 && rule.memoryThreshold <= 1)) {
        throw new ArgumentError(
            component,
            "metrics.prometheusRule.memoryThreshold",
            `must be a share of maxmemory in (0, 1]; got ${JSON.stringify(rule.memoryThreshold)}.`,
        );
    }
    if (rule?.lagSeconds !== undefined && !(Number.isInteger(rule.lagSeconds) && rule.lagSeconds >= 1)) {
        throw new ArgumentError(
            component,
            "metrics.prometheusRule.lagSeconds",
            `must be an integer >= 1; got ${JSON.stringify(rule.lagSeconds)}.`,
        );
    }
    for (const [k, v] of [
        ["serviceMonitor", serviceMonitor],
        ["podMonitor", podMonitor],
    ] as const) {
        if (v?.interval !== undefined && !/^[0-9]+(ms|s|m|h)$/.test(v.interval)) {
            throw new ArgumentError(
                component,
                `metrics.${k}.interval`,
                `must be a Prometheus duration such as "30s"; got ${JSON.stringify(v.interval)}.`,
            );
        }
    }
    return {
        image: checked(m.image ?? EXPORTER_IMAGE, v => requirePinnedImage(component, "metrics.image", v)),
        resources: {
            requests: { ...EXPORTER_RESOURCES.requests, ...m.resources?.requests },
            limits: { ...EXPORTER_RESOURCES.limits, ...m.resources?.limits },
        },
        serviceMonitor,
        podMonitor,
        prometheusRule: rule,
        dashboards,
    };
}

/**
 * The exporter sidecar for the Redis or Sentinel server on `port` of the same pod. It logs in as
 * the default user: it shares the pod, which holds that password anyway. With `passwordFile` it reads the
 * password from the mounted Secret's file, and its readiness probe asks it to read the file again (`/-/reload`), so
 * a rotated password reaches it within the kubelet's sync period plus 10 s; otherwise from REDIS_PASSWORD at start.
 */
export function exporterContainer(o: {
    m: ResolvedMetrics;
    port: number;
    env: k8s.types.input.core.v1.EnvVar[];
    tlsDir?: string;
    /** The pod mounts the password files, with the exporters' password file (a Secret the component made). */
    passwordFile?: boolean;
}): k8s.types.input.core.v1.Container {
    const addr = o.tlsDir ? `rediss://localhost:${o.port}` : `localhost:${o.port}`;
    const health = { httpGet: { path: "/health", port: "metrics" }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 };
    return {
        name: "metrics",
        image: o.m.image,
        args: [
            `-redis.addr=${addr}`,
            `-web.listen-address=:${EXPORTER_PORT}`,
            // The pod's own certificate as client certificate: required where `tls.clientAuth` is on, unused otherwise.
            ...(o.tlsDir
                ? [
                      `-tls-ca-cert-file=${o.tlsDir}/ca.crt`,
                      `-tls-client-cert-file=${o.tlsDir}/tls.crt`,
                      `-tls-client-key-file=${o.tlsDir}/tls.key`,
                  ]
                : []),
            ...(o.passwordFile ? [`-redis.password-file=${AUTH_DIR}/${EXPORTER_PASSWORDS_KEY}`] : []),
        ],
        // The exporter reads the password file only when no password is given (REDIS_PASSWORD is the flag's default).
        env: o.passwordFile ? [] : o.env.filter(e => e.name === "REDIS_PASSWORD"),
        ports: [{ name: "metrics", containerPort: EXPORTER_PORT }],
        resources: o.m.resources,
        readinessProbe: o.passwordFile
            ? { ...health, httpGet: { path: "/-/reload", port: "metrics" }, initialDelaySeconds: 2 }
            : { ...health, initialDelaySeconds: 2 },
        livenessProbe: { ...health, initialDelaySeconds: 10 },
        securityContext: restrictedContainerSecurityContext(),
        volumeMounts: [
            ...(o.passwordFile ? [AUTH_MOUNT] : []),
            ...(o.tlsDir ? [{ name: "tls", mountPath: o.tlsDir, readOnly: true }] : []),
        ],
    };
}

/**
 * `<name>-metrics` over every pod of the component that has a `metrics` port, and the monitors and
 * rule it asked for.
 */
export function createMetricsObjects(o: {
    name: string;
    namespace: pulumi.Input<string>;
    labels: Record<string, string>;
    m: ResolvedMetrics;
    topology: RedisTopology;
    parent: pulumi.Resource;
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}): k8s.core.v1.Service {
    const opts = { parent: o.parent, dependsOn: o.dependsOn };
    const podSelector = selectorLabels("redis", o.name);
    const svcName = `${o.name}-metrics`;
    const service = new k8s.core.v1.Service(
        svcName,
        {
            metadata: { name: svcName, namespace: o.namespace, labels: { ...o.labels, "kubecache.io/metrics": "true" } },
            spec: { selector: podSelector, ports: [{ name: "metrics", port: EXPORTER_PORT, targetPort: "metrics" }] },
        },
        opts,
    );
    // Pod labels on every series, so the rules can tell one instance from another.
    const podTargetLabels = ["app.kubernetes.io/instance", "app.kubernetes.io/component"];
    if (o.m.serviceMonitor) {
        new k8s.apiextensions.CustomResource(
            svcName,
            {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "ServiceMonitor",
                metadata: { name: svcName, namespace: o.namespace, labels: { ...o.labels, ...o.m.serviceMonitor.labels } },
                spec: {
                    selector: { matchLabels: { ...podSelector, "kubecache.io/metrics": "true" } },
                    endpoints: [{ port: "metrics", ...(o.m.serviceMonitor.interval ? { interval: o.m.serviceMonitor.interval } : {}) }],
                    podTargetLabels,
                },
            },
            { ...opts, dependsOn: [service] },
        );
    }
    if (o.m.podMonitor) {
        new k8s.apiextensions.CustomResource(
            `${svcName}-pods`,
            {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "PodMonitor",
                metadata: { name: svcName, namespace: o.namespace, labels: { ...o.labels, ...o.m.podMonitor.labels } },
                spec: {
                    selector: { matchLabels: podSelector },
                    podMetricsEndpoints: [{ port: "metrics", ...(o.m.podMonitor.interval ? { interval: o.m.podMonitor.interval } : {}) }],
                    podTargetLabels,
                },
            },
            opts,
        );
    }
    if (o.m.prometheusRule) {
        const rule = o.m.prometheusRule;
        new k8s.apiextensions.CustomResource(
            `${o.name}-alerts`,
            {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "PrometheusRule",
                metadata: { name: `${o.name}-alerts`, namespace: o.namespace, labels: { ...o.labels, ...rule.labels } },
                spec: pulumi.output(o.namespace).apply(namespace => ({
                    groups: redisAlertRules({
                        instance: o.name,
                        namespace,
                        topology: o.topology,
                        memoryThreshold: rule.memoryThreshold,
                        lagSeconds: rule.lagSeconds,
                    }),
                })),
            },
            opts,
        );
    }
    if (o.m.dashboards) {
        createDashboardConfigMap({
            name: `${o.name}-dashboard`,
            namespace: o.namespace,
            labels: o.labels,
            extraLabels: o.m.dashboards.labels,
            // The sidecar writes every key into one folder: the namespace keeps two components' files apart.
            files: pulumi.output(o.namespace).apply(namespace => ({
                [`kubecache-redis-${namespace}-${o.name}.json`]: renderDashboard(o.topology, namespace, o.name),
            })),
            opts,
        });
    }
    return service;
}

/**
 * Prometheus alerting rules for the Redis components, as plain data (rendered into a
 * `monitoring.coreos.com/v1` PrometheusRule, and checked with `promtool test rules` in
 * test/redis/metricsRules.spec.ts). Metric names are redis_exporter's and HAProxy's built-in
 * exporter's; every expression is scoped to one component instance through the labels the
 * ServiceMonitor/PodMonitor copy from the pods (`app_kubernetes_io_instance`), so two instances
 * never mix.
 */

export type RedisTopology = "standalone" | "replicated" | "sentinel";

export interface RuleOptions {
    /** The component's name (`app.kubernetes.io/instance` of its pods). */
    instance: string;
    namespace: string;
    topology: RedisTopology;
    /** Share of `maxmemory` above which memory alerts fire (default 0.9). */
    memoryThreshold?: number;
    /** Seconds a replica may lag (ack age) before the lag alert fires (default 10). */
    lagSeconds?: number;
}

export interface AlertRule {
    alert: string;
    expr: string;
    for: string;
    labels: Record<string, string>;
    annotations: { summary: string; description: string };
}

export interface RuleGroup {
    name: string;
    rules: AlertRule[];
}

export function redisAlertRules(o: RuleOptions): RuleGroup[] {
    const sel = `namespace="${o.namespace}", app_kubernetes_io_instance="${o.instance}"`;
    const threshold = o.memoryThreshold ?? 0.9;
    const lag = o.lagSeconds ?? 10;
    const rule = (alert: string, expr: string, forDuration: string, severity: string, summary: string, description: string): AlertRule => ({
        alert,
        expr,
        for: forDuration,
        labels: { severity, kubecache_instance: o.instance },
        annotations: { summary, description },
    });
    const rules: AlertRule[] = [
        rule(
            "RedisDown",
            `redis_up{${sel}} == 0`,
            "1m",
            "critical",
            "Redis {{ $labels.pod }} does not answer its exporter",
            "The metrics sidecar of {{ $labels.namespace }}/{{ $labels.pod }} cannot reach Redis for a minute.",
        ),
        rule(
            "RedisMemoryNearMaxmemory",
            `redis_memory_used_bytes{${sel}} / (redis_memory_max_bytes{${sel}} > 0) > ${threshold}`,
            "5m",
            "warning",
            "Redis {{ $labels.pod }} uses more than " + Math.round(threshold * 100) + "% of maxmemory",
            "{{ $labels.namespace }}/{{ $labels.pod }} is at {{ $value | humanizePercentage }} of maxmemory; with noeviction it refuses writes when full.",
        ),
        rule(
            "RedisRejectedConnections",
            `increase(redis_rejected_connections_total{${sel}}[5m]) > 0`,
            "0m",
            "warning",
            "Redis {{ $labels.pod }} rejected connections",
            "{{ $labels.namespace }}/{{ $labels.pod }} refused clients in the last 5 minutes (maxclients reached).",
        ),
    ];
    if (o.topology !== "standalone") {
        rules.push(
            rule(
                "RedisReplicaLinkDown",
                `redis_master_link_up{${sel}} == 0`,
                "1m",
                "warning",
                "Replica {{ $labels.pod }} has no link to its master",
                "{{ $labels.namespace }}/{{ $labels.pod }} has not been connected to a master for a minute: it serves stale reads and cannot take over.",
            ),
            rule(
                "RedisReplicationLag",
                `max by (namespace, pod) (redis_connected_slave_lag_seconds{${sel}}) > ${lag}`,
                "2m",
                "warning",
                "A replica of {{ $labels.pod }} lags",
                `A replica has not acknowledged {{ $labels.namespace }}/{{ $labels.pod }}'s stream for more than ${lag} s for 2 minutes.`,
            ),
        );
    }
    if (o.topology === "sentinel") {
        rules.push(
            // The endpoint routes only to a node that reports role:master and takes writes (its agent opened it).
            rule(
                "RedisNoMasterConfirmed",
                `sum by (namespace) (haproxy_server_status{${sel}, proxy="redis_master", state=~"UP|DRAIN"}) == 0`,
                "30s",
                "critical",
                "No Redis master takes writes behind {{ $labels.namespace }}/" + o.instance,
                "No data node has been confirmed as master by a majority of sentinels for 30 s: the endpoint refuses writes.",
            ),
            rule(
                "RedisSentinelFailover",
                `count by (namespace, master_name) (group by (namespace, master_name, master_address) (max_over_time(redis_sentinel_master_status{${sel}}[10m]))) > 1`,
                "0m",
                "info",
                "Sentinels of " + o.instance + " failed over",
                "The sentinels named more than one master for {{ $labels.master_name }} in the last 10 minutes.",
            ),
            rule(
                "RedisSentinelMasterNotOk",
                `redis_sentinel_master_status{${sel}} == 0`,
                "1m",
                "critical",
                "Sentinel {{ $labels.pod }} does not see master {{ $labels.master_name }} as ok",
                "{{ $labels.pod }} has reported {{ $labels.master_address }} as down or failing over for a minute.",
            ),
        );
    } else {
        // A pod that stops reporting master leaves no series behind: compare with the pods that report at all.
        rules.push(
            rule(
                "RedisNoMaster",
                `(sum by (namespace) (redis_instance_info{${sel}, role="master"}) or sum by (namespace) (redis_instance_info{${sel}}) * 0) == 0`,
                "1m",
                "critical",
                "No Redis master in {{ $labels.namespace }}/" + o.instance,
                "None of the data pods reports role:master.",
            ),
        );
    }
    return [{ name: `kubecache-redis-${o.instance}`, rules }];
}

// The alerting rules under `promtool test rules` (Debian's prometheus package): for every alert,
// series that make it fire and series that must not, including another instance's.
import * as assert from "assert";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { promtool, usePromtool } from "../support/promtool";
import { AlertRule, redisAlertRules } from "../../components/redis/metricsRules";

const NS = "cache";
const base = (instance: string) => `namespace="${NS}",app_kubernetes_io_instance="${instance}"`;

/** The few template forms the rules use: `{{ $labels.x }}` and `{{ $value | humanizePercentage }}`. */
function render(text: string, labels: Record<string, string>, value?: number): string {
    return text
        .replace(/\{\{ \$labels\.([a-z_]+) \}\}/g, (_m, k) => labels[k] ?? "")
        .replace(/\{\{ \$value \| humanizePercentage \}\}/g, () => `${Number(((value ?? 0) * 100).toFixed(4))}%`);
}

interface Case {
    alert: string;
    series: { series: string; values: string }[];
    at: string;
    fires: Record<string, string>[];
    value?: number;
}

describe("Redis alerting rules (promtool test rules)", function () {
    this.timeout(30000);
    const scratch = usePromtool("rules");

    function runRuleTests(topology: "standalone" | "replicated" | "sentinel", cases: Case[]): void {
        const dir = scratch();
        const groups = redisAlertRules({ instance: "ha", namespace: NS, topology });
        const rules = new Map<string, AlertRule>(groups[0].rules.map(r => [r.alert, r]));
        fs.writeFileSync(path.join(dir, "rules.yml"), yaml.dump({ groups }));
        const tests = cases.map(c => {
            const r = rules.get(c.alert);
            assert.ok(r, `no rule ${c.alert} for ${topology}`);
            return {
                interval: "1m",
                input_series: c.series,
                alert_rule_test: [
                    {
                        eval_time: c.at,
                        alertname: c.alert,
                        exp_alerts: c.fires.map(labels => {
                            const all = { ...labels, ...r.labels };
                            return {
                                exp_labels: all,
                                exp_annotations: {
                                    summary: render(r.annotations.summary, all, c.value),
                                    description: render(r.annotations.description, all, c.value),
                                },
                            };
                        }),
                    },
                ],
            };
        });
        const file = path.join(dir, `${topology}.test.yml`);
        fs.writeFileSync(file, yaml.dump({ rule_files: ["rules.yml"], evaluation_interval: "1m", tests }));
        promtool(dir, ["test", "rules", file]);
    }

    const pod = (p: string, extra = "") => `{${base("ha")},pod="${p}"${extra}}`;
    const other = (p: string, extra = "") => `{${base("other")},pod="${p}"${extra}}`;

    it("every topology: exporter down, memory near maxmemory, rejected connections", () => {
        for (const topology of ["standalone", "replicated", "sentinel"] as const) {
            runRuleTests(topology, [
                {
                    alert: "RedisDown",
                    at: "6m",
                    series: [
                        { series: `redis_up${pod("ha-0")}`, values: "1 1 1 0 0 0 0" },
                        { series: `redis_up${other("o-0")}`, values: "0x6" },
                    ],
                    fires: [{ namespace: NS, app_kubernetes_io_instance: "ha", pod: "ha-0" }],
                },
                { alert: "RedisDown", at: "3m", series: [{ series: `redis_up${pod("ha-0")}`, values: "1 1 1 0" }], fires: [] },
                {
                    alert: "RedisMemoryNearMaxmemory",
                    at: "10m",
                    value: 0.95,
                    series: [
                        { series: `redis_memory_used_bytes${pod("ha-0")}`, values: "95x10" },
                        { series: `redis_memory_max_bytes${pod("ha-0")}`, values: "100x10" },
                        // No maxmemory at all (0) never fires.
                        { series: `redis_memory_used_bytes${pod("ha-1")}`, values: "95x10" },
                        { series: `redis_memory_max_bytes${pod("ha-1")}`, values: "0x10" },
                    ],
                    fires: [{ namespace: NS, app_kubernetes_io_instance: "ha", pod: "ha-0" }],
                },
                {
                    alert: "RedisRejectedConnections",
                    at: "5m",
                    series: [
                        { series: `redis_rejected_connections_total${pod("ha-0")}`, values: "0 0 3 3 3 3" },
                        { series: `redis_rejected_connections_total${pod("ha-1")}`, values: "7x5" },
                    ],
                    fires: [{ namespace: NS, app_kubernetes_io_instance: "ha", pod: "ha-0" }],
                },
            ]);
        }
    });

    it("replicated and sentinel: a replica's link down, replication lag", () => {
        for (const topology of ["replicated", "sentinel"] as const) {
            runRuleTests(topology, [
                {
                    alert: "RedisReplicaLinkDown",
                    at: "5m",
                    series: [
                        { series: `redis_master_link_up${pod("ha-1")}`, values: "1 1 0 0 0 0" },
                        { series: `redis_master_link_up${pod("ha-2")}`, values: "1x5" },
                    ],
                    fires: [{ namespace: NS, app_kubernetes_io_instance: "ha", pod: "ha-1" }],
                },
                {
                    alert: "RedisReplicationLag",
                    at: "6m",
                    series: [
                        { series: `redis_connected_slave_lag_seconds${pod("ha-0", ',slave_ip="a"')}`, values: "0 0 30 30 30 30 30" },
                        { series: `redis_connected_slave_lag_seconds${pod("ha-0", ',slave_ip="b"')}`, values: "0x6" },
                    ],
                    fires: [{ namespace: NS, pod: "ha-0" }],
                },
            ]);
        }
    });

    it("standalone and replicated: no pod reports master", () => {
        runRuleTests("replicated", [
            {
                alert: "RedisNoMaster",
                at: "5m",
                series: [
                    { series: `redis_instance_info${pod("ha-0", ',role="master"')}`, values: "1 1 stale" },
                    { series: `redis_instance_info${pod("ha-1", ',role="slave"')}`, values: "1x5" },
                    { series: `redis_instance_info${pod("ha-0", ',role="slave"')}`, values: "_ _ 1 1 1 1" },
                ],
                fires: [{ namespace: NS }],
            },
            {
                alert: "RedisNoMaster",
                at: "5m",
                series: [{ series: `redis_instance_info${pod("ha-0", ',role="master"')}`, values: "1x5" }],
                fires: [],
            },
        ]);
    });

    it("sentinel: no master confirmed behind the endpoint, a failover, a sentinel seeing its master down", () => {
        runRuleTests("sentinel", [
            {
                alert: "RedisNoMasterConfirmed",
                at: "5m",
                series: [
                    {
                        series: `haproxy_server_status${pod("ha-haproxy-x", ',proxy="redis_master",server="node0",state="DRAIN"')}`,
                        values: "1 1 0 0 0 0",
                    },
                    {
                        series: `haproxy_server_status${pod("ha-haproxy-x", ',proxy="redis_master",server="node0",state="DOWN"')}`,
                        values: "0 0 1 1 1 1",
                    },
                    {
                        series: `haproxy_server_status${pod("ha-haproxy-x", ',proxy="redis_master",server="node1",state="DOWN"')}`,
                        values: "1x5",
                    },
                ],
                fires: [{ namespace: NS }],
            },
            {
                alert: "RedisNoMasterConfirmed",
                at: "5m",
                series: [
                    {
                        series: `haproxy_server_status${pod("ha-haproxy-x", ',proxy="redis_master",server="node1",state="DRAIN"')}`,
                        values: "1x5",
                    },
                ],
                fires: [],
            },
            {
                alert: "RedisSentinelFailover",
                at: "8m",
                series: [
                    {
                        series: `redis_sentinel_master_status${pod("ha-sentinel-0", ',master_name="mymaster",master_address="10.0.0.1:6379"')}`,
                        values: "1 1 1 1 _ _ _ _ _",
                    },
                    {
                        series: `redis_sentinel_master_status${pod("ha-sentinel-0", ',master_name="mymaster",master_address="10.0.0.2:6379"')}`,
                        values: "_ _ _ _ 1 1 1 1 1",
                    },
                ],
                fires: [{ namespace: NS, master_name: "mymaster" }],
            },
            {
                alert: "RedisSentinelFailover",
                at: "8m",
                series: [
                    {
                        series: `redis_sentinel_master_status${pod("ha-sentinel-0", ',master_name="mymaster",master_address="10.0.0.1:6379"')}`,
                        values: "1x8",
                    },
                ],
                fires: [],
            },
            {
                alert: "RedisSentinelMasterNotOk",
                at: "5m",
                series: [
                    {
                        series: `redis_sentinel_master_status${pod("ha-sentinel-1", ',master_name="mymaster",master_address="10.0.0.1:6379"')}`,
                        values: "1 1 0 0 0 0",
                    },
                ],
                fires: [
                    {
                        namespace: NS,
                        app_kubernetes_io_instance: "ha",
                        pod: "ha-sentinel-1",
                        master_name: "mymaster",
                        master_address: "10.0.0.1:6379",
                    },
                ],
            },
        ]);
    });

    it("rules differ by topology: no replica alerts for a standalone, no role alert where the endpoint decides", () => {
        const names = (t: "standalone" | "replicated" | "sentinel") =>
            redisAlertRules({ instance: "x", namespace: NS, topology: t })[0].rules.map(r => r.alert);
        assert.ok(!names("standalone").includes("RedisReplicaLinkDown"));
        assert.ok(names("sentinel").includes("RedisNoMasterConfirmed") && !names("sentinel").includes("RedisNoMaster"));
        assert.ok(names("replicated").includes("RedisNoMaster"));
    });
});

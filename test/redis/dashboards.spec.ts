// The Grafana dashboards: what a component ships (a ConfigMap pinned to it), and every panel's query under promtool
// (Debian's prometheus package): each expression wrapped into a recording rule that `promtool check rules` parses
// and `promtool test rules` evaluates on series written here, with another instance's series beside them.
import * as assert from "assert";
import { Expect, checkDashboardQueries } from "../support/dashboardQueries";
import { usePromtool } from "../support/promtool";
import { Dashboard, dashboardFile } from "../../components/redis/dashboards";
import { RedisTopology } from "../../components/redis/metricsRules";
import { expectRejected, findAll, findCreated, resetRecorded, settle } from "../support/mocks";
import { CONFIGMAP, TOPOLOGIES } from "./topologies";

const TOPOLOGY: Record<string, RedisTopology> = { RedisStandalone: "standalone", RedisReplicated: "replicated", RedisSentinel: "sentinel" };

describe("Redis components: metrics.dashboards", () => {
    beforeEach(resetRecorded);

    for (const t of TOPOLOGIES) {
        describe(t.component, () => {
            it("ships its topology's dashboard in a ConfigMap for Grafana's sidecar, pinned to this instance", async () => {
                t.make("cache", { namespace: "apps", metrics: { enabled: true, dashboards: { enabled: true, labels: { team: "a" } } } });
                await settle();
                const cm = findCreated(CONFIGMAP, "cache-dashboard").inputs;
                assert.strictEqual(cm.metadata.labels.grafana_dashboard, "1");
                assert.strictEqual(cm.metadata.labels.team, "a");
                assert.strictEqual(cm.metadata.labels["app.kubernetes.io/instance"], "cache");
                assert.deepStrictEqual(Object.keys(cm.data), ["kubecache-redis-apps-cache.json"]);
                const d: Dashboard = JSON.parse(cm.data["kubecache-redis-apps-cache.json"]);
                const file = dashboardFile(TOPOLOGY[t.component]);
                assert.ok(d.uid.length <= 40, d.uid);
                assert.notStrictEqual(d.uid, file.uid);
                assert.match(d.title, /\(apps\/cache\)$/);
                const vars = Object.fromEntries(d.templating.list.map(v => [v.name, v]));
                assert.deepStrictEqual([vars.namespace.type, vars.namespace.query, vars.namespace.hide], ["constant", "apps", 2]);
                assert.deepStrictEqual([vars.instance.type, vars.instance.query], ["constant", "cache"]);
                assert.strictEqual(vars.datasource.type, "datasource");
                assert.deepStrictEqual(d.panels, file.panels);
            });

            it("gives two instances two dashboards, and none without the flag", async () => {
                t.make("a", { metrics: { enabled: true, dashboards: true } });
                t.make("b", { namespace: "other", metrics: { enabled: true, dashboards: true } });
                t.make("c", { metrics: { enabled: true } });
                await settle();
                const uid = (n: string) => JSON.parse(Object.values<string>(findCreated(CONFIGMAP, `${n}-dashboard`).inputs.data)[0]).uid;
                assert.notStrictEqual(uid("a"), uid("b"));
                assert.deepStrictEqual(
                    findAll(CONFIGMAP)
                        .filter(c => c.name.endsWith("-dashboard"))
                        .map(c => c.name)
                        .sort(),
                    ["a-dashboard", "b-dashboard"],
                );
            });

            for (const [what, metrics, pattern] of [
                ["without the exporters", { dashboards: true }, /`metrics\.dashboards` needs `metrics\.enabled: true`/],
                ["given as a string", { enabled: true, dashboards: "yes" }, /`metrics\.dashboards` must be `true` or an object/],
                [
                    "labels while off",
                    { enabled: true, dashboards: { labels: { a: "b" } } },
                    /`metrics\.dashboards\.enabled` must be true for its other settings/,
                ],
            ] as const) {
                it(`refuses dashboards ${what}, naming the field, before any resource`, () =>
                    expectRejected(() => t.make("bad", { metrics }), new RegExp(`^${t.component}: ${pattern.source}`)));
            }
        });
    }
});

/** What each panel's queries give on the series below, at 10m; every panel of every file must be listed. */
function expected(topology: RedisTopology): Record<string, Expect[]> {
    const two = topology !== "standalone";
    const pods = (n0: number, n1: number): Expect =>
        two
            ? [
                  [{ pod: "n0" }, n0],
                  [{ pod: "n1" }, n1],
              ]
            : [[{ pod: "n0" }, n0]];
    return {
        "Data pods answering": [[[{}, two ? 2 : 1]]],
        "Memory against maxmemory": [pods(0.5, 0.25)],
        "Memory used": [pods(50, 25), pods(100, 100)],
        "Hit ratio": [[[{}, 0.75]]],
        "Commands per second": [pods(2, 1)],
        "Connected clients": [pods(5, 3)],
        "Rejected connections per second": [pods(0.5, 0)],
        "Evicted and expired keys per second": [pods(0.5, 0), pods(0.25, 0)],
        "Replica link to the master": [[[{ pod: "n1" }, 1]]],
        "Replication lag": [[[{ pod: "n0" }, 2]]],
        "Connected replicas": [pods(1, 0)],
        Masters: [[[{}, 1]]],
        "Failovers in the last 10 minutes": [[[{ master_name: "mymaster" }, 1]]],
        "Sentinels that see the master ok": [[[{ master_name: "mymaster" }, 2]]],
        "Endpoint: write backends by state": [
            [
                [{ state: "DOWN" }, 1],
                [{ state: "UP" }, 1],
            ],
        ],
        "Endpoint: read backends up": [[[{}, 2]]],
        "Endpoint sessions": [
            [
                [{ proxy: "redis" }, 7],
                [{ proxy: "redis_read" }, 2],
            ],
        ],
    };
}

/**
 * Series of instance `ha` in namespace `cache`, one minute apart for 15 minutes: data pods n0 (the master) and n1,
 * sentinels s0 and s1, HAProxy pod p0; and the same names under instance `other` and namespace `elsewhere`, whose
 * values would change every figure if a query let them in.
 */
function series(topology: RedisTopology): { series: string; values: string }[] {
    const data = topology === "sentinel" ? "data" : topology;
    const at = (ns: string, instance: string, component: string, pod: string, extra = "") =>
        `namespace="${ns}",app_kubernetes_io_instance="${instance}",app_kubernetes_io_component="${component}",pod="${pod}"${extra}`;
    const out: { series: string; values: string }[] = [];
    const add = (name: string, labels: string, values: string) => out.push({ series: `${name}{${labels}}`, values });
    for (const [ns, instance, scale] of [
        ["cache", "ha", 1],
        ["cache", "other", 7],
        ["elsewhere", "ha", 11],
    ] as const) {
        const pod = (p: string, extra = "") => at(ns, instance, data, p, extra);
        const pods = topology === "standalone" ? ["n0"] : ["n0", "n1"];
        for (const p of pods) {
            const m = p === "n0";
            add("redis_up", pod(p), "1x15");
            add("redis_memory_used_bytes", pod(p), `${(m ? 50 : 25) * scale}x15`);
            add("redis_memory_max_bytes", pod(p), "100x15");
            add("redis_keyspace_hits_total", pod(p), `0+${m ? 60 * scale : 0}x15`);
            add("redis_keyspace_misses_total", pod(p), `0+${m ? 20 : 0}x15`);
            add("redis_commands_processed_total", pod(p), `0+${(m ? 120 : 60) * scale}x15`);
            add("redis_connected_clients", pod(p), `${(m ? 5 : 3) * scale}x15`);
            add("redis_rejected_connections_total", pod(p), `0+${m ? 30 * scale : 0}x15`);
            add("redis_evicted_keys_total", pod(p), `0+${m ? 30 * scale : 0}x15`);
            add("redis_expired_keys_total", pod(p), `0+${m ? 15 * scale : 0}x15`);
            if (topology !== "standalone") {
                if (m) add("redis_connected_slave_lag_seconds", pod(p, ',slave_ip="10.0.0.2",slave_port="6379"'), `${2 * scale}x15`);
                else add("redis_master_link_up", pod(p), "1x15");
                add("redis_connected_slaves", pod(p), `${m ? scale : 0}x15`);
                add("redis_instance_info", pod(p, `,role="${m ? "master" : "slave"}"`), "1x15");
            }
        }
        if (topology === "sentinel") {
            const sentinel = (p: string, extra: string) => at(ns, instance, "sentinel", p, extra);
            const master = (addr: string) => `,master_name="mymaster",master_address="${addr}",master_status="ok"`;
            // s0 named 10.0.0.1 from 1m to 5m, then 10.0.0.2 (a failover); s1 only ever 10.0.0.2.
            add("redis_sentinel_master_status", sentinel("s0", master("10.0.0.1:6379")), "_ 1 1 1 1 1 _ _ _ _ _ _ _ _ _ _");
            add("redis_sentinel_master_status", sentinel("s0", master("10.0.0.2:6379")), "_ _ _ _ _ _ 1 1 1 1 1 1 1 1 1 1");
            add("redis_sentinel_master_status", sentinel("s1", master("10.0.0.2:6379")), "1x15");
            add("redis_sentinel_master_ok_sentinels", sentinel("s0", ',master_name="mymaster"'), `${3 * scale}x15`);
            add("redis_sentinel_master_ok_sentinels", sentinel("s1", ',master_name="mymaster"'), `${2 * scale}x15`);
            const proxy = (extra: string) => at(ns, instance, "proxy", "p0", extra);
            for (const [proxyName, server, state, v] of [
                ["redis_master", "node0", "UP", 1],
                ["redis_master", "node0", "DOWN", 0],
                ["redis_master", "node1", "UP", 0],
                ["redis_master", "node1", "DOWN", 1],
                ["redis_read", "node0", "UP", 1],
                ["redis_read", "node1", "UP", 1],
                ["redis_read", "node1", "DOWN", 0],
            ] as const) {
                add("haproxy_server_status", proxy(`,proxy="${proxyName}",server="${server}",state="${state}"`), `${v * scale}x15`);
            }
            for (const [frontend, v] of [
                ["redis", 7],
                ["redis_read", 2],
                ["health", 1],
            ] as const) {
                add("haproxy_frontend_current_sessions", proxy(`,proxy="${frontend}"`), `${v * scale}x15`);
            }
        }
    }
    return out;
}

describe("Redis dashboards: every panel query under promtool", function () {
    this.timeout(30000);
    const scratch = usePromtool("dashboards");
    for (const topology of ["standalone", "replicated", "sentinel"] as const) {
        it(`${topology}: every query parses, stays in its instance and gives the expected figures`, () =>
            checkDashboardQueries({
                dir: scratch(),
                name: topology,
                dashboard: dashboardFile(topology),
                expected: expected(topology),
                series: series(topology),
                variables: { namespace: "cache", instance: "ha" },
                scope: /namespace="\$namespace", app_kubernetes_io_instance="\$instance"/,
            }));
    }
});

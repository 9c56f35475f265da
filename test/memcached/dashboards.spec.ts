// The Memcached dashboard (components/memcached/dashboards/memcached.json): every panel query parsed and evaluated
// by promtool on series of one Memcached object beside another object's and another namespace's.
import { memcachedDashboard } from "../../components/memcached/dashboards";
import { Expect, checkDashboardQueries } from "../support/dashboardQueries";
import { usePromtool } from "../support/promtool";

/**
 * Series of Memcached `sessions` in namespace `cache` (pods m0 and m1), one minute apart for 15 minutes, and the
 * same pods under object `other` and namespace `elsewhere`, scaled so that any query letting them in is off.
 */
function series(): { series: string; values: string }[] {
    const out: { series: string; values: string }[] = [];
    for (const [ns, instance, scale] of [
        ["cache", "sessions", 1],
        ["cache", "other", 7],
        ["elsewhere", "sessions", 11],
    ] as const) {
        for (const pod of ["m0", "m1"]) {
            const m0 = pod === "m0";
            const at = (extra = "") => `{namespace="${ns}",app_kubernetes_io_instance="${instance}",pod="${pod}"${extra}}`;
            const add = (name: string, labels: string, values: string) => out.push({ series: `memcached_${name}${labels}`, values });
            add("up", at(), "1x15");
            // m0: 90 get hits and 10 misses a minute, 30 sets; m1 only 20 gets that miss.
            add("commands_total", at(',command="get",status="hit"'), `0+${m0 ? 90 * scale : 0}x15`);
            add("commands_total", at(',command="get",status="miss"'), `0+${m0 ? 10 : 20}x15`);
            add("commands_total", at(',command="set",status="hit"'), `0+${m0 ? 30 * scale : 0}x15`);
            add("current_bytes", at(), `${(m0 ? 32 : 16) * scale}x15`);
            add("limit_bytes", at(), "64x15");
            add("current_items", at(), `${(m0 ? 100 : 40) * scale}x15`);
            add("items_evicted_total", at(), `0+${m0 ? 15 * scale : 0}x15`);
            add("current_connections", at(), `${(m0 ? 256 : 128) * scale}x15`);
            add("max_connections", at(), "1024x15");
            add("read_bytes_total", at(), `0+${600 * scale}x15`);
            add("written_bytes_total", at(), `0+${1200 * scale}x15`);
        }
    }
    return out;
}

const pods = (m0: number, m1: number): Expect => [
    [{ pod: "m0" }, m0],
    [{ pod: "m1" }, m1],
];

const EXPECTED: Record<string, Expect[]> = {
    "Pods answering": [[[{}, 2]]],
    // 90 hits of 90 + 10 + 20 gets a minute.
    "Hit ratio": [[[{}, 0.75]]],
    "Commands per second": [
        [
            [{ command: "get" }, 2],
            [{ command: "set" }, 0.5],
        ],
    ],
    "Memory against the limit": [pods(0.5, 0.25)],
    Items: [pods(100, 40)],
    "Evictions per second": [pods(0.25, 0)],
    "Connections against the limit": [pods(0.25, 0.125)],
    Network: [[[{}, 20]], [[{}, 40]]],
};

describe("Memcached dashboard: every panel query under promtool", function () {
    this.timeout(30000);
    const scratch = usePromtool("memcached-dashboard");
    it("every query parses, stays in its object and gives the expected figures", () =>
        checkDashboardQueries({
            dir: scratch(),
            name: "memcached",
            dashboard: JSON.parse(memcachedDashboard()),
            expected: EXPECTED,
            series: series(),
            variables: { namespace: "cache", instance: "sessions" },
            scope: /namespace="\$namespace", app_kubernetes_io_instance="\$instance"/,
        }));
});

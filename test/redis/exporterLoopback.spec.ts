// The metric names the alerting rules use, as Debian's prometheus-redis-exporter and HAProxy's
// built-in exporter really publish them, scraped from the Sentinel topology on 127.0.0.1.
import { LOOPBACK_ENGINES, enginePortOffset } from "../../harness/loopback/engines";
import * as assert from "assert";
import * as http from "http";
import * as path from "path";
import { ProcessGroup, waitFor } from "../../harness/processes";
import { useSentinelCluster } from "../support/loopbackCluster";

const PASSWORD = "metrics-password";

function get(port: number): Promise<string> {
    return new Promise((resolve, reject) => {
        const req = http.get({ host: "127.0.0.1", port, path: "/metrics", timeout: 3000 }, res => {
            let body = "";
            res.on("data", d => (body += d)).on("end", () => resolve(body));
        });
        req.on("error", reject).on("timeout", () => req.destroy(new Error("timeout")));
    });
}

/** Value of the first sample whose name and labels match. */
function sample(metrics: string, name: string, labels: Record<string, string> = {}): number | undefined {
    for (const line of metrics.split("\n")) {
        if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
        if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(" ") + 1));
    }
    return undefined;
}

for (const engine of LOOPBACK_ENGINES) {
    describe(`metrics of the Sentinel topology (prometheus-redis-exporter, HAProxy) [${engine}]`, function () {
        this.timeout(60000);
        const exporters = new ProcessGroup();
        after(() => exporters.stopAll());
        const c = useSentinelCluster(engine, { basePort: 17450, password: PASSWORD, tools: ["prometheus-redis-exporter"] });

        async function scrape(target: { host: string; port: number }, port: number): Promise<string> {
            exporters.start(
                "prometheus-redis-exporter",
                ["-redis.addr", `${target.host}:${target.port}`, "-web.listen-address", `127.0.0.1:${port}`],
                { REDIS_PASSWORD: PASSWORD },
                path.join(c().dir, `exporter-${port}.log`),
            );
            let body = "";
            assert.ok(
                await waitFor(
                    async () => {
                        body = await get(port);
                        return /^redis_up 1$/m.test(body);
                    },
                    15000,
                    200,
                ),
                `no redis_up 1 from ${target.port}:\n${body
                    .split("\n")
                    .filter(l => /^redis_(up|exporter_last_scrape_error)/.test(l))
                    .join("\n")}`,
            );
            return body;
        }

        it("a master and a replica publish role, replica links, lag, memory and rejected connections", async () => {
            const m = await c().healthy();
            const r = (m + 1) % 3;
            const master = await scrape(c().nodes[m], 17480 + enginePortOffset(engine));
            assert.strictEqual(sample(master, "redis_instance_info", { role: "master" }), 1);
            assert.strictEqual(sample(master, "redis_connected_slaves"), 2);
            assert.ok(sample(master, "redis_connected_slave_lag_seconds") !== undefined, "no redis_connected_slave_lag_seconds");
            assert.strictEqual(sample(master, "redis_memory_max_bytes"), 64 * 2 ** 20);
            assert.ok(sample(master, "redis_memory_used_bytes")! > 0);
            assert.strictEqual(sample(master, "redis_rejected_connections_total"), 0);
            const replica = await scrape(c().nodes[r], 17481 + enginePortOffset(engine));
            assert.strictEqual(sample(replica, "redis_instance_info", { role: "slave" }), 1);
            assert.strictEqual(sample(replica, "redis_master_link_up"), 1);
        });

        it("a sentinel publishes its master's status and address", async () => {
            const m = await c().healthy();
            const s = await scrape(c().sentinels[0], 17482 + enginePortOffset(engine));
            assert.strictEqual(
                sample(s, "redis_sentinel_master_status", { master_name: "mymaster", master_address: `127.0.0.1:${c().nodes[m].port}` }),
                1,
            );
        });

        it("HAProxy publishes the write backend's server states (the master UP, the others DOWN)", async () => {
            const m = await c().healthy();
            const body = await get(c().metricsPort);
            const up =
                (sample(body, "haproxy_server_status", { proxy: "redis_master", server: `node${m}`, state: "UP" }) ?? 0) +
                (sample(body, "haproxy_server_status", { proxy: "redis_master", server: `node${m}`, state: "DRAIN" }) ?? 0);
            assert.strictEqual(up, 1, "the master is neither UP nor DRAIN");
            for (const i of [0, 1, 2].filter(x => x !== m))
                assert.strictEqual(sample(body, "haproxy_server_status", { proxy: "redis_master", server: `node${i}`, state: "DOWN" }), 1);
        });
    });
}

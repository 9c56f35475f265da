import * as assert from "assert";
import { expectRejected, findAll, findCreated, resetRecorded, settle } from "../support/mocks";
import { EXPORTER_IMAGE } from "../../components/redis/metrics";
import { CONFIGMAP, POD_MONITOR, PROMETHEUS_RULE, SERVICE, SERVICE_MONITOR, TOPOLOGIES, podSpecs } from "./topologies";

describe("Redis components: metrics", () => {
    beforeEach(resetRecorded);

    for (const t of TOPOLOGIES) {
        describe(t.component, () => {
            it("adds nothing by default", async () => {
                t.make("nm");
                await settle();
                for (const { at, spec } of podSpecs(t, "nm")) assert.ok(!spec.containers.some((c: any) => c.name === "metrics"), at);
                assert.strictEqual(findAll(SERVICE).filter(s => s.name === "nm-metrics").length, 0);
            });

            it("runs an exporter beside every data container, a metrics Service over them, and the monitors and alerts asked for", async () => {
                t.make("me", {
                    namespace: "apps",
                    metrics: {
                        enabled: true,
                        serviceMonitor: { enabled: true, labels: { release: "prom" }, interval: "15s" },
                        podMonitor: { enabled: true },
                        prometheusRule: { enabled: true, lagSeconds: 30 },
                    },
                });
                await settle();
                for (const { at, spec } of podSpecs(t, "me", "data")) {
                    const exp = spec.containers.find((c: any) => c.name === "metrics");
                    assert.ok(exp, `${at} lacks the exporter`);
                    assert.strictEqual(exp.image, EXPORTER_IMAGE);
                    assert.deepStrictEqual(exp.ports, [{ name: "metrics", containerPort: 9121 }]);
                    assert.ok(exp.args.includes("-redis.addr=localhost:6379"), at);
                    // The password from the Secret's file only, read again by the readiness probe (`/-/reload`), so a
                    // rotated password reaches it without a restart (REDIS_PASSWORD would take precedence over the file).
                    assert.deepStrictEqual(exp.env, [], "the exporter gets no password variable");
                    assert.ok(exp.args.includes("-redis.password-file=/etc/kubecache/auth/exporter-passwords.json"), at);
                    assert.ok(
                        exp.volumeMounts.some((m: any) => m.name === "auth" && m.readOnly),
                        at,
                    );
                    assert.strictEqual(exp.securityContext.allowPrivilegeEscalation, false);
                    assert.strictEqual(exp.readinessProbe.httpGet.path, "/-/reload");
                    assert.strictEqual(exp.livenessProbe.httpGet.path, "/health");
                }
                const svc = findCreated(SERVICE, "me-metrics").inputs;
                assert.deepStrictEqual(svc.spec.ports, [{ name: "metrics", port: 9121, targetPort: "metrics" }]);
                for (const { at, spec } of podSpecs(t, "me", "data")) {
                    const labels = findAll("kubernetes:apps/v1:StatefulSet")
                        .concat(findAll("kubernetes:apps/v1:Deployment"))
                        .find(w => w.inputs.spec.template.spec === spec)!.inputs.spec.template.metadata.labels;
                    for (const [k, v] of Object.entries(svc.spec.selector))
                        assert.strictEqual(labels[k], v, `${at}: metrics Service selector ${k}`);
                }
                const sm = findCreated(SERVICE_MONITOR, "me-metrics").inputs;
                assert.strictEqual(sm.metadata.labels.release, "prom");
                assert.deepStrictEqual(sm.spec.endpoints, [{ port: "metrics", interval: "15s" }]);
                assert.strictEqual(sm.spec.selector.matchLabels["kubecache.io/metrics"], "true");
                assert.strictEqual(svc.metadata.labels["kubecache.io/metrics"], "true");
                assert.deepStrictEqual(findCreated(POD_MONITOR, "me-metrics-pods").inputs.spec.podMetricsEndpoints, [{ port: "metrics" }]);
                const rule = findCreated(PROMETHEUS_RULE, "me-alerts").inputs;
                const alerts = rule.spec.groups.flatMap((g: any) => g.rules.map((r: any) => r.alert));
                assert.ok(alerts.includes("RedisDown"), `alerts: ${alerts}`);
                assert.ok(
                    rule.spec.groups.every((g: any) => g.rules.every((r: any) => /namespace="apps"/.test(r.expr))),
                    "every rule is scoped to the namespace",
                );
            });
        });
    }

    it("RedisSentinel: exporters on the sentinels too, and HAProxy's own endpoint on the proxies", async () => {
        TOPOLOGIES[2].make("ms", { metrics: { enabled: true } });
        await settle();
        const specs = podSpecs(TOPOLOGIES[2], "ms");
        const sentinel = specs.find(s => s.at.endsWith("ms-sentinel"))!.spec;
        assert.ok(sentinel.containers.find((c: any) => c.name === "metrics").args.includes("-redis.addr=localhost:26379"));
        const proxy = specs.find(s => s.at.endsWith("ms-haproxy"))!.spec.containers[0];
        assert.ok(
            proxy.ports.some((p: any) => p.name === "metrics" && p.containerPort === 9101),
            "HAProxy exposes port 9101 as metrics",
        );
        assert.match(
            findCreated(CONFIGMAP, "ms-haproxy-config").inputs.data["haproxy.cfg"],
            /frontend metrics\n {4}mode http\n {4}no log\n {4}bind :9101\n {4}http-request use-service prometheus-exporter/,
        );
    });

    it("takes `true` for a monitor or the rule, as chart users write it, and `false` for off", async () => {
        for (const t of TOPOLOGIES) {
            resetRecorded();
            t.make("mb", { metrics: { enabled: true, serviceMonitor: true, podMonitor: false, prometheusRule: true } as any });
            await settle();
            assert.strictEqual(findAll(SERVICE_MONITOR).length, 1, t.component);
            assert.strictEqual(findAll(POD_MONITOR).length, 0, t.component);
            assert.strictEqual(findAll(PROMETHEUS_RULE).length, 1, t.component);
        }
    });

    it("reads the exporter over TLS when the component uses TLS", async () => {
        TOPOLOGIES[0].make("mt", { metrics: { enabled: true }, tls: { enabled: true, secretName: "c" } });
        await settle();
        const exp = podSpecs(TOPOLOGIES[0], "mt")[0].spec.containers.find((c: any) => c.name === "metrics");
        assert.ok(exp.args.includes("-redis.addr=rediss://localhost:6379"));
        assert.ok(exp.args.includes("-tls-ca-cert-file=/etc/redis/tls/ca.crt"));
        assert.ok(exp.volumeMounts.some((m: any) => m.name === "tls" && m.readOnly));
    });

    describe("rejects bad metrics settings before creating anything", () => {
        const cases: Array<[string, any, RegExp]> = [
            [
                "a monitor without metrics enabled",
                { serviceMonitor: { enabled: true } },
                /`metrics.serviceMonitor` needs `metrics.enabled: true`/,
            ],
            [
                "a monitor given as a string",
                { enabled: true, serviceMonitor: "yes" },
                /`metrics.serviceMonitor` must be `true` or an object such as `\{ enabled: true \}`; got "yes"/,
            ],
            ["a rule given as a number", { enabled: true, prometheusRule: 1 }, /`metrics.prometheusRule` must be `true` or an object/],
            ["a `true` monitor without metrics enabled", { podMonitor: true }, /`metrics.podMonitor` needs `metrics.enabled: true`/],
            [
                "monitor settings with the monitor off",
                { enabled: true, podMonitor: { interval: "30s" } },
                /`metrics.podMonitor.enabled` must be true for its other settings/,
            ],
            [
                "an unpinned exporter image",
                { enabled: true, image: "oliver006/redis_exporter" },
                /`metrics.image` must name an explicit tag/,
            ],
            [
                "a scrape interval that is not a duration",
                { enabled: true, podMonitor: { enabled: true, interval: "often" } },
                /`metrics.podMonitor.interval` must be a Prometheus duration/,
            ],
            [
                "a memory threshold above 1",
                { enabled: true, prometheusRule: { enabled: true, memoryThreshold: 90 } },
                /`metrics.prometheusRule.memoryThreshold` must be a share of maxmemory in \(0, 1\]/,
            ],
            [
                "a fractional lag",
                { enabled: true, prometheusRule: { enabled: true, lagSeconds: 0.5 } },
                /`metrics.prometheusRule.lagSeconds` must be an integer >= 1/,
            ],
        ];
        for (const t of TOPOLOGIES) {
            for (const [what, metrics, pattern] of cases) {
                it(`${t.component}: ${what}`, () =>
                    expectRejected(() => t.make("bm", { metrics }), new RegExp(`${t.component}: ${pattern.source}`)));
            }
        }
    });
});

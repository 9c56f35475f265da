import * as assert from "assert";
import { expectRejected, findAll, findCreated, promiseOf, resetRecorded, settle } from "../support/mocks";
import { CONFIGMAP, CERTIFICATE, TOPOLOGIES, dataFile, podSpecs } from "./topologies";

describe("Redis components: tls", () => {
    beforeEach(resetRecorded);

    for (const t of TOPOLOGIES) {
        describe(t.component, () => {
            it("serves only TLS from an existing Secret: port 0, probes and endpoints over TLS, the Secret mounted in every pod", async () => {
                const c = t.make("tl", { tls: { enabled: true, secretName: "tl-cert" } });
                await settle();
                const conf = dataFile(t, "tl", "redis.conf");
                assert.match(conf, /^port 0$/m);
                assert.match(conf, /^tls-port 6379$/m);
                assert.match(conf, /^tls-replication yes$/m);
                assert.match(conf, /^tls-ca-cert-file \/etc\/redis\/tls\/ca\.crt$/m);
                assert.strictEqual(findAll(CERTIFICATE).length, 0, "no Certificate without an issuer");
                for (const { at, spec } of podSpecs(t, "tl")) {
                    const vol = spec.volumes.find((v: any) => v.name === "tls");
                    assert.ok(vol, `${at} lacks the tls volume`);
                    assert.strictEqual(vol.secret.secretName, "tl-cert", at);
                }
                for (const { at, spec } of podSpecs(t, "tl", "data")) {
                    const redis = spec.containers[0];
                    assert.match(
                        redis.readinessProbe.exec.command[2],
                        /--tls --cacert \/etc\/redis\/tls\/ca\.crt --cert \/etc\/redis\/tls\/tls\.crt --key \/etc\/redis\/tls\/tls\.key -p 6379 ping/,
                        at,
                    );
                    assert.ok(
                        redis.volumeMounts.some((m: any) => m.name === "tls" && m.mountPath === "/etc/redis/tls" && m.readOnly),
                        at,
                    );
                }
                for (const e of t.endpoints(c)) assert.match(await promiseOf(e), /^rediss:\/\/[a-z0-9.-]+\.svc\.cluster\.local:\d+$/);
            });

            it("asks cert-manager for a certificate naming every Service and localhost when given an issuer", async () => {
                t.make("ti", { namespace: "apps", tls: { enabled: true, issuerRef: { name: "ca", kind: "ClusterIssuer" } } });
                await settle();
                const cert = findCreated(CERTIFICATE, "ti-tls").inputs;
                assert.strictEqual(cert.apiVersion, "cert-manager.io/v1");
                assert.strictEqual(cert.kind, "Certificate");
                assert.strictEqual(cert.spec.secretName, "ti-tls");
                assert.deepStrictEqual(cert.spec.issuerRef, { name: "ca", kind: "ClusterIssuer", group: "cert-manager.io" });
                assert.ok(cert.spec.dnsNames.includes("localhost"));
                assert.deepStrictEqual(cert.spec.ipAddresses, ["127.0.0.1"]);
                const services = findAll("kubernetes:core/v1:Service").filter(s => !/-metrics$/.test(s.name));
                for (const s of services) {
                    assert.ok(
                        cert.spec.dnsNames.includes(`${s.inputs.metadata.name}.apps.svc.cluster.local`),
                        `SANs lack Service ${s.inputs.metadata.name}`,
                    );
                }
                for (const { at, spec } of podSpecs(t, "ti")) {
                    assert.strictEqual(spec.volumes.find((v: any) => v.name === "tls")?.secret.secretName, "ti-tls", at);
                }
            });
        });
    }

    it("RedisReplicated: the certificate names each pod, which replicas reach their master by", async () => {
        TOPOLOGIES[1].make("tr", { replicas: 3, tls: { enabled: true, issuerRef: { name: "ca" } } });
        await settle();
        const names: string[] = findCreated(CERTIFICATE, "tr-tls").inputs.spec.dnsNames;
        for (let i = 0; i < 3; i++) assert.ok(names.includes(`tr-${i}.tr-headless.default.svc.cluster.local`), `pod ${i}`);
        assert.match(
            findCreated(CONFIGMAP, "tr-config").inputs.data["topology.env"],
            /^KC_MASTER='tr-0\.tr-headless\.default\.svc\.cluster\.local:6379'$/m,
        );
    });

    it("RedisSentinel: sentinels serve TLS, the agents and hand-over use it, HAProxy verifies its checks with only the CA mounted", async () => {
        TOPOLOGIES[2].make("ts", { tls: { enabled: true, secretName: "ts-cert" } });
        await settle();
        const sentinelConf = findCreated(CONFIGMAP, "ts-sentinel-config").inputs.data["sentinel.conf"];
        assert.match(sentinelConf, /^tls-port 26379$/m);
        assert.match(sentinelConf, /^port 0$/m);
        const data = findCreated(CONFIGMAP, "ts-node-config").inputs.data;
        // Every script's client calls go through lib.sh's `cli`, with these arguments.
        assert.match(
            data["topology.env"],
            /^KC_CLI_ARGS='--tls --cacert \/etc\/redis\/tls\/ca\.crt --cert \/etc\/redis\/tls\/tls\.crt --key \/etc\/redis\/tls\/tls\.key'$/m,
        );
        for (const key of ["agent.sh", "prestop.sh", "start.sh"]) assert.match(data[key], /\. "\$here\/lib\.sh"/, key);
        assert.match(data["lib.sh"], /\$KC_CLI_ARGS "\$@"/);
        const cfg: string = findCreated(CONFIGMAP, "ts-haproxy-config").inputs.data["haproxy.cfg"];
        assert.match(cfg, /check-ssl verify required ca-file \/etc\/redis\/tls\/ca\.crt/);
        // An explicit connect rule would check in plaintext despite the server line's check-ssl.
        assert.doesNotMatch(cfg, /tcp-check connect$/m);
        assert.match(cfg, /tcp-check connect default$/m);
        const proxy = podSpecs(TOPOLOGIES[2], "ts").find(p => p.at.endsWith("ts-haproxy"))!.spec;
        assert.deepStrictEqual(proxy.volumes.find((v: any) => v.name === "tls").secret.items, [{ key: "ca.crt", path: "ca.crt" }]);
    });

    it("clientAuth: every server asks clients for a certificate; every internal client presents the pod's", async () => {
        TOPOLOGIES.forEach((t, i) =>
            t.make(`ca${i}`, { tls: { enabled: true, secretName: "c", clientAuth: true }, metrics: { enabled: true } }),
        );
        TOPOLOGIES[2].make("plain", { tls: { enabled: true, secretName: "c" } });
        await settle();
        TOPOLOGIES.forEach((t, i) => {
            assert.match(dataFile(t, `ca${i}`, "redis.conf"), /^tls-auth-clients yes$/m, t.component);
            for (const { at, spec } of podSpecs(t, `ca${i}`, "data")) {
                const exporter = spec.containers.find((c: any) => c.name === "metrics");
                assert.ok(exporter.args.includes("-tls-client-cert-file=/etc/redis/tls/tls.crt"), at);
                assert.ok(exporter.args.includes("-tls-client-key-file=/etc/redis/tls/tls.key"), at);
            }
        });
        assert.match(findCreated(CONFIGMAP, "ca2-sentinel-config").inputs.data["sentinel.conf"], /^tls-auth-clients yes$/m);
        const cfg: string = findCreated(CONFIGMAP, "ca2-haproxy-config").inputs.data["haproxy.cfg"];
        assert.match(cfg, /check-ssl verify required ca-file \/etc\/redis\/tls\/ca\.crt crt \/etc\/redis\/tls\/tls\.crt/);
        assert.match(cfg, /^ {4}ssl-load-extra-del-ext$/m);
        const proxy = podSpecs(TOPOLOGIES[2], "ca2").find(p => p.at.endsWith("ca2-haproxy"))!.spec;
        const secret = proxy.volumes.find((v: any) => v.name === "tls").secret;
        assert.deepStrictEqual(
            secret.items.map((i: any) => i.key),
            ["ca.crt", "tls.crt", "tls.key"],
        );
        assert.strictEqual(secret.defaultMode, 0o440, "the key readable by HAProxy's group only");
        // Without clientAuth nothing asks for a certificate and HAProxy gets only the CA.
        assert.match(findCreated(CONFIGMAP, "plain-sentinel-config").inputs.data["sentinel.conf"], /^tls-auth-clients no$/m);
        assert.doesNotMatch(findCreated(CONFIGMAP, "plain-haproxy-config").inputs.data["haproxy.cfg"], / crt |ssl-load-extra-del-ext/);
    });

    describe("rejects bad tls settings before creating anything", () => {
        const cases: Array<[string, any, RegExp]> = [
            [
                "a Secret without enabled",
                { secretName: "x" },
                /`tls.enabled` must be true when `tls.secretName`, `tls.issuerRef` or `tls.clientAuth` is given/,
            ],
            ["enabled without a certificate source", { enabled: true }, /`tls.secretName` or `tls.issuerRef` is required/],
            ["enabled as a string", { enabled: "yes", secretName: "x" }, /`tls.enabled` must be a boolean/],
            ["clientAuth without TLS", { clientAuth: true }, /`tls.enabled` must be true when .*`tls.clientAuth` is given/],
            [
                "clientAuth as a string",
                { enabled: true, secretName: "x", clientAuth: "yes" },
                /`tls.clientAuth` must be a boolean; got "yes"/,
            ],
            [
                "an unknown issuer kind",
                { enabled: true, issuerRef: { name: "ca", kind: "Vault" } },
                /`tls.issuerRef.kind` must be "Issuer" or "ClusterIssuer"/,
            ],
            ["an issuer without a name", { enabled: true, issuerRef: { name: "" } }, /`tls.issuerRef.name` must name the issuer/],
        ];
        for (const t of TOPOLOGIES) {
            for (const [what, tls, pattern] of cases) {
                it(`${t.component}: ${what}`, () =>
                    expectRejected(() => t.make("bad", { tls }), new RegExp(`${t.component}: ${pattern.source}`)));
            }
        }
    });
});

import * as assert from "assert";
import { expectRejected, findAll, findCreated, resetRecorded, settle } from "../support/mocks";
import { ALIBABA_INTERNAL_LOAD_BALANCER } from "../../components/common/service";
import { RedisReplicated } from "../../components/redis/replicated";
import { HAPROXY_HEALTH_PORT } from "../../components/redis/sentinel/defaults";
import { CERTIFICATE, SERVICE, TOPOLOGIES } from "./topologies";

const NETPOL = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const LB_ANNOTATION = ALIBABA_INTERNAL_LOAD_BALANCER;

/** The client Service `service` governs, by component (Pulumi name). */
const CLIENT_SERVICE: Record<string, (n: string) => string> = {
    RedisStandalone: n => n,
    RedisReplicated: n => `${n}-master`,
    RedisSentinel: n => n,
};

describe("Redis components: service (access from outside the cluster)", () => {
    beforeEach(resetRecorded);

    for (const t of TOPOLOGIES) {
        describe(t.component, () => {
            it("keeps every Service ClusterIP by default", async () => {
                t.make("d");
                await settle();
                for (const s of findAll(SERVICE)) {
                    assert.ok([undefined, "ClusterIP"].includes(s.inputs.spec.type), `${s.name}: ${s.inputs.spec.type}`);
                    assert.ok(!s.inputs.spec.ports.some((p: any) => p.nodePort !== undefined), s.name);
                    assert.strictEqual(s.inputs.metadata.annotations, undefined, s.name);
                }
            });

            it("makes the client Service a LoadBalancer with its annotations, source ranges, traffic policy and node port", async () => {
                t.make("lb", {
                    service: {
                        type: "LoadBalancer",
                        annotations: LB_ANNOTATION,
                        loadBalancerSourceRanges: ["10.1.0.0/16", "2001:db8::/32"],
                        externalTrafficPolicy: "Local",
                        nodePorts: { redis: 30079 },
                    },
                });
                await settle();
                const svc = findCreated(SERVICE, CLIENT_SERVICE[t.component]("lb")).inputs;
                assert.strictEqual(svc.spec.type, "LoadBalancer");
                assert.deepStrictEqual(svc.metadata.annotations, LB_ANNOTATION);
                assert.deepStrictEqual(svc.spec.loadBalancerSourceRanges, ["10.1.0.0/16", "2001:db8::/32"]);
                assert.strictEqual(svc.spec.externalTrafficPolicy, "Local");
                const redis = svc.spec.ports.find((p: any) => p.name === "redis");
                assert.deepStrictEqual(redis, { name: "redis", port: 6379, targetPort: "redis", nodePort: 30079 });
                // Only the client Service is exposed: headless, sentinel and metrics Services stay inside.
                for (const s of findAll(SERVICE).filter(s => s.name !== CLIENT_SERVICE[t.component]("lb") && !s.name.endsWith("-read"))) {
                    assert.ok([undefined, "ClusterIP"].includes(s.inputs.spec.type), `${s.name} is ${s.inputs.spec.type}`);
                }
            });

            it("names the external names in the Certificate's SANs, IP addresses apart", async () => {
                t.make("ext", {
                    tls: { enabled: true, issuerRef: { name: "ca" } },
                    service: { type: "NodePort", externalNames: ["redis.example.com", "192.0.2.10"] },
                });
                await settle();
                const cert = findCreated(CERTIFICATE, "ext-tls").inputs.spec;
                assert.ok(cert.dnsNames.includes("redis.example.com"), cert.dnsNames.join(" "));
                assert.ok(!cert.dnsNames.includes("192.0.2.10"));
                assert.deepStrictEqual(cert.ipAddresses, ["127.0.0.1", "192.0.2.10"]);
            });

            const bad: [string, unknown, RegExp][] = [
                [
                    "an unknown type",
                    { type: "Ingress" },
                    /`service\.type` must be one of "ClusterIP", "NodePort", "LoadBalancer"; got "Ingress"/,
                ],
                [
                    "source ranges on a NodePort",
                    { type: "NodePort", loadBalancerSourceRanges: ["10.0.0.0/8"] },
                    /`service\.loadBalancerSourceRanges` applies to a LoadBalancer only; `service\.type` is "NodePort"/,
                ],
                [
                    "a node port on a ClusterIP Service",
                    { nodePorts: { redis: 30079 } },
                    /`service\.nodePorts` applies to a NodePort or LoadBalancer only; `service\.type` is "ClusterIP"/,
                ],
                [
                    "a range that is no CIDR",
                    { type: "LoadBalancer", loadBalancerSourceRanges: ["10.0.0.0"] },
                    /`service\.loadBalancerSourceRanges\[0\]` must be a CIDR such as "10\.0\.0\.0\/8"; got "10\.0\.0\.0"/,
                ],
                [
                    "an empty range list",
                    { type: "LoadBalancer", loadBalancerSourceRanges: [] },
                    /`service\.loadBalancerSourceRanges` must be a non-empty list of CIDRs/,
                ],
                [
                    "a node port of a port the Service lacks",
                    { type: "NodePort", nodePorts: { memcached: 30079 } },
                    /`service\.nodePorts` names port "memcached", which this Service does not have/,
                ],
                [
                    "a node port out of range",
                    { type: "NodePort", nodePorts: { redis: 70000 } },
                    /`service\.nodePorts\.redis` must be an integer from 1 to 65535; got 70000/,
                ],
                [
                    "an unknown traffic policy",
                    { type: "NodePort", externalTrafficPolicy: "Nearest" },
                    /`service\.externalTrafficPolicy` must be one of "Cluster", "Local"; got "Nearest"/,
                ],
                [
                    "a numeric annotation",
                    { type: "LoadBalancer", annotations: { "x/y": 1 } },
                    /`service\.annotations\["x\/y"\]` must be a string/,
                ],
                [
                    "an external name with upper case",
                    { type: "NodePort", externalNames: ["Redis.Example.com"] },
                    /`service\.externalNames\[0\]` must be a lower-case DNS name/,
                ],
                ["a list instead of an object", ["NodePort"], /`service` must be an object such as `\{ type: "NodePort" \}`/],
            ];
            for (const [what, service, pattern] of bad) {
                it(`refuses ${what}, naming the field, before any resource`, () =>
                    expectRejected(() => t.make("bad", { service }), new RegExp(`^${t.component}: ${pattern.source}`)));
            }
        });
    }

    it("RedisSentinel exposes the write and the read port of its one endpoint Service, node ports by port name", async () => {
        TOPOLOGIES[2].make("ha", { service: { type: "NodePort", nodePorts: { redis: 30079, "redis-read": 30080 } } });
        await settle();
        const ports = findCreated(SERVICE, "ha").inputs.spec.ports.map((p: any) => [p.name, p.nodePort]);
        assert.deepStrictEqual(ports, [
            ["redis", 30079],
            ["redis-read", 30080],
        ]);
        assert.strictEqual(findCreated(SERVICE, "ha-sentinel").inputs.spec.type, "ClusterIP");
        await expectRejected(
            () => TOPOLOGIES[2].make("dup", { service: { type: "NodePort", nodePorts: { redis: 30079, "redis-read": 30079 } } }),
            /^RedisSentinel: `service\.nodePorts\.redis-read` is 30079, the node port of "redis" too\.$/,
        );
    });

    it("RedisSentinel with a NetworkPolicy opens an exposed endpoint's client ports to any source, and only those", async () => {
        TOPOLOGIES[2].make("np", {
            networkPolicy: { enabled: true },
            service: { type: "LoadBalancer", loadBalancerSourceRanges: ["10.0.0.0/8"] },
        });
        TOPOLOGIES[2].make("inner", { networkPolicy: { enabled: true } });
        await settle();
        const open = (name: string) =>
            findCreated(NETPOL, name)
                .inputs.spec.ingress.filter((rule: any) => rule.from === undefined)
                .flatMap((rule: any) => rule.ports.map((p: any) => p.port));
        assert.deepStrictEqual(open("np-haproxy").sort(), [6379, 6380, HAPROXY_HEALTH_PORT].sort());
        assert.ok(!open("inner-haproxy").includes(6379), "a ClusterIP endpoint takes clients only from labelled pods");
        // Peers stay closed: data and sentinel pods take nothing from outside the set.
        assert.deepStrictEqual(open("np-node"), []);
        assert.deepStrictEqual(open("np-sentinel"), []);
    });

    it("RedisReplicated exposes its read Service through `readService`, apart from the master's", async () => {
        new RedisReplicated("rr", { service: { type: "LoadBalancer", annotations: LB_ANNOTATION }, readService: { type: "NodePort" } });
        await settle();
        assert.strictEqual(findCreated(SERVICE, "rr-master").inputs.spec.type, "LoadBalancer");
        const read = findCreated(SERVICE, "rr-read").inputs;
        assert.strictEqual(read.spec.type, "NodePort");
        assert.strictEqual(read.metadata.annotations, undefined);
        await expectRejected(
            () => new RedisReplicated("bad", { readService: { type: "ClusterIP", externalTrafficPolicy: "Local" } }),
            /^RedisReplicated: `readService\.externalTrafficPolicy` applies to a NodePort or LoadBalancer only/,
        );
    });
});

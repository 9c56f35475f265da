import { computed, expectRejected, findCreated, promiseOf, resetRecorded, settle } from "../support/mocks";
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { Memcached } from "../../components/memcached/memcached";
import { MemcachedOperator } from "../../components/memcached/operator";
import { MEMCACHED_BOUNDS } from "../../components/memcached/types";
import { validatedSpec } from "../../components/memcached/validate";
import { dependsOnOf, optionsRecorder } from "./capture";
import { operatorContract } from "./contract";

const CR = "kubernetes:cache.kubecache.io/v1alpha1:Memcached";
const IMAGE = `kind-registry:5000/kubecache/memcached-operator@sha256:${"d".repeat(64)}`;

describe("Memcached", () => {
    let operator: MemcachedOperator;
    // One operator for the whole suite: the tests look at the custom resource only.
    before(() => {
        operator = new MemcachedOperator("op", { image: IMAGE });
    });
    beforeEach(resetRecorded);

    it("creates the seed's memcached-sample as a typed custom resource", async () => {
        const mc = new Memcached("memcached-sample", { operator, size: 1 });
        await settle();
        const cr = findCreated(CR, "memcached-sample");
        assert.strictEqual(cr.inputs.apiVersion, "cache.kubecache.io/v1alpha1");
        assert.strictEqual(cr.inputs.kind, "Memcached");
        assert.strictEqual(cr.inputs.metadata.name, "memcached-sample");
        assert.strictEqual(cr.inputs.metadata.namespace, "default");
        assert.deepStrictEqual(cr.inputs.spec, { size: 1 });
        assert.strictEqual(await promiseOf(mc.name), "memcached-sample");
    });

    it("passes every spec field through and leaves unset ones to the CRD defaults", async () => {
        const resources = { requests: { cpu: "100m", memory: "300Mi" }, limits: { memory: "300Mi" } };
        new Memcached("cache", {
            operator,
            namespace: "apps",
            resourceName: "sessions",
            size: 3,
            port: 11311,
            memoryMB: 256,
            image: "memcached:1.6.39-alpine",
            resources,
            extraArgs: ["-t", "4"],
        });
        await settle();
        const cr = findCreated(CR);
        assert.deepStrictEqual(cr.inputs.spec, {
            size: 3,
            port: 11311,
            memoryMB: 256,
            image: "memcached:1.6.39-alpine",
            resources,
            extraArgs: ["-t", "4"],
        });
        assert.strictEqual(cr.inputs.metadata.name, "sessions");
        assert.strictEqual(cr.inputs.metadata.namespace, "apps");
    });

    it("passes the production fields through unchanged", async () => {
        const tolerations = [{ key: "dedicated", operator: "Equal", value: "cache", effect: "NoSchedule" }];
        const mc = new Memcached("prod", {
            operator,
            size: 3,
            topologySpread: "required",
            nodeSelector: { pool: "cache" },
            tolerations,
            priorityClassName: "high",
            metrics: { enabled: true },
            networkPolicy: { enabled: true },
        });
        await settle();
        assert.deepStrictEqual(findCreated(CR).inputs.spec, {
            size: 3,
            topologySpread: "required",
            nodeSelector: { pool: "cache" },
            tolerations,
            priorityClassName: "high",
            metrics: { enabled: true },
            networkPolicy: { enabled: true },
        });
        assert.deepStrictEqual(mc.clientLabels, { "kubecache.io/memcached-client": "prod" });
    });

    it("passes auth through", async () => {
        new Memcached("sessions", { operator, auth: { secretName: "sessions-sasl" } });
        await settle();
        assert.deepStrictEqual(findCreated(CR).inputs.spec, { size: 1, auth: { secretName: "sessions-sasl" } });
    });

    it("gives the endpoint of the headless Service the controller names after the object", async () => {
        const a = new Memcached("memcached-sample", { operator });
        const b = new Memcached("b", { operator, namespace: "apps", resourceName: "sessions", port: 11311, clusterDomain: "corp.local" });
        assert.strictEqual(await promiseOf(a.endpoint), "memcached-sample.default.svc.cluster.local:11211");
        assert.strictEqual(await promiseOf(b.endpoint), "sessions.apps.svc.corp.local:11311");
    });

    it("names the Service in the endpoint as the controller does: after the object, headless (operator/config/contract.json)", () => {
        const objects = operatorContract().objects;
        assert.ok(objects.serviceNamedAfterObject, "the controller names the Service after the Memcached object");
        assert.ok(objects.serviceHeadless, "the controller's Service is headless: its name resolves to every ready pod");
    });

    it("reports nodes from the object's status, and none before the operator wrote any", async () => {
        const none = new Memcached("empty", { operator });
        assert.deepStrictEqual(await promiseOf(none.nodes), []);
        computed[CR] = (_n, inputs) => ({ status: { nodes: [`${inputs.metadata.name}-7d9f-abcde`], readyReplicas: 1 } });
        try {
            const mc = new Memcached("memcached-sample", { operator });
            assert.deepStrictEqual(await promiseOf(mc.nodes), ["memcached-sample-7d9f-abcde"]);
        } finally {
            delete computed[CR];
        }
    });

    it("waits for the whole operator, so the object is created after the CRD and the ready manager", async () => {
        const { parent, options } = optionsRecorder();
        const op = new MemcachedOperator("op2", { image: IMAGE }, { parent });
        new Memcached("memcached-sample", { operator: op }, { parent });
        assert.deepStrictEqual(dependsOnOf(options, CR, "memcached-sample"), [op]);
        assert.ok(op.crd instanceof pulumi.CustomResource);
    });

    it("orders after a bare CRD when the operator is installed elsewhere", async () => {
        const { parent, options } = optionsRecorder();
        new Memcached("memcached-sample", { crd: operator.crd }, { parent });
        assert.deepStrictEqual(dependsOnOf(options, CR, "memcached-sample"), [operator.crd]);
    });

    it("re-checks Output values once they resolve", async () => {
        const spec = validatedSpec({ size: pulumi.output(MEMCACHED_BOUNDS.size.max + 1), port: pulumi.output(11311) });
        await assert.rejects((spec.size as any).promise(), /`size` must be an integer from 0 to 100; got 101/);
        assert.strictEqual(await (spec.port as any).promise(), 11311);
    });

    describe("rejects bad arguments before creating anything", () => {
        const cases: [string, () => unknown, RegExp][] = [
            ["negative size", () => new Memcached("x", { operator, size: -1 }), /`size` must be an integer from 0 to 100; got -1/],
            [
                "size above the CRD bound",
                () => new Memcached("x", { operator, size: MEMCACHED_BOUNDS.size.max + 1 }),
                /`size` must be an integer from 0 to 100; got 101/,
            ],
            ["fractional size", () => new Memcached("x", { operator, size: 1.5 }), /`size` must be an integer/],
            ["port 0", () => new Memcached("x", { operator, port: 0 }), /`port` must be an integer from 1 to 65535/],
            ["port above 65535", () => new Memcached("x", { operator, port: 70000 }), /`port`/],
            [
                "memory below 64 MB",
                () => new Memcached("x", { operator, memoryMB: 32 }),
                /`memoryMB` must be an integer from 64 to 65536; got 32/,
            ],
            [
                "an untagged image",
                () => new Memcached("x", { operator, image: "memcached" }),
                /`image` must name an explicit tag or digest/,
            ],
            ["a latest image", () => new Memcached("x", { operator, image: "memcached:latest" }), /`image`/],
            [
                "too many extraArgs",
                () => new Memcached("x", { operator, extraArgs: Array(33).fill("-v") }),
                /`extraArgs` must be a list of at most 32 strings/,
            ],
            ["an over-long extra argument", () => new Memcached("x", { operator, extraArgs: ["-o", "x".repeat(257)] }), /`extraArgs`/],
            [
                "an over-long image",
                () => new Memcached("x", { operator, image: `${"r".repeat(511)}:1` }),
                /`image` must be at most 512 characters/,
            ],
            [
                "a memory limit below memoryMB",
                () => new Memcached("x", { operator, memoryMB: 256, resources: { limits: { memory: "128Mi" } } }),
                /`resources.limits.memory` must be at least `memoryMB`/,
            ],
            ["no operator and no CRD", () => new Memcached("x", {}), /`operator` or `crd` must be given/],
            [
                "a name that is not a DNS label",
                () => new Memcached("x", { operator, resourceName: "Memcached_1" }),
                /`resourceName` must be a DNS-1123 label/,
            ],
            [
                "a name starting with a digit",
                () => new Memcached("x", { operator, resourceName: "1cache" }),
                /`resourceName` must start with a letter/,
            ],
            ["a bad namespace", () => new Memcached("x", { operator, namespace: "Apps" }), /`namespace`/],
            [
                "an unknown topologySpread",
                () => new Memcached("x", { operator, topologySpread: "zonal" as any }),
                /`topologySpread` must be one of "none", "preferred", "required"/,
            ],
            [
                "a priority class that is not a DNS name",
                () => new Memcached("x", { operator, priorityClassName: "High_Prio" }),
                /`priorityClassName` must be a DNS-1123 subdomain/,
            ],
            [
                "too many node selector labels",
                () =>
                    new Memcached("x", {
                        operator,
                        nodeSelector: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, "v"])),
                    }),
                /`nodeSelector` must be a map of at most 32/,
            ],
            [
                "too many tolerations",
                () => new Memcached("x", { operator, tolerations: Array(33).fill({ operator: "Exists" }) }),
                /`tolerations` must be a list of at most 32/,
            ],
            [
                "a latest exporter image",
                () => new Memcached("x", { operator, metrics: { enabled: true, image: "prom/memcached-exporter:latest" } }),
                /`metrics.image`/,
            ],
            [
                "metrics on memcached's port",
                () => new Memcached("x", { operator, port: 9150, metrics: { enabled: true } }),
                /`metrics.port` must differ from `port` \(9150\)/,
            ],
            [
                "a metrics port out of range",
                () => new Memcached("x", { operator, metrics: { port: 0 } }),
                /`metrics.port` must be an integer from 1 to 65535/,
            ],
            [
                "metrics with auth",
                () => new Memcached("x", { operator, metrics: { enabled: true }, auth: { secretName: "s" } }),
                /`metrics.enabled` cannot be combined with `auth`/,
            ],
            ["auth without a secret", () => new Memcached("x", { operator, auth: {} as any }), /`auth.secretName` is required/],
            [
                "an auth secret that is not a DNS name",
                () => new Memcached("x", { operator, auth: { secretName: "Bad_Name" } }),
                /`auth.secretName` must be a DNS-1123 subdomain/,
            ],
            [
                "a non-boolean networkPolicy.enabled",
                () => new Memcached("x", { operator, networkPolicy: { enabled: "yes" as any } }),
                /`networkPolicy.enabled` must be a boolean/,
            ],
        ];
        for (const [what, fn, pattern] of cases) it(what, () => expectRejected(fn, pattern));
    });
});

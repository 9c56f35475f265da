// One component API: the shared argument types, Input images checked once known, clusterDomain on every Redis
// component, passwords as secret outputs, and the operator's CRD kept on delete.
import { authData, findAll, findCreated, isSecret, promiseOf, resetRecorded, settle } from "../support/mocks";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as assert from "assert";
import { KindCluster } from "../../components/cluster/kind";
import { Registry, Resources } from "../../components/common";
import { OperatorImageArgs } from "../../components/image/operatorImage";
import { Memcached } from "../../components/memcached/memcached";
import { MemcachedOperator } from "../../components/memcached/operator";
import { RedisReplicated } from "../../components/redis/replicated";
import { RedisSentinel } from "../../components/redis/sentinel";
import { RedisStandalone } from "../../components/redis/standalone";
import { dependsOnOf, optionsRecorder } from "../memcached/capture";
import { installClusterFakes } from "../cluster/fixtures";

const OP_IMAGE = `registry.example.com/kubecache/memcached-operator@sha256:${"a".repeat(64)}`;
const CRD = "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition";

/** Resolves to the error an Output's apply throws (a bad value only known later), or undefined. */
function failureOf(output: pulumi.Output<unknown>): Promise<Error | undefined> {
    return new Promise(resolve => {
        const seen = (output as any).promise() as Promise<unknown>;
        seen.then(
            () => resolve(undefined),
            (e: Error) => resolve(e),
        );
    });
}

describe("one component API", () => {
    beforeEach(resetRecorded);

    it("takes one Resources type for every container and one Registry type for every registry", async () => {
        const resources: Resources = { requests: { cpu: "50m", memory: "300Mi" }, limits: { memory: "300Mi" } };
        new RedisStandalone("r", { resources });
        new RedisSentinel("s", { sentinelResources: resources, proxy: { resources } });
        const op = new MemcachedOperator("op", { image: OP_IMAGE, resources });
        new Memcached("m", { operator: op, memoryMB: 128, resources });
        const registry: Registry = { pushServer: "localhost:5001", pullServer: pulumi.output("kind-registry:5000") };
        const imageArgs: OperatorImageArgs = { registry };
        await settle();
        assert.deepStrictEqual(
            findCreated("kubernetes:apps/v1:Deployment", "r").inputs.spec.template.spec.containers[0].resources,
            resources,
        );
        assert.deepStrictEqual(
            findCreated("kubernetes:apps/v1:Deployment", "s-haproxy").inputs.spec.template.spec.containers[0].resources,
            resources,
        );
        assert.deepStrictEqual(
            findCreated("kubernetes:apps/v1:Deployment", "op-manager").inputs.spec.template.spec.containers[0].resources,
            resources,
        );
        assert.deepStrictEqual(findCreated("kubernetes:cache.kubecache.io/v1alpha1:Memcached", "m").inputs.spec.resources, resources);
        assert.strictEqual(imageArgs.registry, registry);
    });

    describe("image arguments are pulumi.Input<string>", () => {
        it("an Output image reaches the container once it resolves, for Redis and the HAProxy proxy", async () => {
            new RedisStandalone("late", { image: pulumi.output("redis:7.4.2-alpine") });
            new RedisSentinel("late-ha", { image: pulumi.output("redis:7.4.2-alpine"), proxy: { image: pulumi.output("haproxy:3.0.5") } });
            await settle();
            assert.strictEqual(
                findCreated("kubernetes:apps/v1:Deployment", "late").inputs.spec.template.spec.containers[0].image,
                "redis:7.4.2-alpine",
            );
            assert.strictEqual(
                findCreated("kubernetes:apps/v1:StatefulSet", "late-ha-node").inputs.spec.template.spec.containers[0].image,
                "redis:7.4.2-alpine",
            );
            assert.strictEqual(
                findCreated("kubernetes:apps/v1:Deployment", "late-ha-haproxy").inputs.spec.template.spec.containers[0].image,
                "haproxy:3.0.5",
            );
        });

        it("a plain unpinned image is refused before anything exists; an Output one fails once it resolves", async () => {
            assert.throws(
                () => new RedisReplicated("bad", { image: "redis:latest" }),
                /RedisReplicated: `image` must name an explicit tag or digest/,
            );
            assert.throws(
                () => new RedisSentinel("bad", { proxy: { image: "haproxy" } }),
                /RedisSentinel: `proxy.image` must name an explicit tag or digest/,
            );
            await settle();
            assert.deepStrictEqual(
                findAll("kubernetes:apps/v1:StatefulSet").map(r => r.name),
                [],
            );
            const late = new RedisStandalone("late-bad", { image: pulumi.output("redis") });
            const error = await failureOf(late.workload);
            assert.match(String(error), /RedisStandalone: `image` must name an explicit tag or digest .* got "redis"/);
        });

        it("an Output node image reaches the kind config; an unpinned one is refused at once", async () => {
            installClusterFakes();
            const image = `kindest/node:v1.33.1@sha256:${"b".repeat(64)}`;
            const kind = new KindCluster("k", { nodeImage: pulumi.output(image), registry: { image: pulumi.output("registry:2.8.3") } });
            await settle();
            assert.match(await promiseOf(kind.config), new RegExp(`image: ${image.replace(/[.]/g, "[.]")}`));
            assert.match(findCreated("command:local:Command", "k-registry").inputs.create, /'registry:2\.8\.3'/);
            assert.throws(
                () => new KindCluster("k2", { nodeImage: "kindest/node:v1.33.1" }),
                /KindCluster: `nodeImage` must be pinned by digest/,
            );
        });
    });

    describe("clusterDomain on every Redis component", () => {
        it("shapes RedisStandalone's endpoint", async () => {
            const r = new RedisStandalone("d1", { namespace: "apps", clusterDomain: "corp.internal" });
            assert.strictEqual(await promiseOf(r.endpoint), "d1.apps.svc.corp.internal:6379");
        });

        it("shapes RedisReplicated's endpoints, the master's stable name in the start script and the announced names", async () => {
            const r = new RedisReplicated("d2", { namespace: "apps", clusterDomain: "corp.internal" });
            await settle();
            assert.strictEqual(await promiseOf(r.masterHost), "d2-0.d2-headless.apps.svc.corp.internal");
            assert.strictEqual(await promiseOf(r.masterEndpoint), "d2-master.apps.svc.corp.internal:6379");
            assert.strictEqual(await promiseOf(r.readEndpoint), "d2-read.apps.svc.corp.internal:6379");
            const env: string = findCreated("kubernetes:core/v1:ConfigMap", "d2-config").inputs.data["topology.env"];
            assert.match(env, /^KC_MASTER='d2-0\.d2-headless\.apps\.svc\.corp\.internal:6379'$/m);
            assert.match(env, /^KC_ANNOUNCE_HOST="\$HOSTNAME\.d2-headless\.\$POD_NAMESPACE\.svc\.corp\.internal"$/m);
            assert.doesNotMatch(env, /cluster\.local/);
        });

        it("shapes RedisSentinel's endpoints", async () => {
            const r = new RedisSentinel("d3", { namespace: "apps", clusterDomain: "corp.internal" });
            assert.strictEqual(await promiseOf(r.endpoint), "d3.apps.svc.corp.internal:6379");
            assert.strictEqual(await promiseOf(r.sentinelEndpoint), "d3-sentinel.apps.svc.corp.internal:26379");
        });

        it("is refused when it is not a DNS domain, by every Redis component", () => {
            for (const make of [
                () => new RedisStandalone("x", { clusterDomain: "Corp_Internal" }),
                () => new RedisReplicated("x", { clusterDomain: "-bad" }),
                () => new RedisSentinel("x", { clusterDomain: "a..b" }),
            ])
                assert.throws(make, /`clusterDomain` must be a DNS domain such as "cluster.local"/);
        });
    });

    describe("passwords as secret outputs", () => {
        it("every Redis component outputs the generated password as a secret, the same value its Secret holds", async () => {
            for (const c of [new RedisStandalone("p1"), new RedisReplicated("p2"), new RedisSentinel("p3")]) {
                await settle();
                assert.ok(await isSecret(c.password), "the password output is secret");
                const name = await promiseOf(c.passwordSecretName);
                assert.strictEqual(await promiseOf(c.password), authData(name!.replace(/-auth$/, ""))["redis-password"]);
                assert.strictEqual((await promiseOf(c.password))!.length, 32);
            }
        });

        it("outputs a given password as a secret, and none when auth is off or an existing Secret holds it", async () => {
            const given = new RedisStandalone("p4", { auth: { password: "s3cret pass" } });
            assert.ok(await isSecret(given.password));
            assert.strictEqual(await promiseOf(given.password), "s3cret pass");
            assert.strictEqual(await promiseOf(new RedisStandalone("p5", { auth: { enabled: false } }).password), undefined);
            assert.strictEqual(await promiseOf(new RedisStandalone("p6", { auth: { existingSecret: "mine" } }).password), undefined);
        });
    });

    describe("MemcachedOperator and its CRD", () => {
        it("keeps the CRD on delete by default, and deletes it when retainCrdOnDelete is false", () => {
            const { parent, options } = optionsRecorder();
            new MemcachedOperator("kept", { image: OP_IMAGE }, { parent });
            new MemcachedOperator("dropped", { image: OP_IMAGE, namespace: "ops2", retainCrdOnDelete: false }, { parent });
            assert.strictEqual(options.get(`${CRD}::kept-crd`)?.retainOnDelete, true);
            assert.strictEqual(options.get(`${CRD}::dropped-crd`)?.retainOnDelete, false);
            // Nothing else is retained: the namespace, RBAC and manager go with the component.
            const retained = [...options.entries()].filter(([, o]) => o.retainOnDelete).map(([k]) => k);
            assert.deepStrictEqual(retained, [`${CRD}::kept-crd`]);
        });

        it("a Memcached given the operator's parts (CRD and manager) waits for both", () => {
            const { parent, options } = optionsRecorder();
            const op = new MemcachedOperator("parts", { image: OP_IMAGE }, { parent });
            new Memcached("by-parts", { operator: { crd: op.crd, manager: op.manager } }, { parent });
            assert.deepStrictEqual(dependsOnOf(options, "kubernetes:cache.kubecache.io/v1alpha1:Memcached", "by-parts"), [
                op.crd,
                op.manager,
            ]);
            assert.ok(op.manager instanceof k8s.apps.v1.Deployment);
        });
    });
});

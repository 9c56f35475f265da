import { findAll, findCreated, promiseOf, recorded, useStack } from "../support/mocks";
import * as assert from "assert";
import { runProgram } from "../support/program";

const IMAGE = "docker:index/image:Image";
const COMMAND = "command:local:Command";
const CR = "kubernetes:cache.kubecache.io/v1alpha1:Memcached";
const MANAGER = "memcached-operator-manager";

describe("the program's Memcached under each stack's configuration", () => {
    after(() => useStack("dev"));

    // Each program run costs seconds: the dev run checks everything the default stack does.
    it("dev: builds and pushes the operator to kind's registry once, installs it, creates the seed's memcached-sample", async () => {
        const out = await runProgram("dev");
        assert.strictEqual(findAll(IMAGE).length, 1);
        const build = findCreated(COMMAND, "memcached-operator-image-manager");
        assert.strictEqual(build.inputs.create, "make build");
        const image = findCreated(IMAGE, "memcached-operator-image");
        const pushHost = await promiseOf(out.registryPushServer);
        assert.ok(image.inputs.imageName.startsWith(`${pushHost}/kubecache/memcached-operator:src-`), image.inputs.imageName);

        const ref = (await promiseOf(out.operatorImage)) as string;
        assert.match(ref, /^[^@]+\/kubecache\/memcached-operator@sha256:[0-9a-f]{64}$/);
        const manager = findCreated("kubernetes:apps/v1:Deployment", MANAGER);
        assert.strictEqual(manager.inputs.spec.template.spec.containers[0].image, ref);
        assert.strictEqual(manager.inputs.metadata.namespace, "kubecache-system");

        const sample = findCreated(CR, "memcached-sample");
        assert.deepStrictEqual(sample.inputs.spec, { size: 1 });
        assert.strictEqual(sample.inputs.metadata.namespace, "kubecache");
        assert.deepStrictEqual(await promiseOf(out.memcached), {
            "memcached-sample": "memcached-sample.kubecache.svc.cluster.local:11211",
        });

        const kube = recorded.filter(r => r.type.startsWith("kubernetes:") && (r.name.startsWith("memcached-operator") || r.type === CR));
        assert.deepStrictEqual(kube.map(r => `${r.type} ${r.name}`).sort(), [
            "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition memcached-operator-crd",
            "kubernetes:apps/v1:Deployment memcached-operator-manager",
            "kubernetes:cache.kubecache.io/v1alpha1:Memcached memcached-sample",
            "kubernetes:core/v1:Namespace memcached-operator-ns",
            "kubernetes:core/v1:Service memcached-operator-metrics",
            "kubernetes:core/v1:ServiceAccount memcached-operator-sa",
            "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole memcached-operator-manager-role",
            "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding memcached-operator-manager-rolebinding",
            "kubernetes:rbac.authorization.k8s.io/v1:Role memcached-operator-leader-election-role",
            "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding memcached-operator-leader-election-rolebinding",
        ]);
        for (const r of kube) assert.match(r.provider ?? "", /::cluster-k8s::/, `${r.type} ${r.name} uses ${r.provider}`);
    });

    it("a prebuilt operatorImage skips the build; memcachedInstances replaces the sample", async () => {
        const prebuilt = `registry.example.com/kubecache/memcached-operator@sha256:${"1".repeat(64)}`;
        const out = await runProgram("dev", {
            operatorImage: prebuilt,
            memcachedInstances: [
                { name: "sessions", size: 3, memoryMB: 256 },
                { name: "pages", size: 2 },
            ],
        });
        assert.strictEqual(findAll(IMAGE).length, 0);
        assert.strictEqual(findCreated("kubernetes:apps/v1:Deployment", MANAGER).inputs.spec.template.spec.containers[0].image, prebuilt);
        assert.deepStrictEqual(
            findAll(CR)
                .map(r => r.name)
                .sort(),
            ["pages", "sessions"],
        );
        assert.deepStrictEqual(Object.keys(await promiseOf(out.memcached)).sort(), ["pages", "sessions"]);
    });
});

import { findAll, findCreated, promiseOf, recorded, useStack } from "../support/mocks";
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { kubeconfigYaml } from "../cluster/fixtures";
import { runProgram } from "../support/program";

describe("the kubecache program (index.ts, stack/) under each stack's configuration", () => {
    after(() => useStack("dev"));

    it("dev: the seed's bare Pod, a Deployment and the redis-sfs StatefulSet in a restricted namespace", async () => {
        const out = await runProgram("dev");
        const ns = findCreated("kubernetes:core/v1:Namespace", "namespace");
        assert.strictEqual(ns.inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
        findCreated("kubernetes:core/v1:Pod", "redis-pod");
        findCreated("kubernetes:apps/v1:Deployment", "redis");
        const sts = findCreated("kubernetes:apps/v1:StatefulSet", "redis-sfs");
        assert.strictEqual(sts.inputs.spec.replicas, 2);
        assert.strictEqual(await promiseOf(out.redis.replicatedMaster), "redis-sfs-master.kubecache.svc.cluster.local:6379");
        // The seed's requirement: HA Redis behind one endpoint.
        assert.strictEqual(await promiseOf(out.redis.ha), "redis-ha.kubecache.svc.cluster.local:6379");
        assert.strictEqual(findCreated("kubernetes:core/v1:Service", "redis-ha").inputs.spec.type ?? "ClusterIP", "ClusterIP");
        // The kind cluster's local-registry-hosting ConfigMap lives in kube-public by definition (KEP-1755);
        // the Memcached operator has its own namespace and cluster-scoped objects (test/memcached/stack.spec.ts).
        for (const r of recorded.filter(
            r =>
                r.type.startsWith("kubernetes:") &&
                r.type !== "kubernetes:core/v1:Namespace" &&
                r.inputs.metadata?.namespace !== "kube-public" &&
                !r.name.startsWith("memcached-operator"),
        )) {
            if (r.inputs.metadata) assert.strictEqual(r.inputs.metadata.namespace, "kubecache", `${r.type} ${r.name}`);
        }
    });

    it("prod: no single-pod Redis, a persistent 3-node StatefulSet", async () => {
        await runProgram("prod");
        assert.strictEqual(findAll("kubernetes:core/v1:Pod").length, 0);
        const sts = findCreated("kubernetes:apps/v1:StatefulSet", "redis-sfs");
        assert.strictEqual(sts.inputs.spec.replicas, 3);
        assert.strictEqual(sts.inputs.spec.volumeClaimTemplates[0].spec.resources.requests.storage, "20Gi");
        assert.strictEqual(findAll("kubernetes:apps/v1:Deployment").filter(r => r.name === "redis").length, 0);
        assert.strictEqual(findCreated("kubernetes:policy/v1:PodDisruptionBudget", "redis-sfs").inputs.spec.maxUnavailable, 1);
    });

    it("local: locally built images by digest and one configured password, so no resource needs a plugin but kubernetes", async () => {
        const digest = (n: string) => `127.0.0.1:5001/kubecache/${n}@sha256:${"a".repeat(64)}`;
        const kubeconfig = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "kc-local-")), "kubeconfig");
        fs.writeFileSync(kubeconfig, kubeconfigYaml());
        await runProgram("local", {
            kubeconfigPath: kubeconfig,
            redisImage: digest("redis"),
            haproxyImage: digest("haproxy"),
            operatorImage: digest("memcached-operator"),
            memcachedInstances: [{ name: "memcached-sample", size: 1, image: digest("memcached") }],
            redisPassword: "local-pw",
        });
        const others = recorded.map(r => r.type).filter(t => !/^(kubernetes|kubecache):/.test(t) && t !== "pulumi:providers:kubernetes");
        assert.deepStrictEqual([...new Set(others)], [], "only kubernetes resources and providers");
        for (const r of recorded.filter(r => /^kubernetes:(apps\/v1:(Deployment|StatefulSet)|core\/v1:Pod)$/.test(r.type))) {
            const spec = r.inputs.spec.template?.spec ?? r.inputs.spec;
            const want = r.name.endsWith("-haproxy")
                ? digest("haproxy")
                : r.name.startsWith("memcached-operator")
                  ? digest("memcached-operator")
                  : digest("redis");
            for (const c of spec.containers) assert.strictEqual(c.image, want, `${r.type} ${r.name}`);
        }
        assert.strictEqual(findCreated("kubernetes:apps/v1:StatefulSet", "redis-ha-node").inputs.spec.replicas, 3);
        assert.strictEqual(findCreated("kubernetes:apps/v1:Deployment", "memcached-operator-manager").inputs.spec.replicas, 2);
        const cr = findAll("kubernetes:cache.kubecache.io/v1alpha1:Memcached")[0];
        assert.strictEqual(cr.inputs.spec.image, digest("memcached"));
        for (const name of ["redis-auth", "redis-sfs-auth", "redis-ha-auth"]) findCreated("kubernetes:core/v1:Secret", name);
    });

    it("turns topologies off through config", async () => {
        await runProgram("dev", { redisPod: false, redisStandalone: false, redisReplicas: 0, redisSentinel: false });
        assert.strictEqual(findAll("kubernetes:core/v1:Service").filter(r => r.name.startsWith("redis")).length, 0);
        assert.strictEqual(findAll("kubernetes:apps/v1:StatefulSet").filter(r => r.name === "redis-sfs").length, 0);
        assert.strictEqual(findAll("kubernetes:core/v1:Pod").length, 0);
        assert.strictEqual(findAll("kubernetes:apps/v1:Deployment").filter(r => r.name === "redis").length, 0);
    });

    it("fails the run with the component's message for a bad size in config", async () => {
        await assert.rejects(runProgram("dev", { redisReplicas: 1 }), /RedisReplicated: `replicas` must be an integer >= 2; got 1/);
        await assert.rejects(runProgram("dev", { redisSentinels: 4 }), /RedisSentinel: `sentinels` must be/);
    });
});

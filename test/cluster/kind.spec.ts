import { expectRejected, findAll, findCreated, isSecret, promiseOf, resetRecorded, secretAt, settle, useStack } from "../support/mocks";
import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import { load } from "js-yaml";
import { KindCluster } from "../../components/cluster/kind";
import { configHash, DEFAULT_NODE_IMAGE } from "../../components/cluster/kindConfig";
import { installClusterFakes, kubeconfigYaml, TYPES } from "./fixtures";

describe("KindCluster", () => {
    before(() => {
        useStack("dev");
        installClusterFakes();
    });
    beforeEach(resetRecorded);

    it("creates the cluster from a stdin config, deletes it with kind, and replaces it only on a config change", async () => {
        const kind = new KindCluster("dev", { workers: 1 });
        await settle();
        const create = findCreated(TYPES.command, "dev-cluster");
        assert.strictEqual(create.inputs.create, "kind create cluster --name 'kubecache' --config - --wait 120s");
        assert.strictEqual(create.inputs.delete, "kind delete cluster --name 'kubecache'");
        const config = await promiseOf(kind.config);
        assert.strictEqual(create.inputs.stdin, config);
        const doc = load(create.inputs.stdin) as any;
        assert.deepStrictEqual(
            doc.nodes.map((n: any) => [n.role, n.image]),
            [
                ["control-plane", DEFAULT_NODE_IMAGE],
                ["worker", DEFAULT_NODE_IMAGE],
            ],
        );
        assert.deepStrictEqual(create.inputs.triggers, [configHash(config)]);
        assert.ok(
            findCreated(TYPES.command, "dev-kubeconfig").inputs.triggers.includes(configHash(config)),
            "a recreated cluster must be read again",
        );
    });

    it("reads the kubeconfig with kind get kubeconfig into a secret that stays out of logs", async () => {
        const kind = new KindCluster("dev", {});
        await settle();
        const read = findCreated(TYPES.command, "dev-kubeconfig");
        assert.strictEqual(read.inputs.create, "kind get kubeconfig --name 'kubecache'");
        assert.strictEqual(read.inputs.logging, "stderr");
        assert.ok(await isSecret(kind.kubeconfig));
        assert.strictEqual(await promiseOf(kind.kubeconfig), kubeconfigYaml());
        const provider = findCreated(TYPES.k8sProvider, "dev-k8s");
        assert.ok(secretAt(provider, "kubeconfig"), "the provider's kubeconfig input must be secret");
        assert.strictEqual(provider.inputs.clusterIdentifier, `kind-kubecache-${configHash(await promiseOf(kind.config))}`);
    });

    it("runs registry:2 on 127.0.0.1:5001, wires hosts.toml into the nodes and publishes local-registry-hosting", async () => {
        const kind = new KindCluster("dev", {});
        await settle();
        const registry = findCreated(TYPES.command, "dev-registry");
        assert.match(registry.inputs.create, /-p '127\.0\.0\.1:5001:5000'/);
        assert.match(registry.inputs.create, /'registry:2'/);
        assert.match(registry.inputs.delete, /docker rm -f/);
        const hosts = findCreated(TYPES.command, "dev-registry-hosts");
        assert.match(hosts.inputs.create, /\/etc\/containerd\/certs\.d\/localhost:5001\/hosts\.toml/);
        assert.match(hosts.inputs.create, /\[host\."http:\/\/kind-registry:5000"\]/);
        assert.match(hosts.inputs.create, /docker network connect kind 'kind-registry'/);
        const cm = findCreated(TYPES.configMap, "dev-local-registry-hosting");
        assert.deepStrictEqual([cm.inputs.metadata.name, cm.inputs.metadata.namespace], ["local-registry-hosting", "kube-public"]);
        assert.strictEqual(cm.inputs.metadata.labels["app.kubernetes.io/managed-by"], "kubecache");
        assert.match(cm.inputs.data["localRegistryHosting.v1"], /host: "localhost:5001"/);
        assert.match(cm.provider ?? "", /::dev-k8s::/, "the ConfigMap must go to the kind cluster");
        assert.strictEqual(await promiseOf(kind.registry!.pushServer), "localhost:5001");
        assert.strictEqual(await promiseOf(kind.registry!.pullServer!), "localhost:5001");
        assert.strictEqual(kind.registry!.password, undefined);
    });

    it("honours a custom registry port and skips the registry when disabled", async () => {
        new KindCluster("a", { clusterName: "a", registry: { port: 5055 } });
        await settle();
        assert.match(findCreated(TYPES.command, "a-registry").inputs.create, /127\.0\.0\.1:5055:5000/);
        resetRecorded();
        const bare = new KindCluster("b", { clusterName: "b", registry: false });
        await settle();
        assert.deepStrictEqual(
            findAll(TYPES.command)
                .map(c => c.name)
                .sort(),
            ["b-cluster", "b-kubeconfig"],
        );
        assert.strictEqual(findAll(TYPES.configMap).length, 0);
        assert.strictEqual(bare.registry, undefined);
    });

    it("hands its provider to resources created with { provider: cluster.provider }", async () => {
        const kind = new KindCluster("dev", {});
        new k8s.core.v1.Namespace("apps", { metadata: { name: "apps" } }, { provider: kind.provider });
        await settle();
        assert.match(findCreated("kubernetes:core/v1:Namespace", "apps").provider ?? "", /pulumi:providers:kubernetes::dev-k8s::/);
    });

    const bad: Array<[string, object, RegExp]> = [
        ["a cluster name that is not a DNS label", { clusterName: "Kube_Cache" }, /KindCluster: `clusterName` must be a DNS-1123 label/],
        ["a node image without a digest", { nodeImage: "kindest/node:v1.33.1" }, /`nodeImage` must be pinned by digest/],
        ["a latest node image", { nodeImage: "kindest/node" }, /`nodeImage` must name an explicit tag or digest/],
        ["too many workers", { workers: 9 }, /`workers` must be an integer from 0 to 5; got 9/],
        ["a negative worker count", { workers: -1 }, /`workers` must be an integer from 0 to 5/],
        ["a privileged registry port", { registry: { port: 80 } }, /`registry.port` must be an integer from 1024 to 65535; got 80/],
        ["an unpinned registry image", { registry: { image: "registry" } }, /`registry.image` must name an explicit tag/],
        ["a registry name with shell characters", { registry: { name: "reg;rm -rf" } }, /`registry.name` must be a DNS-1123 label/],
    ];
    for (const [what, args, pattern] of bad) {
        it(`rejects ${what} before creating anything`, async () => {
            await expectRejected(() => new KindCluster("bad", args), pattern);
        });
    }
});

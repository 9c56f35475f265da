import {
    countsByType,
    findAll,
    findCreated,
    isSecret,
    promiseOf,
    recorded,
    resetRecorded,
    secretAt,
    settle,
    useStack,
} from "../support/mocks";
import * as pulumi from "@pulumi/pulumi";
import { AckCluster } from "../../components/cluster/ack";
import { loadStackConfig } from "../../stack/config";
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runProgram, stackConfig } from "../support/program";
import { installClusterFakes, kubeconfigYaml, TYPES } from "../cluster/fixtures";

/** Every Kubernetes object of the program goes to the cluster's provider, none to an ambient default one. */
function assertAllOnProvider(providerName: string): void {
    const objects = recorded.filter(r => r.type.startsWith("kubernetes:"));
    assert.ok(objects.length > 0);
    for (const r of objects) {
        assert.match(
            r.provider ?? "",
            new RegExp(`pulumi:providers:kubernetes::${providerName}::`),
            `${r.type} ${r.name} is not on the cluster's provider`,
        );
    }
}

describe("the program's cluster wiring (stack/cluster.ts) per stack", () => {
    after(() => useStack("dev"));

    it("dev: a kind cluster with one worker and the local registry, and every object on its provider", async () => {
        const out = await runProgram("dev");
        const counts = countsByType();
        // Other components may run commands too (the operator image build); count the cluster's own.
        const clusterCommands = () =>
            findAll(TYPES.command)
                .filter(c => c.name.startsWith("cluster-"))
                .map(c => c.name)
                .sort();
        assert.deepStrictEqual(clusterCommands(), ["cluster-cluster", "cluster-kubeconfig", "cluster-registry", "cluster-registry-hosts"]);
        assert.strictEqual(counts[TYPES.k8sProvider], 1);
        assert.strictEqual(counts["kubecache:index:KindCluster"], 1);
        assert.strictEqual(Object.keys(counts).filter(t => t.startsWith("alicloud:")).length, 0);
        const create = findCreated(TYPES.command, "cluster-cluster");
        assert.strictEqual((create.inputs.stdin.match(/role: worker/g) ?? []).length, 1);
        findCreated(TYPES.configMap, "cluster-local-registry-hosting");
        assertAllOnProvider("cluster-k8s");
        // The stack output is the kubeconfig `kind get kubeconfig` printed, and stays secret.
        assert.strictEqual(await promiseOf(out.kubeconfig), kubeconfigYaml());
        assert.ok(await isSecret(out.kubeconfig), "the kubeconfig output is secret");
    });

    it("prod: an ACK cluster in two zones with deletion protection, ACR, and every object on its provider", async () => {
        await runProgram("prod");
        const counts = countsByType();
        const expected: Record<string, number> = {
            "kubecache:index:AckCluster": 1,
            [TYPES.aliProvider]: 1,
            [TYPES.k8sProvider]: 1,
            [TYPES.vpc]: 1,
            [TYPES.vswitch]: 4,
            [TYPES.nat]: 1,
            [TYPES.eip]: 1,
            [TYPES.eipAssociation]: 1,
            [TYPES.snat]: 4,
            [TYPES.cluster]: 1,
            [TYPES.nodePool]: 1,
            [TYPES.acr]: 1,
            [TYPES.acrNamespace]: 1,
            [TYPES.acrRepo]: 1,
            [TYPES.acrVpc]: 1,
        };
        for (const [type, n] of Object.entries(expected)) assert.strictEqual(counts[type] ?? 0, n, type);
        assert.strictEqual(counts[TYPES.acrInternet] ?? 0, 0, "no internet push endpoint unless CIDRs are configured");
        assert.strictEqual(findAll(TYPES.command).filter(c => c.name.startsWith("cluster-")).length, 0);
        const c = findCreated(TYPES.cluster);
        assert.strictEqual(c.inputs.name, "kubecache-prod");
        assert.strictEqual(findCreated(TYPES.acr).inputs.instanceName, "kubecache-prod");
        assert.strictEqual(c.inputs.deletionProtection, true);
        assert.strictEqual(c.inputs.version, "1.33.1-aliyun.1");
        assert.deepStrictEqual([...new Set(findAll(TYPES.vswitch).map(s => s.inputs.zoneId))], ["cn-hangzhou-h", "cn-hangzhou-i"]);
        assert.strictEqual(findCreated(TYPES.nodePool).inputs.desiredSize, "3");
        assert.strictEqual(findCreated(TYPES.aliProvider).inputs.region, "cn-hangzhou");
        assertAllOnProvider("cluster-k8s");
    });

    it("prod: passes alicloud keys from stack config to the component's provider, the secret key as a secret", async () => {
        // The prod config plus credentials as an operator would set them, through the loader into AckCluster
        // (the whole program adds nothing here, and the graph without credentials is checked above).
        useStack("prod");
        const { config, secretKeys } = stackConfig("prod", { "alicloud:accessKey": "LTAI-example", "alicloud:secretKey": "not-a-secret" });
        pulumi.runtime.setAllConfig(config, [...secretKeys, "alicloud:secretKey"]);
        const cfg = loadStackConfig(new pulumi.Config(), "prod");
        assert.strictEqual(cfg.cluster.kind, "ack");
        resetRecorded();
        installClusterFakes();
        if (cfg.cluster.kind === "ack") new AckCluster("cluster", cfg.cluster.args);
        await settle();
        const provider = findCreated(TYPES.aliProvider);
        assert.strictEqual(provider.inputs.accessKey, "LTAI-example");
        assert.ok(secretAt(provider, "secretKey"), "secretKey must reach the provider as a secret");
    });

    it("existing: a kubeconfig file and context adopt a cluster without creating one", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubecache-program-"));
        try {
            const file = path.join(dir, "config");
            fs.writeFileSync(file, kubeconfigYaml());
            await runProgram("dev", {
                cluster: "existing",
                kubeconfigPath: file,
                kubeconfigContext: "staging",
                registryServer: "registry.example.com",
            });
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
        const counts = countsByType();
        assert.strictEqual(counts["kubecache:index:ExistingCluster"], 1);
        assert.strictEqual(findAll(TYPES.command).filter(c => c.name.startsWith("cluster-")).length, 0);
        assert.strictEqual(findCreated(TYPES.k8sProvider).inputs.context, "staging");
        assertAllOnProvider("cluster-k8s");
    });

    it("fails the run with a clear message for a bad cluster choice or bad ACK config", async () => {
        await assert.rejects(
            runProgram("dev", { cluster: "minikube" }),
            /config: `cluster` must be one of "kind", "ack", "existing"; got "minikube"/,
        );
        await assert.rejects(
            runProgram("prod", { ackZones: ["cn-hangzhou-h"] }),
            /AckCluster: `zones` must list at least 2 zones in a production stack/,
        );
        await assert.rejects(
            runProgram("dev", { cluster: "existing", kubeconfig: "kind: Pod" }),
            /ExistingCluster: `kubeconfig` is not a kubeconfig/,
        );
    });
});

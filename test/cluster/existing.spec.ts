import { expectRejected, findCreated, isSecret, promiseOf, resetRecorded, secretAt, settle } from "../support/mocks";
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ExistingCluster } from "../../components/cluster/existing";
import { inspectKubeconfig } from "../../components/cluster/kubeconfig";
import { kubeconfigYaml, TYPES } from "./fixtures";

describe("inspectKubeconfig", () => {
    it("resolves the requested context, else current-context, and the cluster it points at", () => {
        assert.deepStrictEqual(inspectKubeconfig(kubeconfigYaml()), {
            contexts: ["kind-kubecache", "staging"],
            currentContext: "kind-kubecache",
            context: "kind-kubecache",
            cluster: "kind-kubecache",
        });
        assert.strictEqual(inspectKubeconfig(kubeconfigYaml(), "staging").cluster, "staging");
        assert.strictEqual(
            inspectKubeconfig(
                JSON.stringify({ kind: "Config", contexts: [{ name: "a", context: { cluster: "c" } }], clusters: [{ name: "c" }] }),
                "a",
            ).context,
            "a",
        );
    });

    it("explains what is wrong without quoting the document", () => {
        assert.throws(() => inspectKubeconfig(""), /is empty/);
        assert.throws(
            () => inspectKubeconfig("a: [unclosed\nb: secret-token"),
            e => /is not valid YAML \(line \d+\)/.test((e as Error).message) && !/secret-token/.test((e as Error).message),
        );
        assert.throws(() => inspectKubeconfig("apiVersion: v1\nkind: Pod\n"), /is not a kubeconfig/);
        assert.throws(() => inspectKubeconfig(kubeconfigYaml(), "prod"), /has no context "prod" \(has: kind-kubecache, staging\)/);
        assert.throws(() => inspectKubeconfig(kubeconfigYaml("")), /names no current-context/);
        assert.throws(
            () => inspectKubeconfig("kind: Config\ncurrent-context: x\ncontexts: [{name: x, context: {cluster: gone}}]\n"),
            /points at cluster "gone"/,
        );
    });
});

describe("ExistingCluster", () => {
    beforeEach(resetRecorded);
    const dirs: string[] = [];
    after(() => dirs.forEach(d => fs.rmSync(d, { recursive: true, force: true })));

    it("builds a provider from a kubeconfig document, keeping it secret and keyed on the context", async () => {
        const cluster = new ExistingCluster("prod", { kubeconfig: kubeconfigYaml(), context: "staging" });
        new k8s.core.v1.Namespace("apps", {}, { provider: cluster.provider });
        await settle();
        const provider = findCreated(TYPES.k8sProvider, "prod-k8s");
        assert.ok(secretAt(provider, "kubeconfig"));
        assert.strictEqual(provider.inputs.context, "staging");
        assert.strictEqual(provider.inputs.clusterIdentifier, "existing-staging");
        assert.ok(await isSecret(cluster.kubeconfig));
        assert.strictEqual(await promiseOf(cluster.kubeconfig), kubeconfigYaml());
        assert.match(findCreated("kubernetes:core/v1:Namespace", "apps").provider ?? "", /pulumi:providers:kubernetes::prod-k8s::/);
        assert.strictEqual(cluster.registry, undefined);
    });

    it("reads a kubeconfig file and uses its current-context", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubecache-existing-"));
        dirs.push(dir);
        const file = path.join(dir, "config");
        fs.writeFileSync(file, kubeconfigYaml("staging"));
        const cluster = new ExistingCluster("c", { kubeconfigPath: file, clusterIdentifier: "staging-eu" });
        await settle();
        const provider = findCreated(TYPES.k8sProvider, "c-k8s");
        assert.strictEqual(provider.inputs.context, "staging");
        assert.strictEqual(provider.inputs.clusterIdentifier, "staging-eu");
        assert.strictEqual(await promiseOf(cluster.context), "staging");
    });

    it("accepts a secret Output and exposes optional registry settings with a secret password", async () => {
        const cluster = new ExistingCluster("c", {
            kubeconfig: pulumi.secret(kubeconfigYaml()),
            registry: { pushServer: "registry.example.com:5000", username: "ci", password: "hunter2" },
        });
        await settle();
        assert.strictEqual(findCreated(TYPES.k8sProvider, "c-k8s").inputs.clusterIdentifier, "existing-kind-kubecache");
        assert.ok(!(await isSecret(cluster.context)), "the context name is not a credential");
        const registry = cluster.registry!;
        assert.strictEqual(await promiseOf(registry.pullServer!), "registry.example.com:5000");
        assert.strictEqual(await promiseOf(registry.username!), "ci");
        assert.ok(await isSecret(pulumi.output(registry.password!)));
    });

    const bad: Array<[string, object, RegExp]> = [
        ["neither source", {}, /ExistingCluster: `kubeconfig` or `kubeconfigPath` must be set, and not both/],
        [
            "both sources",
            { kubeconfig: kubeconfigYaml(), kubeconfigPath: "/tmp/x" },
            /`kubeconfig` or `kubeconfigPath` must be set, and not both/,
        ],
        ["a document that is not YAML", { kubeconfig: "a: [b" }, /`kubeconfig` is not valid YAML/],
        ["a document that is not a kubeconfig", { kubeconfig: "kind: Deployment\n" }, /`kubeconfig` is not a kubeconfig/],
        ["a context the kubeconfig lacks", { kubeconfig: kubeconfigYaml(), context: "prod" }, /`kubeconfig` has no context "prod"/],
        ["an empty context", { kubeconfig: kubeconfigYaml(), context: "" }, /`context` must be a non-empty context name/],
        ["a missing file", { kubeconfigPath: "/nonexistent/kubecache/config" }, /`kubeconfigPath` must name a readable file; ENOENT/],
        [
            "a registry URL instead of a host",
            { kubeconfig: kubeconfigYaml(), registry: { pushServer: "https://r.example.com/" } },
            /`registry.pushServer` must be a registry host\[:port\]/,
        ],
    ];
    for (const [what, args, pattern] of bad) {
        it(`rejects ${what} before creating anything`, async () => {
            await expectRejected(() => new ExistingCluster("bad", args), pattern);
        });
    }
});

// Real-engine proof that the stack program's move to stack/ (and the component API changes since) changes no
// URN and no input: the program as it was before the move (OLD_LAYOUT, checked out from git) deploys a stack on
// the local cluster, then the current program runs `up --expect-no-changes` against that state, then destroys.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LocalCluster, missingToolchain, startCluster, stopCluster } from "./support/cluster";
import { BIN, ROOT, run, RunResult, tail, timed } from "./support/exec";
import { fakeRandomProviderDir } from "./support/fakeRandom";
import { changeSummary, pulumiEnv } from "./support/pulumi";

/** The last commit of the layout with the wiring inside components/ (before stack/ existed). */
const OLD_LAYOUT = "b6d7282";
const STACK = "layout";

describe("real-engine tier: the current program over the old layout's state keeps every URN", function () {
    let cluster: LocalCluster | undefined;
    let work: string;
    let oldTree: string;
    let configFile: string;
    let env: NodeJS.ProcessEnv;
    let deployed = false;
    /** Resources the old layout's up created (components, the provider and the stack included). */
    let created = 0;

    const pulumi = (cwd: string, args: string[], timeoutMs = 900_000): Promise<RunResult> =>
        run(path.join(BIN, "pulumi"), [...args, "--non-interactive", "--cwd", cwd], { cwd, env, timeoutMs });
    const ok = async (cwd: string, args: string[]) => {
        const r = await pulumi(cwd, args);
        assert.equal(r.code, 0, `pulumi ${args.join(" ")} failed:\n${tail(r.stdout, 80)}\n${tail(r.stderr, 40)}`);
        return r;
    };

    before(async function () {
        const reason =
            (await missingToolchain()) ??
            ((await run("git", ["cat-file", "-e", `${OLD_LAYOUT}^{commit}`])).code !== 0
                ? `commit ${OLD_LAYOUT} (the old layout) is not in this clone`
                : undefined);
        if (reason) {
            console.log(`skipped: ${reason}`);
            (this as any).skipReason = reason;
            this.skip();
        }
        work = fs.mkdtempSync(path.join(os.tmpdir(), "kubecache-layout-"));
        oldTree = path.join(work, "old");
        fs.mkdirSync(oldTree);
        const archive = await run("bash", ["-c", `git archive ${OLD_LAYOUT} | tar -x -C '${oldTree}'`]);
        assert.equal(archive.code, 0, archive.stderr);
        // Same dependencies as the current tree (the move changed none of their versions).
        fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(oldTree, "node_modules"), "dir");

        const backend = path.join(work, "state");
        fs.mkdirSync(backend);
        env = pulumiEnv(backend);
        env.PATH = `${fakeRandomProviderDir()}:${env.PATH}`;

        cluster = await startCluster(2);
        timed("layout: local cluster start", cluster.startMs);
        await ok(oldTree, ["stack", "init", STACK, "--secrets-provider", "passphrase"]);
        // One stack config file for both programs: the existing-cluster path, and a prebuilt operator image
        // (nothing is built or pushed; kwok never pulls it).
        configFile = path.join(oldTree, `Pulumi.${STACK}.yaml`);
        fs.appendFileSync(
            configFile,
            [
                "config:",
                "  kubecache:cluster: existing",
                `  kubecache:kubeconfigPath: ${cluster.kubeconfig}`,
                "  kubecache:operatorImage: registry.invalid/kubecache/memcached-operator:e2e",
                "",
            ].join("\n"),
        );
    });

    after(async function () {
        if (deployed) await pulumi(ROOT, ["destroy", "--yes", "--skip-preview", "--stack", STACK, "--config-file", configFile]);
        if (cluster) await stopCluster(cluster);
        if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    it("deploys the old layout's program", async function () {
        const r = await ok(oldTree, ["up", "--yes", "--skip-preview", "--stack", STACK, "--diff=false"]);
        deployed = true;
        timed("layout: pulumi up (old layout, create)", r.ms);
        created = changeSummary(r.stdout).created ?? 0;
        // Every topology, the operator and its instance: 47 objects, components and the stack when this was written.
        assert.ok(created >= 40, `created count in:\n${tail(r.stdout, 20)}`);
    });

    // Right after the move (64f1b88, 3de706f) this was `up --expect-no-changes`, and passed. The
    // components have changed inputs on purpose since (Valkey by default, ACL users, the read endpoint), so the
    // lasting property is checked: the current program keeps every URN the old layout made, adds none, drops none.
    it("then the current program (index.ts -> stack/) keeps every URN: nothing created, nothing deleted, no workload replaced", async function () {
        // The documented upgrade path (CHANGELOG "Upgrading from 0.1.0"): Secrets updated in place. Without it the
        // provider replaces the password Secrets delete-first, every Redis workload with them, and its preview of the
        // sentinels' replacement fails (an apply dry run over the live object keeps the old exec probe beside the new
        // TCP one).
        env.PULUMI_K8S_ENABLE_SECRET_MUTABLE = "true";
        const r = await pulumi(ROOT, ["preview", "--json", "--stack", STACK, "--config-file", configFile]);
        timed("layout: pulumi preview (current layout)", r.ms);
        assert.equal(r.code, 0, `preview of the current layout failed:\n${tail(r.stdout, 60)}\n${tail(r.stderr, 40)}`);
        const preview = JSON.parse(r.stdout);
        const steps: { op: string; urn: string }[] = preview.steps ?? [];
        // The one new kind of resource: each password Secret's data moved into a patch of it (a new password is then
        // an update in place), created beside the Secret it patches.
        const isPatch = (urn: string) => urn.split("::")[2].split("$").pop() === "kubernetes:core/v1:SecretPatch";
        const moved = steps.filter(st => (st.op === "create" && !isPatch(st.urn)) || st.op === "delete").map(st => `${st.op} ${st.urn}`);
        assert.deepEqual(moved, [], "resources the current layout would create or delete (a changed URN)");
        const patches = steps.filter(st => st.op === "create" && isPatch(st.urn)).length;
        const summary: Record<string, number> = preview.changeSummary ?? {};
        console.log(`      current layout over the old state: ${JSON.stringify(summary)}`);
        // What an upgrade from that version replaces, and why (CHANGELOG.md, "Upgrading").
        const replaced = steps.filter(x => x.op === "replace") as { urn: string; replaceReasons?: string[] }[];
        for (const st of replaced) console.log(`        replace ${st.urn.split("::").pop()}: ${(st.replaceReasons ?? []).join(", ")}`);
        // Only the ConfigMaps, renamed by their content's hash and created before the old ones go; workloads roll.
        assert.deepEqual(
            replaced.map(st => st.urn.split("::")[2].split("$").pop()).filter(type => type !== "kubernetes:core/v1:ConfigMap"),
            [],
            "replaced besides ConfigMaps",
        );
        assert.equal(summary.create ?? 0, patches, "created besides the password patches");
        assert.equal(summary.delete ?? 0, 0, "deleted");
        assert.equal(
            Object.values(summary).reduce((a, n) => a + n, 0) - patches,
            created,
            "every resource of the old layout is still one resource of the current one",
        );
    });

    it("and destroys what the old layout created", async function () {
        const r = await ok(ROOT, ["destroy", "--yes", "--skip-preview", "--stack", STACK, "--config-file", configFile]);
        deployed = false;
        timed("layout: pulumi destroy (current layout)", r.ms);
        assert.deepEqual(changeSummary(r.stdout), { deleted: created }, tail(r.stdout, 20));
    });
});

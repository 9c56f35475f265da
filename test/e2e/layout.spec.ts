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

describe("real-engine tier: an up of the old layout's state with the current program is a no-op", function () {
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

    it("then the current program (index.ts -> stack/) finds nothing to change", async function () {
        const r = await pulumi(ROOT, [
            "up",
            "--yes",
            "--skip-preview",
            "--stack",
            STACK,
            "--config-file",
            configFile,
            "--expect-no-changes",
            "--diff",
        ]);
        timed("layout: pulumi up (current layout, no changes)", r.ms);
        assert.equal(r.code, 0, `the current layout changed the old layout's stack:\n${tail(r.stdout, 120)}\n${tail(r.stderr, 40)}`);
        const summary = changeSummary(r.stdout);
        assert.deepEqual(summary, { unchanged: created }, tail(r.stdout, 20));
    });

    it("and destroys what the old layout created", async function () {
        const r = await ok(ROOT, ["destroy", "--yes", "--skip-preview", "--stack", STACK, "--config-file", configFile]);
        deployed = false;
        timed("layout: pulumi destroy (current layout)", r.ms);
        assert.deepEqual(changeSummary(r.stdout), { deleted: created }, tail(r.stdout, 20));
    });
});

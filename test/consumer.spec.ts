// The package as another program sees it: `npm run build` output, resolved by name through a
// file: dependency (npm links it as node_modules/kubecache -> the repo), type-checked and run.
import { findCreated, promiseOf, resetRecorded, settle } from "./support/mocks";
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const CONSUMER = path.join(ROOT, "examples/consumer");

describe("examples/consumer imports kubecache by package name", function () {
    this.timeout(60000);

    before(() => {
        execFileSync("npx", ["tsc", "-p", "tsconfig.build.json"], { cwd: ROOT, stdio: "inherit" });
        const link = path.join(CONSUMER, "node_modules/kubecache");
        fs.mkdirSync(path.dirname(link), { recursive: true });
        // What `npm install` does for "file:../..": a symlink to the package folder.
        if (!fs.existsSync(link)) fs.symlinkSync(path.relative(path.dirname(link), ROOT), link, "dir");
    });

    it("resolves `kubecache` to the built entry point declared in package.json", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
        const resolved = require.resolve("kubecache", { paths: [CONSUMER] });
        assert.strictEqual(fs.realpathSync(resolved), path.join(ROOT, pkg.main));
        assert.ok(fs.existsSync(path.join(ROOT, pkg.types)), `${pkg.types} was not built`);
    });

    it("type-checks against the published declarations", () => {
        execFileSync("npx", ["tsc", "-p", path.join(CONSUMER, "tsconfig.json")], { cwd: ROOT, stdio: "inherit" });
    });

    it("runs under mocks and creates the components it asked for", async () => {
        resetRecorded();
        const out = require(path.join(CONSUMER, "index.ts"));
        await settle();
        const sts = findCreated("kubernetes:apps/v1:StatefulSet", "sessions");
        assert.strictEqual(sts.inputs.spec.replicas, 3);
        assert.strictEqual(sts.inputs.metadata.namespace, "team-a");
        assert.match(sts.provider ?? "", /team-cluster/);
        assert.strictEqual(await promiseOf(out.sessionsWrite), "sessions-master.team-a.svc.cluster.local:6379");
        assert.strictEqual(await promiseOf(out.scratchEndpoint), "scratch.team-a.svc.cluster.local:6379");
    });
});

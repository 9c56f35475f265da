import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import {
    CRD_FILE,
    LEADER_ELECTION_ROLE_FILE,
    loadManagerRole,
    loadManifest,
    loadMemcachedCrd,
    MANAGER_ROLE_FILE,
    operatorConfigPath,
} from "../../components/memcached/operatorConfig";
import { packageRoot } from "../../components/common/paths";
import { skipBecause } from "../../harness/processes";

const REPO = path.resolve(__dirname, "../..");

describe("operator manifests", () => {
    it("are found from the TypeScript sources and from the compiled bin/components layout", () => {
        assert.strictEqual(packageRoot(path.join(REPO, "components", "memcached")), REPO);
        assert.strictEqual(packageRoot(path.join(REPO, "bin", "components", "memcached")), REPO);
        assert.strictEqual(
            operatorConfigPath(...CRD_FILE),
            path.join(REPO, "operator", "config", "crd", "bases", "cache.kubecache.io_memcacheds.yaml"),
        );
    });

    it("are found inside an installed package, not in the consumer's project", () => {
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kubecache-consumer-"));
        try {
            const pkg = path.join(tmp, "node_modules", "kubecache");
            fs.mkdirSync(path.join(pkg, "bin", "components", "memcached"), { recursive: true });
            fs.writeFileSync(path.join(tmp, "package.json"), '{"name":"consumer"}');
            fs.writeFileSync(path.join(pkg, "package.json"), '{"name":"kubecache"}');
            assert.strictEqual(packageRoot(path.join(pkg, "bin", "components", "memcached")), pkg);
        } finally {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    });

    it("ship in the npm package", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8"));
        assert.ok(pkg.files.includes("operator/config"), `package.json files: ${JSON.stringify(pkg.files)}`);
    });

    it("load the CRD and RBAC files that are tracked in the repository", function () {
        const files = [CRD_FILE, MANAGER_ROLE_FILE, LEADER_ELECTION_ROLE_FILE].map(f => path.relative(REPO, operatorConfigPath(...f)));
        let tracked: string;
        try {
            tracked = execFileSync("git", ["ls-files", "--", ...files], { cwd: REPO, encoding: "utf8" });
        } catch (e) {
            return skipBecause(this, `not a git checkout (${(e as Error).message.split("\n")[0]})`);
        }
        assert.deepStrictEqual(tracked.trim().split("\n").sort(), files.sort(), "the manifests the components load are committed");
        const onDisk = yaml.load(fs.readFileSync(operatorConfigPath(...CRD_FILE), "utf8"));
        assert.deepStrictEqual(loadMemcachedCrd(), onDisk);
        assert.strictEqual(loadManagerRole().metadata.name, "manager-role");
    });

    it("fail with the missing path named, and on a file without the expected kind", () => {
        assert.throws(() => loadManifest("/nonexistent/crd.yaml", "CustomResourceDefinition"), /\/nonexistent\/crd.yaml is missing/);
        assert.throws(() => loadManifest(operatorConfigPath(...MANAGER_ROLE_FILE), "Role"), /expected one Role, found 0/);
    });
});

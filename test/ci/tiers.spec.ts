// A tier CI requires cannot hide: a skip there fails, with its reason. Checked on each place that decides
// (the mocha reporter, the go test summary, the e2e tier gate) with a skip made on purpose.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "../..");

function run(cmd: string, args: string[], env: Record<string, string>) {
    const r = spawnSync(cmd, args, { cwd: ROOT, encoding: "utf8", env: { ...process.env, KUBECACHE_TEST_STATS: "", ...env } });
    return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe("required test tiers (.ci/run's KUBECACHE_REQUIRED_TIERS)", function () {
    this.timeout(60_000);
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubecache-tiers-"));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("mocha: a skip in a required tier fails the run and says why; elsewhere it is a skip", () => {
        const spec = path.join(dir, "skipper.spec.js");
        fs.writeFileSync(
            spec,
            `it("needs redis-server", function () { this.skipReason = "redis-server is not installed"; this.skip(); });\n`,
        );
        const args = [
            path.join(ROOT, "node_modules", "mocha", "bin", "mocha.js"),
            "--no-config",
            "--reporter",
            path.join(ROOT, "test", "support", "reporter.js"),
            spec,
        ];
        const required = run(process.execPath, args, { KUBECACHE_TIER: "loopback", KUBECACHE_REQUIRED_TIERS: "loopback,envtest" });
        assert.notStrictEqual(required.code, 0, required.out);
        assert.match(required.out, /FAILED: the loopback tier is required here, and it skipped this test: redis-server is not installed/);
        const optional = run(process.execPath, args, { KUBECACHE_TIER: "loopback", KUBECACHE_REQUIRED_TIERS: "envtest" });
        assert.strictEqual(optional.code, 0, optional.out);
        assert.match(optional.out, /skipped: needs redis-server \(redis-server is not installed\)/);
    });

    it("go: an envtest skip fails when envtest is required, and other packages' skips do not", () => {
        const events = path.join(dir, "go.json");
        const ev = (o: object) => JSON.stringify(o);
        fs.writeFileSync(
            events,
            [
                ev({
                    Action: "output",
                    Package: "kubecache.io/operator/test/envtest",
                    Test: "TestManager",
                    Output: "    suite_test.go:81: kube-apiserver not found\n",
                }),
                ev({ Action: "skip", Package: "kubecache.io/operator/test/envtest", Test: "TestManager" }),
                ev({ Action: "skip", Package: "kubecache.io/operator/test/envtest" }),
            ].join("\n"),
        );
        const required = run(process.execPath, ["scripts/go-test-summary.js", events], { KUBECACHE_REQUIRED_TIERS: "loopback,envtest" });
        assert.strictEqual(required.code, 1, required.out);
        assert.match(required.out, /FAILED: the envtest tier is required here, and TestManager skipped: .*kube-apiserver not found/);
        assert.strictEqual(run(process.execPath, ["scripts/go-test-summary.js", events], { KUBECACHE_REQUIRED_TIERS: "loopback" }).code, 0);
    });

    it("go: a skip outside envtest fails when the go stage is required (a missing tool), and envtest's stays a skip", () => {
        const events = path.join(dir, "go-tools.json");
        const ev = (o: object) => JSON.stringify(o);
        fs.writeFileSync(
            events,
            [
                ev({
                    Action: "output",
                    Package: "kubecache.io/operator/internal/controller",
                    Test: "TestSASL",
                    Output: "    loopback_test.go:67: needs saslpasswd2 (apt-get install sasl2-bin)\n",
                }),
                ev({ Action: "skip", Package: "kubecache.io/operator/internal/controller", Test: "TestSASL" }),
                ev({ Action: "skip", Package: "kubecache.io/operator/test/envtest", Test: "TestManager" }),
            ].join("\n"),
        );
        const required = run(process.execPath, ["scripts/go-test-summary.js", events], { KUBECACHE_REQUIRED_TIERS: "loopback,go" });
        assert.strictEqual(required.code, 1, required.out);
        assert.match(required.out, /FAILED: the go tier is required here, and TestSASL skipped: .*needs saslpasswd2/);
        assert.match(required.out, /go: 0 passed, 1 failed, 1 skipped/);
        assert.strictEqual(run(process.execPath, ["scripts/go-test-summary.js", events], { KUBECACHE_REQUIRED_TIERS: "loopback" }).code, 0);
    });

    it("e2e: the gate fails instead of skipping when the tier is required", () => {
        const required = run("bash", ["scripts/toolchain/e2e-tier.sh"], {
            KUBECACHE_E2E: "never",
            KUBECACHE_REQUIRED_TIERS: "loopback,e2e",
        });
        assert.strictEqual(required.code, 1, required.out);
        assert.match(required.out, /e2e tier: FAILED \(required: its toolchain is cached\) because KUBECACHE_E2E=never/);
        const optional = run("bash", ["scripts/toolchain/e2e-tier.sh"], { KUBECACHE_E2E: "never", KUBECACHE_REQUIRED_TIERS: "loopback" });
        assert.strictEqual(optional.code, 0, optional.out);
        assert.match(optional.out, /e2e tier: skipped because KUBECACHE_E2E=never/);
    });
});

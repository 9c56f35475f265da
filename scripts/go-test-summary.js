// Reads `go test -json` output: prints failures with their output, a line per package, and
// appends the counts to KUBECACHE_TEST_STATS. Exit code 1 when any test or package failed.
"use strict";
const fs = require("fs");
const lines = fs.readFileSync(process.argv[2], "utf8").split("\n").filter(Boolean);
const output = new Map();
const counts = { passed: 0, failed: 0, skipped: 0 };
// .ci/run lists "go" in KUBECACHE_REQUIRED_TIERS (scripts/setup.sh installs every tool these tests use), and
// "envtest" when the control plane is cached: a skip of a required kind fails. envtest's own skips (no control
// plane built) stay skips unless "envtest" is listed.
const requiredTiers = (process.env.KUBECACHE_REQUIRED_TIERS || "").split(",").map(t => t.trim());
const envtestRequired = requiredTiers.includes("envtest");
const goRequired = requiredTiers.includes("go");
let packageFailed = false;
for (const line of lines) {
    let e;
    try {
        e = JSON.parse(line);
    } catch {
        process.stdout.write(line + "\n");
        continue;
    }
    const key = `${e.Package} ${e.Test || ""}`;
    if (e.Action === "output") output.set(key, (output.get(key) || "") + e.Output);
    if (!e.Test) {
        if (e.Action === "pass" || e.Action === "fail" || e.Action === "skip") {
            process.stdout.write(`${e.Action.padEnd(4)} ${e.Package} ${e.Elapsed ?? ""}s\n`);
            if (e.Action === "fail") {
                packageFailed = true;
                process.stdout.write(output.get(key) || "");
            }
        }
        continue;
    }
    if (e.Test.includes("/")) continue; // subtests are counted through their parent
    if (e.Action === "pass") counts.passed++;
    if (e.Action === "fail") {
        counts.failed++;
        process.stdout.write(`--- FAIL ${e.Test}\n${output.get(key) || ""}`);
    }
    if (e.Action === "skip") {
        counts.skipped++;
        const why = (output.get(key) || "")
            .split("\n")
            .filter(l => /_test\.go:\d+/.test(l))
            .join(" ")
            .trim();
        process.stdout.write(`skipped: ${e.Package} ${e.Test}: ${why || "no reason printed"}\n`);
        const envtest = /\/test\/envtest$/.test(e.Package);
        const tier = envtest ? "envtest" : "go";
        if (envtest ? envtestRequired : goRequired) {
            counts.skipped--;
            counts.failed++;
            process.stdout.write(`FAILED: the ${tier} tier is required here, and ${e.Test} skipped: ${why || "no reason printed"}\n`);
        }
    }
}
if (packageFailed && counts.failed === 0) counts.failed = 1;
process.stdout.write(`go: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`);
if (process.env.KUBECACHE_TEST_STATS) {
    fs.appendFileSync(process.env.KUBECACHE_TEST_STATS, JSON.stringify({ suite: "go", ...counts }) + "\n");
}
process.exit(counts.failed > 0 || packageFailed ? 1 : 0);

/**
 * Debian's `promtool` for the specs of rules and dashboards: a scratch folder per describe (skipped, with the
 * reason printed, where promtool is missing) and a runner whose failure shows promtool's own report.
 */
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import { skipUnlessInstalled, tempDir } from "../../harness/processes";

/** Registers `before`/`after` in the calling describe; the returned function gives the scratch folder. */
export function usePromtool(name: string): () => string {
    let dir = "";
    before(function () {
        skipUnlessInstalled(this, ["promtool"]);
        dir = tempDir(name);
    });
    after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));
    return () => dir;
}

/** Runs `promtool args…` in `dir`; fails the test with promtool's output. */
export function promtool(dir: string, args: string[]): void {
    try {
        execFileSync("promtool", args, { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    } catch (e) {
        const err = e as { stdout?: string; stderr?: string };
        assert.fail(`promtool ${args.join(" ")} failed:\n${err.stdout}${err.stderr}`);
    }
}

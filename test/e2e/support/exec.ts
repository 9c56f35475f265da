// Child processes for the real-engine tier: every command is bounded in time and its output kept for the failure
// message, because a hung `pulumi up` must fail the test, not the CI run.
import { spawn } from "child_process";
import * as os from "os";
import * as path from "path";

export const ROOT = path.resolve(__dirname, "../../..");
export const CACHE = process.env.KUBECACHE_CACHE ?? path.join(os.homedir(), ".cache", "kubecache");
export const BIN = path.join(CACHE, "bin");

export interface RunResult {
    code: number | null;
    stdout: string;
    stderr: string;
    /** Wall-clock milliseconds. */
    ms: number;
}

export interface RunOptions {
    cwd?: string;
    env?: NodeJS.ProcessEnv;
    input?: string;
    /** Killed (SIGTERM, then SIGKILL) after this many milliseconds. */
    timeoutMs?: number;
}

export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
    const t0 = Date.now();
    return new Promise((resolve, reject) => {
        const child = spawn(cmd, args, { cwd: opts.cwd ?? ROOT, env: opts.env ?? process.env, stdio: ["pipe", "pipe", "pipe"] });
        let stdout = "",
            stderr = "";
        child.stdout.on("data", d => {
            stdout += d;
        });
        child.stderr.on("data", d => {
            stderr += d;
        });
        const limit = opts.timeoutMs ?? 300_000;
        const timer = setTimeout(() => {
            stderr += `\n[killed after ${limit} ms]`;
            child.kill("SIGTERM");
            setTimeout(() => child.kill("SIGKILL"), 5_000).unref();
        }, limit);
        child.on("error", e => {
            clearTimeout(timer);
            reject(e);
        });
        child.on("close", code => {
            clearTimeout(timer);
            resolve({ code, stdout, stderr, ms: Date.now() - t0 });
        });
        // A child that exits before reading its (empty) stdin makes the write fail with EPIPE: not an error here.
        child.stdin.on("error", () => undefined);
        child.stdin.end(opts.input ?? "");
    });
}

/** Runs and throws with the command's output when it exits non-zero. */
export async function runOk(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
    const r = await run(cmd, args, opts);
    if (r.code !== 0) {
        throw new Error(`${cmd} ${args.join(" ")} exited ${r.code}\n--- stdout\n${tail(r.stdout)}\n--- stderr\n${tail(r.stderr)}`);
    }
    return r;
}

export function tail(text: string, lines = 60): string {
    return text.split("\n").slice(-lines).join("\n");
}

/** Polls `probe` until it returns a value other than undefined, or throws after `timeoutMs` with the last state. */
export async function eventually<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
        try {
            const v = await probe();
            if (v !== undefined) return v;
        } catch (e) {
            last = e;
        }
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last}` : ""}`);
        await new Promise(r => setTimeout(r, 500));
    }
}

/** Step timings, printed at the end of the run and appended to $KUBECACHE_E2E_TIMINGS when set. */
export const timings: { step: string; ms: number }[] = [];
export function timed(step: string, ms: number): void {
    timings.push({ step, ms });
}

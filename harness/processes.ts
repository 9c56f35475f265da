/** Loopback server processes for tests: started detached, tracked by PID, always stopped. */
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export function tempDir(prefix: string): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), `kubecache-${prefix}-`));
}

export class ProcessGroup {
    private readonly children: ChildProcess[] = [];

    /**
     * Starts `command` in a process group of its own with output appended to `logFile`, so that
     * stopping it also stops whatever it started (the Sentinel agent's background streams).
     */
    start(command: string, args: string[], env: Record<string, string>, logFile: string): ChildProcess {
        const log = fs.openSync(logFile, "a");
        const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["ignore", log, log], detached: true });
        fs.closeSync(log);
        this.children.push(child);
        return child;
    }

    /** SIGKILLs the group of one child started here. */
    stop(child: ChildProcess): void {
        if (child.pid) {
            try {
                process.kill(-child.pid, "SIGKILL");
            } catch {
                /* already gone */
            }
        }
    }

    stopAll(): void {
        for (const c of this.children) this.stop(c);
        this.children.length = 0;
    }
}

export function commandExists(name: string): boolean {
    try {
        execFileSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" });
        return true;
    } catch {
        return false;
    }
}

/**
 * Skips the running test, or the whole suite from a `before` hook, with the reason printed and recorded for the
 * reporter (a required tier turns the skip into a failure). The one way a spec skips.
 */
export function skipBecause(ctx: Mocha.Context, reason: string): never {
    ctx.test!.parent!.ctx.skipReason = reason;
    (ctx.test as unknown as { skipReason: string }).skipReason = reason;
    console.log(`      skipped: ${reason}`);
    ctx.skip();
}

/** Skips (see {@link skipBecause}) unless every command is installed. */
export function skipUnlessInstalled(ctx: Mocha.Context, commands: string[]): void {
    const missing = commands.filter(x => !commandExists(x));
    if (missing.length) skipBecause(ctx, `${missing.join(", ")} not installed (run scripts/setup.sh)`);
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise(r => setTimeout(r, ms));

/** Polls `probe` every `intervalMs` until it returns true or `timeoutMs` passes; returns whether it did. */
export async function waitFor(probe: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 100): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        try {
            if (await probe()) return true;
        } catch {
            /* not yet */
        }
        await sleep(intervalMs);
    }
    return false;
}

/** `redis-cli` against 127.0.0.1:port with the password passed through REDISCLI_AUTH. */
export function redisCli(port: number, password: string | undefined, ...args: string[]): string {
    return execFileSync("redis-cli", ["-h", "127.0.0.1", "-p", String(port), ...args], {
        env: { ...process.env, ...(password ? { REDISCLI_AUTH: password } : {}) },
        timeout: 5000,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
    }).trim();
}

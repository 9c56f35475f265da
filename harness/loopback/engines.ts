/**
 * The two server engines the loopback specs run, each the way its image presents it to the components' scripts:
 * `redis` is Debian's redis-server/redis-sentinel/redis-cli on the PATH; `valkey` is Valkey built from Debian
 * trixie's source (scripts/toolchain/valkey.sh, run by scripts/setup.sh) on a PATH where no `redis-*` name
 * exists, as in the Valkey images (the scripts must find `valkey-server`, `valkey-sentinel` and `valkey-cli`
 * themselves). The harness's own clients (redis-cli, RespClient) speak to either.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { commandExists, skipBecause } from "../processes";

export type LoopbackEngine = "redis" | "valkey";
export const LOOPBACK_ENGINES: readonly LoopbackEngine[] = ["redis", "valkey"];

const CACHE_BIN = path.join(process.env.KUBECACHE_CACHE ?? path.join(os.homedir(), ".cache", "kubecache"), "bin");
const VALKEY_BINARIES = ["valkey-server", "valkey-sentinel", "valkey-cli"];
const REDIS_BINARIES = ["redis-server", "redis-sentinel", "redis-cli"];

/** Why the engine cannot run here, or undefined. */
export function engineMissing(engine: LoopbackEngine): string | undefined {
    if (engine === "redis") {
        const missing = REDIS_BINARIES.filter(b => !commandExists(b));
        return missing.length ? `${missing.join(", ")} not installed (run scripts/setup.sh)` : undefined;
    }
    const missing = VALKEY_BINARIES.filter(b => !fs.existsSync(path.join(CACHE_BIN, b)));
    return missing.length
        ? `${missing.join(", ")} not built in ${CACHE_BIN} (scripts/setup.sh runs scripts/toolchain/valkey.sh)`
        : undefined;
}

let valkeyPath: string | undefined;

/**
 * The PATH of the engine's processes: for Valkey one folder of this process with a link to every program on the
 * usual PATH except the `redis-*` ones, plus Valkey's, so a script that looks for `redis-server` first falls back
 * to `valkey-server` as it does in the image. Undefined for Redis (the inherited PATH).
 */
export function enginePath(engine: LoopbackEngine): string | undefined {
    if (engine === "redis") return undefined;
    if (valkeyPath) return valkeyPath;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubecache-valkey-path-"));
    const link = (target: string, name: string) => {
        const at = path.join(dir, name);
        if (!fs.existsSync(at)) fs.symlinkSync(target, at);
    };
    for (const b of VALKEY_BINARIES) link(path.join(CACHE_BIN, b), b);
    for (const d of (process.env.PATH ?? "/usr/bin:/bin").split(":")) {
        if (!d || d === CACHE_BIN || !fs.existsSync(d)) continue;
        for (const name of fs.readdirSync(d)) if (!/^redis-/.test(name)) link(path.join(d, name), name);
    }
    process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
    valkeyPath = dir;
    return dir;
}

/** Environment for the engine's processes (merged over the test's own). */
export function engineEnv(engine: LoopbackEngine): Record<string, string> {
    const p = enginePath(engine);
    return p ? { PATH: p } : {};
}

/** Loopback port blocks of one engine's run of a spec do not overlap the other's. */
export function enginePortOffset(engine: LoopbackEngine): number {
    return engine === "redis" ? 0 : 1000;
}

/**
 * In a `before` hook: skips the suite, with the reason printed and recorded for the reporter (a required tier
 * turns it into a failure), unless the engine and every other command are here.
 */
export function skipUnlessEngine(ctx: Mocha.Context, engine: LoopbackEngine, others: string[] = []): void {
    const missing = [
        engineMissing(engine),
        ...others.filter(c => !commandExists(c)).map(c => `${c} not installed (run scripts/setup.sh)`),
    ].filter(Boolean);
    if (missing.length) skipBecause(ctx, missing.join("; "));
}

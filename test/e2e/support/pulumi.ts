// The built Pulumi CLI against a DIY file backend in a temporary folder: no service, no downloads.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { BIN, CACHE, ROOT, run, RunResult, tail } from "./exec";

export const PASSPHRASE = "kubecache-e2e-passphrase";

export function pulumiEnv(backendDir: string): NodeJS.ProcessEnv {
    return {
        ...process.env,
        // The CLI, our language host and Node 22 from the devDependency come first.
        PATH: `${BIN}:${path.join(ROOT, "node_modules", ".bin")}:${process.env.PATH}`,
        PULUMI_HOME: path.join(CACHE, "pulumi-home"),
        // Same as `pulumi login file://<dir>`, without writing the login into the shared PULUMI_HOME.
        PULUMI_BACKEND_URL: `file://${backendDir}`,
        PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_DISABLE_REGISTRY_RESOLVE: "true",
        PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true",
        PULUMI_SKIP_CONFIRMATIONS: "true",
        // The engine runs at most GOMAXPROCS × 4 steps at once (8 here), and every awaited Deployment, StatefulSet
        // and Service holds its slot until it is ready: with ~40 objects that serialized half the up.
        PULUMI_PARALLEL: process.env.PULUMI_PARALLEL ?? "64",
        PULUMI_EXPERIMENTAL: "",
        // The program's own tsc run belongs to `npm test`; the engine tier transpiles only.
        PULUMI_NODEJS_TRANSPILE_ONLY: "true",
        NO_COLOR: "1",
    };
}

export class Stack {
    readonly backendDir: string;
    readonly env: NodeJS.ProcessEnv;

    constructor(
        readonly projectDir: string,
        readonly name: string,
    ) {
        this.backendDir = fs.mkdtempSync(path.join(os.tmpdir(), "kubecache-state-"));
        this.env = pulumiEnv(this.backendDir);
    }

    cli(args: string[], timeoutMs = 600_000): Promise<RunResult> {
        return run(path.join(BIN, "pulumi"), [...args, "--non-interactive", "--cwd", this.projectDir], {
            env: this.env,
            timeoutMs,
            cwd: this.projectDir,
        });
    }

    async ok(args: string[], timeoutMs?: number): Promise<RunResult> {
        const r = await this.cli(args, timeoutMs);
        if (r.code !== 0) {
            throw new Error(`pulumi ${args.join(" ")} exited ${r.code}\n--- stdout\n${tail(r.stdout)}\n--- stderr\n${tail(r.stderr)}`);
        }
        return r;
    }

    async init(): Promise<void> {
        await this.ok(["stack", "init", this.name, "--secrets-provider", "passphrase"]);
    }

    async setConfig(values: Record<string, string | number | boolean>, secrets: Record<string, string> = {}): Promise<void> {
        for (const [k, v] of Object.entries(values)) await this.ok(["config", "set", "--stack", this.name, k, String(v)]);
        for (const [k, v] of Object.entries(secrets)) await this.ok(["config", "set", "--stack", this.name, "--secret", k, v]);
    }

    up(extra: string[] = []): Promise<RunResult> {
        return this.cli(["up", "--yes", "--skip-preview", "--stack", this.name, "--diff=false", ...extra]);
    }

    preview(extra: string[] = []): Promise<RunResult> {
        return this.cli(["preview", "--stack", this.name, ...extra]);
    }

    destroy(): Promise<RunResult> {
        return this.cli(["destroy", "--yes", "--skip-preview", "--stack", this.name]);
    }

    async outputs(): Promise<Record<string, any>> {
        const r = await this.ok(["stack", "output", "--stack", this.name, "--json"]);
        return JSON.parse(r.stdout);
    }

    /** The stack's checkpoint as the file backend stores it. */
    stateFiles(): string[] {
        const found: string[] = [];
        const walk = (d: string) => {
            for (const e of fs.readdirSync(d, { withFileTypes: true })) {
                const p = path.join(d, e.name);
                if (e.isDirectory()) walk(p);
                else if (/\.json(\.gz)?$|\.bak$/.test(e.name)) found.push(p);
            }
        };
        walk(this.backendDir);
        return found;
    }

    async remove(): Promise<void> {
        await this.cli(["stack", "rm", "--yes", "--force", "--stack", this.name], 120_000);
        fs.rmSync(this.backendDir, { recursive: true, force: true });
    }
}

/** Resource counts from `pulumi up`'s summary, e.g. { create: 12, same: 3 } for "+ 12 created / 3 unchanged". */
export function changeSummary(output: string): Record<string, number> {
    const counts: Record<string, number> = {};
    const re = /^\s*[+~-]*\s*(\d+)\s+(created|updated|deleted|unchanged|replaced|to create|to update|to delete)/gm;
    for (let m = re.exec(output); m; m = re.exec(output)) counts[m[2]] = Number(m[1]);
    return counts;
}

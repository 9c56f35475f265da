// The Memcached operator built from operator/ and run out of cluster: kwok runs no containers, so the manager
// Deployment the stack installs is only a Ready shell, and this process does the reconciling.
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { BIN, ROOT, run } from "./exec";

export interface OperatorBuild {
    binary: string;
    ms: number;
}

/** Builds the manager (warm: seconds), or returns why it cannot. */
export async function buildOperator(): Promise<OperatorBuild | string> {
    const dir = path.join(ROOT, "operator");
    if (!fs.existsSync(path.join(dir, "cmd", "main.go"))) return "operator/cmd/main.go not present yet";
    const binary = path.join(BIN, "kubecache-memcached-manager");
    const r = await run("go", ["build", "-o", binary, "./cmd"], { cwd: dir, timeoutMs: 900_000 });
    if (r.code !== 0) throw new Error(`go build ./cmd in operator/ failed:\n${r.stderr}`);
    return { binary, ms: r.ms };
}

export class OperatorProcess {
    private child?: ChildProcess;
    readonly log: string[] = [];

    constructor(binary: string, kubeconfig: string) {
        // Metrics and probes off: nothing scrapes them here, and fixed ports could clash with other runs.
        this.child = spawn(binary, ["--metrics-bind-address=0", "--health-probe-bind-address=0"], {
            env: { ...process.env, KUBECONFIG: kubeconfig },
            stdio: ["ignore", "pipe", "pipe"],
        });
        const keep = (d: Buffer) => {
            this.log.push(d.toString());
            if (this.log.length > 200) this.log.shift();
        };
        this.child.stdout!.on("data", keep);
        this.child.stderr!.on("data", keep);
    }

    stop(): void {
        if (this.child && this.child.exitCode === null) this.child.kill("SIGTERM");
        this.child = undefined;
    }
}

// The local control plane (scripts/local-cluster) and kubectl against it.
import * as fs from "fs";
import * as path from "path";
import { BIN, ROOT, run, runOk } from "./exec";

export interface LocalCluster {
    kubeconfig: string;
    dir: string;
    /** Seconds from launch to Ready nodes. */
    startMs: number;
}

const SCRIPT = path.join(ROOT, "scripts", "local-cluster");
/** kube.sh's kubectl matches the API server's version; the one on PATH is the fallback. */
export const KUBECTL = fs.existsSync(path.join(BIN, "kubectl")) ? path.join(BIN, "kubectl") : "kubectl";

/** Why the tier cannot run here, or undefined when every binary it needs is built. */
export async function missingToolchain(): Promise<string | undefined> {
    const kube = ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"].filter(b => !fs.existsSync(path.join(BIN, b)));
    if (kube.length) return `${kube.join(", ")} not built in ${BIN} (scripts/toolchain/kube.sh)`;
    const check = await run("bash", [path.join(ROOT, "scripts", "toolchain", "pulumi.sh"), "--check", "core"]);
    if (check.code !== 0) return `the Pulumi toolchain is not built in ${BIN} (scripts/toolchain/pulumi.sh)`;
    // etcd is part of the cached control plane (kube.sh builds it from the module proxy), not a system package.
    if (!fs.existsSync(path.join(BIN, "etcd"))) return `etcd not built in ${BIN} (scripts/toolchain/kube.sh)`;
    const kubectl = await run("bash", ["-c", `command -v ${KUBECTL}`]);
    if (kubectl.code !== 0) return "kubectl not installed";
    return undefined;
}

/** `real`: kubelet + containerd nodes running real containers (`local-cluster start --real`) instead of kwok. */
export async function startCluster(nodes = 2, real = false): Promise<LocalCluster> {
    const r = await runOk("bash", [SCRIPT, "start", "--nodes", String(nodes), ...(real ? ["--real"] : [])], {
        timeoutMs: real ? 420_000 : 240_000,
    });
    const kubeconfig = r.stdout.trim().split("\n").pop()!;
    return { kubeconfig, dir: path.dirname(kubeconfig), startMs: r.ms };
}

export async function stopCluster(c: LocalCluster): Promise<string> {
    const r = await run("bash", [SCRIPT, "stop", c.dir], { timeoutMs: 180_000 });
    return r.stderr;
}

export class Kubectl {
    constructor(readonly kubeconfig: string) {}

    run(args: string[], input?: string, timeoutMs = 120_000) {
        return run(KUBECTL, ["--kubeconfig", this.kubeconfig, ...args], { input, timeoutMs });
    }

    async ok(args: string[], input?: string, timeoutMs?: number): Promise<string> {
        const r = await this.run(args, input, timeoutMs);
        if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr.trim()}`);
        return r.stdout;
    }

    /** The object as JSON, or undefined when it does not exist. */
    async get(kind: string, name: string, namespace?: string): Promise<any | undefined> {
        const r = await this.run(["get", kind, name, "-o", "json", ...(namespace ? ["-n", namespace] : [])]);
        if (r.code !== 0) {
            if (/NotFound|not found/.test(r.stderr)) return undefined;
            throw new Error(`kubectl get ${kind} ${name}: ${r.stderr.trim()}`);
        }
        return JSON.parse(r.stdout);
    }

    async list(kind: string, namespace?: string, selector?: string): Promise<any[]> {
        const args = ["get", kind, "-o", "json", ...(namespace ? ["-n", namespace] : ["-A"]), ...(selector ? ["-l", selector] : [])];
        return JSON.parse(await this.ok(args)).items;
    }
}

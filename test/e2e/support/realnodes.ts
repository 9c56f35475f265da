// What the real-pods tier needs beyond the engine tier: the node toolchain and locally built images, the host
// side of the containers (their processes, CRI sandboxes), and the local cluster's leak counters.
import * as fs from "fs";
import * as path from "path";
import { BIN, CACHE, ROOT, run, runOk } from "./exec";

const SCRIPTS = path.join(ROOT, "scripts");

/** The digest-pinned images scripts/images.sh pushed to the local registry, keyed pause, redis, haproxy, ... */
export function localImages(): Record<string, string> {
    const file = path.join(CACHE, "images", "images.env");
    const out: Record<string, string> = {};
    if (!fs.existsSync(file)) return out;
    for (const line of fs.readFileSync(file, "utf8").split("\n")) {
        const m = /^KUBECACHE_IMAGE_([A-Z]+)=(.+)$/.exec(line.trim());
        if (m) out[m[1].toLowerCase()] = m[2];
    }
    return out;
}

/** Why real nodes cannot start here, or undefined. */
export async function missingRealNodes(): Promise<string | undefined> {
    if (process.getuid?.() !== 0) return "real nodes need root (bridges, iptables, cgroups, mounts)";
    const node = await run("bash", [path.join(SCRIPTS, "toolchain", "node.sh"), "--check"]);
    if (node.code !== 0) return `kubelet/kube-proxy/containerd/coredns/crane/crictl are not built in ${BIN} (scripts/toolchain/node.sh)`;
    const images = await run("bash", [path.join(SCRIPTS, "images.sh"), "--check"], { timeoutMs: 60_000 });
    if (images.code !== 0) return "the local images are not built or not in the registry (scripts/images.sh)";
    return undefined;
}

/** Host PIDs of a container's processes, found through the cgroup paths that carry its ID; `comm` names the ones wanted. */
export function containerPids(containerId: string, comm?: string | string[]): number[] {
    const comms = comm === undefined ? undefined : [comm].flat();
    const id = containerId.replace(/^\w+:\/\//, "");
    const pids: number[] = [];
    for (const e of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(e)) continue;
        try {
            if (!fs.readFileSync(`/proc/${e}/cgroup`, "utf8").includes(id)) continue;
            if (comms && !comms.includes(fs.readFileSync(`/proc/${e}/comm`, "utf8").trim())) continue;
            pids.push(Number(e));
        } catch {
            /* the process ended while we looked */
        }
    }
    return pids;
}

/** Every CRI sandbox on every node of the cluster (any state), as namespace/name. */
export async function criSandboxes(clusterDir: string): Promise<{ node: string; namespace: string; name: string; state: string }[]> {
    const out = [];
    for (const node of fs.readdirSync(clusterDir).filter(d => d.startsWith("kc-node-"))) {
        const sock = path.join(clusterDir, node, "containerd", "containerd.sock");
        const r = await runOk(path.join(BIN, "crictl"), ["--runtime-endpoint", `unix://${sock}`, "pods", "-o", "json"]);
        for (const p of JSON.parse(r.stdout).items ?? []) {
            out.push({ node, namespace: p.metadata.namespace, name: p.metadata.name, state: p.state });
        }
    }
    return out;
}

/** Every CRI container on every node (any state), with its pod's namespace. */
export async function criContainers(
    clusterDir: string,
): Promise<{ node: string; namespace: string; pod: string; name: string; state: string }[]> {
    const out = [];
    for (const node of fs.readdirSync(clusterDir).filter(d => d.startsWith("kc-node-"))) {
        const sock = path.join(clusterDir, node, "containerd", "containerd.sock");
        const r = await runOk(path.join(BIN, "crictl"), ["--runtime-endpoint", `unix://${sock}`, "ps", "-a", "-o", "json"]);
        for (const c of JSON.parse(r.stdout).containers ?? []) {
            out.push({
                node,
                namespace: c.labels?.["io.kubernetes.pod.namespace"],
                pod: c.labels?.["io.kubernetes.pod.name"],
                name: c.metadata.name,
                state: c.state,
            });
        }
    }
    return out;
}

/** Packets the default interface sent to (or from) the pod and Service ranges, per counting rule. */
export async function leaks(clusterDir: string): Promise<{ packets: number; what: string }[]> {
    const r = await runOk("bash", [path.join(SCRIPTS, "local-cluster"), "leaks", clusterDir]);
    return r.stdout
        .trim()
        .split("\n")
        .filter(Boolean)
        .map(l => {
            const [n, ...rest] = l.split(" ");
            return { packets: Number(n), what: rest.join(" ") };
        });
}

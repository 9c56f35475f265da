// Failover of RedisSentinel on real pods, measured the way bench/redis-failover measures it on loopback: a client
// keeps writing `SET` + `WAIT 1 200` through the ClusterIP endpoint (host → kube-proxy → HAProxy pod → master),
// the master is taken away (pod deleted with --grace-period=0 --force, or its redis-server SIGKILLed from the
// host), and the run records the time until a fresh connection through the same endpoint completes a SET while
// the sentinels name a new master, and how many WAIT-acknowledged writes from before the fault are missing
// afterwards. The old master must rejoin as a replica before the next run. (A deleted pod's redis-server gets
// SIGTERM and takes writes for a moment while it shuts down; those writes do not count as the failover's first.)
import { ChildProcess, spawn } from "child_process";
import { RespClient } from "../../../harness/loopback/resp";
import { AckedWriter, refusedWithin } from "../../../harness/loopback/writer";
import { KUBECTL, Kubectl } from "./cluster";
import { containerPids } from "./realnodes";
import { sleep } from "../../../harness/processes";

export type Fault = "pod-delete" | "process-kill";

export interface FailoverRun {
    fault: Fault;
    ms: number;
    acked: number;
    lost: number;
    from: string;
    to: string;
}

export interface SentinelTarget {
    kubectl: Kubectl;
    namespace: string;
    /** RedisSentinel's name: Services `<name>` and `<name>-sentinel`, StatefulSet `<name>-node`. */
    name: string;
    password: string;
    masterName?: string;
    dataPods: number;
}

async function waitFor(what: string, ms: number, probe: () => Promise<boolean>, every = 200): Promise<void> {
    const deadline = Date.now() + ms;
    let last: unknown;
    for (;;) {
        try {
            if (await probe()) return;
        } catch (e) {
            last = e;
        }
        if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${last}` : ""}`);
        await sleep(every);
    }
}

/**
 * A Service's ClusterIP, asked once: it never changes while the Service exists, and the failover loops ask for it
 * every 50 ms, where a `kubectl` process each time would take CPU from the pods whose failover is being timed.
 */
const clusterIPs = new Map<string, string>();
async function clusterIP(t: SentinelTarget, svc: string): Promise<string> {
    const key = `${t.kubectl.kubeconfig}/${t.namespace}/${svc}`;
    let ip = clusterIPs.get(key);
    if (!ip) {
        ip = (await t.kubectl.get("service", svc, t.namespace)).spec.clusterIP as string;
        clusterIPs.set(key, ip);
    }
    return ip;
}

/** The IP of each running pod of the target, in one `kubectl` call. */
async function podIPs(t: SentinelTarget): Promise<Map<string, string>> {
    const pods = await t.kubectl.list("pods", t.namespace, `app.kubernetes.io/instance=${t.name}`);
    return new Map(pods.filter(p => p.status?.podIP && p.status.phase === "Running").map(p => [p.metadata.name, p.status.podIP]));
}

/** The data pod the sentinel at `host` names master. */
async function askSentinel(t: SentinelTarget, host: string): Promise<string> {
    const c = await RespClient.connect(26379, host, 1000);
    try {
        await c.ok(["AUTH", t.password], 1000);
        const r = (await c.ok(["SENTINEL", "get-master-addr-by-name", t.masterName ?? "mymaster"], 1000)) as string[];
        return r[0].split(".")[0];
    } finally {
        c.close();
    }
}

/** The data pod the sentinels name master (asked through the `<name>-sentinel` ClusterIP). */
export async function sentinelMaster(t: SentinelTarget): Promise<string> {
    return askSentinel(t, await clusterIP(t, `${t.name}-sentinel`));
}

/**
 * The data pod a majority of the sentinels name master, asking each sentinel pod (`ips`) directly: through the
 * Service each question goes to any one sentinel, and while a failover propagates they disagree for a second, so
 * a poll would see the master flip back and forth.
 */
async function majorityMaster(t: SentinelTarget, ips: string[]): Promise<string | undefined> {
    const named = await Promise.all(ips.map(ip => askSentinel(t, ip).catch(() => undefined)));
    const counts = new Map<string, number>();
    for (const n of named) if (n) counts.set(n, (counts.get(n) ?? 0) + 1);
    return [...counts].find(([, k]) => k > ips.length / 2)?.[0];
}

async function info(t: SentinelTarget, pod: string, ips?: Map<string, string>): Promise<Record<string, string>> {
    const ip = (ips ?? (await podIPs(t))).get(pod);
    if (!ip) throw new Error(`${pod} has no IP`);
    const c = await RespClient.connect(6379, ip, 1000);
    try {
        await c.ok(["AUTH", t.password]);
        const text = String(await c.ok(["INFO", "replication"]));
        return Object.fromEntries(
            text
                .split("\r\n")
                .filter(l => l.includes(":"))
                .map(l => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1)]),
        );
    } finally {
        c.close();
    }
}

/** Sentinels agree on a master that has every other data pod linked and in sync. */
export async function steady(t: SentinelTarget, ms = 180_000): Promise<string> {
    let master = "";
    await waitFor(
        "a master with every replica linked",
        ms,
        async () => {
            master = await sentinelMaster(t);
            const ips = await podIPs(t);
            const m = await info(t, master, ips);
            if (m.role !== "master" || Number(m.connected_slaves) !== t.dataPods - 1) return false;
            for (let i = 0; i < t.dataPods; i++) {
                const pod = `${t.name}-node-${i}`;
                if (pod === master) continue;
                const r = await info(t, pod, ips);
                if (r.role !== "slave" || r.master_link_status !== "up" || !r.master_host?.startsWith(`${master}.`)) return false;
            }
            return true;
        },
        500,
    );
    return master;
}

/** Writes `WAIT 1`-acknowledged keys through the endpoint until stopped or the connection dies. */
function ackedWriter(host: string, password: string, prefix: string) {
    const acked: string[] = [];
    let running = true;
    const done = (async () => {
        let c: RespClient | undefined;
        try {
            c = await RespClient.connect(6379, host);
            await c.ok(["AUTH", password]);
            for (let i = 0; running && i < 1_000_000; i++) {
                await c.ok(["SET", `${prefix}:${i}`, String(i)]);
                if (Number(await c.ok(["WAIT", 1, 200], 1000)) >= 1) acked.push(`${prefix}:${i}`);
            }
        } catch {
            /* the master went away under the writer */
        } finally {
            c?.close();
        }
    })();
    return {
        acked,
        stop: async () => {
            running = false;
            await done;
        },
    };
}

async function writeOnce(host: string, password: string, key: string): Promise<void> {
    const c = await RespClient.connect(6379, host, 500);
    try {
        await c.ok(["AUTH", password], 500);
        await c.ok(["SET", key, "v"], 500);
    } finally {
        c.close();
    }
}

async function fault(t: SentinelTarget, kind: Fault, pod: string): Promise<void> {
    if (kind === "pod-delete") {
        const r = await t.kubectl.run(["delete", "pod", pod, "-n", t.namespace, "--grace-period=0", "--force", "--wait=false"]);
        if (r.code !== 0) throw new Error(`kubectl delete pod ${pod}: ${r.stderr}`);
        return;
    }
    // SIGKILL from the host: inside the container redis-server is PID 1, which ignores signals sent from its own
    // PID namespace.
    const p = await t.kubectl.get("pod", pod, t.namespace);
    const id = p.status.containerStatuses.find((c: any) => c.name === "redis").containerID;
    const pids = containerPids(id, ["redis-server", "valkey-server"]);
    if (pids.length !== 1)
        throw new Error(`${pod}: expected one redis-server or valkey-server process in container ${id}, found ${pids.length}`);
    process.kill(pids[0], "SIGKILL");
}

export async function oneFailover(t: SentinelTarget, kind: Fault, run: number, boundMs = 60_000): Promise<FailoverRun> {
    const endpoint = await clusterIP(t, t.name);
    const from = await steady(t);
    const writer = ackedWriter(endpoint, t.password, `${kind}${run}`);
    await sleep(500);
    const t0 = Date.now();
    await fault(t, kind, from);
    await writer.stop();
    await waitFor(
        `a write through ${endpoint}:6379 to a new master`,
        boundMs,
        async () => {
            await writeOnce(endpoint, t.password, `after-${kind}${run}`);
            return (await sentinelMaster(t)) !== from;
        },
        50,
    );
    const ms = Date.now() - t0;
    const c = await RespClient.connect(6379, endpoint);
    let lost = 0;
    try {
        await c.ok(["AUTH", t.password]);
        const keys = writer.acked.length ? writer.acked : ["-"];
        const values = (await c.ok(["MGET", ...keys])) as (string | null)[];
        lost = writer.acked.filter((_k, i) => values[i] === null).length;
    } finally {
        c.close();
    }
    const to = await sentinelMaster(t);
    // The old master (its pod re-created, or its container restarted) must come back as a replica of the new one.
    await waitFor(
        `${from} to rejoin as a replica`,
        180_000,
        async () => {
            const r = await info(t, from);
            return r.role === "slave" && r.master_link_status === "up";
        },
        500,
    );
    await steady(t);
    await sleep(1500);
    return { fault: kind, ms, acked: writer.acked.length, lost, from, to };
}

export function summary(runs: FailoverRun[]): string {
    const rows = (["pod-delete", "process-kill"] as Fault[])
        .map(kind => {
            const rs = runs.filter(r => r.fault === kind);
            if (!rs.length) return undefined;
            const s = rs.map(r => r.ms).sort((a, b) => a - b);
            const mid = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
            const lost = rs.reduce((a, r) => a + r.lost, 0),
                acked = rs.reduce((a, r) => a + r.acked, 0);
            return `| ${kind} | ${rs.length} | ${(mid / 1000).toFixed(2)} | ${(s[0] / 1000).toFixed(2)} | ${(s[s.length - 1] / 1000).toFixed(2)} | ${lost} of ${acked} |`;
        })
        .filter(Boolean);
    return ["| fault | failovers | median s | min s | max s | WAIT-acked writes lost |", "|---|---|---|---|---|---|", ...rows].join("\n");
}

export interface HandoverRound {
    /** Longest stretch without a successful write through the endpoint during the whole round (ms). */
    refusedMs: number;
    /** Sum of every stretch of 100 ms or more without a successful write during the round (ms). */
    refusedTotalMs: number;
    /**
     * Per hand-over (as its preStop logged it), the refused time from `writes paused` until 300 ms after
     * `handed over` (ms): what the hand-over itself cost, apart from the gaps around replicas restarting.
     */
    handoverRefusedMs: number[];
    /** Master hand-overs the round caused (sentinel-named master changes). */
    handovers: number;
    acked: number;
    lost: number;
    /**
     * What explains the gaps: the write gaps of 100 ms or more (ms after the restart began), each terminating
     * pod's preStop lines (read from its container log while it still exists) and HAProxy's log of the round.
     */
    diagnostics: string;
    /**
     * The lines of `diagnostics` that explain a master change, short enough to read at the end of a CI log: the
     * masters, the write gaps, every preStop line, the agents' decisions (not their stall reports), the sentinels'
     * failover events and Redis's role changes.
     */
    summary: string;
}

/** What a failure message keeps of a pod's log: decisions and role changes, not progress or noise. */
const DECISIVE =
    /prestop: |agent: (?!.*stalled for)|[+-](sdown|odown|switch-master|failover-\S+|promoted-slave|elected-leader|try-failover)\b|MASTER MODE|REPLICAOF|Connecting to (MASTER|PRIMARY)|FAILOVER|signal|shutdown/i;

/**
 * `kubectl logs -f` of every container of each pod it is given (once per pod UID), from `since`: a pod deleted
 * during a rollout takes its log with it, so the preStop's and the agents' lines are kept as they come.
 */
class LogFollower {
    private readonly seen = new Set<string>();
    private readonly logs: { name: string; out: string[]; p: ChildProcess }[] = [];

    constructor(
        private readonly t: SentinelTarget,
        private readonly since: string,
    ) {}

    pod(name: string, uid: string): void {
        if (this.seen.has(uid)) return;
        this.seen.add(uid);
        const args = ["--kubeconfig", this.t.kubectl.kubeconfig, "logs", "-f", name, "-n", this.t.namespace];
        const p = spawn(KUBECTL, [...args, "--all-containers", "--prefix", "--since-time", this.since], {
            stdio: ["ignore", "pipe", "ignore"],
        });
        const entry = { name: `${name} (${uid.slice(0, 8)})`, out: [] as string[], p };
        p.stdout?.on("data", (d: Buffer) => entry.out.push(d.toString()));
        this.logs.push(entry);
    }

    /**
     * Each hand-over's window, from the preStop's own lines: from `writes paused` to `handed over` (ms since
     * the epoch; the lines carry the time of day, UTC, of the day `t0` falls on).
     */
    handovers(t0: number): { pausedAt: number; doneAt: number }[] {
        const day = new Date(t0).toISOString().slice(0, 10);
        const at = (line: string) => Date.parse(`${day}T${/prestop: (\d\d:\d\d:\d\d\.\d{3})/.exec(line)![1]}Z`);
        const out: { pausedAt: number; doneAt: number }[] = [];
        for (const l of this.logs) {
            const lines = l.out.join("").split("\n");
            const paused = lines.filter(x => /prestop: \S+ writes paused/.test(x));
            const done = lines.filter(x => /prestop: \S+ handed over/.test(x));
            paused.forEach((p, i) => done[i] && out.push({ pausedAt: at(p), doneAt: at(done[i]) }));
        }
        return out.sort((a, b) => a.pausedAt - b.pausedAt);
    }

    /** Each pod's decisive lines (see DECISIVE), headed by its name. */
    decisive(): string {
        return this.logs
            .map(l => {
                const lines = l.out
                    .join("")
                    .split("\n")
                    .filter(x => DECISIVE.test(x));
                return lines.length ? `--- ${l.name}\n${lines.join("\n")}` : "";
            })
            .filter(Boolean)
            .join("\n");
    }

    /** Stops following; each pod's lines, without HAProxy's check noise. */
    stop(): string {
        // Everything but HAProxy's per-check lines (a failing check repeats every 100 ms) and Redis's banner.
        const drop = /Health check for|^\S+ (\[WARNING\]\s+\(1\) : )?Health check|oO0OoO0OoO0Oo|^\S+\s*$/;
        return this.logs
            .map(l => {
                l.p.kill();
                const lines = l.out
                    .join("")
                    .split("\n")
                    .filter(x => !drop.test(x));
                return lines.length ? `--- ${l.name}\n${lines.join("\n")}` : "";
            })
            .filter(Boolean)
            .join("\n");
    }
}

/** Stretches of at least `minMs` without a successful write, as "start+length" ms relative to `t0`. */
function gaps(spans: [number, number][], t0: number, t1: number, minMs = 100): string[] {
    return spans.filter(([a, b]) => b >= t0 && a <= t1 && b - a >= minMs).map(([a, b]) => `${a - t0}+${b - a}`);
}

/**
 * Planned failover on real pods: `kubectl rollout restart` of the data StatefulSet (the kubelet runs each pod's
 * preStop, whose hand-over moves the master away first), with a writer that reconnects like an application;
 * records the longest write gap, the master changes seen and WAIT-acknowledged writes missing afterwards.
 */
export async function rollingRestart(t: SentinelTarget, round: number, boundMs = 600_000): Promise<HandoverRound> {
    const endpoint = await clusterIP(t, t.name);
    await steady(t);
    const sts = `${t.name}-node`;
    const before = await t.kubectl.get("statefulset", sts, t.namespace);
    const generation = before.metadata.generation;
    const w = new AckedWriter({ host: endpoint, port: 6379, password: t.password, prefix: `rollout${round}` }).start();
    await sleep(1000);
    const t0 = Date.now();
    const masters = [await sentinelMaster(t)];
    // The data roll does not restart the sentinels: their pod IPs hold for the round.
    const sentinels = [...(await podIPs(t))].filter(([name]) => name.startsWith(`${t.name}-sentinel-`)).map(([, ip]) => ip);
    const r = await t.kubectl.run(["rollout", "restart", `statefulset/${sts}`, "-n", t.namespace]);
    if (r.code !== 0) throw new Error(`kubectl rollout restart: ${r.stderr}`);
    const since = new Date(t0 - 1000).toISOString();
    const follow = new LogFollower(t, since);
    // The master is asked every 200 ms (one RESP round trip); the API server once a second, since each `kubectl`
    // is a process whose CPU the pods being rolled would miss. A pod found a second late loses no log lines
    // (they are read from --since-time).
    let apiAsked = 0;
    await waitFor(
        `the rollout of ${sts}`,
        boundMs,
        async () => {
            const m = await majorityMaster(t, sentinels);
            if (m && m !== masters[masters.length - 1]) masters.push(m);
            if (Date.now() - apiAsked < 1000) return false;
            apiAsked = Date.now();
            for (const p of await t.kubectl.list("pods", t.namespace, `app.kubernetes.io/instance=${t.name}`))
                follow.pod(p.metadata.name, p.metadata.uid);
            const s = await t.kubectl.get("statefulset", sts, t.namespace);
            return (
                s.metadata.generation > generation &&
                s.status.observedGeneration >= s.metadata.generation &&
                s.status.updatedReplicas === t.dataPods &&
                s.status.readyReplicas === t.dataPods &&
                s.status.currentRevision === s.status.updateRevision
            );
        },
        200,
    );
    await steady(t);
    await sleep(1000);
    const t1 = Date.now();
    const refusedMs = w.longestGap(t0, t1);
    const refusedTotalMs = refusedWithin(w.spans(), t0, t1);
    await w.stop();
    const c = await RespClient.connect(6379, endpoint);
    let lost = 0;
    try {
        await c.ok(["AUTH", t.password]);
        for (let i = 0; i < w.acked.length; i += 1000) {
            const keys = w.acked.slice(i, i + 1000);
            const values = (await c.ok(["MGET", ...keys])) as (string | null)[];
            lost += values.filter(v => v === null).length;
        }
    } finally {
        c.close();
    }
    const handoverRefusedMs = follow.handovers(t0).map(h => refusedWithin(w.spans(), h.pausedAt, h.doneAt + 300));
    const head = [
        `masters: ${masters.join(" -> ")}`,
        `write gaps (ms after the restart at ${new Date(t0).toISOString()}: start+length): ${gaps(w.spans(), t0, t1).join(", ") || "none"}`,
    ].join("\n");
    const summary = `${follow.decisive()}\n${head}`;
    const diagnostics = `${head}\n${follow.stop()}`;
    return {
        refusedMs,
        refusedTotalMs,
        handoverRefusedMs,
        handovers: masters.length - 1,
        acked: w.acked.length,
        lost,
        diagnostics,
        summary,
    };
}

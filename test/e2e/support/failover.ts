// Failover of RedisSentinel on real pods, measured the way bench/redis-failover measures it on loopback: a client
// keeps writing `SET` + `WAIT 1 200` through the ClusterIP endpoint (host → kube-proxy → HAProxy pod → master),
// the master is taken away (pod deleted with --grace-period=0 --force, or its redis-server SIGKILLed from the
// host), and the run records the time until a fresh connection through the same endpoint completes a SET while
// the sentinels name a new master, and how many WAIT-acknowledged writes from before the fault are missing
// afterwards. The old master must rejoin as a replica before the next run. (A deleted pod's redis-server gets
// SIGTERM and takes writes for a moment while it shuts down; those writes do not count as the failover's first.)
import { RespClient } from "../../redis/loopback/resp";
import { AckedWriter, refusedTotal } from "../../redis/loopback/writer";
import { Kubectl } from "./cluster";
import { containerPids } from "./realnodes";

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

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

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

async function clusterIP(t: SentinelTarget, svc: string): Promise<string> {
    return (await t.kubectl.get("service", svc, t.namespace)).spec.clusterIP;
}

async function podIP(t: SentinelTarget, pod: string): Promise<string | undefined> {
    const p = await t.kubectl.get("pod", pod, t.namespace);
    return p?.status?.podIP && p.status.phase === "Running" ? p.status.podIP : undefined;
}

/** The data pod the sentinels name master (asked through the `<name>-sentinel` ClusterIP). */
export async function sentinelMaster(t: SentinelTarget): Promise<string> {
    const c = await RespClient.connect(26379, await clusterIP(t, `${t.name}-sentinel`), 1000);
    try {
        await c.ok(["AUTH", t.password]);
        const r = (await c.ok(["SENTINEL", "get-master-addr-by-name", t.masterName ?? "mymaster"])) as string[];
        return r[0].split(".")[0];
    } finally {
        c.close();
    }
}

async function info(t: SentinelTarget, pod: string): Promise<Record<string, string>> {
    const ip = await podIP(t, pod);
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
            const m = await info(t, master);
            if (m.role !== "master" || Number(m.connected_slaves) !== t.dataPods - 1) return false;
            for (let i = 0; i < t.dataPods; i++) {
                const pod = `${t.name}-node-${i}`;
                if (pod === master) continue;
                const r = await info(t, pod);
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
    const pids = containerPids(id, "redis-server");
    if (pids.length !== 1) throw new Error(`${pod}: expected one redis-server process in container ${id}, found ${pids.length}`);
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
    /** Master hand-overs the round caused (sentinel-named master changes). */
    handovers: number;
    acked: number;
    lost: number;
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
    const r = await t.kubectl.run(["rollout", "restart", `statefulset/${sts}`, "-n", t.namespace]);
    if (r.code !== 0) throw new Error(`kubectl rollout restart: ${r.stderr}`);
    await waitFor(
        `the rollout of ${sts}`,
        boundMs,
        async () => {
            const m = await sentinelMaster(t).catch(() => undefined);
            if (m && m !== masters[masters.length - 1]) masters.push(m);
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
    const refusedTotalMs = refusedTotal(w.okTimes, t0, t1);
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
    return { refusedMs, refusedTotalMs, handovers: masters.length - 1, acked: w.acked.length, lost };
}

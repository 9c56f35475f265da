/**
 * Runs the Sentinel topology from exactly the text RedisSentinel renders (redis.conf,
 * sentinel.conf, start scripts, the fencing agent, the preStop hand-over, haproxy.cfg): either on
 * 127.0.0.1 with distinct ports, or with every instance in a network namespace of its own on a
 * private bridge, so tests can cut links. Used by the loopback specs and by bench/redis-failover.
 * Every process is tracked and stopped; every wait is bounded.
 */
import { ChildProcess, execFile, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { RedisUserSpec, userPasswordEnv } from "../../components/redis/acl";
import { ResolvedSentinel, resolveSentinelArgs } from "../../components/redis/sentinel/args";
import { SentinelSite, renderSentinelFiles } from "../../components/redis/sentinel/files";
import { HostPort } from "../../components/redis/defaults";
import { SentinelTuning } from "../../components/redis/sentinel/conf";
import { ProcessGroup, tempDir, waitFor } from "../processes";
import { LoopbackEngine, engineEnv } from "./engines";
import { PrivateNet } from "./netns";
import { writePasswordFiles } from "./passwords";
import { RespClient, RespError, Target, once, replicationInfo } from "./resp";

export interface ClusterOptions {
    /** Loopback mode: first of a block of ~25 ports (nodes +1.., sentinels +11.., HAProxy +20..+22). */
    basePort: number;
    tuning: SentinelTuning;
    minReplicasMaxLag: number;
    password: string;
    nodes?: number;
    sentinels?: number;
    /** Every instance in its own network namespace (needs root), instead of ports on 127.0.0.1. */
    netns?: boolean;
    /** Start fencing agents next to the data nodes (default true). */
    agents?: boolean;
    /** Seconds without any sentinel before agents act alone (default: the component's). */
    orphanSeconds?: number;
    /** Data nodes keep an append-only file (`appendonly yes`), as with `persistence.enabled`. */
    persistence?: boolean;
    /** Application ACL users and their passwords. */
    users?: (RedisUserSpec & { password: string })[];
    /** Serve TLS only, with tls.crt, tls.key and ca.crt from this directory (see loopback/certs.ts). */
    tlsDir?: string;
    /** With `tlsDir`: `tls.clientAuth`, every port requires a client certificate from the CA. */
    tlsClientAuth?: boolean;
    /** The server engine the scripts find on their PATH, as in that engine's image (default `redis`). */
    engine?: LoopbackEngine;
    /** Seconds a rotated-out password is still accepted once every peer switched (default 4; the pods' is 120). */
    authGraceSeconds?: number;
    /**
     * A sentinel that stops by itself is started again, as the kubelet restarts a container (one killed through
     * `kill` stays down).
     */
    restartSentinels?: boolean;
}

export class SentinelCluster {
    readonly dir = tempDir("sentinel");
    readonly nodes: HostPort[];
    readonly sentinels: HostPort[];
    /** The write endpoint. */
    readonly proxy: HostPort;
    /** The read endpoint. */
    readonly readProxy: HostPort;
    readonly net?: PrivateNet;
    private readonly group = new ProcessGroup();
    /** Set by stop(): no restarts after it. */
    private stopped = false;
    /** Processes stopped on purpose through kill(): not restarted. */
    private readonly killed = new WeakSet<ChildProcess>();
    private readonly procs = new Map<string, ChildProcess>();
    /** The component's own resolution of the arguments a user would give for this set. */
    readonly resolved: ResolvedSentinel;
    /**
     * The engine each data node's next start runs (by ordinal; default the cluster's): a test rolls the set to another
     * engine by restarting nodes after changing theirs, as a changed image does to a pod.
     */
    readonly nodeEngines: (LoopbackEngine | undefined)[] = [];

    constructor(readonly o: ClusterOptions) {
        const n = o.nodes ?? 3;
        const s = o.sentinels ?? 3;
        this.resolved = resolveSentinelArgs("loopback", {
            replicas: n,
            sentinels: s,
            masterName: o.tuning.masterName,
            quorum: o.tuning.quorum,
            downAfterMilliseconds: o.tuning.downAfterMilliseconds,
            failoverTimeoutMilliseconds: o.tuning.failoverTimeoutMilliseconds,
            parallelSyncs: o.tuning.parallelSyncs,
            minReplicasMaxLagSeconds: o.minReplicasMaxLag,
            maxmemory: "64Mi",
            persistence: { enabled: o.persistence ?? false },
            users: (o.users ?? []).map(u => ({ name: u.name, rules: u.rules })),
            tls: o.tlsDir ? { enabled: true, secretName: "loopback-tls", clientAuth: o.tlsClientAuth } : undefined,
        });
        if (o.netns) {
            const net = new PrivateNet();
            this.net = net;
            try {
                this.nodes = Array.from({ length: n }, (_, i) => ({ host: net.addHost(`node${i}`, 11 + i), port: 6379 }));
                this.sentinels = Array.from({ length: s }, (_, i) => ({ host: net.addHost(`sentinel${i}`, 21 + i), port: 26379 }));
                const h = net.addHost("haproxy0", 31);
                this.proxy = { host: h, port: 6379 };
                this.readProxy = { host: h, port: 6380 };
            } catch (e) {
                net.destroy();
                throw e;
            }
        } else {
            this.nodes = Array.from({ length: n }, (_, i) => ({ host: "127.0.0.1", port: o.basePort + 1 + i }));
            this.sentinels = Array.from({ length: s }, (_, i) => ({ host: "127.0.0.1", port: o.basePort + 11 + i }));
            this.proxy = { host: "127.0.0.1", port: o.basePort + 20 };
            this.readProxy = { host: "127.0.0.1", port: o.basePort + 22 };
        }
        this.setPasswords(o.password);
    }

    /** The password files every instance reads, as the pods mount the Secrets (see {@link setPasswords}). */
    get authDir(): string {
        return path.join(this.dir, "auth");
    }

    /**
     * Writes the password files as the kubelet projects the Secrets (see {@link writePasswordFiles}).
     */
    setPasswords(password: string, users: { password: string }[] = this.o.users ?? []): void {
        writePasswordFiles(this.authDir, password, users);
    }

    /** HAProxy's Prometheus endpoint. */
    get metricsPort(): number {
        return this.net ? 9101 : this.o.basePort + 23;
    }

    /** Kept for callers that only know loopback ports. */
    get proxyPort(): number {
        return this.proxy.port;
    }

    private home(kind: string, i: number): string {
        const home = path.join(this.dir, `${kind}${i}`);
        fs.mkdirSync(path.join(home, "data"), { recursive: true });
        return home;
    }

    /**
     * The set as one instance sees it: the addresses of all, this instance's folder for its files, runtime copies,
     * data and agent state, its port and bind address. The files are the component's, rendered for this site.
     */
    private site(home: string, self: HostPort, kind: "node" | "sentinel" | "proxy"): SentinelSite {
        return {
            nodes: this.nodes,
            sentinels: this.sentinels,
            endpoint: this.proxy,
            confDir: home,
            runtimeDir: path.join(home, "run"),
            dataDir: path.join(home, "data"),
            stateDir: path.join(home, "agent"),
            localHost: "127.0.0.1",
            dataPort: kind === "node" ? self.port : this.nodes[0].port,
            sentinelPort: kind === "sentinel" ? self.port : this.sentinels[0].port,
            bind: this.bindFor(self),
            tlsDir: this.o.tlsDir,
            authDir: this.authDir,
            authGraceSeconds: this.o.authGraceSeconds ?? 4,
            probeTimeoutSeconds: 1,
            proxy: {
                dir: home,
                bind: this.net ? this.proxy.host : "127.0.0.1",
                port: this.proxy.port,
                readPort: this.readProxy.port,
                healthPort: this.net ? 8888 : this.o.basePort + 21,
                metricsPort: this.metricsPort,
                dnsResolvers: false,
            },
            peerWaitSeconds: 3,
            orphanSeconds: this.o.orphanSeconds,
        };
    }

    /** Writes one part's files of the component into an instance's folder. */
    private writeFiles(home: string, self: HostPort, kind: "node" | "sentinel" | "proxy"): void {
        const files = renderSentinelFiles(this.resolved, this.site(home, self, kind), true);
        for (const [name, text] of Object.entries(files[kind === "node" ? "data" : kind])) writeAtomically(path.join(home, name), text);
    }

    /** `bind` for an instance: its own address (and loopback, where the agent reaches it). */
    private bindFor(h: HostPort): string {
        return h.host === "127.0.0.1" ? "127.0.0.1" : `${h.host} 127.0.0.1`;
    }

    private env(name: string, ordinal: number): Record<string, string> {
        const env: Record<string, string> = {
            ...engineEnv((name.startsWith("node") ? this.nodeEngines[ordinal] : undefined) ?? this.o.engine ?? "redis"),
            HOSTNAME: `${name.replace(/[0-9]+$/, "")}-${ordinal}`,
            REDIS_PASSWORD: this.o.password,
            REDISCLI_AUTH: this.o.password,
            // Specs renew certificates and wait seconds for them, not the pods' 10 (and a 30 s stagger between
            // sentinels: here 5, still past the 2 s after which an agent reopens its stream to a restarted sentinel).
            KC_TLS_RELOAD_SECONDS: "1",
            KC_TLS_RESTART_STAGGER_SECONDS: "5",
        };
        (this.o.users ?? []).forEach((u, i) => {
            env[userPasswordEnv(i)] = u.password;
        });
        return env;
    }

    private spawn(name: string, home: string, file: string, ordinal: number, host: string): ChildProcess {
        const prefix = this.net ? this.net.exec(host) : [];
        const [cmd, ...args] = [...prefix, "sh", path.join(home, file)];
        return this.group.start(cmd, args, this.env(name, ordinal), path.join(home, file === "start.sh" ? "log" : `${file}.log`));
    }

    startNode(i: number, wipe = false): void {
        const home = this.home("node", i);
        if (wipe) {
            fs.rmSync(path.join(home, "data"), { recursive: true, force: true });
            fs.mkdirSync(path.join(home, "data"));
        }
        this.writeFiles(home, this.nodes[i], "node");
        this.procs.set(`node${i}`, this.spawn(`node${i}`, home, "start.sh", i, `node${i}`));
        if ((this.o.agents ?? true) && !this.running(`agent${i}`)) this.startAgent(i);
    }

    startAgent(i: number): void {
        const home = this.home("node", i);
        this.writeFiles(home, this.nodes[i], "node");
        this.procs.set(`agent${i}`, this.spawn(`node${i}`, home, "agent.sh", i, `node${i}`));
    }

    startSentinel(i: number): void {
        const home = this.home("sentinel", i);
        this.writeFiles(home, this.sentinels[i], "sentinel");
        const p = this.spawn(`sentinel${i}`, home, "start.sh", i, `sentinel${i}`);
        this.procs.set(`sentinel${i}`, p);
        if (this.o.restartSentinels) {
            p.on("exit", () => {
                if (!this.stopped && !this.killed.has(p)) setTimeout(() => !this.stopped && this.startSentinel(i), 200);
            });
        }
    }

    startProxy(): void {
        const home = path.join(this.dir, "haproxy");
        fs.mkdirSync(home, { recursive: true });
        this.writeFiles(home, this.proxy, "proxy");
        this.procs.set("haproxy0", this.spawn("haproxy0", home, "start.sh", 0, "haproxy0"));
    }

    /** Runs node i's preStop hook to completion, as the kubelet does before stopping the pod. */
    preStop(i: number): Promise<string> {
        const home = this.home("node", i);
        this.writeFiles(home, this.nodes[i], "node");
        const prefix = this.net ? this.net.exec(`node${i}`) : [];
        const [cmd, ...args] = [...prefix, "sh", path.join(home, "prestop.sh")];
        const budget = Number(/^KC_HANDOVER_BUDGET='(\d+)'$/m.exec(fs.readFileSync(path.join(home, "topology.env"), "utf8"))?.[1] ?? 30);
        return new Promise((resolve, reject) => {
            execFile(
                cmd,
                args,
                { env: { ...process.env, ...this.env(`node${i}`, i) }, timeout: (budget + 5) * 1000, encoding: "utf8" },
                (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stdout}${stderr}`)) : resolve(stdout + stderr)),
            );
        });
    }

    /** Starts everything: node 0 first (it must come up master), then the rest. */
    async start(): Promise<void> {
        this.startNode(0);
        // Its start script asks every sentinel and peer first (none runs yet): seconds on a loaded machine.
        if (!(await waitFor(async () => (await this.role(0)) === "master", 30000))) {
            const listening = spawnSync("ss", ["-Hltnp"], { encoding: "utf8" }).stdout ?? "";
            const ours = [...this.nodes, ...this.sentinels].map(n => `:${n.port} `);
            throw new Error(
                `node0 did not start in 30 s; its start script ${this.exitState("node0")}; its log:\n${this.log("node0")}\n` +
                    `listening on the set's ports:\n${
                        listening
                            .split("\n")
                            .filter(l => ours.some(p => l.includes(p)))
                            .join("\n") || "(none)"
                    }\n${spawnSync("df", ["-h", this.dir], { encoding: "utf8" }).stdout ?? ""}load average ${fs.readFileSync("/proc/loadavg", "utf8")}`,
            );
        }
        for (let i = 1; i < this.nodes.length; i++) this.startNode(i);
        const synced = await waitFor(
            async () => (await replicationInfo(this.nodes[0], this.o.password)).connected_slaves === String(this.nodes.length - 1),
            15000,
        );
        if (!synced) throw new Error("replicas did not connect to node0");
        for (let i = 0; i < this.sentinels.length; i++) this.startSentinel(i);
        this.startProxy();
        // Sentinels must know each other and every replica before a failover can be trusted.
        const aware = await waitFor(
            async () => {
                for (const s of this.sentinels) {
                    const m = (await once(s, this.o.password, ["SENTINEL", "MASTER", this.o.tuning.masterName])) as string[];
                    const f = (k: string) => m[m.indexOf(k) + 1];
                    if (Number(f("num-other-sentinels")) !== this.sentinels.length - 1 || Number(f("num-slaves")) !== this.nodes.length - 1)
                        return false;
                }
                return true;
            },
            30000,
            200,
        );
        if (!aware) throw new Error(`sentinels did not discover each other and the replicas\n${this.log("sentinel0")}`);
        if (!(await waitFor(() => this.writeThroughProxy("boot", "1").then(() => true), 15000))) {
            throw new Error(`endpoint never accepted a write\n${this.log("agent0")}\n${this.log("haproxy0")}`);
        }
    }

    /** How a process stands, for failure messages: running, or how it ended. */
    exitState(name: string): string {
        const p = this.procs.get(name);
        if (!p) return "was never started";
        if (p.exitCode === null && p.signalCode === null) return `is still running (pid ${p.pid})`;
        return `ended (${p.exitCode !== null ? `exit code ${p.exitCode}` : `signal ${p.signalCode}`})`;
    }

    running(name: string): boolean {
        const p = this.procs.get(name);
        return !!p && p.exitCode === null && p.signalCode === null;
    }

    kill(name: string, signal: NodeJS.Signals = "SIGKILL"): void {
        const p = this.procs.get(name);
        if (p) this.killed.add(p);
        if (p?.pid && p.exitCode === null && p.signalCode === null) process.kill(p.pid, signal);
    }

    /** Kills a process and everything it started. */
    killGroup(name: string): void {
        const p = this.procs.get(name);
        if (p) {
            this.killed.add(p);
            this.group.stop(p);
        }
        this.procs.delete(name);
    }

    async role(i: number): Promise<string | undefined> {
        return (await replicationInfo(this.nodes[i], this.o.password)).role;
    }

    indexOf(host: string, port: string | number): number {
        return this.nodes.findIndex(n => n.host === host && String(n.port) === String(port));
    }

    /** Ordinal of the master sentinel `s` names (default sentinel 0). */
    async sentinelMaster(s = 0): Promise<number> {
        const r = (await once(this.sentinels[s], this.o.password, [
            "SENTINEL",
            "get-master-addr-by-name",
            this.o.tuning.masterName,
        ])) as string[];
        return this.indexOf(r[0], r[1]);
    }

    /** Ordinal of the node behind a connection (through an endpoint or not). */
    async servedBy(c: RespClient): Promise<number> {
        return this.nodeByRunId(String(await c.ok(["INFO", "server"])));
    }

    private runIds = new Map<string, number>();

    private async nodeByRunId(infoServer: string): Promise<number> {
        const id = /run_id:([0-9a-f]+)/.exec(infoServer)?.[1] ?? "";
        if (!this.runIds.has(id)) {
            for (const [i, n] of this.nodes.entries()) {
                const other = String(await once(n, this.o.password, ["INFO", "server"]).catch(() => ""));
                if (other.includes(`run_id:${id}`)) this.runIds.set(id, i);
            }
        }
        return this.runIds.get(id) ?? -1;
    }

    /** SET through the write endpoint; resolves with the ordinal of the node that served it. */
    async writeThroughProxy(key: string, value: string, waitReplicas = 0, timeoutMs = 1000): Promise<number> {
        const c = await RespClient.connect(this.proxy.port, this.proxy.host, timeoutMs);
        try {
            await c.ok(["AUTH", this.o.password], timeoutMs);
            await c.ok(["SET", key, value], timeoutMs);
            if (waitReplicas > 0) {
                const acked = await c.ok(["WAIT", waitReplicas, timeoutMs], timeoutMs + 500);
                if (Number(acked) < waitReplicas) throw new RespError(`WAIT acknowledged by ${acked} replicas`);
            }
            return await this.servedBy(c);
        } finally {
            c.close();
        }
    }

    /**
     * Waits until the set is whole again: every node answers, the master the sentinels agree on
     * has every other node as a connected replica, every sentinel knows them, and the endpoint
     * takes an acknowledged write. Returns the master's ordinal.
     */
    async healthy(timeoutMs = 30000): Promise<number> {
        let master = -1;
        const ok = await waitFor(
            async () => {
                master = await this.sentinelMaster();
                if (master < 0) return false;
                for (let s = 1; s < this.sentinels.length; s++) if ((await this.sentinelMaster(s)) !== master) return false;
                const r = await replicationInfo(this.nodes[master], this.o.password);
                if (r.role !== "master" || r.connected_slaves !== String(this.nodes.length - 1)) return false;
                for (const [i, n] of this.nodes.entries()) {
                    if (i === master) continue;
                    const ri = await replicationInfo(n, this.o.password);
                    if (ri.master_link_status !== "up") return false;
                }
                for (const s of this.sentinels) {
                    const m = (await once(s, this.o.password, ["SENTINEL", "MASTER", this.o.tuning.masterName])) as string[];
                    const f = (k: string) => m[m.indexOf(k) + 1];
                    if (f("flags") !== "master" || Number(f("num-slaves")) < this.nodes.length - 1) return false;
                }
                return (await this.writeThroughProxy("healthy", "1", 1)) === master;
            },
            timeoutMs,
            200,
        );
        if (!ok) throw new Error(`the set did not become healthy within ${timeoutMs} ms\n${await this.describe(true)}`);
        return master;
    }

    /** Writes `count` keys `<prefix>:<i>` through the endpoint and waits for a replica to have them. */
    async fill(prefix: string, count: number): Promise<void> {
        const c = await RespClient.connect(this.proxy.port, this.proxy.host, 2000);
        try {
            await c.ok(["AUTH", this.o.password]);
            for (let i = 0; i < count; i += 500) {
                const args: string[] = [];
                for (let j = i; j < Math.min(count, i + 500); j++) args.push(`${prefix}:${j}`, String(j));
                await c.ok(["MSET", ...args], 5000);
            }
            await c.ok(["WAIT", this.nodes.length - 1, 5000], 7000);
        } finally {
            c.close();
        }
    }

    /** Keys of db 0 on node i. */
    async keys(i: number): Promise<number> {
        return Number(await once(this.nodes[i], this.o.password, ["DBSIZE"]));
    }

    /** Every node's replication state and the tails of the sentinel and agent logs, for failure messages. */
    /**
     * Each node's, sentinel's and agent's view, for a failure message. Read-only unless `probeWrite`: callers build
     * messages eagerly, and a probe key would change the data set the tests count.
     */
    async describe(probeWrite = false): Promise<string> {
        const lines: string[] = [];
        for (const [i, n] of this.nodes.entries()) {
            const r = await replicationInfo(n, this.o.password).catch(e => ({ error: String(e) }) as Record<string, string>);
            lines.push(
                `node${i}: ${r.error ?? `${r.role} master=${r.master_host ?? "-"}:${r.master_port ?? "-"} link=${r.master_link_status ?? "-"} replicas=${r.connected_slaves ?? "-"}`}`,
            );
        }
        for (const [i, s] of this.sentinels.entries()) {
            const m = await once(s, this.o.password, ["SENTINEL", "MASTER", this.o.tuning.masterName]).catch(e => String(e));
            const f = (k: string) => (Array.isArray(m) ? String(m[m.indexOf(k) + 1]) : "?");
            lines.push(
                `sentinel${i}: ${Array.isArray(m) ? `master ${f("ip")}:${f("port")} flags=${f("flags")} replicas=${f("num-slaves")} sentinels=${f("num-other-sentinels")}` : m}`,
            );
        }
        if (probeWrite) {
            const write = await this.writeThroughProxy("describe", "1", 1).then(
                n => `served by node${n}`,
                e => `failed: ${e instanceof Error ? e.message : e}`,
            );
            lines.push(`endpoint write + WAIT 1: ${write}`);
        }
        const agents = this.nodes.map((_n, i) => `--- agent${i}\n${this.log(`agent${i}`, 600)}`).join("\n");
        return `${lines.join("\n")}\n--- sentinel0\n${this.log("sentinel0", 1500)}\n${agents}\n--- haproxy\n${this.log("haproxy0", 1500)}`;
    }

    private logFile(name: string): string {
        const agent = /^agent([0-9]+)$/.exec(name);
        return agent
            ? path.join(this.dir, `node${agent[1]}`, "agent.sh.log")
            : path.join(this.dir, name.startsWith("haproxy") ? "haproxy" : name, "log");
    }

    /** Tail of a process's log, for failure messages. */
    log(name: string, tail = 2000): string {
        const file = this.logFile(name);
        try {
            return fs.readFileSync(file, "utf8").slice(-tail);
        } catch {
            return `(no log at ${file})`;
        }
    }

    /** Bytes of a process's log so far: a mark for {@link logSince}. */
    logMark(name: string): number {
        try {
            return fs.statSync(this.logFile(name)).size;
        } catch {
            return 0;
        }
    }

    /** What a process logged after `mark`. */
    logSince(name: string, mark: number): string {
        try {
            return fs.readFileSync(this.logFile(name)).subarray(mark).toString("utf8");
        } catch {
            return "";
        }
    }

    /** Stops every process; the directory (logs, data) stays when KUBECACHE_KEEP_LOOPBACK is set, for reading after a run. */
    stop(keepDir = !!process.env.KUBECACHE_KEEP_LOOPBACK): void {
        this.stopped = true;
        this.group.stopAll();
        this.net?.destroy();
        if (!keepDir) fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

export type { Target };

/**
 * Replaces a file the way the kubelet updates a ConfigMap volume: a new inode renamed over the old one, and only when
 * the text changed. A script already running keeps reading what it started with; writing in place would let a start
 * script that another start (its agent's) rewrites mid-read see a truncated file: an empty topology.env
 * ("KC_CONF_TEMPLATE: parameter not set") or an empty start.sh, which sh runs as a silent exit 0.
 */
function writeAtomically(file: string, text: string): void {
    try {
        if (fs.readFileSync(file, "utf8") === text) return;
    } catch {
        /* not there yet */
    }
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
}

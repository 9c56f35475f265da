/**
 * Runs the Sentinel topology on 127.0.0.1 from exactly the text RedisSentinel renders (redis.conf,
 * sentinel.conf, start scripts, haproxy.cfg), with ports instead of pod DNS names. Used by the
 * loopback spec and by bench/redis-failover. Every process is tracked by PID and every wait is bounded.
 */
import { ChildProcess } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { renderRedisConf } from "../../../components/redis/config";
import { renderHaproxyCfg, renderHaproxyStartScript } from "../../../components/redis/haproxyConfig";
import {
    HostPort, SentinelTuning, dataNodeConfExtra, renderDataStartScript, renderSentinelConf, renderSentinelStartScript,
    selfMasterWaitSeconds,
} from "../../../components/redis/sentinelScripts";
import { ProcessGroup, tempDir, waitFor } from "../../support/processes";
import { RespClient, RespError, once, replicationInfo } from "./resp";

export interface ClusterOptions {
    /** First of a block of ~25 ports: nodes at +1.., sentinels at +11.., HAProxy at +20/+21. */
    basePort: number;
    tuning: SentinelTuning;
    minReplicasMaxLag: number;
    password: string;
    nodes?: number;
    sentinels?: number;
    /** HAProxy check interval (the component's default when omitted). */
    checkIntervalMs?: number;
}

export class SentinelCluster {
    readonly dir = tempDir("sentinel");
    readonly nodes: HostPort[];
    readonly sentinels: HostPort[];
    readonly proxyPort: number;
    private readonly group = new ProcessGroup();
    private readonly procs = new Map<string, ChildProcess>();

    constructor(readonly o: ClusterOptions) {
        const n = o.nodes ?? 3;
        const s = o.sentinels ?? 3;
        this.nodes = Array.from({ length: n }, (_, i) => ({ host: "127.0.0.1", port: o.basePort + 1 + i }));
        this.sentinels = Array.from({ length: s }, (_, i) => ({ host: "127.0.0.1", port: o.basePort + 11 + i }));
        this.proxyPort = o.basePort + 20;
    }

    private common(kind: string, i: number) {
        const home = path.join(this.dir, `${kind}${i}`);
        fs.mkdirSync(path.join(home, "data"), { recursive: true });
        return {
            home,
            base: {
                nodes: this.nodes, sentinels: this.sentinels, masterName: this.o.tuning.masterName,
                runtimeDir: path.join(home, "run"), probeTimeoutSeconds: 1,
            },
        };
    }

    private spawn(name: string, home: string, script: string, ordinal: number): void {
        const file = path.join(home, "start.sh");
        fs.writeFileSync(file, script);
        const env = { HOSTNAME: `${name.replace(/[0-9]+$/, "")}-${ordinal}`, REDIS_PASSWORD: this.o.password, REDISCLI_AUTH: this.o.password };
        this.procs.set(name, this.group.start("sh", [file], env, path.join(home, "log")));
    }

    startNode(i: number): void {
        const { home, base } = this.common("node", i);
        const template = path.join(home, "redis.conf");
        fs.writeFileSync(template, renderRedisConf({
            port: this.nodes[i].port, dir: path.join(home, "data"), bind: "127.0.0.1",
            maxmemoryBytes: 64 * 2 ** 20, extra: dataNodeConfExtra(this.o.minReplicasMaxLag),
        }));
        const t = this.o.tuning;
        this.spawn(`node${i}`, home, renderDataStartScript({
            ...base, configTemplate: template,
            selfMasterWaitSeconds: selfMasterWaitSeconds(t),
        }), i);
    }

    startSentinel(i: number): void {
        const { home, base } = this.common("sentinel", i);
        const template = path.join(home, "sentinel.conf");
        fs.writeFileSync(template, renderSentinelConf({ port: this.sentinels[i].port, bind: "127.0.0.1", dir: path.join(home, "run") }));
        this.spawn(`sentinel${i}`, home, renderSentinelStartScript({ ...base, ...this.o.tuning, configTemplate: template }), i);
    }

    startProxy(): void {
        const home = path.join(this.dir, "haproxy");
        fs.mkdirSync(home, { recursive: true });
        const cfg = path.join(home, "haproxy.cfg");
        fs.writeFileSync(cfg, renderHaproxyCfg({
            nodes: this.nodes, sentinels: this.sentinels, masterName: this.o.tuning.masterName,
            port: this.proxyPort, healthPort: this.proxyPort + 1, bind: "127.0.0.1", auth: true,
            checkIntervalMs: this.o.checkIntervalMs,
        }));
        this.spawn("haproxy0", home, renderHaproxyStartScript({ config: cfg }), 0);
    }

    /** Starts everything: node 0 first (it must come up master), then the rest. */
    async start(): Promise<void> {
        this.startNode(0);
        if (!(await waitFor(async () => (await this.role(0)) === "master", 10000))) throw new Error(`node0 did not start: ${this.log("node0")}`);
        for (let i = 1; i < this.nodes.length; i++) this.startNode(i);
        const synced = await waitFor(async () => (await replicationInfo(this.nodes[0].port, this.o.password)).connected_slaves === String(this.nodes.length - 1), 15000);
        if (!synced) throw new Error("replicas did not connect to node0");
        // Started after the replicas are attached, so the sentinels' first INFO already lists them
        // (the next one comes 10 s later).
        for (let i = 0; i < this.sentinels.length; i++) this.startSentinel(i);
        this.startProxy();
        // Sentinels must know each other and every replica before a failover can be trusted.
        const aware = await waitFor(async () => {
            for (const s of this.sentinels) {
                const m = await once(s.port, this.o.password, ["SENTINEL", "MASTER", this.o.tuning.masterName]) as string[];
                const f = (k: string) => m[m.indexOf(k) + 1];
                if (Number(f("num-other-sentinels")) !== this.sentinels.length - 1 || Number(f("num-slaves")) !== this.nodes.length - 1) return false;
            }
            return true;
        }, 20000, 200);
        if (!aware) throw new Error("sentinels did not discover each other and the replicas");
        if (!(await waitFor(() => this.writeThroughProxy("boot", "1").then(() => true), 10000))) throw new Error("endpoint never accepted a write");
    }

    kill(name: string, signal: NodeJS.Signals = "SIGKILL"): void {
        const p = this.procs.get(name);
        if (p?.pid && p.exitCode === null && p.signalCode === null) process.kill(p.pid, signal);
    }

    async role(i: number): Promise<string | undefined> {
        return (await replicationInfo(this.nodes[i].port, this.o.password)).role;
    }

    /** Ordinal of the master the sentinels agree on (asks sentinel 0). */
    async sentinelMaster(): Promise<number> {
        const r = await once(this.sentinels[0].port, this.o.password, ["SENTINEL", "get-master-addr-by-name", this.o.tuning.masterName]) as string[];
        return this.nodes.findIndex(n => String(n.port) === r[1]);
    }

    /** SET through the unified endpoint; resolves with the port of the node that served it. */
    async writeThroughProxy(key: string, value: string, waitReplicas = 0, timeoutMs = 1000): Promise<number> {
        const c = await RespClient.connect(this.proxyPort, "127.0.0.1", timeoutMs);
        try {
            await c.ok(["AUTH", this.o.password], timeoutMs);
            await c.ok(["SET", key, value], timeoutMs);
            if (waitReplicas > 0) {
                const acked = await c.ok(["WAIT", waitReplicas, timeoutMs], timeoutMs + 500);
                if (Number(acked) < waitReplicas) throw new RespError(`WAIT acknowledged by ${acked} replicas`);
            }
            return Number(await c.ok(["CONFIG", "GET", "port"], timeoutMs).then(r => (r as string[])[1]));
        } finally {
            c.close();
        }
    }

    /** Every node's replication state and the tail of sentinel 0's log, for failure messages. */
    async describe(): Promise<string> {
        const lines: string[] = [];
        for (const [i, n] of this.nodes.entries()) {
            const r = await replicationInfo(n.port, this.o.password).catch(e => ({ error: String(e) } as Record<string, string>));
            lines.push(`node${i}: ${r.error ?? `${r.role} master_port=${r.master_port ?? "-"} link=${r.master_link_status ?? "-"} replicas=${r.connected_slaves ?? "-"}`}`);
        }
        return `${lines.join("\n")}\n${this.log("sentinel0", 1500)}`;
    }

    /** Tail of a process's log, for failure messages. */
    log(name: string, tail = 2000): string {
        const file = path.join(this.dir, name.startsWith("haproxy") ? "haproxy" : name, "log");
        try { return fs.readFileSync(file, "utf8").slice(-tail); } catch { return `(no log at ${file})`; }
    }

    stop(keepDir = false): void {
        this.group.stopAll();
        if (!keepDir) fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

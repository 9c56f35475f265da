// TLS on the Sentinel topology, 127.0.0.1, with the configs RedisSentinel renders for `tls`: data
// nodes, sentinels, agents, HAProxy's checks and the hand-over all speak TLS verified against the CA,
// the plaintext port is closed, and a failover through the endpoint loses no acknowledged write.
import { LOOPBACK_ENGINES, LoopbackEngine, enginePortOffset, skipUnlessEngine } from "../../harness/loopback/engines";
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as net from "net";
import * as tls from "tls";
import * as path from "path";
import * as fs from "fs";
import { startReplicatedNode } from "../../harness/loopback/replicatedNode";
import { tlsCliArgs } from "../../components/redis/tls";
import { SENTINEL_DEFAULTS } from "../../components/redis/sentinel/defaults";
import { ProcessGroup, tempDir, waitFor } from "../../harness/processes";
import { makeCertificates, renewCertificate } from "../../harness/loopback/certs";
import { RespClient, once, replicationInfo, useTls } from "../../harness/loopback/resp";
import { AckedWriter, missing } from "../../harness/loopback/writer";
import { useSentinelCluster } from "../support/loopbackCluster";

const PASSWORD = "tls-password";

/** Whether a plaintext RESP client gets any reply from the port (a TLS-only port closes or says nothing). */
function plaintextAnswers(port: number): Promise<boolean> {
    return new Promise(resolve => {
        const s = net.connect({ port, host: "127.0.0.1" });
        const done = (v: boolean) => {
            s.destroy();
            resolve(v);
        };
        s.setTimeout(1500, () => done(false));
        s.on("error", () => done(false));
        s.on("close", () => done(false));
        s.on("data", d => done(/^[+\-$*:]/.test(d.toString())));
        s.on("connect", () => s.write(`AUTH ${PASSWORD}\r\nPING\r\n`));
    });
}

/** The serial number of the certificate a new TLS handshake with 127.0.0.1:`port` shows (hex, upper case). */
function servedSerial(port: number): Promise<string> {
    return new Promise((resolve, reject) => {
        const s = tls.connect({ host: "127.0.0.1", port, rejectUnauthorized: false, timeout: 2000 }, () => {
            const serial = s.getPeerCertificate().serialNumber.toUpperCase();
            s.destroy();
            resolve(serial);
        });
        s.on("error", reject);
        s.on("timeout", () => s.destroy(new Error(`no TLS handshake with ${port}`)));
    });
}

/** The run id of the server behind `target`: it changes only when the process restarts. */
async function runId(target: { host: string; port: number }): Promise<string> {
    const server = String(await once(target, PASSWORD, ["INFO", "server"]));
    return /run_id:([0-9a-f]+)/.exec(server)?.[1] ?? "";
}

/** Waits until every port's new handshakes show `serial`; false after `ms`. */
function servesSerial(ports: number[], serial: string, ms: number): Promise<boolean> {
    return waitFor(async () => (await Promise.all(ports.map(p => servedSerial(p).catch(() => "")))).every(s => s === serial), ms, 250);
}

/**
 * A Sentinel cluster serving TLS with a CA made for the describe; this process's RESP clients trust it (and present
 * the pods' certificate with `tlsClientAuth`, where the servers require one).
 */
function useTlsSentinelCluster(engine: LoopbackEngine, o: { basePort: number; restartSentinels?: boolean; tlsClientAuth?: boolean }) {
    let made: { dir: string; ca: Buffer } | undefined;
    const c = useSentinelCluster(engine, {
        ...o,
        password: PASSWORD,
        tools: ["openssl"],
        prepare: () => {
            made = makeCertificates(path.join(tempDir("tls"), "certs"));
            const at = (f: string) => fs.readFileSync(path.join(made!.dir, f));
            useTls(made.ca, o.tlsClientAuth ? { cert: at("tls.crt"), key: at("tls.key") } : undefined);
            return { tlsDir: made.dir };
        },
    });
    after(() => useTls(undefined));
    return { c, certs: () => made! };
}

for (const engine of LOOPBACK_ENGINES) {
    describe(`RedisSentinel over TLS on real redis/sentinel/haproxy (loopback) [${engine}]`, function () {
        this.timeout(60000);
        const { c, certs } = useTlsSentinelCluster(engine, { basePort: 17800, restartSentinels: true });

        it("serves no plaintext on any data node, sentinel or the endpoint", async () => {
            for (const p of [...c().nodes, ...c().sentinels, c().proxy]) {
                assert.strictEqual(await plaintextAnswers(p.port), false, `port ${p.port} answered plaintext`);
            }
        });

        it("replicates, answers sentinels and serves the endpoint over TLS, verified against the CA", async () => {
            const master = await c().healthy();
            for (const [i, n] of c().nodes.entries()) {
                if (i === master) continue;
                assert.strictEqual((await replicationInfo(n, PASSWORD)).master_link_status, "up", `node${i} not linked over TLS`);
            }
            const cli = execFileSync(
                "redis-cli",
                [
                    "--tls",
                    "--cacert",
                    path.join(certs().dir, "ca.crt"),
                    "-p",
                    String(c().proxy.port),
                    "--no-auth-warning",
                    "-a",
                    PASSWORD,
                    "ping",
                ],
                { encoding: "utf8", timeout: 5000 },
            );
            assert.strictEqual(cli.trim(), "PONG", "the probe's redis-cli flags work against the endpoint");
            // A client that does not trust the CA is refused the handshake.
            useTls(makeCertificates(path.join(tempDir("tls-other"), "certs")).ca);
            try {
                await assert.rejects(RespClient.connect(c().proxy.port, "127.0.0.1", 2000), /certificate|self.signed|verify/i);
            } finally {
                useTls(certs().ca);
            }
        });

        it("serves a renewed certificate from every data node within seconds without a restart, and from each sentinel after a restart one at a time, writes flowing", async function () {
            this.timeout(120000);
            const master = await c().healthy();
            const ids = await Promise.all(c().nodes.map(runId));
            const serial = renewCertificate(certs().dir);
            assert.ok(
                await servesSerial(
                    c().nodes.map(n => n.port),
                    serial,
                    10000,
                ),
                `a data node still serves the old certificate 10 s after the renewal\n${await c().describe()}`,
            );
            assert.deepStrictEqual(await Promise.all(c().nodes.map(runId)), ids, "a data node restarted");
            // Sentinels cannot reload a certificate: each restarts, one at a time (here 10 and 15 s apart, and only once
            // every other sentinel has run that long), while the endpoint keeps taking writes on the same master.
            const t0 = Date.now();
            const w = new AckedWriter({ host: c().proxy.host, port: c().proxy.port, password: PASSWORD, prefix: "renewal" }).start();
            const restarted = await servesSerial(
                c().sentinels.map(s => s.port),
                serial,
                90000,
            );
            const t1 = Date.now();
            await w.stop();
            assert.ok(restarted, `a sentinel still serves the old certificate 90 s after the renewal\n${await c().describe()}`);
            const gap = w.longestGap(t0, t1);
            // When each sentinel stopped, from its own log: never two together (the harness staggers them by 5 s).
            const stops = c()
                .sentinels.map((_s, i) => fs.readFileSync(path.join(c().dir, `sentinel${i}`, "log"), "utf8"))
                .map(log => /tls-reload: (\d\d):(\d\d):(\d\d) restarting/.exec(log))
                .map(m => (m ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) : Number.NaN))
                .sort((a, b) => a - b);
            console.log(
                `      sentinels restarted for the renewed certificate in ${t1 - t0} ms (stops at +${stops.map(s => s - stops[0]).join(", +")} s); longest stretch without a write ${gap} ms`,
            );
            for (let i = 1; i < stops.length; i++) assert.ok(stops[i] - stops[i - 1] >= 5, `two sentinels restarted within 5 s: ${stops}`);
            // A sentinel down at a time leaves the majority the agent confirms the master with: no fence, no failover.
            assert.ok(gap < SENTINEL_DEFAULTS.downAfterMilliseconds, `writes stopped for ${gap} ms while the sentinels restarted`);
            assert.strictEqual(await c().sentinelMaster(), master, "a sentinel restart moved the master");
            assert.strictEqual(await c().writeThroughProxy("after-renewal", "1"), master);
            const acked = await once(c().nodes[master], PASSWORD, ["WAIT", c().nodes.length - 1, 5000]);
            assert.strictEqual(acked, c().nodes.length - 1, "replicas acknowledge over connections made with the new certificate");
        });

        it("fails over a killed master through the endpoint with every acknowledged write kept", async () => {
            const master = await c().healthy();
            const w = new AckedWriter({ host: c().proxy.host, port: c().proxy.port, password: PASSWORD, prefix: "tls" }).start();
            await waitFor(async () => w.acked.length > 50, 10000, 50);
            const t0 = Date.now();
            c().kill(`node${master}`);
            const moved = await waitFor(
                async () => {
                    const m = await c()
                        .sentinelMaster()
                        .catch(() => -1);
                    return m >= 0 && m !== master;
                },
                20000,
                100,
            );
            assert.ok(moved, `no failover\n${await c().describe()}`);
            await waitFor(
                async () => (w.firstOkAfter(t0 + 1) ?? -1) >= 0 && w.okTimes[w.okTimes.length - 1] > Date.now() - 200,
                15000,
                100,
            );
            await w.stop();
            const gap = w.longestGap(t0, Date.now());
            assert.ok(gap < 10000, `writes stopped for ${gap} ms\n${await c().describe()}`);
            const next = await c().sentinelMaster();
            const lost = await missing(
                w.acked,
                async keys => (await once(c().nodes[next], PASSWORD, ["MGET", ...keys])) as (string | null)[],
            );
            assert.deepStrictEqual(lost, [], `${lost.length} of ${w.acked.length} acknowledged writes lost`);
            console.log(`      writes stopped for ${gap} ms after SIGKILL; ${w.acked.length} acknowledged writes kept`);
            c().startNode(master);
            await c().healthy(30000);
            assert.strictEqual((await replicationInfo(c().nodes[master], PASSWORD)).role, "slave");
        });

        it("hands over on preStop over TLS", async () => {
            const master = await c().healthy();
            const out = await c().preStop(master);
            const next = await c().sentinelMaster();
            assert.notStrictEqual(next, master, `preStop did not move the master:\n${out}`);
            // What a hand-over costs in refused writes is sentinelLoopback.spec.ts's to bound; here, that writes land on the
            // new master over TLS (its replicas may still be re-linking for a moment under load: NOREPLICAS).
            let served: number | undefined;
            let last = "";
            await waitFor(
                async () => {
                    try {
                        served = await c().writeThroughProxy("after-handover", "1");
                    } catch (e) {
                        last = String(e);
                    }
                    return served !== undefined;
                },
                5000,
                100,
            );
            assert.strictEqual(served, next, `no write through the endpoint after the hand-over: ${last}`);
        });
    });
}

/** Whether a client that trusts the CA but has no certificate of its own gets PONG from `port`. */
function answersWithoutCertificate(port: number, ca: Buffer): Promise<boolean> {
    return new Promise(resolve => {
        const s = tls.connect({ host: "127.0.0.1", port, ca, timeout: 3000 }, () => s.write(`AUTH ${PASSWORD}\r\nPING\r\n`));
        let got = "";
        const done = (v: boolean) => {
            s.destroy();
            resolve(v);
        };
        s.on("data", d => {
            got += d;
            if (got.includes("+PONG")) done(true);
        });
        s.on("error", () => done(false));
        s.on("close", () => done(got.includes("+PONG")));
        s.on("timeout", () => done(false));
    });
}

for (const engine of LOOPBACK_ENGINES) {
    describe(`RedisSentinel with client certificates (tls.clientAuth) on real redis/sentinel/haproxy (loopback) [${engine}]`, function () {
        this.timeout(60000);
        const { c, certs } = useTlsSentinelCluster(engine, { basePort: 17900, tlsClientAuth: true });

        it("refuses a client without a certificate on every data node, sentinel and the endpoint; answers one with", async () => {
            const master = await c().healthy();
            for (const [what, target] of [
                ...c().nodes.map((n, i) => [`node${i}`, n] as const),
                ...c().sentinels.map((s, i) => [`sentinel${i}`, s] as const),
                ["the endpoint", c().proxy] as const,
            ]) {
                assert.strictEqual(
                    await answersWithoutCertificate(target.port, certs().ca),
                    false,
                    `${what} answered a client without a certificate`,
                );
                assert.strictEqual(await once(target, PASSWORD, ["PING"]), "PONG", `${what} refused a client with a certificate`);
            }
            // Replicas, sentinels and HAProxy's checks got through with the pods' own certificate.
            assert.strictEqual(await c().writeThroughProxy("mtls", "1"), master);
            assert.strictEqual(await once(c().nodes[master], PASSWORD, ["WAIT", c().nodes.length - 1, 5000]), c().nodes.length - 1);
        });

        it("fails over a killed master through the endpoint with every acknowledged write kept", async () => {
            const master = await c().healthy();
            const w = new AckedWriter({ host: c().proxy.host, port: c().proxy.port, password: PASSWORD, prefix: "mtls" }).start();
            await waitFor(async () => w.acked.length > 50, 10000, 50);
            c().kill(`node${master}`);
            const moved = await waitFor(
                async () =>
                    ((await c()
                        .sentinelMaster()
                        .catch(() => -1)) as number) >= 0 && (await c().sentinelMaster()) !== master,
                20000,
                100,
            );
            assert.ok(moved, `no failover\n${await c().describe()}`);
            const next = await c().sentinelMaster();
            await waitFor(
                async () =>
                    (await c()
                        .writeThroughProxy("mtls-after", "1")
                        .catch(() => -1)) === next,
                15000,
                100,
            );
            await w.stop();
            const lost = await missing(w.acked, keys => once(c().nodes[next], PASSWORD, ["MGET", ...keys]) as Promise<(string | null)[]>);
            assert.strictEqual(lost.length, 0, `${lost.length} of ${w.acked.length} acknowledged writes lost`);
            c().startNode(master);
            await c().healthy(30000);
        });
    });
}

for (const engine of LOOPBACK_ENGINES) {
    describe(`RedisReplicated over TLS on a real redis-server (loopback) [${engine}]`, function () {
        this.timeout(30000);
        const procs = new ProcessGroup();
        let dir = "";
        let certs: { dir: string; ca: Buffer };
        const MASTER = 17831 + enginePortOffset(engine);
        const REPLICA = 17832 + enginePortOffset(engine);
        const cli = (port: number, ...args: string[]) =>
            execFileSync("redis-cli", [...tlsCliArgs(certs.dir), "-h", "127.0.0.1", "-p", String(port), ...args], {
                env: { ...process.env, REDISCLI_AUTH: PASSWORD },
                timeout: 5000,
                encoding: "utf8",
                stdio: ["ignore", "pipe", "pipe"],
            }).trim();

        before(function () {
            skipUnlessEngine(this, engine, ["openssl"]);
            dir = tempDir("replicated-tls");
            certs = makeCertificates(path.join(dir, "certs"));
        });

        after(() => {
            procs.stopAll();
            if (dir) fs.rmSync(dir, { recursive: true, force: true });
        });

        const startNode = (ordinal: number, port: number) =>
            startReplicatedNode({ procs, engine, dir, ordinal, port, masterPort: MASTER, password: PASSWORD, conf: { tlsDir: certs.dir } });

        it("the replica follows its master over TLS as the replication user; plaintext gets nothing", async () => {
            startNode(0, MASTER);
            startNode(1, REPLICA);
            const linked = await waitFor(() => {
                try {
                    return /master_link_status:up/.test(cli(REPLICA, "info", "replication"));
                } catch {
                    return false;
                }
            }, 15000);
            assert.ok(linked, `replica never linked over TLS:\n${fs.readFileSync(path.join(dir, "node1", "log"), "utf8").slice(-1500)}`);
            assert.strictEqual(cli(MASTER, "set", "k", "v"), "OK");
            assert.strictEqual(cli(MASTER, "wait", "1", "2000"), "1");
            assert.strictEqual(cli(REPLICA, "get", "k"), "v");
            assert.match(cli(MASTER, "client", "list", "type", "replica"), /user=replication/);
            assert.strictEqual(await plaintextAnswers(MASTER), false);
        });

        it("serves a renewed certificate from master and replica within seconds, without a restart", async () => {
            const pids = [MASTER, REPLICA].map(p => /process_id:(\d+)/.exec(cli(p, "info", "server"))?.[1]);
            const serial = renewCertificate(certs.dir);
            assert.ok(
                await servesSerial([MASTER, REPLICA], serial, 10000),
                "a node still serves the old certificate 10 s after the renewal",
            );
            assert.deepStrictEqual(
                [MASTER, REPLICA].map(p => /process_id:(\d+)/.exec(cli(p, "info", "server"))?.[1]),
                pids,
                "a node restarted",
            );
            assert.match(fs.readFileSync(path.join(dir, "node0", "log"), "utf8"), /tls-reload: .* serving the renewed certificate/);
            assert.strictEqual(cli(MASTER, "set", "k2", "v2"), "OK");
            assert.strictEqual(cli(MASTER, "wait", "1", "2000"), "1");
        });
    });
}

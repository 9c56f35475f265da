// Real failovers on 127.0.0.1 with the exact redis.conf, sentinel.conf, start scripts, fencing
// agents, preStop hand-over and haproxy.cfg that RedisSentinel renders: 3 data nodes (each with its
// agent), 3 sentinels, 1 HAProxy.
import { LOOPBACK_ENGINES } from "../../harness/loopback/engines";
import * as assert from "assert";
import { SENTINEL_DEFAULTS, voterDelayMs } from "../../components/redis/sentinel/defaults";
import { sleep, waitFor } from "../../harness/processes";
import { RespClient, RespError, once, replicationInfo } from "../../harness/loopback/resp";
import { AckedWriter, missing } from "../../harness/loopback/writer";
import { useSentinelCluster } from "../support/loopbackCluster";

const PASSWORD = 'p@ss "word" \\ with $pace';

for (const engine of LOOPBACK_ENGINES) {
    describe(`RedisSentinel rendered configs on real redis/sentinel/haproxy (loopback) [${engine}]`, function () {
        this.timeout(40000);
        const acked: string[] = [];
        const c = useSentinelCluster(engine, { basePort: 17400, password: PASSWORD });

        /** Writes through the endpoint on fresh connections until one succeeds; returns ms taken and the serving node. */
        async function firstWrite(key: string, boundMs: number): Promise<{ ms: number; node: number }> {
            const t0 = Date.now();
            let node = -1;
            const ok = await waitFor(
                async () => {
                    node = await c().writeThroughProxy(key, "v", 0, 500);
                    return true;
                },
                boundMs,
                50,
            );
            assert.ok(ok, `no write through the endpoint within ${boundMs} ms\n${await c().describe()}`);
            return { ms: Date.now() - t0, node };
        }

        /**
         * A write straight to node i, as a client that reconnects would make it: a fence (the agent's, or a
         * sentinel's reconfiguration) also cuts every client connection, and a connection opened just before it
         * runs is closed instead of answered; the answer on a connection that survives is what counts.
         */
        async function directWrite(i: number, key: string): Promise<string> {
            let answer = "";
            for (let attempt = 0; attempt < 5; attempt++) {
                answer = String(await once(c().nodes[i], PASSWORD, ["SET", key, "x"]).catch(e => e));
                if (!/connection closed|ECONNRESET/.test(answer)) return answer;
                await sleep(100);
            }
            return answer;
        }

        function writer(prefix: string): AckedWriter {
            return new AckedWriter({ host: c().proxy.host, port: c().proxy.port, password: PASSWORD, prefix }).start();
        }

        async function rejoins(i: number): Promise<void> {
            c().startNode(i);
            await c()
                .healthy(20000)
                .catch(e => {
                    throw new Error(`${e.message}\n--- node${i}\n${c().log(`node${i}`, 1500)}`);
                });
            assert.strictEqual((await replicationInfo(c().nodes[i], PASSWORD)).role, "slave", `node${i} did not rejoin as a replica`);
        }

        it("writes through the endpoint reach the master and replicate to every replica; the agent opened only the master", async () => {
            const master = await c().sentinelMaster();
            assert.strictEqual(
                await c().writeThroughProxy("hello", "world", 2),
                master,
                "endpoint did not serve from the sentinels' master",
            );
            for (const [i, n] of c().nodes.entries()) {
                const fence = (await once(n, PASSWORD, ["CONFIG", "GET", "min-replicas-to-write"])) as string[];
                assert.strictEqual(fence[1], i === master ? "1" : "1000000", `node${i} min-replicas-to-write`);
                if (i === master) continue;
                assert.strictEqual(await once(n, PASSWORD, ["GET", "hello"]), "world", `replica node${i} lacks the write`);
                assert.ok((await once(n, PASSWORD, ["SET", "x", "y"]).catch(e => e)) instanceof RespError, "replica took a write");
            }
            assert.ok(
                (await once(c().proxy, undefined, ["GET", "hello"]).catch(e => e)) instanceof RespError,
                "endpoint served without AUTH",
            );
        });

        it("sentinels past the quorum take the master for down later than the quorum does: they vote, not stand", async () => {
            const downAfter = SENTINEL_DEFAULTS.downAfterMilliseconds;
            const seen = await Promise.all(
                c().sentinels.map(async s => {
                    const m = (await once(s, PASSWORD, ["SENTINEL", "MASTER", SENTINEL_DEFAULTS.masterName])) as string[];
                    return Number(m[m.indexOf("down-after-milliseconds") + 1]);
                }),
            );
            // quorum 2 of 3: ordinals 0 and 1 stand, ordinal 2 votes.
            assert.deepStrictEqual(seen, [downAfter, downAfter, downAfter + voterDelayMs(downAfter)]);
        });

        it("the read endpoint balances over replicas and falls back to the master when none is up", async () => {
            const master = await c().sentinelMaster();
            // HAProxy assumes servers up until their first check, which runs within a second of its start.
            await sleep(1500);
            const served = new Set<number>();
            for (let i = 0; i < 8; i++) {
                const cl = await RespClient.connect(c().readProxy.port, c().readProxy.host);
                try {
                    await cl.ok(["AUTH", PASSWORD]);
                    assert.strictEqual(await cl.ok(["GET", "hello"]), "world");
                    served.add(await c().servedBy(cl));
                } finally {
                    cl.close();
                }
            }
            assert.ok(!served.has(master), "a read went to the master while replicas were up");
            assert.strictEqual(served.size, 2, `reads were not spread over both replicas: ${[...served]}`);
            const replicas = [0, 1, 2].filter(i => i !== master);
            for (const r of replicas) c().kill(`node${r}`, "SIGSTOP");
            try {
                const fell = await waitFor(
                    async () => {
                        const cl = await RespClient.connect(c().readProxy.port, c().readProxy.host, 500);
                        try {
                            await cl.ok(["AUTH", PASSWORD], 500);
                            return (await c().servedBy(cl)) === master;
                        } finally {
                            cl.close();
                        }
                    },
                    8000,
                    200,
                );
                assert.ok(fell, "the read endpoint did not fall back to the master");
            } finally {
                for (const r of replicas) c().kill(`node${r}`, "SIGCONT");
            }
            await c().healthy();
        });

        it("SIGKILL of the master: writes resume through the same endpoint, no WAIT-acknowledged write is lost, the node rejoins", async () => {
            const killed = await c().healthy();
            const w = writer("kill");
            await sleep(400);
            const t0 = Date.now();
            c().kill(`node${killed}`);
            const { ms, node } = await firstWrite("after-kill", 10000);
            assert.notStrictEqual(node, killed);
            await sleep(300);
            await w.stop();
            acked.push(...w.acked);
            assert.strictEqual(await c().sentinelMaster(), node, "endpoint and sentinels disagree on the master");
            console.log(
                `      first write after SIGKILL: ${ms} ms (node${killed} -> node${node}); writer's first write ${w.firstOkAfter(t0)} ms`,
            );
            const lost = await missing(w.acked, keys => once(c().nodes[node], PASSWORD, ["MGET", ...keys]) as Promise<(string | null)[]>);
            assert.deepStrictEqual(lost.length, 0, `${lost.length} of ${w.acked.length} acknowledged writes lost`);
            await rejoins(killed);
        });

        it("sentinels restarted all at once monitor the current master, not ordinal 0", async () => {
            const master = await c().sentinelMaster();
            assert.notStrictEqual(master, 0, "the previous failover should have moved the master off ordinal 0");
            c().sentinels.forEach((_s, i) => c().kill(`sentinel${i}`));
            await sleep(200);
            c().sentinels.forEach((_s, i) => c().startSentinel(i));
            const ok = await waitFor(async () => (await c().sentinelMaster()) === master, 10000, 200);
            assert.ok(ok, `restarted sentinels do not name node${master}\n${c().log("sentinel0")}`);
            assert.strictEqual((await firstWrite("after-sentinel-restart", 10000)).node, master);
        });

        it("a frozen master that wakes up after the failover gets no traffic, refuses writes and is demoted", async function () {
            this.timeout(60000);
            const old = await c().healthy();
            c().kill(`node${old}`, "SIGSTOP");
            let resumed = false;
            try {
                const { node } = await firstWrite("after-freeze", 10000);
                assert.notStrictEqual(node, old);
                c().kill(`node${old}`, "SIGCONT");
                resumed = true;
                // Its agent queued the fence while it was frozen: it runs before anything else.
                assert.match(await directWrite(old, "split-brain"), /NOREPLICAS|READONLY/);
                // A write may be refused or its connection cut (the endpoint holds, then drops, a client while the new
                // master's own agent re-confirms it on a loaded machine); what must never happen is the old one serving it.
                for (let i = 0; i < 10; i++) {
                    let served = -1;
                    let lastError = "";
                    const wrote = await waitFor(
                        async () => {
                            try {
                                served = await c().writeThroughProxy(`woken-${i}`, "v");
                                return true;
                            } catch (e) {
                                lastError = String(e);
                                return false;
                            }
                        },
                        10000,
                        100,
                    );
                    assert.ok(wrote, `write ${i} through the endpoint: ${lastError}\n${await c().describe()}`);
                    assert.strictEqual(served, node, "a write reached the woken old master");
                    await sleep(100);
                }
                const demoted = await waitFor(async () => (await replicationInfo(c().nodes[old], PASSWORD)).role === "slave", 20000, 250);
                assert.ok(demoted, `the sentinels did not demote the woken master\n${await c().describe()}`);
            } finally {
                if (!resumed) c().kill(`node${old}`, "SIGCONT");
            }
            await c().healthy();
        });

        it("a node that claims master without the sentinels' confirmation stays fenced and gets no traffic", async () => {
            const master = await c().healthy();
            const rogue = master === 0 ? 1 : 0;
            await once(c().nodes[rogue], PASSWORD, ["REPLICAOF", "NO", "ONE"]);
            try {
                // Its agent never opened it (a replica stays fenced); it or the sentinels soon demote it again, on a
                // busy machine sometimes before this first look: either way a direct write is refused.
                const role = await c().role(rogue);
                assert.ok(role === "master" || role === "slave", `node${rogue} answers ROLE ${role}`);
                assert.match(await directWrite(rogue, "rogue"), /NOREPLICAS|READONLY/);
                for (let i = 0; i < 10; i++) {
                    const served = await c()
                        .writeThroughProxy(`rogue-${i}`, "v")
                        .catch(async e => assert.fail(`write ${i} through the endpoint: ${e}\n${await c().describe()}`));
                    assert.strictEqual(served, master, "a write reached the unconfirmed master");
                }
            } finally {
                const m = c().nodes[master];
                await once(c().nodes[rogue], PASSWORD, ["REPLICAOF", m.host, m.port]);
            }
            await c().healthy();
        });

        it("planned hand-over: the master's preStop moves the master to a higher ordinal first, writes pause briefly (the figure is printed), nothing acknowledged is lost", async function () {
            this.timeout(60000);
            const old = await c().healthy();
            const w = writer("handover");
            await sleep(400);
            const t0 = Date.now();
            let out = "";
            try {
                out = await c().preStop(old);
            } finally {
                c().kill(`node${old}`, "SIGTERM");
            }
            const t1 = Date.now();
            await sleep(500);
            await w.stop();
            c().startNode(old);
            const now = await c().sentinelMaster();
            assert.notStrictEqual(now, old, `no hand-over happened:\n${out}`);
            const higher = [0, 1, 2].filter(i => i > old);
            if (higher.length) assert.ok(now > old, `handed over to node${now}, not to an already-updated higher ordinal ${higher}`);
            const gap = w.longestGap(t0, t1 + 500);
            console.log(`      hand-over node${old} -> node${now}: preStop ${t1 - t0} ms, longest stretch without a write ${gap} ms`);
            // The pause itself is a measured figure (bench/README.md, goal 1 s) that varies with the machine's load; one
            // missed sentinel INFO cycle costs a second by design. What holds on any machine: the script took the
            // hand-over path (not the crash path), and writes resumed well before a crash's failover could finish
            // (down-after alone, then an election, a promotion and the endpoint's checks).
            assert.match(out, /handed over to/, `the preStop did not complete a hand-over:\n${out}`);
            const bound = 2 * SENTINEL_DEFAULTS.downAfterMilliseconds;
            assert.ok(gap < bound, `writes were refused for ${gap} ms (bound ${bound} ms)\n${out}`);
            const lost = await missing(w.acked, keys => once(c().nodes[now], PASSWORD, ["MGET", ...keys]) as Promise<(string | null)[]>);
            assert.strictEqual(lost.length, 0, `${lost.length} of ${w.acked.length} acknowledged writes lost`);
            await c().healthy();
            assert.strictEqual(await c().role(old), "slave");
        });

        it("a replica's preStop only marks it not to be promoted", async () => {
            const master = await c().healthy();
            const replica = master === 0 ? 1 : 0;
            const out = await c().preStop(replica);
            assert.match(out, /not the master: marked not to be promoted/);
            assert.strictEqual(await c().sentinelMaster(), master);
            assert.deepStrictEqual(await once(c().nodes[replica], PASSWORD, ["CONFIG", "GET", "replica-priority"]), [
                "replica-priority",
                "0",
            ]);
            await once(c().nodes[replica], PASSWORD, ["CONFIG", "SET", "replica-priority", "100"]);
        });

        it("pods stopped together (a scale-in): the master hands over to a replica that is not stopping, nothing acknowledged is lost", async function () {
            this.timeout(60000);
            const old = await c().healthy();
            // The replica the master's preStop would prefer (a higher ordinal, else the other) stops at the same time.
            const others = [0, 1, 2].filter(i => i !== old);
            const stopping = others.find(i => i > old) ?? others[0];
            const w = writer("scale-in");
            await sleep(400);
            const [replicaOut, masterOut] = await Promise.all([c().preStop(stopping), sleep(20).then(() => c().preStop(old))]);
            c().kill(`node${stopping}`, "SIGTERM");
            c().kill(`node${old}`, "SIGTERM");
            // Handed over, or (the target's mark seen late) failed over by the sentinels, which skip a marked replica.
            let now = old;
            await waitFor(async () => {
                now = await c().sentinelMaster();
                return now !== old;
            }, 20000);
            await sleep(500);
            await w.stop();
            c().startNode(stopping);
            c().startNode(old);
            assert.match(replicaOut, /marked not to be promoted/);
            assert.ok(
                now !== old && now !== stopping,
                `the master went to node${now}, one of the stopping nodes ${old} and ${stopping}:\n${masterOut}`,
            );
            assert.match(masterOut, /handed over to|is stopping too/, masterOut);
            const lost = await missing(w.acked, keys => once(c().nodes[now], PASSWORD, ["MGET", ...keys]) as Promise<(string | null)[]>);
            assert.strictEqual(lost.length, 0, `${lost.length} of ${w.acked.length} acknowledged writes lost`);
            await c().healthy();
        });

        it("no WAIT-acknowledged write of the whole run is missing", async () => {
            const master = await c().healthy();
            assert.ok(acked.length > 0);
            const lost = await missing(acked, keys => once(c().nodes[master], PASSWORD, ["MGET", ...keys]) as Promise<(string | null)[]>);
            assert.strictEqual(lost.length, 0);
        });
    });
}

// Password rotation on the Sentinel topology, 127.0.0.1, with the files RedisSentinel renders: the password files
// change as the kubelet rewrites a mounted Secret, and every data node, sentinel, agent and HAProxy check moves to
// the new passwords live (scripts/auth-reload.sh, haproxy/checkAuth.ts) while a writer writes through the endpoint.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { SENTINEL_DEFAULTS } from "../../components/redis/sentinel/defaults";
import { LOOPBACK_ENGINES, enginePortOffset, skipUnlessEngine } from "../../harness/loopback/engines";
import { startReplicatedNode } from "../../harness/loopback/replicatedNode";
import { ProcessGroup, tempDir, waitFor } from "../../harness/processes";
import { Target, acceptsAuth, info, once } from "../../harness/loopback/resp";
import { writePasswordFiles } from "../../harness/loopback/passwords";
import { AckedWriter, missing, refusedWithin } from "../../harness/loopback/writer";
import { useSentinelCluster } from "../support/loopbackCluster";

const OLD = "rotation-old-password";
const NEW = "rotation-new-password";
const APP_OLD = "app-old-password";
const APP_NEW = "app-new-password";

const takes = acceptsAuth;

for (const engine of LOOPBACK_ENGINES) {
    describe(`RedisSentinel password rotation without a restart (loopback) [${engine}]`, function () {
        this.timeout(120000);
        const c = useSentinelCluster(engine, {
            basePort: 17700,
            password: OLD,
            users: [{ name: "app", rules: "~app:* +@read +@write", password: APP_OLD }],
        });

        it("moves every node, sentinel, agent and HAProxy check to the new passwords while writes flow; the old ones stop working once all have", async () => {
            const master = await c().healthy();
            const instances: Target[] = [...c().nodes, ...c().sentinels];
            const runIds = async () => Promise.all(instances.map(async t => (await info(t, NEW, "server")).run_id));
            const before = await Promise.all(instances.map(async t => (await info(t, OLD, "server")).run_id));
            const w = new AckedWriter({ host: c().proxy.host, port: c().proxy.port, password: OLD, prefix: "rotation" }).start();
            await new Promise(r => setTimeout(r, 1000));

            const t0 = Date.now();
            c().setPasswords(NEW, [{ password: APP_NEW }]);
            const allNew = await waitFor(async () => {
                const ok = await Promise.all([...instances.map(t => takes(t, NEW)), ...c().nodes.map(n => takes(n, ["app", APP_NEW]))]);
                return ok.every(Boolean);
            }, 20000);
            const tNew = Date.now();
            assert.ok(allNew, `not every instance takes the new passwords 20 s after the change\n${await c().describe()}`);
            // The old ones still work until every instance has switched, and a grace (4 s here, 120 s on pods) after.
            const oldStill = await Promise.all([...instances.map(t => takes(t, OLD)), ...c().nodes.map(n => takes(n, ["app", APP_OLD]))]);
            assert.ok(oldStill.every(Boolean), `an old password was refused before the change was complete: ${oldStill}`);
            w.usePassword(NEW);
            (c().o as { password: string }).password = NEW;

            const oldGone = await waitFor(async () => {
                const ok = await Promise.all([...instances.map(t => takes(t, OLD)), ...c().nodes.map(n => takes(n, ["app", APP_OLD]))]);
                return ok.every(x => !x);
            }, 40000);
            const tGone = Date.now();
            assert.ok(oldGone, `an old password still works 40 s after every instance took the new one\n${await c().describe()}`);
            await new Promise(r => setTimeout(r, 2000));
            const t1 = Date.now();
            await w.stop();
            console.log(
                `      new passwords everywhere after ${tNew - t0} ms, old ones refused everywhere after ${tGone - t0} ms; ` +
                    `${w.acked.length} acked writes, longest stretch without a write ${w.longestGap(t0, t1)} ms`,
            );

            assert.strictEqual(refusedWithin(w.attempts, t0, t1, 250), 0, "writes were refused during the rotation");
            assert.deepStrictEqual(await runIds(), before, "an instance restarted");
            assert.strictEqual(await c().sentinelMaster(), master, "the rotation moved the master");
            // A new connection through the endpoint: HAProxy's checks passed with the new check password after the old
            // one was dropped (the writer's one connection would outlive a node marked down).
            assert.strictEqual(await c().writeThroughProxy("after-rotation", "1"), master);
            // Replication kept its links and takes new connections with the new password: a replica that reconnects
            // now presents it (masterauth), so WAIT still counts every replica.
            for (const [i, n] of c().nodes.entries()) {
                if (i === master) continue;
                await once(n, NEW, ["CLIENT", "KILL", "TYPE", "master"]);
            }
            const linked = await waitFor(async () => {
                const acks = await once(c().nodes[master], NEW, ["WAIT", c().nodes.length - 1, 1000], 3000);
                return acks === c().nodes.length - 1;
            }, 15000);
            assert.ok(linked, `replicas did not resync with the new replication password\n${await c().describe()}`);
            assert.deepStrictEqual(
                await missing(w.acked, keys => once(c().nodes[master], NEW, ["MGET", ...keys]) as Promise<(string | null)[]>),
                [],
            );
            // A failover after the rotation: Sentinel cuts the normal clients of the nodes it reconfigures, and the
            // agents' long-lived streams reconnect; with the password they started with they would be refused, the new
            // master's agent would never confirm it, and the endpoint would stay without a master (seen on real pods).
            const w2 = new AckedWriter({ host: c().proxy.host, port: c().proxy.port, password: NEW, prefix: "after-rotation" }).start();
            await new Promise(r => setTimeout(r, 500));
            const h0 = Date.now();
            let handover = "";
            try {
                handover = await c().preStop(master);
            } finally {
                c().kill(`node${master}`, "SIGTERM");
            }
            const moved = await waitFor(async () => (await c().sentinelMaster()) !== master, 15000);
            await new Promise(r => setTimeout(r, 3000));
            const h1 = Date.now();
            await w2.stop();
            c().startNode(master);
            assert.ok(moved, `no failover after the rotation\n${handover}`);
            const after = w2.longestGap(h0, h1);
            console.log(`      hand-over after the rotation: longest stretch without a write ${after} ms`);
            assert.ok(
                after < 2 * SENTINEL_DEFAULTS.downAfterMilliseconds,
                `writes stopped for ${after} ms after a failover\n${await c().describe()}`,
            );
            await c().healthy();
            // Each instance's loop went through its three steps.
            for (const name of [...c().nodes.map((_n, i) => `node${i}`), ...c().sentinels.map((_s, i) => `sentinel${i}`)]) {
                const log = fs.readFileSync(path.join(c().dir, name, "log"), "utf8");
                assert.match(log, /auth-reload: .* old passwords dropped/, `${name} did not drop the old passwords`);
            }
        });
    });
}

for (const engine of LOOPBACK_ENGINES) {
    describe(`RedisReplicated password rotation without a restart (loopback) [${engine}]`, function () {
        this.timeout(60000);
        const procs = new ProcessGroup();
        const MASTER = 17731 + enginePortOffset(engine);
        const REPLICA = 17732 + enginePortOffset(engine);
        let dir = "";
        const writeFiles = (password: string) => writePasswordFiles(path.join(dir, "auth"), password);
        before(function () {
            skipUnlessEngine(this, engine);
            dir = tempDir("replicated-rotation");
            writeFiles(OLD);
            for (const [ordinal, port] of [
                [0, MASTER],
                [1, REPLICA],
            ])
                startReplicatedNode({
                    procs,
                    engine,
                    dir,
                    ordinal,
                    port,
                    masterPort: MASTER,
                    password: OLD,
                    auth: { dir: path.join(dir, "auth"), nodePorts: [MASTER, REPLICA], graceSeconds: 4 },
                });
        });
        after(() => {
            procs.stopAll();
            if (dir) fs.rmSync(dir, { recursive: true, force: true });
        });

        it("master and replica move to the new password live, replication keeps its link and relinks with it, writes to the master flow", async () => {
            const linked = () =>
                info(REPLICA, NEW, "replication").then(
                    r => r.master_link_status === "up",
                    () => false,
                );
            assert.ok(
                await waitFor(
                    () =>
                        info(REPLICA, OLD, "replication").then(
                            r => r.master_link_status === "up",
                            () => false,
                        ),
                    20000,
                ),
                "the replica never linked",
            );
            const pids = await Promise.all([MASTER, REPLICA].map(async p => (await info(p, OLD, "server")).process_id));
            const w = new AckedWriter({ host: "127.0.0.1", port: MASTER, password: OLD, prefix: "replicated-rotation" }).start();
            await new Promise(r => setTimeout(r, 500));
            const t0 = Date.now();
            writeFiles(NEW);
            assert.ok(
                await waitFor(async () => (await Promise.all([MASTER, REPLICA].map(p => takes(p, NEW)))).every(Boolean), 15000),
                "the nodes do not take the new password",
            );
            assert.ok((await Promise.all([MASTER, REPLICA].map(p => takes(p, OLD)))).every(Boolean), "the old one went too early");
            w.usePassword(NEW);
            assert.ok(
                await waitFor(async () => (await Promise.all([MASTER, REPLICA].map(p => takes(p, OLD)))).every(x => !x), 30000),
                "the old password still works 30 s later",
            );
            const t1 = Date.now();
            await w.stop();
            assert.strictEqual(refusedWithin(w.attempts, t0, t1, 250), 0, "writes were refused during the rotation");
            assert.ok(await linked(), "the replica lost its link");
            await once(REPLICA, NEW, ["CLIENT", "KILL", "TYPE", "master"]);
            assert.ok(await waitFor(linked, 15000), "the replica did not relink with the new replication password");
            assert.deepStrictEqual(await Promise.all([MASTER, REPLICA].map(async p => (await info(p, NEW, "server")).process_id)), pids);
            const lost = await missing(w.acked, keys => once(MASTER, NEW, ["MGET", ...keys]) as Promise<(string | null)[]>);
            assert.deepStrictEqual(lost, []);
            console.log(`      ${w.acked.length} acked writes, longest stretch without a write ${w.longestGap(t0, t1)} ms`);
        });
    });
}

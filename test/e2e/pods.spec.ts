// Real-pods tier: the same program as the engine tier (test/e2e/project) on the local cluster's real nodes
// (`scripts/local-cluster start --real`: kubelet, containerd, runc, CNI bridge, kube-proxy, CoreDNS), with the
// images scripts/images.sh built from Debian packages and operator/Dockerfile, pinned by digest and passed through
// the components' public `image` arguments. Runs only via `npm run test:pods`.
//
// KUBECACHE_FAILOVER_RUNS (default 5): failovers per fault in step 3; KUBECACHE_ROLLOUTS (default 2): rolling
// restarts in step 3b. KUBECACHE_EVENT_LOG: write step 1's engine
// event log there (bench/up-timeline/analyze.ts reads it).
import { strict as assert } from "assert";
import { promises as dns } from "dns";
import * as fs from "fs";
import * as path from "path";
import { RespClient } from "../../harness/loopback/resp";
import { Kubectl, LocalCluster, missingToolchain, startCluster, stopCluster } from "./support/cluster";
import { eventually, timed, timings } from "./support/exec";
import { FailoverRun, HandoverRound, oneFailover, rollingRestart, SentinelTarget, steady, summary } from "./support/failover";
import { httpGet, MemcachedBinary, memcachedText as memcached, OP, STATUS_AUTH_ERROR, textReplyWithin } from "./support/memcached";
import { changeSummary, Stack } from "./support/pulumi";
import { criContainers, leaks, localImages, missingRealNodes } from "./support/realnodes";
import { renderAndApply } from "./support/render";
import { rotatePassword } from "./support/rotation";
import { switchToValkey } from "./support/engineSwitch";

const PROJECT = path.join(__dirname, "project");
const NS = "kubecache-e2e";
const OPERATOR_NS = "kubecache-system";
const PASSWORD = "pods-Redis-pw-" + Math.random().toString(36).slice(2, 12);
/** Step 2d's new Redis password; the steps after it read the password from the Secret. */
const ROTATED_PASSWORD = "pods-rotated-pw-" + Math.random().toString(36).slice(2, 12);
const MEMCACHED_PASSWORD = "pods-mc-pw-" + Math.random().toString(36).slice(2, 12);
const RUNS = Number(process.env.KUBECACHE_FAILOVER_RUNS ?? 5);
const ROLLOUTS = Number(process.env.KUBECACHE_ROLLOUTS ?? 2);
const DATA_PODS = 3;
/** redis-ha's write port on every node (`service.nodePorts`); its read port is the next one. */
const NODE_PORT = 30079;

describe("real pods: every component on kubelet + containerd nodes of the local cluster", function () {
    let cluster: LocalCluster | undefined;
    let kubectl: Kubectl;
    let stack: Stack;
    let images: Record<string, string>;
    let upMs = 0,
        destroyMs = 0;
    const failovers: FailoverRun[] = [];

    before(async function () {
        const reason = (await missingToolchain()) ?? (await missingRealNodes());
        if (reason) {
            console.log(`skipped: ${reason}`);
            (this as any).skipReason = reason;
            this.skip();
        }
        images = localImages();
        cluster = await startCluster(2, true);
        timed("local cluster start (control plane, 2 real nodes, kube-proxy, CoreDNS)", cluster.startMs);
        kubectl = new Kubectl(cluster.kubeconfig);
        stack = new Stack(PROJECT, "pods");
        await stack.init();
        // Every Redis component on the default engine (Valkey, from Debian trixie) but the bare Pod, which runs
        // `engine: redis`; the replicated and Sentinel sets on PVCs of the cluster's default StorageClass.
        await stack.setConfig(
            {
                kubeconfigPath: cluster.kubeconfig,
                redisImage: images.valkey,
                redisEngineImage: images.redis,
                redisPersistence: true,
                haproxyImage: images.haproxy,
                memcachedImage: images.memcached,
                operatorImage: images.operator,
                operatorReplicas: 2,
                sentinelReplicas: DATA_PODS,
                redisNodePort: NODE_PORT,
            },
            { redisPassword: PASSWORD },
        );
    });

    after(async function () {
        if (stack && !destroyMs) await stack.destroy();
        if (stack) await stack.remove();
        if (cluster) {
            const counted = await leaks(cluster.dir).catch(() => []);
            const out = await stopCluster(cluster);
            console.log(`      local-cluster stop: ${out.trim().split("\n").slice(-3).join(" | ")}`);
            if (counted.some(c => c.packets !== 0)) console.log(`      LEAKED: ${JSON.stringify(counted)}`);
        }
        if (failovers.length)
            console.log(`\n      failover on real pods (${RUNS} runs per fault):\n${summary(failovers).replace(/^/gm, "      ")}`);
        if (timings.length) {
            console.log("\n      real-pods timings:");
            for (const t of timings) console.log(`        ${(t.ms / 1000).toFixed(1).padStart(7)} s  ${t.step}`);
            if (process.env.KUBECACHE_E2E_TIMINGS)
                fs.writeFileSync(process.env.KUBECACHE_E2E_TIMINGS, JSON.stringify({ timings, failovers }, null, 2));
        }
    });

    /** A RedisSentinel of the stack as the failover helpers address it, with the password from its Secret. */
    async function sentinelTarget(name: string, dataPods: number): Promise<SentinelTarget> {
        const secret = await kubectl.get("secret", `${name}-auth`, NS);
        return { kubectl, namespace: NS, name, dataPods, password: Buffer.from(secret.data["redis-password"], "base64").toString() };
    }

    it("1. pulumi up runs every pod for real: Running, Ready, container IDs, no restarts, local images by digest", async function () {
        // KUBECACHE_EVENT_LOG: the engine's event log of this up, for bench/up-timeline/analyze.ts.
        // (`--event-log` is a debug flag: the CLI offers it with PULUMI_DEBUG_COMMANDS set.)
        if (process.env.KUBECACHE_EVENT_LOG) stack.env.PULUMI_DEBUG_COMMANDS = "true";
        const r = await stack.up(process.env.KUBECACHE_EVENT_LOG ? ["--event-log", process.env.KUBECACHE_EVENT_LOG] : []);
        assert.equal(r.code, 0, `pulumi up failed:\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-2000)}`);
        upMs = r.ms;
        timed("1. pulumi up (create; real pods)", r.ms);
        assert.ok((changeSummary(r.stdout).created ?? 0) >= 40, `created count in:\n${r.stdout.slice(-600)}`);

        const pods = [...(await kubectl.list("pods", NS)), ...(await kubectl.list("pods", OPERATOR_NS))];
        const byPrefix = (p: string) => pods.filter(x => x.metadata.name.startsWith(p)).length;
        assert.equal(byPrefix("redis-pod"), 1);
        assert.equal(byPrefix("redis-sfs-"), 2);
        assert.equal(byPrefix("redis-ha-node-"), DATA_PODS);
        assert.equal(byPrefix("redis-ha-sentinel-"), 3);
        assert.equal(byPrefix("redis-ha-haproxy-"), 2);
        assert.equal(byPrefix("memcached-operator-controller-manager-"), 2);
        // The engine each data and sentinel pod runs: Valkey unless the component says `engine: redis`.
        for (const p of pods.filter(x => /^redis-(pod|sfs-|ha-node-|ha-sentinel-)|^redis-[0-9a-f]+-/.test(x.metadata.name))) {
            const want = p.metadata.name === "redis-pod" ? images.redis : images.valkey;
            assert.equal(p.spec.containers[0].image, want, `${p.metadata.name} image`);
        }
        for (const p of pods.filter(x => !x.metadata.name.startsWith("memcached-sample-"))) {
            const name = p.metadata.name;
            assert.equal(p.status.phase, "Running", `${name} phase`);
            assert.ok(
                p.status.conditions.some((c: any) => c.type === "Ready" && c.status === "True"),
                `${name} Ready`,
            );
            for (const c of p.status.containerStatuses) {
                assert.match(c.containerID ?? "", /^containerd:\/\/[0-9a-f]{64}$/, `${name}/${c.name} runs in containerd`);
                assert.equal(c.restartCount, 0, `${name}/${c.name} restarts`);
                assert.ok(c.state.running?.startedAt, `${name}/${c.name} running`);
                assert.match(
                    c.imageID,
                    /127\.0\.0\.1:5001\/kubecache\/.*@sha256:[0-9a-f]{64}$/,
                    `${name}/${c.name} image from the local registry`,
                );
            }
        }
        const manager = pods.find(p => p.metadata.name.startsWith("memcached-operator-"));
        assert.equal(manager.spec.containers[0].image, images.operator, "operator image pinned by digest");
        assert.deepEqual([...new Set(pods.map(p => p.spec.nodeName))].sort(), ["kc-node-0", "kc-node-1"], "pods on both nodes");
    });

    it("2. data path through kube-proxy: standalone SET/GET, replicas linked by headless names, writes via the Sentinel endpoint, its NodePort from the host", async function () {
        const secret = await kubectl.get("secret", "redis-auth", NS);
        const password = Buffer.from(secret.data["redis-password"], "base64").toString();
        assert.equal(password, PASSWORD);
        const ip = async (svc: string) => (await kubectl.get("service", svc, NS)).spec.clusterIP as string;
        const podIP = async (pod: string) => (await kubectl.get("pod", pod, NS)).status.podIP as string;
        const redis = async (host: string, ...cmds: (string | number)[][]) => {
            const c = await RespClient.connect(6379, host, 2000);
            try {
                await c.ok(["AUTH", password]);
                const out = [];
                for (const cmd of cmds) out.push(await c.ok(cmd));
                return out;
            } finally {
                c.close();
            }
        };
        const infoOf = async (host: string) =>
            Object.fromEntries(
                String((await redis(host, ["INFO", "replication"]))[0])
                    .split("\r\n")
                    .filter(l => l.includes(":"))
                    .map(l => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1)]),
            );

        const t0 = Date.now();
        assert.deepEqual(await redis(await ip("redis"), ["SET", "k", "standalone"], ["GET", "k"]), ["OK", "standalone"]);
        const noAuth = await RespClient.connect(6379, await ip("redis"));
        try {
            assert.match(String(await noAuth.call(["GET", "k"])), /NOAUTH/);
        } finally {
            noAuth.close();
        }

        const replica = await eventually("redis-sfs-1 linked to its master", 60_000, async () => {
            const r = await infoOf(await podIP("redis-sfs-1"));
            return r.master_link_status === "up" ? r : undefined;
        });
        assert.equal(replica.role, "slave");
        assert.equal(replica.master_host, `redis-sfs-0.redis-sfs-headless.${NS}.svc.cluster.local`);
        await redis(await ip("redis-sfs-master"), ["SET", "sfs", "v1"]);
        await eventually("the write replicated", 10_000, async () =>
            (await redis(await podIP("redis-sfs-1"), ["GET", "sfs"]))[0] === "v1" ? true : undefined,
        );

        const target: SentinelTarget = { kubectl, namespace: NS, name: "redis-ha", password, dataPods: DATA_PODS };
        const master = await steady(target);
        assert.deepEqual(
            await redis(await ip("redis-ha"), ["SET", "ha", "v1"], ["WAIT", DATA_PODS - 1, 2000]),
            ["OK", DATA_PODS - 1],
            "both replicas acknowledge",
        );
        assert.equal((await redis(await podIP(master), ["GET", "ha"]))[0], "v1", "the endpoint wrote to the master the sentinels name");
        // `service: { type: "NodePort" }`: from outside the cluster (the host), at every node's address, the write port
        // reaches the master and the read port a node holding the same data.
        const nodes = await kubectl.list("nodes");
        assert.equal(nodes.length, 2);
        for (const node of nodes) {
            const addr = node.status.addresses.find((a: any) => a.type === "InternalIP").address as string;
            const at = async (port: number, cmd: (string | number)[]) => {
                const c = await RespClient.connect(port, addr, 2000);
                try {
                    await c.ok(["AUTH", password]);
                    return await c.ok(cmd);
                } finally {
                    c.close();
                }
            };
            const key = `nodeport-${node.metadata.name}`;
            assert.equal(await at(NODE_PORT, ["SET", key, "v"]), "OK", `${addr}:${NODE_PORT} takes a write`);
            assert.equal((await redis(await podIP(master), ["GET", key]))[0], "v", `${addr}:${NODE_PORT} wrote to the master`);
            await eventually(`${addr}:${NODE_PORT + 1} reads the write`, 10_000, async () =>
                (await at(NODE_PORT + 1, ["GET", key])) === "v" ? true : undefined,
            );
        }
        const server = async (host: string) => String((await redis(host, ["INFO", "server"]))[0]);
        assert.match(await server(await podIP(master)), /^valkey_version:8\.\d+\.\d+\r?$/m, "the default engine is Valkey");

        const barePod = await server(await podIP("redis-pod"));
        assert.match(barePod, /^redis_version:7\.\d+\.\d+\r?$/m, "engine: redis runs Redis");
        assert.doesNotMatch(barePod, /valkey_version/);
        timed("2. data path checks", Date.now() - t0);
    });

    it("2b. volumes: PVCs bound on the default StorageClass; a force-deleted master comes back with its 10,000 keys from the AOF", async function () {
        const t0 = Date.now();
        const pvcs = await eventually("every data pod's claim Bound", 60_000, async () => {
            const all = (await kubectl.list("pvc", NS)).filter(c => /^data-redis-(sfs|ha-node)-\d+$/.test(c.metadata.name));
            return all.length === 2 + DATA_PODS && all.every(c => c.status.phase === "Bound") ? all : undefined;
        });
        for (const c of pvcs) assert.equal(c.spec.storageClassName, "standard", `${c.metadata.name}: the cluster's default class`);
        const pvs = (await kubectl.list("pv")).filter(v => v.spec.claimRef?.namespace === NS);
        assert.equal(pvs.length, pvcs.length, "one PV per claim");
        for (const v of pvs) assert.equal(v.spec.persistentVolumeReclaimPolicy, "Delete", `${v.metadata.name}`);

        const secret = await kubectl.get("secret", "redis-sfs-auth", NS);
        const password = Buffer.from(secret.data["redis-password"], "base64").toString();
        const at = async (host: string, ...cmds: (string | number)[][]) => {
            const c = await RespClient.connect(6379, host, 2000);
            try {
                await c.ok(["AUTH", password]);
                const out = [];
                for (const cmd of cmds) out.push(await c.ok(cmd, 10_000));
                return out;
            } finally {
                c.close();
            }
        };
        const sfs0 = await kubectl.get("pod", "redis-sfs-0", NS);
        assert.deepEqual((await at(sfs0.status.podIP, ["CONFIG", "GET", "appendonly"]))[0], ["appendonly", "yes"]);
        const KEYS = 10_000;
        for (let b = 0; b < KEYS; b += 1000) {
            const kv: string[] = [];
            for (let i = b; i < b + 1000; i++) kv.push(`vol:${i}`, `v${i}`);
            await at(sfs0.status.podIP, ["MSET", ...kv]);
        }
        // appendfsync everysec: a write is on disk within a second or two.
        await new Promise(r => setTimeout(r, 2500));
        const claim = await kubectl.get("pvc", "data-redis-sfs-0", NS);
        await kubectl.ok(["delete", "pod", "redis-sfs-0", "-n", NS, "--grace-period=0", "--force", "--wait=false"]);
        const back = await eventually("redis-sfs-0 back, Ready, as master", 180_000, async () => {
            const p = await kubectl.get("pod", "redis-sfs-0", NS);
            if (!p || p.metadata.uid === sfs0.metadata.uid || !p.status?.podIP) return undefined;
            if (!p.status.conditions?.some((c: any) => c.type === "Ready" && c.status === "True")) return undefined;
            return p;
        });
        const [size, sample, repl] = await at(
            back.status.podIP,
            ["DBSIZE"],
            ["MGET", "vol:0", "vol:4999", "vol:9999"],
            ["INFO", "replication"],
        );
        assert.match(String(repl), /role:master/);
        assert.ok(Number(size) >= KEYS, `DBSIZE ${size} after the restart: the AOF on the claim held every key`);
        assert.deepEqual(sample, ["v0", "v4999", "v9999"]);
        assert.equal((await kubectl.get("pvc", "data-redis-sfs-0", NS)).metadata.uid, claim.metadata.uid, "the same claim");
        await eventually("redis-sfs-1 linked to the returned master", 120_000, async () => {
            const p = await kubectl.get("pod", "redis-sfs-1", NS);
            const r = String((await at(p.status.podIP, ["INFO", "replication"]))[0]);
            return /master_link_status:up/.test(r) ? true : undefined;
        });
        assert.equal(Number((await at((await kubectl.get("pod", "redis-sfs-1", NS)).status.podIP, ["DBSIZE"]))[0]) >= KEYS, true);
        timed("2b. 10,000 keys written, master force-deleted, back with them from its PVC", Date.now() - t0);
    });

    it("2c. RedisSentinel on `engine: redis` (Debian's Redis image): created beside the Valkey set, fails over a deleted master with every acknowledged write, switched to Valkey under a writer, removed again", async function () {
        const t0 = Date.now();
        await stack.setConfig({ redisEngineSentinel: true });
        const up = await stack.up();
        assert.equal(up.code, 0, `pulumi up adding the engine: redis set failed:\n${up.stdout.slice(-4000)}\n${up.stderr.slice(-2000)}`);
        timed("2c. pulumi up adding a RedisSentinel on engine: redis (update)", up.ms);
        try {
            const target = await sentinelTarget("redis-ha-redis", 3);
            const master = await steady(target);
            const pod = await kubectl.get("pod", master, NS);
            assert.equal(pod.spec.containers[0].image, images.redis, `${master} runs the Redis image`);
            const c = await RespClient.connect(6379, pod.status.podIP, 2000);
            try {
                await c.ok(["AUTH", target.password]);
                const server = String(await c.ok(["INFO", "server"]));
                assert.match(server, /^redis_version:7\.\d+\.\d+\r?$/m, "engine: redis runs Redis");
                assert.doesNotMatch(server, /valkey_version/);
            } finally {
                c.close();
            }
            const r = await oneFailover(target, "pod-delete", 0);
            console.log(
                `        engine: redis pod-delete: ${(r.ms / 1000).toFixed(2)} s, ${r.from} -> ${r.to}, ${r.acked} acked, ${r.lost} lost`,
            );
            assert.notEqual(r.to, r.from);
            assert.equal(r.lost, 0, "WAIT-acknowledged writes lost");
            // The engine switch: every replica first, the master last (its preStop stays on Redis while any replica does).
            const s = await switchToValkey({ stack, target, valkeyImage: images.valkey });
            console.log(
                `        engine: redis -> valkey: up ${(s.upMs / 1000).toFixed(1)} s, refused ${s.refusedMs} ms in all ` +
                    `(stretches ${s.stretches.join(", ") || "none"} ms), ${s.acked} acked, ${s.lost} lost`,
            );
            timed("2c. engine: redis -> valkey roll (pulumi up)", s.upMs);
            assert.equal(s.lost, 0, "WAIT-acknowledged writes lost in the engine switch");
        } finally {
            // Removed whatever happened, so the steps after run on the stack they expect.
            await stack.setConfig({ redisEngineSentinel: false, redisEngineSentinelValkey: false });
            const down = await stack.up();
            assert.equal(
                down.code,
                0,
                `pulumi up removing the engine: redis set failed:\n${down.stdout.slice(-4000)}\n${down.stderr.slice(-2000)}`,
            );
            await eventually("the engine: redis set's pods gone", 120_000, async () =>
                (await kubectl.list("pods", NS)).some(p => p.metadata.name.startsWith("redis-ha-redis-")) ? undefined : true,
            );
        }
        timed("2c. engine: redis set up, failed over, removed", Date.now() - t0);
    });

    it("2d. password rotation: a new redisPassword updates only the Secrets' data; every Redis pod takes it live, writes through redis-ha flow, no pod restarts", async function () {
        const r = await rotatePassword({
            kubectl,
            stack,
            namespace: NS,
            endpointService: "redis-ha",
            oldPassword: PASSWORD,
            newPassword: ROTATED_PASSWORD,
        });
        console.log(
            `        rotation: up ${(r.upMs / 1000).toFixed(1)} s, new password everywhere after ${(r.newEverywhereMs / 1000).toFixed(1)} s, ` +
                `old refused everywhere after ${(r.oldRefusedMs / 1000).toFixed(1)} s; ${r.acked} acked, ${r.lost} lost, ` +
                `longest stretch without a write ${r.longestGapMs} ms, refused ${r.refusedMs} ms`,
        );
        timed("2d. password rotation (up, every pod on the new password, the old one refused)", r.oldRefusedMs);
        assert.ok(r.previewSteps.length > 0, "the preview shows no change");
        for (const step of r.previewSteps)
            assert.match(step, /^update \S*kubernetes:core\/v1:SecretPatch::/, `preview: ${r.previewSteps.join("; ")}`);
        assert.equal(r.lost, 0, "WAIT-acknowledged writes lost");
        assert.equal(r.refusedMs, 0, `writes were refused for ${r.refusedMs} ms during the rotation`);
    });

    it(`3. failover on real pods: ${RUNS} × master pod deleted and ${RUNS} × redis-server killed, writes through the ClusterIP`, async function () {
        const target = await sentinelTarget("redis-ha", DATA_PODS);
        for (const kind of ["pod-delete", "process-kill"] as const) {
            for (let i = 0; i < RUNS; i++) {
                const r = await oneFailover(target, kind, i);
                failovers.push(r);
                console.log(
                    `        ${kind} ${i + 1}/${RUNS}: ${(r.ms / 1000).toFixed(2)} s, ${r.from} -> ${r.to}, ${r.acked} acked, ${r.lost} lost`,
                );
                timed(`3. ${kind} ${i + 1}: first write through the endpoint`, r.ms);
            }
        }
        assert.equal(
            failovers.reduce((a, r) => a + r.lost, 0),
            0,
            "WAIT-acknowledged writes lost",
        );
    });

    it(`3b. planned failover on real pods: ${ROLLOUTS} × rolling restart of the data pods; the master hands over in its preStop, nothing lost`, async function () {
        const target = await sentinelTarget("redis-ha", DATA_PODS);
        const rounds: HandoverRound[] = [];
        for (let i = 0; i < ROLLOUTS; i++) {
            const t0 = Date.now();
            const r = await rollingRestart(target, i);
            rounds.push(r);
            if (process.env.KUBECACHE_E2E_TIMINGS)
                fs.writeFileSync(`${process.env.KUBECACHE_E2E_TIMINGS}.rollout${i + 1}.txt`, r.diagnostics);
            console.log(
                `        rollout ${i + 1}/${ROLLOUTS}: ${r.handovers} hand-over(s) refusing writes ${r.handoverRefusedMs.join(" / ")} ms; ` +
                    `refused ${r.refusedTotalMs} ms in all (longest ${r.refusedMs} ms), ${r.acked} acked, ${r.lost} lost`,
            );
            timed(`3b. rolling restart ${i + 1} of ${DATA_PODS} data pods (refused ${r.refusedTotalMs} ms)`, Date.now() - t0);
        }
        assert.equal(
            rounds.reduce((a, r) => a + r.lost, 0),
            0,
            "WAIT-acknowledged writes lost",
        );
        for (const r of rounds) {
            assert.ok(r.handovers >= 1, "a rolling restart of every data pod moves the master at least once");
            assert.equal(
                r.handoverRefusedMs.length,
                r.handovers,
                `every master change was a preStop hand-over (the full logs: KUBECACHE_E2E_TIMINGS)\n${r.summary}`,
            );
        }
        // The goal is ≤ 1 s per hand-over and ≤ 3 s refused per whole rolling restart. On this 2-core machine the pods
        // tier does not meet it (bench/README.md "Planned failover on real pods" has each run's figures), so it is
        // reported here, not asserted: a bound that fails on every run would only hide the safety checks above.
        const slow = rounds.flatMap(r => r.handoverRefusedMs).filter(ms => ms > 1000);
        const total = Math.max(...rounds.map(r => r.refusedTotalMs));
        if (slow.length || total > 3000)
            console.log(
                `        goal not met: hand-overs over 1 s: ${slow.join(" / ") || "none"} ms; most refused in one rolling restart ${total} ms`,
            );
    });

    it("4. the seed's lessons: the bare Pod stays gone, the Deployment's pod comes back, redis-sfs-0 returns as master", async function () {
        const t0 = Date.now();
        const deployPod = (await kubectl.list("pods", NS, "app.kubernetes.io/instance=redis,app.kubernetes.io/component=standalone")).find(
            p => p.metadata.name.startsWith("redis-") && !p.metadata.name.startsWith("redis-pod"),
        );
        assert.ok(deployPod, "the Deployment's pod");
        const sfs0 = await kubectl.get("pod", "redis-sfs-0", NS);
        await kubectl.ok(["delete", "pod", "redis-pod", deployPod.metadata.name, "redis-sfs-0", "-n", NS, "--wait=true", "--timeout=120s"]);

        const back = await eventually("a new Running, Ready pod of Deployment redis", 120_000, async () => {
            const ps = (await kubectl.list("pods", NS, "app.kubernetes.io/instance=redis,app.kubernetes.io/component=standalone")).filter(
                p =>
                    p.metadata.name !== deployPod.metadata.name &&
                    p.status.phase === "Running" &&
                    p.status.conditions?.some((c: any) => c.type === "Ready" && c.status === "True"),
            );
            return ps[0];
        });
        assert.notEqual(back.metadata.uid, deployPod.metadata.uid);

        const secret = await kubectl.get("secret", "redis-sfs-auth", NS);
        const password = Buffer.from(secret.data["redis-password"], "base64").toString();
        const infoAt = async (pod: string) => {
            const p = await kubectl.get("pod", pod, NS);
            if (!p?.status?.podIP || !p.status.conditions?.some((c: any) => c.type === "Ready" && c.status === "True")) return undefined;
            const c = await RespClient.connect(6379, p.status.podIP, 1000);
            try {
                await c.ok(["AUTH", password]);
                return { uid: p.metadata.uid, info: String(await c.ok(["INFO", "replication"])) };
            } finally {
                c.close();
            }
        };
        const master = await eventually("redis-sfs-0 back as master", 180_000, async () => {
            const r = await infoAt("redis-sfs-0");
            return r && r.uid !== sfs0.metadata.uid && /role:master/.test(r.info) ? r : undefined;
        });
        assert.match(master.info, /role:master/);
        await eventually("redis-sfs-1 resynced with the new redis-sfs-0", 120_000, async () => {
            const r = await infoAt("redis-sfs-1");
            return r && /master_link_status:up/.test(r.info) ? true : undefined;
        });
        await new Promise(r => setTimeout(r, 10_000));
        assert.equal(await kubectl.get("pod", "redis-pod", NS), undefined, "the bare Pod is not re-created");
        timed("4. pods deleted and back (Deployment, StatefulSet master + resync)", Date.now() - t0);
    });

    it("5. Memcached: the operator runs in-cluster with leader election; size 1 → 3 pods in status.nodes; a deleted Deployment comes back", async function () {
        const t0 = Date.now();
        const lease = await eventually("the operator's leader Lease", 60_000, async () => {
            const l = await kubectl.get("lease", "memcached.cache.kubecache.io", OPERATOR_NS);
            return l?.spec?.holderIdentity ? l : undefined;
        });
        const managers = (await kubectl.list("pods", OPERATOR_NS)).map(p => p.metadata.name);
        assert.ok(
            managers.some(m => lease.spec.holderIdentity.startsWith(m)),
            `leader ${lease.spec.holderIdentity} is one of ${managers}`,
        );

        const ready = (size: number) =>
            eventually(`memcached-sample at size ${size}`, 180_000, async () => {
                const d = await kubectl.get("deployment", "memcached-sample", NS);
                const cr = await kubectl.get("memcached", "memcached-sample", NS);
                const nodes: string[] = cr?.status?.nodes ?? [];
                return d?.status?.readyReplicas === size && nodes.length === size ? { d, nodes } : undefined;
            });
        const first = await ready(1);
        timed("5. operator (in cluster) reconciles the CR: Deployment ready, status.nodes", Date.now() - t0);
        const resolver = new dns.Resolver();
        resolver.setServers([(await kubectl.get("service", "kube-dns", "kube-system")).spec.clusterIP]);
        const host = `memcached-sample.${NS}.svc.cluster.local`;
        const ips = await resolver.resolve4(host);
        assert.equal(ips.length, 1, `${host} resolves to the one pod through CoreDNS`);
        assert.match(await memcached(ips[0], "version"), /^VERSION 1\.6\./);
        assert.match(await memcached(ips[0], "stats"), /STAT pid \d+[\s\S]*END/);
        const pods = (await kubectl.list("pods", NS, "app.kubernetes.io/instance=memcached-sample")).map(p => p.metadata.name);
        assert.deepEqual([...first.nodes].sort(), pods.sort());

        await stack.setConfig({ memcachedSize: 3 });
        const r = await stack.up();
        assert.equal(r.code, 0, `pulumi up (size 3) failed:\n${r.stdout.slice(-3000)}`);
        timed("5. pulumi up size 1 -> 3 (update)", r.ms);
        const t1 = Date.now();
        const scaled = await ready(3);
        timed("5. operator scales to 3 real pods", Date.now() - t1);
        const podsNow = (await kubectl.list("pods", NS, "app.kubernetes.io/instance=memcached-sample")).map(p => p.metadata.name);
        assert.deepEqual([...scaled.nodes].sort(), podsNow.sort());
        const three = await eventually("3 addresses behind the headless name", 30_000, async () => {
            const a = await resolver.resolve4(host);
            return a.length === 3 ? a : undefined;
        });
        for (const ip of three) assert.match(await memcached(ip, "version"), /^VERSION/);

        const before = await kubectl.get("deployment", "memcached-sample", NS);
        await kubectl.ok(["delete", "deployment", "memcached-sample", "-n", NS]);
        const t2 = Date.now();
        const again = await eventually("the operator re-creates the Deployment", 120_000, async () => {
            const d = await kubectl.get("deployment", "memcached-sample", NS);
            return d && d.metadata.uid !== before.metadata.uid && d.status?.readyReplicas === 3 ? d : undefined;
        });
        assert.equal(again.spec.replicas, 3);
        timed("5. deleted Deployment re-created and ready", Date.now() - t2);
    });

    // The metrics and SASL Memcacheds come from the tier's Pulumi program (`memcachedFeatures`), not kubectl: so what
    // reaches the operator is what the component renders from its public `metrics` and `auth` arguments, the Secret
    // is an ordinary stack resource, and step 7's no-op up and destroy cover them. They are added by an update here
    // rather than in step 1, so step 1's up and the kubectl comparison keep measuring the same resources as before.
    it("6. Memcached metrics and SASL on real pods: the exporter answers memcached_up 1 on `metrics`; SASL mode refuses an unauthenticated stats and takes a PLAIN login", async function () {
        await stack.setConfig({ memcachedFeatures: true, exporterImage: images.exporter }, { memcachedPassword: MEMCACHED_PASSWORD });
        const r = await stack.up();
        assert.equal(r.code, 0, `pulumi up (memcachedFeatures) failed:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-2000)}`);
        assert.ok((changeSummary(r.stdout).created ?? 0) >= 3, `created count in:\n${r.stdout.slice(-600)}`);
        timed("6. pulumi up adding the metrics and SASL Memcacheds (update)", r.ms);
        const t0 = Date.now();
        const readyPod = (instance: string) =>
            eventually(`${instance}'s pod Running and Ready`, 180_000, async () =>
                (await kubectl.list("pods", NS, `app.kubernetes.io/instance=${instance}`)).find(
                    p => p.status.phase === "Running" && p.status.conditions?.some((c: any) => c.type === "Ready" && c.status === "True"),
                ),
            );
        const [metricsPod, authPod] = await Promise.all([readyPod("memcached-metrics"), readyPod("memcached-auth")]);
        timed("6. both Memcacheds' pods ready", Date.now() - t0);
        const t1 = Date.now();
        for (const p of [metricsPod, authPod]) {
            for (const c of p.status.containerStatuses) {
                assert.equal(c.restartCount, 0, `${p.metadata.name}/${c.name} restarts`);
                assert.match(
                    c.imageID,
                    /127\.0\.0\.1:5001\/kubecache\/.*@sha256:[0-9a-f]{64}$/,
                    `${p.metadata.name}/${c.name} image from the local registry`,
                );
            }
        }

        // The exporter: container and port named `metrics` (9150), also on the headless Service; scraped from the
        // host through the pod IP, which the host reaches on the cluster's bridge.
        const exporter = metricsPod.spec.containers.find((c: any) => c.name === "metrics");
        assert.ok(exporter, "an exporter container named metrics");
        assert.equal(exporter.image, images.exporter, "the exporter image pinned by digest");
        assert.deepEqual(
            exporter.ports.map((p: any) => [p.name, p.containerPort]),
            [["metrics", 9150]],
        );
        const svc = await kubectl.get("service", "memcached-metrics", NS);
        assert.ok(
            svc.spec.ports.some((p: any) => p.name === "metrics" && p.port === 9150 && p.targetPort === "metrics"),
            "the Service's metrics port",
        );
        const scrape = await eventually("the exporter answers with memcached_up 1", 30_000, async () => {
            const res = await httpGet(`http://${metricsPod.status.podIP}:9150/metrics`).catch(() => undefined);
            return res?.status === 200 && /^memcached_up 1$/m.test(res.body) ? res.body : undefined;
        });
        assert.match(scrape, /^memcached_version\{version="1\.6\.\d+"\} 1$/m);
        assert.match(scrape, /^memcached_current_connections \d+$/m);
        // Unauthenticated memcached beside it: the text protocol answers.
        assert.match(await memcached(metricsPod.status.podIP, "version"), /^VERSION 1\.6\./);

        // SASL mode with the documented Secret (memcached-sasl-pwdb only): the binary protocol's auth error 0x20
        // before a login, PLAIN the only mechanism (ANONYMOUS is installed in the image, and refused), a wrong
        // password refused, the right one accepted.
        assert.equal(authPod.spec.hostname, "memcached", "the SASL realm as the pod's hostname");
        const host = authPod.status.podIP;
        const session = async <T>(f: (c: MemcachedBinary) => Promise<T>): Promise<T> => {
            const c = await MemcachedBinary.connect(host);
            try {
                return await f(c);
            } finally {
                c.close();
            }
        };
        const unauth = await session(c => c.request(OP.stat));
        assert.equal(unauth.status, STATUS_AUTH_ERROR, `unauthenticated stats: status 0x${unauth.status.toString(16)}`);
        assert.doesNotMatch(await textReplyWithin(host, "stats", 1000), /STAT/, "the text protocol answers no stats in SASL mode");
        const mechs = await session(c => c.request(OP.saslList));
        assert.deepEqual([mechs.status, mechs.body], [0, "PLAIN"], "mechanisms offered");
        assert.equal((await session(c => c.request(OP.saslAuth, "ANONYMOUS", "anyone"))).status, STATUS_AUTH_ERROR, "ANONYMOUS login");
        assert.equal((await session(c => c.request(OP.saslAuth, "PLAIN", "\0app\0wrong"))).status, STATUS_AUTH_ERROR, "wrong password");
        const stats = await session(async c => {
            const login = await c.request(OP.saslAuth, "PLAIN", `\0app\0${MEMCACHED_PASSWORD}`);
            assert.equal(login.status, 0, `PLAIN login as app: status 0x${login.status.toString(16)} ${login.body}`);
            return c.request(OP.stat);
        });
        assert.equal(stats.status, 0, "stats after the login");
        assert.match(stats.stats.pid ?? "", /^\d+$/, "stats answered (pid)");
        assert.match(stats.stats.version ?? "", /^1\.6\./);
        timed("6. exporter scraped, SASL refusals and login checked", Date.now() - t1);
    });

    it("7. a no-op up changes nothing; pulumi destroy leaves no object and no container; nothing left the machine", async function () {
        const noop = await stack.up(["--expect-no-changes"]);
        assert.equal(noop.code, 0, `no-op up failed or changed something:\n${noop.stdout.slice(-3000)}`);
        timed("7. pulumi up (no changes)", noop.ms);

        const r = await stack.destroy();
        assert.equal(r.code, 0, `destroy failed:\n${r.stdout.slice(-3000)}`);
        destroyMs = r.ms;
        timed("7. pulumi destroy", r.ms);
        const t0 = Date.now();
        await eventually("namespaces and CRD gone", 240_000, async () => {
            const left = await Promise.all([
                kubectl.get("namespace", NS),
                kubectl.get("namespace", OPERATOR_NS),
                kubectl.get("crd", "memcacheds.cache.kubecache.io"),
            ]);
            return left.every(o => o === undefined) ? true : undefined;
        });
        const leftovers = (await kubectl.list("all,secrets,configmaps,pdb,leases")).filter(
            o => o.metadata.labels?.["app.kubernetes.io/managed-by"] === "kubecache" || [NS, OPERATOR_NS].includes(o.metadata.namespace),
        );
        assert.deepEqual(
            leftovers.map(o => `${o.kind}/${o.metadata.name}`),
            [],
        );
        // The claims went with their StatefulSets, and the provisioner deleted their volumes and directories.
        const pvs = await eventually("no PV left", 120_000, async () => {
            const left = await kubectl.list("pv");
            return left.length === 0 ? left : undefined;
        });
        assert.deepEqual(pvs, []);
        assert.deepEqual(fs.readdirSync(path.join(cluster!.dir, "local-path")), [], "the provisioner's directories removed");
        const containers = await eventually("no kubecache container on any node", 120_000, async () => {
            const cs = (await criContainers(cluster!.dir)).filter(c => [NS, OPERATOR_NS].includes(c.namespace));
            return cs.length === 0 ? cs : undefined;
        });
        assert.deepEqual(containers, []);
        timed("7. namespaces finalized and containers removed after destroy", Date.now() - t0);
        const counted = await leaks(cluster!.dir);
        assert.ok(counted.length >= 3, `leak counters present: ${JSON.stringify(counted)}`);
        assert.deepEqual(
            counted.filter(c => c.packets !== 0),
            [],
            "packets to or from the pod/Service ranges on the default interface",
        );
    });

    it("kubectl apply of the same manifests on real pods, for comparison (bench/README.md)", async function () {
        const b = await renderAndApply(PROJECT, kubectl, { redisPassword: PASSWORD }, [NS, OPERATOR_NS], {
            redisImage: images.valkey,
            haproxyImage: images.haproxy,
            memcachedImage: images.memcached,
            operatorImage: images.operator,
            operatorReplicas: 2,
            sentinelReplicas: DATA_PODS,
        });
        timed("bench: kubectl apply + wait for every rollout (real pods)", b.applyMs);
        timed("bench: kubectl delete --wait (real pods)", b.deleteMs);
        console.log(
            `      pulumi up ${(upMs / 1000).toFixed(1)} s vs kubectl apply+wait ${(b.applyMs / 1000).toFixed(1)} s ` +
                `(${(upMs / b.applyMs).toFixed(2)}×); destroy ${(destroyMs / 1000).toFixed(1)} s vs kubectl delete ${(b.deleteMs / 1000).toFixed(1)} s`,
        );
        assert.ok(b.objects > 20, `rendered ${b.objects} objects`);
    });
});

import { authData, expectRejected, findAll, findCreated, isSecret, promiseOf, recorded, resetRecorded, settle } from "../support/mocks";
import * as assert from "assert";
import { RedisSentinel, RedisSentinelArgs } from "../../components/redis/sentinel";
import { configHash } from "../../components/redis/configName";
import * as fs from "fs";
import * as path from "path";
import { kubernetesPolicies } from "../../policy/kubernetes";
import { checkPack, entriesFromRecorded } from "../policy/harness";

const STS = "kubernetes:apps/v1:StatefulSet";
const DEPLOY = "kubernetes:apps/v1:Deployment";
const SERVICE = "kubernetes:core/v1:Service";
const CONFIGMAP = "kubernetes:core/v1:ConfigMap";
const SECRET = "kubernetes:core/v1:Secret";
const PDB = "kubernetes:policy/v1:PodDisruptionBudget";
const NETPOL = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

const podSpec = (type: string, name: string) => findCreated(type, name).inputs.spec.template.spec;

/** Resources of one component instance: its own name or `<name>-...`. */
const of = (component: string) => recorded.filter(r => r.name === component || r.name.startsWith(`${component}-`));
const PASSWORD = "s3cret-Value-42";

describe("RedisSentinel", () => {
    // Every instance is built once: each construction costs ~0.5 s of mock round trips.
    const outputs: Record<string, RedisSentinel> = {};
    before(async () => {
        resetRecorded();
        outputs.ha = new RedisSentinel("ha", { namespace: "cache", minReplicasMaxLagSeconds: 7 });
        outputs.hb = new RedisSentinel("hb", { sentinels: 5, proxy: { replicas: 3 }, antiAffinity: "required" });
        outputs.ho = new RedisSentinel("ho", { namespace: "cache", masterName: "orders" });
        outputs.hx = new RedisSentinel("hx", {
            auth: { password: PASSWORD },
            networkPolicy: { enabled: true, clientLabels: { app: "web" } },
            downAfterMilliseconds: 2000,
            persistence: { enabled: true, size: "2Gi" },
        });
        await settle();
    });

    it("keeps data on one claim per data pod with persistence, deleted with the set and kept on scale-in", () => {
        const hx = findCreated(STS, "hx-node").inputs.spec;
        assert.strictEqual(hx.volumeClaimTemplates[0].spec.resources.requests.storage, "2Gi");
        assert.deepStrictEqual(hx.persistentVolumeClaimRetentionPolicy, { whenDeleted: "Delete", whenScaled: "Retain" });
        assert.strictEqual(findCreated(STS, "hx-sentinel").inputs.spec.volumeClaimTemplates, undefined, "sentinels keep no data");
        assert.strictEqual(findCreated(STS, "ha-node").inputs.spec.persistentVolumeClaimRetentionPolicy, undefined);
    });

    it("creates data and sentinel StatefulSets, an HAProxy Deployment, their Services, PDBs and one Secret", async () => {
        const counts: Record<string, number> = {};
        for (const r of of("ha")) counts[r.type] = (counts[r.type] ?? 0) + 1;
        assert.strictEqual(counts[STS], 2);
        assert.strictEqual(counts[DEPLOY], 1);
        assert.strictEqual(counts[SERVICE], 4);
        assert.strictEqual(counts[CONFIGMAP], 3);
        assert.strictEqual(counts[SECRET], 1);
        assert.strictEqual(counts[PDB], 3);
        assert.strictEqual(counts[NETPOL], undefined);
        for (const r of of("ha").filter(x => x.type.startsWith("kubernetes:")))
            assert.strictEqual(r.inputs.metadata.namespace, "cache", `${r.type} ${r.name}`);
    });

    it("runs 3 data pods behind a headless Service that publishes not-ready addresses", async () => {
        const sts = findCreated(STS, "ha-node").inputs.spec;
        const headless = findCreated(SERVICE, "ha-headless").inputs.spec;
        assert.strictEqual(sts.replicas, 3);
        assert.strictEqual(sts.serviceName, "ha-headless");
        assert.strictEqual(sts.podManagementPolicy, "Parallel");
        assert.strictEqual(headless.clusterIP, "None");
        assert.strictEqual(headless.publishNotReadyAddresses, true);
        assert.deepStrictEqual(headless.selector, sts.selector.matchLabels);
        const c = sts.template.spec.containers[0];
        assert.deepStrictEqual(c.command, ["sh", "/etc/redis/start.sh"]);
        assert.ok(c.livenessProbe && c.readinessProbe, "probes");
        assert.strictEqual(c.resources.limits.memory, "256Mi");
        assert.strictEqual(c.securityContext.readOnlyRootFilesystem, true);
        assert.deepStrictEqual(c.securityContext.capabilities, { drop: ["ALL"] });
        assert.strictEqual(sts.template.spec.securityContext.runAsNonRoot, true);
        assert.strictEqual(sts.template.metadata.annotations, undefined, "the ConfigMap's hashed name alone rolls the pods");
    });

    it("renders data nodes that start fenced, announce their names and bootstrap from what sentinels and peers hold", async () => {
        const data = findCreated(CONFIGMAP, "ha-node-config").inputs.data;
        assert.match(data["redis.conf"], /^min-replicas-to-write 1000000$/m);
        assert.match(data["redis.conf"], /^min-replicas-max-lag 7$/m);
        const env: string = data["topology.env"];
        assert.match(
            env,
            /^KC_NODES='ha-node-0\.ha-headless\.cache\.svc\.cluster\.local:6379 ha-node-1\.ha-headless\.cache\.svc\.cluster\.local:6379 ha-node-2\.ha-headless\.cache\.svc\.cluster\.local:6379'$/m,
        );
        assert.match(env, /^KC_SENTINELS='.* ha-sentinel-2\.ha-sentinel-headless\.cache\.svc\.cluster\.local:26379'$/m);
        assert.match(env, /^KC_MASTER_NAME='mymaster'$/m);
        assert.match(env, /^KC_ORPHAN_MASTER='127\.0\.0\.1 1'$/m);
        assert.match(env, /^KC_DATA_DIR='\/data'$/m);
        const script: string = data["start.sh"];
        assert.match(script, /has_local_data\(\) \{ \[ -s "\$KC_DATA_DIR\/dump\.rdb" \]/);
        assert.match(script, /echo "replicaof \$KC_ORPHAN_MASTER"/);
        assert.match(script, /replica-announce-ip \$self_host/);
        assert.match(data["lib.sh"], /SENTINEL get-master-addr-by-name "\$KC_MASTER_NAME"/);
        assert.match(data["runtime-conf.sh"], /masterauth/);
    });

    it("runs a fencing agent beside every data node and hands the master over before its pod stops", async () => {
        const spec = podSpec(STS, "ha-node");
        assert.deepStrictEqual(
            spec.containers.map((c: any) => c.name),
            ["redis", "agent"],
        );
        const [redis, agent] = spec.containers;
        assert.deepStrictEqual(redis.lifecycle.preStop.exec.command, ["sh", "/etc/redis/prestop.sh"]);
        assert.match(redis.livenessProbe.exec.command[2], /\[ -f \/run\/redis\/waiting \]/);
        assert.deepStrictEqual(agent.command, ["sh", "/etc/redis/agent.sh"]);
        assert.strictEqual(agent.image, redis.image);
        assert.deepStrictEqual(agent.env, redis.env);
        assert.ok(agent.livenessProbe && agent.readinessProbe && agent.resources.limits.memory);
        assert.strictEqual(agent.livenessProbe.periodSeconds, 10, "every exec probe is a runc exec on the node");
        // What it uses (3 sentinel streams and its own, 10 answers a second each), with no CPU limit.
        assert.strictEqual(agent.resources.requests.cpu, "160m");
        assert.strictEqual(agent.resources.limits.cpu, undefined);
        assert.strictEqual(redis.livenessProbe.periodSeconds, 10);
        assert.strictEqual(agent.securityContext.readOnlyRootFilesystem, true);
        // (1.5 s + 3 s, rounded up, + 5 s) of hand-over budget, + 5 s, + 10 s of grace.
        assert.strictEqual(spec.terminationGracePeriodSeconds, 25);
        const data = findCreated(CONFIGMAP, "ha-node-config").inputs.data;
        assert.match(data["agent-streams.sh"], /SENTINEL MASTER "\$KC_MASTER_NAME"/);
        assert.match(data["agent.sh"], /^\. "\$here\/agent-streams\.sh"$/m, "the agent sources its stream readers");
        const env: string = data["topology.env"];
        assert.match(env, /^KC_HOLD_CS='300'$/m);
        // A 7 s lag makes no difference to the fence: it derives from down-after (1500 ms).
        assert.match(env, /^KC_FRESH_CS='15'$/m);
        assert.match(env, /^KC_BUDGET_CS='50'$/m);
        assert.match(data["prestop.sh"], /SENTINEL FAILOVER "\$KC_MASTER_NAME"/);
        assert.match(env, /^KC_ENDPOINT='ha\.cache\.svc\.cluster\.local:6379'$/m);
        assert.match(env, /^KC_HANDOVER_BUDGET='15'$/m);
        assert.match(env, /^KC_PRESTOP_LOG='\/proc\/1\/fd\/1'$/m);
    });

    it("runs 3 sentinels with hostnames on, the tuned timings and a majority quorum", async () => {
        const sts = findCreated(STS, "ha-sentinel").inputs.spec;
        assert.strictEqual(sts.replicas, 3);
        assert.strictEqual(sts.serviceName, "ha-sentinel-headless");
        const c = sts.template.spec.containers[0];
        assert.strictEqual(c.ports[0].containerPort, 26379);
        // No exec probe (a runc exec each): the kubelet's own TCP connection, with time for the start script's waits
        // (5 s + 1.5 s + 3 s rounded up, + 10 s for a data node, 60 s for DNS, 20 s for the peers).
        for (const probe of ["startupProbe", "livenessProbe", "readinessProbe"]) {
            assert.deepStrictEqual(c[probe].tcpSocket, { port: "sentinel" }, probe);
            assert.strictEqual(c[probe].exec, undefined, probe);
        }
        assert.strictEqual(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold, 100);
        const data = findCreated(CONFIGMAP, "ha-sentinel-config").inputs.data;
        assert.match(data["sentinel.conf"], /^sentinel resolve-hostnames yes$/m);
        assert.match(data["sentinel.conf"], /^sentinel announce-hostnames yes$/m);
        const script: string = data["start.sh"];
        assert.match(script, /sentinel monitor \$name \$master \$KC_QUORUM"/);
        assert.match(script, /sentinel auth-pass %s %s/);
        assert.match(script, /requirepass/);
        assert.match(script, /sentinel announce-ip \$self_host/);
        const env: string = data["topology.env"];
        assert.match(env, /^KC_QUORUM='2'$/m);
        assert.match(env, /^KC_DOWN_AFTER_MS='1500'$/m);
        assert.match(env, /^KC_FAILOVER_TIMEOUT_MS='3000'$/m);
        assert.match(env, /^KC_PARALLEL_SYNCS='1'$/m);
        assert.match(env, /^KC_SENTINEL_DEBUG='ping-period 300 ask-period 100 info-period 1000 tilt-period 3000'$/m);
        const svc = findCreated(SERVICE, "ha-sentinel").inputs.spec;
        assert.deepStrictEqual(svc.selector, sts.selector.matchLabels);
        assert.strictEqual(svc.ports[0].port, 26379);
    });

    it("fronts the master with 2+ HAProxy pods that route to the one writable master, plus a read endpoint on 6380", async () => {
        const dep = findCreated(DEPLOY, "hb-haproxy").inputs.spec;
        assert.strictEqual(dep.replicas, 3);
        const c = dep.template.spec.containers[0];
        assert.match(c.image, /^haproxy:3\.0\.\d+-alpine$/);
        assert.strictEqual(dep.template.spec.securityContext.runAsUser, 99);
        assert.strictEqual(c.readinessProbe.httpGet.path, "/healthz");
        assert.deepStrictEqual(
            c.ports.map((p: any) => p.containerPort),
            [6379, 6380, 8888],
        );
        // Only the check user's password, as a file the kubelet keeps current: HAProxy pods never see the component's.
        assert.strictEqual(c.env, undefined);
        assert.ok(c.volumeMounts.some((m: any) => m.name === "auth" && m.mountPath === "/etc/kubecache/auth" && m.readOnly));
        assert.deepStrictEqual(
            dep.template.spec.volumes.find((v: any) => v.name === "auth"),
            {
                name: "auth",
                secret: { secretName: "hb-auth", defaultMode: 0o440, items: [{ key: "haproxy-password", path: "haproxy-password" }] },
            },
        );
        const cfg: string = findCreated(CONFIGMAP, "hb-haproxy-config").inputs.data["haproxy.cfg"];
        assert.match(cfg, /tcp-check expect min-recv 64 rstring \^.*\\#\.Replication\\r\\nrole:master\\r\\n$/m);
        assert.match(cfg, /DEL.*kubecache:write-probe/);
        assert.ok(
            cfg.includes(
                "use-server node2 if { srv_is_up(redis_master/node2) } !{ srv_is_up(redis_master/node0) } !{ srv_is_up(redis_master/node1) }\n",
            ),
            cfg,
        );
        assert.match(cfg, /server node0 hb-node-0\.hb-headless\.default\.svc\.cluster\.local:6379 weight 0 observe layer4/);
        assert.doesNotMatch(cfg, /sentinel/i);
        assert.match(cfg, /^frontend redis_read\n {4}bind :6380$/m);
        assert.match(cfg, /parse-resolv-conf/);
        // The check password from the map the Lua loader keeps current (the mounted haproxy-password file), 64 hex digits.
        assert.ok(
            cfg.includes("AUTH\\r\\n\\x247\\r\\nhaproxy\\r\\n\\x2464\\r\\n%[str(check),map(/usr/local/etc/haproxy/check.map)]\\r\\n"),
            cfg,
        );
        const proxyFiles = findCreated(CONFIGMAP, "hb-haproxy-config").inputs.data;
        assert.match(proxyFiles["auth.lua"], /^local file = "\/etc\/kubecache\/auth\/haproxy-password"$/m);
        assert.strictEqual(proxyFiles["check.map"], "check -\nprevious -\n");
        const svc = findCreated(SERVICE, "hb").inputs.spec;
        assert.deepStrictEqual(svc.selector, dep.selector.matchLabels);
        assert.deepStrictEqual(
            svc.ports.map((p: any) => [p.name, p.port]),
            [
                ["redis", 6379],
                ["redis-read", 6380],
            ],
        );
    });

    it("allows exactly one disruption per set and spreads pods (preferred, or required on request)", async () => {
        for (const [type, n] of [
            [STS, "ha-node"],
            [STS, "ha-sentinel"],
            [DEPLOY, "ha-haproxy"],
        ] as const) {
            const pdb = findCreated(PDB, n).inputs.spec;
            assert.strictEqual(pdb.maxUnavailable, 1);
            assert.deepStrictEqual(pdb.selector.matchLabels, findCreated(type, n).inputs.spec.selector.matchLabels);
            assert.strictEqual(
                podSpec(type, n).affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey,
                "kubernetes.io/hostname",
            );
        }
        assert.ok(podSpec(STS, "hb-node").affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution);
    });

    it("keeps a given password out of everything but the Secret", async () => {
        for (const rec of recorded.filter(x => x.type !== SECRET)) {
            assert.ok(!JSON.stringify(rec.inputs).includes(PASSWORD), `${rec.type} ${rec.name} contains the password`);
        }
        assert.strictEqual(authData("hx")["redis-password"], PASSWORD);
        assert.strictEqual(await promiseOf(outputs.hx.passwordSecretName), "hx-auth");
    });

    it("outputs the endpoint, the read endpoint, the sentinel endpoint and the master name", async () => {
        const r = outputs.ho;
        assert.strictEqual(await promiseOf(r.endpoint), "ho.cache.svc.cluster.local:6379");
        assert.strictEqual(await promiseOf(r.readEndpoint), "ho.cache.svc.cluster.local:6380");
        assert.strictEqual(await promiseOf(r.sentinelEndpoint), "ho-sentinel.cache.svc.cluster.local:26379");
        assert.strictEqual(await promiseOf(r.masterName), "orders");
        assert.strictEqual(await isSecret(r.endpoint), false);
        assert.match(findCreated(CONFIGMAP, "ho-sentinel-config").inputs.data["topology.env"], /^KC_MASTER_NAME='orders'$/m);
    });

    it("restricts Redis and Sentinel ports to the set's pods and labelled clients when asked", async () => {
        assert.strictEqual(findAll(NETPOL).length, 3, "only the instance that asked gets policies");
        const data = findCreated(NETPOL, "hx-node").inputs.spec;
        assert.deepStrictEqual(data.podSelector.matchLabels, findCreated(STS, "hx-node").inputs.spec.selector.matchLabels);
        assert.deepStrictEqual(data.ingress[0].ports, [{ protocol: "TCP", port: 6379 }]);
        assert.ok(data.ingress[0].from.some((f: any) => f.podSelector.matchLabels.app === "web"));
        const proxy = findCreated(NETPOL, "hx-haproxy").inputs.spec;
        assert.deepStrictEqual(proxy.ingress[0].from, [{ podSelector: { matchLabels: { app: "web" } } }]);
        assert.deepStrictEqual(
            proxy.ingress[0].ports.map((p: any) => p.port),
            [6379, 6380],
        );
        assert.strictEqual(proxy.ingress[1].ports[0].port, 8888);
    });

    it("passes the project's policy pack under the prod config with no violation at all", async () => {
        const config = JSON.parse(fs.readFileSync(path.join(__dirname, "../../policy/config/prod.json"), "utf8"));
        for (const name of ["ha", "hx"]) {
            const reports = await checkPack(kubernetesPolicies, entriesFromRecorded(of(name)), config);
            assert.deepStrictEqual(
                reports.map(r => `[${r.policy}] ${r.message}`),
                [],
                name,
            );
        }
    });

    it("names each ConfigMap after its files, so a config change rolls the workloads instead of replacing them", async () => {
        // A changed ConfigMap is replaced by the provider; under the same name it would be deleted first and the
        // engine would replace every workload mounting it (all data pods at once). A new name avoids both.
        const volumeOf = (type: string, workload: string) =>
            podSpec(type, workload).volumes.find((v: { name: string }) => v.name === "config").configMap.name;
        for (const [type, workload, cm] of [
            [STS, "hx-node", "hx-node-config"],
            [STS, "hx-sentinel", "hx-sentinel-config"],
            [DEPLOY, "hx-haproxy", "hx-haproxy-config"],
        ] as const) {
            const configMap = findCreated(CONFIGMAP, cm).inputs;
            assert.strictEqual(configMap.metadata.name, `${cm}-${configHash(configMap.data).slice(0, 10)}`);
            assert.strictEqual(volumeOf(type, workload), configMap.metadata.name, workload);
        }
        assert.notStrictEqual(configHash({ a: "x" }), configHash({ a: "y" }));
        assert.match(findCreated(CONFIGMAP, "hx-sentinel-config").inputs.data["topology.env"], /^KC_DOWN_AFTER_MS='2000'$/m);
        // The name is the only hash the pod templates carry: a change of one set's files rolls that set alone.
        for (const [type, workload] of [
            [STS, "hx-node"],
            [STS, "hx-sentinel"],
            [DEPLOY, "hx-haproxy"],
        ] as const)
            assert.strictEqual(findCreated(type, workload).inputs.spec.template.metadata.annotations, undefined, workload);
        // hx and ha differ in down-after (2000 vs 1500) and more: different sentinel files, different names.
        assert.notStrictEqual(
            findCreated(CONFIGMAP, "hx-sentinel-config").inputs.metadata.name.replace(/^hx/, ""),
            findCreated(CONFIGMAP, "ha-sentinel-config").inputs.metadata.name.replace(/^ha/, ""),
        );
    });
});

const bad: [string, RedisSentinelArgs, RegExp][] = [
    ["even sentinels", { sentinels: 4 }, /`sentinels` must be an odd integer >= 3 .*; got 4\./],
    ["too few sentinels", { sentinels: 1 }, /`sentinels` must be an odd integer >= 3/],
    ["fractional sentinels", { sentinels: 3.5 }, /`sentinels`/],
    ["quorum above sentinels", { quorum: 4 }, /`quorum` must be an integer from 1 to 3; got 4/],
    ["quorum below 1", { quorum: 0 }, /`quorum` must be an integer from 1 to 3; got 0/],
    ["one replica", { replicas: 1 }, /`replicas` must be an integer >= 2; got 1/],
    ["down-after below 500 ms", { downAfterMilliseconds: 499 }, /`downAfterMilliseconds` must be an integer >= 500; got 499/],
    [
        "failover-timeout not above down-after",
        { downAfterMilliseconds: 2000, failoverTimeoutMilliseconds: 2000 },
        /`failoverTimeoutMilliseconds` must be greater than `downAfterMilliseconds` \(2000\); got 2000/,
    ],
    ["negative lag", { minReplicasMaxLagSeconds: -1 }, /`minReplicasMaxLagSeconds` must be an integer >= 1; got -1/],
    ["zero parallel syncs", { parallelSyncs: 0 }, /`parallelSyncs`/],
    ["one proxy", { proxy: { replicas: 1 } }, /`proxy\.replicas` must be an integer >= 2/],
    ["unpinned proxy image", { proxy: { image: "haproxy" } }, /`proxy\.image` must name an explicit tag/],
    ["master name with a space", { masterName: "my master" }, /`masterName`/],
    ["unknown anti-affinity", { antiAffinity: "strict" as any }, /`antiAffinity` must be one of/],
    ["unpinned redis image", { image: "redis:latest" }, /`image`/],
];

describe("RedisSentinel argument validation", () => {
    beforeEach(resetRecorded);
    for (const [what, args, pattern] of bad) {
        it(`rejects ${what} before creating anything`, async () => {
            await expectRejected(() => new RedisSentinel("bad", args), new RegExp(`^RedisSentinel: ${pattern.source}`));
        });
    }
});

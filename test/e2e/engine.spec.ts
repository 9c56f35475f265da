// Real-engine tier: the built Pulumi CLI, language host and Kubernetes provider against a real API server
// (scripts/local-cluster), steps 1-5 of the tier, each timed. Runs only via `npm run test:e2e`.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { Kubectl, LocalCluster, missingToolchain, startCluster, stopCluster } from "./support/cluster";
import { eventually, ROOT, timed, timings } from "./support/exec";
import { changeSummary, Stack } from "./support/pulumi";
import { buildOperator, OperatorProcess } from "./support/operator";
import { renderAndApply } from "./support/render";

const PROJECT = path.join(__dirname, "project");
const NS = "kubecache-e2e";
const OPERATOR_NS = "kubecache-system";
const PASSWORD = "e2e-Redis-pw-" + Math.random().toString(36).slice(2, 12);

describe("real-engine tier: pulumi up / no-op up / destroy against a local API server", function () {
    let cluster: LocalCluster | undefined;
    let kubectl: Kubectl;
    let stack: Stack;
    let operator: OperatorProcess | undefined;
    let upMs = 0,
        destroyMs = 0;

    before(async function () {
        const reason = await missingToolchain();
        if (reason) {
            console.log(`skipped: ${reason}`);
            (this as any).skipReason = reason;
            this.skip();
        }
        cluster = await startCluster(2);
        timed("local cluster start (etcd, apiserver, controllers, kwok, 2 Ready nodes)", cluster.startMs);
        kubectl = new Kubectl(cluster.kubeconfig);
        stack = new Stack(PROJECT, "e2e");
        await stack.init();
        await stack.setConfig({ kubeconfigPath: cluster.kubeconfig }, { redisPassword: PASSWORD });
    });

    after(async function () {
        operator?.stop();
        if (stack && !destroyMs) await stack.destroy();
        if (stack) await stack.remove();
        if (cluster) await stopCluster(cluster);
        if (timings.length) {
            console.log("\n      e2e timings:");
            for (const t of timings) console.log(`        ${(t.ms / 1000).toFixed(1).padStart(7)} s  ${t.step}`);
            if (process.env.KUBECACHE_E2E_TIMINGS) fs.writeFileSync(process.env.KUBECACHE_E2E_TIMINGS, JSON.stringify(timings, null, 2));
        }
    });

    it("1. pulumi up creates every workload; kwok makes them ready; headless Services list their pods", async function () {
        const r = await stack.up();
        assert.equal(r.code, 0, `pulumi up failed:\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-2000)}`);
        upMs = r.ms;
        timed("1. pulumi up (create)", r.ms);
        // 40 Kubernetes objects, the provider, the components and the stack itself.
        assert.ok((changeSummary(r.stdout).created ?? 0) >= 40, `created count in:\n${r.stdout.slice(-600)}`);

        const pod = await kubectl.get("pod", "redis-pod", NS);
        assert.equal(pod.status.phase, "Running");
        assert.ok(pod.spec.containers[0].image.includes(":"), "redis image is pinned");
        assert.equal(pod.spec.securityContext.runAsNonRoot, true);

        for (const [kind, name, replicas] of [
            ["deployment", "redis", 1],
            ["statefulset", "redis-sfs", 2],
            ["statefulset", "redis-ha-node", 2],
            ["statefulset", "redis-ha-sentinel", 3],
            ["deployment", "redis-ha-haproxy", 2],
        ] as const) {
            const o = await kubectl.get(kind, name, NS);
            assert.ok(o, `${kind}/${name} exists`);
            assert.equal(o.spec.replicas, replicas, `${kind}/${name} spec.replicas`);
            assert.equal(o.status.readyReplicas, replicas, `${kind}/${name} ready replicas`);
        }
        const manager = await kubectl.get("deployment", "memcached-operator-controller-manager", OPERATOR_NS);
        assert.equal(manager.status.readyReplicas, 1);

        const secret = await kubectl.get("secret", "redis-auth", NS);
        assert.equal(Buffer.from(secret.data["redis-password"], "base64").toString(), PASSWORD);

        for (const [svc, pods] of [
            ["redis-sfs-headless", ["redis-sfs-0", "redis-sfs-1"]],
            ["redis-ha-sentinel-headless", ["redis-ha-sentinel-0", "redis-ha-sentinel-1", "redis-ha-sentinel-2"]],
        ] as const) {
            const s = await kubectl.get("service", svc, NS);
            assert.equal(s.spec.clusterIP, "None", `${svc} is headless`);
            const names = await eventually(`${svc} endpoints`, 60_000, async () => {
                const slices = await kubectl.list("endpointslices", NS, `kubernetes.io/service-name=${svc}`);
                const got = slices
                    .flatMap(sl =>
                        (sl.endpoints ?? [])
                            .filter((e: any) => e.conditions?.ready && e.addresses?.length)
                            .map((e: any) => e.targetRef?.name),
                    )
                    .sort();
                return got.length === pods.length ? got : undefined;
            });
            assert.deepEqual(names, [...pods].sort());
        }

        const crd = await kubectl.get("crd", "memcacheds.cache.kubecache.io");
        assert.ok(
            crd.status.conditions.some((c: any) => c.type === "Established" && c.status === "True"),
            "CRD established",
        );
        const cr = await kubectl.get("memcached", "memcached-sample", NS);
        assert.equal(cr.spec.size, 1);
    });

    it("2. the operator binary, run out of cluster, reconciles the CR and scales it on a new size", async function () {
        const build = await buildOperator();
        if (typeof build === "string") {
            console.log(`skipped: ${build}`);
            (this as any).skipReason = build;
            this.skip();
        }
        timed("2. operator build (go build, not part of the step)", build.ms);
        operator = new OperatorProcess(build.binary, cluster!.kubeconfig);
        const t0 = Date.now();
        const reconciled = async (size: number) =>
            eventually(`memcached-sample at size ${size}`, 120_000, async () => {
                const d = await kubectl.get("deployment", "memcached-sample", NS);
                const cr = await kubectl.get("memcached", "memcached-sample", NS);
                const nodes: string[] = cr?.status?.nodes ?? [];
                return d?.spec.replicas === size && d.status.readyReplicas === size && nodes.length === size ? { d, nodes } : undefined;
            });
        const first = await reconciled(1);
        timed("2. operator reconciles the CR (Deployment ready, status.nodes)", Date.now() - t0);
        const pods = (await kubectl.list("pods", NS, "app.kubernetes.io/instance=memcached-sample")).map(p => p.metadata.name);
        assert.deepEqual([...first.nodes].sort(), pods.sort(), "status.nodes lists the pods");
        assert.equal(first.d.metadata.ownerReferences?.[0]?.kind, "Memcached");

        await stack.setConfig({ memcachedSize: 3 });
        const r = await stack.up();
        assert.equal(r.code, 0, `pulumi up (size 3) failed:\n${r.stdout.slice(-3000)}`);
        const t1 = Date.now();
        const scaled = await reconciled(3);
        timed("2. pulumi up size 1 -> 3 (update)", r.ms);
        timed("2. operator scales the Deployment to 3", Date.now() - t1);
        assert.equal(scaled.nodes.length, 3);
    });

    it("3. a second pulumi up changes nothing; preview with the real policy pack passes; a config change only rolls", async function () {
        const r = await stack.up(["--expect-no-changes"]);
        assert.equal(r.code, 0, `no-op up reported changes or failed:\n${r.stdout.slice(-3000)}`);
        const summary = changeSummary(r.stdout);
        assert.ok((summary.unchanged ?? 0) >= 40, `unchanged count in:\n${r.stdout.slice(-600)}`);
        assert.deepEqual(Object.keys(summary), ["unchanged"]);
        timed("3. pulumi up (no changes)", r.ms);

        const packConfig = path.join(ROOT, "policy", "config", "dev.json");
        const p = await stack.preview([
            "--policy-pack",
            path.join(ROOT, "policy"),
            ...(fs.existsSync(packConfig) ? ["--policy-pack-config", packConfig] : []),
        ]);
        assert.equal(p.code, 0, `preview with the policy pack failed:\n${p.stdout.slice(-4000)}\n${p.stderr.slice(-2000)}`);
        assert.match(p.stdout, /Policies:\s+\S*\s*kubecache@v[\d.]+ \(local: /, "the pack ran");
        assert.doesNotMatch(p.stdout, /mandatory/);
        timed("3. pulumi preview --policy-pack policy", p.ms);

        // A config change (maxmemory) replaces the Sentinel set's data ConfigMap, under its new hashed name, and
        // only updates the workloads: the provider deletes a same-named ConfigMap first, which would make the
        // engine replace every StatefulSet mounting it (all data pods at once).
        await stack.setConfig({ redisMaxmemory: "150Mi" });
        const c = await stack.preview(["--json"]);
        await stack.ok(["config", "rm", "--stack", stack.name, "redisMaxmemory"]);
        assert.equal(c.code, 0, `preview of a maxmemory change failed:\n${c.stdout.slice(-3000)}\n${c.stderr.slice(-2000)}`);
        const steps: { op: string; urn: string }[] = JSON.parse(c.stdout).steps ?? [];
        const ops = Object.fromEntries(steps.filter(st => st.op !== "same").map(st => [st.urn.split("::").pop(), st.op]));
        assert.equal(ops["redis-ha-node-config"], "replace", JSON.stringify(ops));
        assert.equal(ops["redis-ha-node"], "update", `the data StatefulSet: ${JSON.stringify(ops)}`);
        assert.deepEqual(
            Object.entries(ops).filter(([n, op]) => op === "replace" && !n.endsWith("-config")),
            [],
            "nothing but ConfigMaps replaced",
        );
        timed("3. pulumi preview of a maxmemory change", c.ms);
    });

    it("4. an even sentinel count fails the up with the component's message and changes nothing; a bad CR is rejected", async function () {
        const before = await snapshot(kubectl);
        await stack.setConfig({ sentinels: 2 });
        const r = await stack.up();
        await stack.ok(["config", "rm", "--stack", stack.name, "sentinels"]);
        assert.notEqual(r.code, 0, "up with sentinels=2 must fail");
        assert.match(r.stdout + r.stderr, /RedisSentinel: `sentinels` must be an odd integer >= 3.*got 2/);
        timed("4. pulumi up rejected by validation", r.ms);
        assert.deepEqual(await snapshot(kubectl), before, "no object created, changed or deleted");
        assert.equal((await kubectl.get("statefulset", "redis-ha-sentinel", NS)).spec.replicas, 3);

        const bad = `apiVersion: cache.kubecache.io/v1alpha1\nkind: Memcached\nmetadata: {name: bad-size, namespace: ${NS}}\nspec: {size: -1}\n`;
        const k = await kubectl.run(["apply", "-f", "-"], bad);
        assert.notEqual(k.code, 0, "API server rejects size -1");
        assert.match(k.stderr, /spec\.size/);
        assert.equal(await kubectl.get("memcached", "bad-size", NS), undefined);
    });

    it("5. pulumi destroy leaves no kubecache objects; the state never holds the Redis password in plaintext", async function () {
        const files = stack.stateFiles();
        assert.ok(files.length > 0, "the file backend wrote state");
        const withSecrets = files.filter(f => /"ciphertext"|"secure"|4dabf18193072939515e22adb298388d/.test(read(f)));
        assert.ok(withSecrets.length > 0, "the checkpoint holds encrypted secrets");
        operator?.stop();
        operator = undefined;

        const r = await stack.destroy();
        assert.equal(r.code, 0, `destroy failed:\n${r.stdout.slice(-3000)}`);
        destroyMs = r.ms;
        timed("5. pulumi destroy", r.ms);
        const t0 = Date.now();
        await eventually("namespaces and CRD gone", 180_000, async () => {
            const left = await Promise.all([
                kubectl.get("namespace", NS),
                kubectl.get("namespace", OPERATOR_NS),
                kubectl.get("crd", "memcacheds.cache.kubecache.io"),
            ]);
            return left.every(o => o === undefined) ? true : undefined;
        });
        timed("5. namespaces finalized after destroy", Date.now() - t0);
        const leftovers = (await kubectl.list("all,secrets,configmaps,pdb")).filter(
            o => o.metadata.labels?.["app.kubernetes.io/managed-by"] === "kubecache" || [NS, OPERATOR_NS].includes(o.metadata.namespace),
        );
        assert.deepEqual(
            leftovers.map(o => `${o.kind}/${o.metadata.name}`),
            [],
        );
        for (const f of stack.stateFiles()) assert.ok(!read(f).includes(PASSWORD), `${f} holds the password in plaintext`);
    });

    it("kubectl apply of the same rendered manifests, for comparison (bench/README.md)", async function () {
        const b = await renderAndApply(PROJECT, kubectl, { redisPassword: PASSWORD }, [NS, OPERATOR_NS]);
        timed("bench: pulumi up with renderYamlToDirectory (no cluster calls)", b.renderMs);
        timed("bench: kubectl apply + wait for every rollout", b.applyMs);
        timed("bench: kubectl delete --wait", b.deleteMs);
        console.log(
            `      pulumi up ${(upMs / 1000).toFixed(1)} s vs kubectl apply+wait ${(b.applyMs / 1000).toFixed(1)} s; ` +
                `destroy ${(destroyMs / 1000).toFixed(1)} s vs kubectl delete ${(b.deleteMs / 1000).toFixed(1)} s (${b.files} files)`,
        );
        assert.ok(b.objects > 20, `rendered ${b.objects} objects`);
    });
});

function read(file: string): string {
    const buf = fs.readFileSync(file);
    return file.endsWith(".gz") ? require("zlib").gunzipSync(buf).toString() : buf.toString();
}

/** Names and generations of every object in the stack's namespaces, to prove a failed up touched nothing. */
async function snapshot(kubectl: Kubectl): Promise<string[]> {
    const items = [
        ...(await kubectl.list("all,secrets,configmaps,pdb", NS)),
        ...(await kubectl.list("all,secrets,configmaps", OPERATOR_NS)),
    ];
    return items
        .filter(o => o.kind !== "Event" && o.kind !== "Pod" && o.kind !== "ReplicaSet" && o.kind !== "EndpointSlice")
        .map(o => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}@${o.metadata.generation ?? 0}`)
        .sort();
}

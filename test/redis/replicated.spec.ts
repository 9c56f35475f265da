import { expectRejected, findAll, findCreated, promiseOf, resetRecorded, settle } from "../support/mocks";
import * as assert from "assert";
import { RedisReplicated } from "../../components/redis/replicated";

const STS = "kubernetes:apps/v1:StatefulSet";
const SERVICE = "kubernetes:core/v1:Service";
const CONFIGMAP = "kubernetes:core/v1:ConfigMap";

describe("RedisReplicated", () => {
    beforeEach(resetRecorded);

    it("creates the headless Service the StatefulSet's serviceName refers to", async () => {
        const r = new RedisReplicated("redis-sfs", { namespace: "cache" });
        await settle();
        const sts = findCreated(STS, "redis-sfs");
        const headless = findCreated(SERVICE, "redis-sfs-headless");
        assert.strictEqual(sts.inputs.spec.serviceName, headless.inputs.metadata.name);
        assert.strictEqual(headless.inputs.spec.clusterIP, "None");
        assert.strictEqual(headless.inputs.spec.publishNotReadyAddresses, true);
        assert.deepStrictEqual(headless.inputs.spec.selector, sts.inputs.spec.selector.matchLabels);
        assert.strictEqual(sts.inputs.spec.replicas, 2);
        assert.strictEqual(await promiseOf(r.headlessServiceName), "redis-sfs-headless");
        assert.strictEqual(await promiseOf(r.replicas), 2);
    });

    it("points replicas at ordinal 0 by its stable DNS name and announces their own", async () => {
        const r = new RedisReplicated("redis-sfs", { namespace: "cache", replicas: 3 });
        await settle();
        const master = "redis-sfs-0.redis-sfs-headless.cache.svc.cluster.local";
        assert.strictEqual(await promiseOf(r.masterHost), master);
        const files = findCreated(CONFIGMAP, "redis-sfs-config").inputs.data;
        assert.match(files["start.sh"], /"\$\{HOSTNAME##\*-\}" != 0 \]; then echo "replicaof/);
        assert.match(files["topology.env"], new RegExp(`^KC_MASTER='${master.replace(/\./g, "\\.")}:6379'$`, "m"));
        assert.match(files["topology.env"], /^KC_ANNOUNCE_HOST="\$HOSTNAME\.redis-sfs-headless\.\$POD_NAMESPACE\.svc\.cluster\.local"$/m);
        assert.match(files["runtime-conf.sh"], /masterauth/);
        const env = findCreated(STS, "redis-sfs").inputs.spec.template.spec.containers[0].env;
        assert.deepStrictEqual(env[0].valueFrom.fieldRef, { fieldPath: "metadata.namespace" });
    });

    it("exposes a master Service on pod 0 and a read Service over every pod", async () => {
        const r = new RedisReplicated("rs");
        await settle();
        const sel = findCreated(STS, "rs").inputs.spec.selector.matchLabels;
        const masterSvc = findCreated(SERVICE, "rs-master");
        assert.strictEqual(masterSvc.inputs.spec.selector["statefulset.kubernetes.io/pod-name"], "rs-0");
        assert.deepStrictEqual(findCreated(SERVICE, "rs-read").inputs.spec.selector, sel);
        assert.strictEqual(await promiseOf(r.masterEndpoint), "rs-master.default.svc.cluster.local:6379");
        assert.strictEqual(await promiseOf(r.readEndpoint), "rs-read.default.svc.cluster.local:6379");
    });

    it("uses volumeClaimTemplates with persistence and an emptyDir without", async () => {
        new RedisReplicated("pv", { persistence: { enabled: true, size: "5Gi" } });
        new RedisReplicated("ed");
        await settle();
        const pv = findCreated(STS, "pv").inputs.spec;
        assert.strictEqual(pv.volumeClaimTemplates[0].metadata.name, "data");
        assert.strictEqual(pv.volumeClaimTemplates[0].spec.resources.requests.storage, "5Gi");
        assert.ok(!pv.template.spec.volumes.some((v: any) => v.name === "data"));
        // Deleted with the set (no PV outlives `pulumi destroy`), kept on scale-in.
        assert.deepStrictEqual(pv.persistentVolumeClaimRetentionPolicy, { whenDeleted: "Delete", whenScaled: "Retain" });
        const ed = findCreated(STS, "ed").inputs.spec;
        assert.strictEqual(ed.volumeClaimTemplates, undefined);
        assert.strictEqual(ed.persistentVolumeClaimRetentionPolicy, undefined);
        assert.deepStrictEqual(ed.template.spec.volumes.find((v: any) => v.name === "data").emptyDir, {});
    });

    it("keeps the claims when the component is deleted only with `persistence.retainOnDelete`", async () => {
        new RedisReplicated("kept", { persistence: { enabled: true, retainOnDelete: true } });
        await settle();
        assert.deepStrictEqual(findCreated(STS, "kept").inputs.spec.persistentVolumeClaimRetentionPolicy, {
            whenDeleted: "Retain",
            whenScaled: "Retain",
        });
    });

    it("runs under the restricted security context with probes", async () => {
        new RedisReplicated("sec");
        await settle();
        const spec = findCreated(STS, "sec").inputs.spec.template.spec;
        const c = spec.containers[0];
        assert.strictEqual(c.securityContext.readOnlyRootFilesystem, true);
        assert.deepStrictEqual(c.securityContext.capabilities.drop, ["ALL"]);
        assert.strictEqual(spec.securityContext.seccompProfile.type, "RuntimeDefault");
        assert.ok(c.livenessProbe && c.readinessProbe);
        assert.strictEqual(findAll("kubernetes:core/v1:Secret").length, 1);
    });

    it("spreads pods over nodes and lets a drain take one pod at a time", async () => {
        new RedisReplicated("spread");
        new RedisReplicated("strict", { antiAffinity: "required" });
        await settle();
        const sel = findCreated(STS, "spread").inputs.spec.selector.matchLabels;
        const preferred = findCreated(STS, "spread").inputs.spec.template.spec.affinity.podAntiAffinity;
        assert.deepStrictEqual(preferred.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.labelSelector.matchLabels, sel);
        const required = findCreated(STS, "strict").inputs.spec.template.spec.affinity.podAntiAffinity;
        assert.strictEqual(required.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey, "kubernetes.io/hostname");
        const pdb = findCreated("kubernetes:policy/v1:PodDisruptionBudget", "spread");
        assert.strictEqual(pdb.inputs.spec.maxUnavailable, 1);
        assert.deepStrictEqual(pdb.inputs.spec.selector.matchLabels, sel);
    });

    describe("rejects bad input before creating anything", () => {
        const cases: Array<[string, () => unknown, RegExp]> = [
            ["replicas 1", () => new RedisReplicated("a", { replicas: 1 }), /`replicas` must be an integer >= 2; got 1/],
            ["replicas 0", () => new RedisReplicated("b", { replicas: 0 }), /`replicas` must be an integer >= 2; got 0/],
            ["negative replicas", () => new RedisReplicated("c", { replicas: -3 }), /`replicas` must be an integer >= 2; got -3/],
            ["non-integer replicas", () => new RedisReplicated("d", { replicas: 2.5 }), /`replicas` must be an integer >= 2; got 2.5/],
            ["an invalid name", () => new RedisReplicated("redis_sfs"), /RedisReplicated: `name` must be a DNS-1123 label/],
            [
                "an untagged image",
                () => new RedisReplicated("e", { image: "registry.example.com:5000/redis" }),
                /`image` must name an explicit tag/,
            ],
            [
                "memory limit below maxmemory",
                () => new RedisReplicated("f", { maxmemory: "1Gi", resources: { limits: { memory: "512Mi" } } }),
                /is below `maxmemory`/,
            ],
            [
                "a persistence size that is not a quantity",
                () => new RedisReplicated("g", { persistence: { enabled: true, size: "10 GB" } }),
                /`persistence.size` must be a quantity/,
            ],
            [
                "retainOnDelete that is not a boolean",
                () => new RedisReplicated("g", { persistence: { enabled: true, retainOnDelete: "yes" as any } }),
                /`persistence.retainOnDelete` must be a boolean; got "yes"/,
            ],
            [
                "an unknown anti-affinity mode",
                () => new RedisReplicated("h", { antiAffinity: "soft" as any }),
                /`antiAffinity` must be one of "preferred", "required"/,
            ],
        ];
        for (const [what, fn, pattern] of cases) it(what, () => expectRejected(fn, pattern));
    });
});

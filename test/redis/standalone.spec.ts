import {
    authData,
    expectRejected,
    findAll,
    findCreated,
    isSecret,
    promiseOf,
    recorded,
    resetRecorded,
    secretAt,
    settle,
} from "../support/mocks";
import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import { RedisStandalone } from "../../components/redis/standalone";
import { VALKEY_IMAGE } from "../../components/redis/defaults";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const POD = "kubernetes:core/v1:Pod";
const SERVICE = "kubernetes:core/v1:Service";
const SECRET = "kubernetes:core/v1:Secret";

function podSpecOf(r: { type: string; inputs: any }): any {
    return r.type === POD ? r.inputs.spec : r.inputs.spec.template.spec;
}

describe("RedisStandalone", () => {
    beforeEach(resetRecorded);

    it("defaults to a Deployment (self-healing) with a ClusterIP Service selecting its pods", async () => {
        const redis = new RedisStandalone("cache", { namespace: "apps" });
        await settle();
        const dep = findCreated(DEPLOYMENT, "cache");
        assert.strictEqual(findAll(POD).length, 0);
        assert.strictEqual(dep.inputs.spec.replicas, 1);
        assert.strictEqual(dep.inputs.spec.strategy.type, "Recreate");
        const svc = findCreated(SERVICE, "cache");
        assert.strictEqual(svc.inputs.spec.type, "ClusterIP");
        assert.deepStrictEqual(svc.inputs.spec.selector, dep.inputs.spec.selector.matchLabels);
        for (const [k, v] of Object.entries(svc.inputs.spec.selector)) {
            assert.strictEqual(dep.inputs.spec.template.metadata.labels[k], v, `pod template lacks selector label ${k}`);
        }
        assert.strictEqual(await promiseOf(redis.endpoint), "cache.apps.svc.cluster.local:6379");
        assert.strictEqual(await promiseOf(redis.workload), "Deployment/cache");
    });

    it("renders the seed's bare Pod when kind is Pod", async () => {
        new RedisStandalone("redis", { kind: "Pod" });
        await settle();
        const pod = findCreated(POD, "redis");
        assert.strictEqual(findAll(DEPLOYMENT).length, 0);
        assert.strictEqual(pod.inputs.spec.containers[0].image, VALKEY_IMAGE);
        assert.strictEqual(pod.inputs.metadata.namespace, "default");
    });

    for (const kind of ["Pod", "Deployment"] as const) {
        it(`${kind}: pinned image, probes, resources and the restricted security context`, async () => {
            new RedisStandalone("r", { kind });
            await settle();
            const spec = podSpecOf(recorded.find(r => r.type === (kind === "Pod" ? POD : DEPLOYMENT))!);
            const c = spec.containers[0];
            assert.match(c.image, /^valkey\/valkey:9\.\d+\.\d+-trixie$/);
            assert.deepStrictEqual(c.livenessProbe.exec.command.slice(0, 2), ["sh", "-c"]);
            assert.match(c.readinessProbe.exec.command[2], /valkey-cli\) -p 6379 ping \| grep -q PONG$/);
            assert.strictEqual(c.resources.limits.memory, "256Mi");
            assert.strictEqual(c.resources.requests.cpu, "100m");
            assert.deepStrictEqual(c.securityContext, {
                runAsNonRoot: true,
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ["ALL"] },
                seccompProfile: { type: "RuntimeDefault" },
            });
            assert.strictEqual(spec.securityContext.runAsNonRoot, true);
            assert.strictEqual(spec.automountServiceAccountToken, false);
            const mounts = c.volumeMounts.map((m: any) => m.mountPath).sort();
            assert.deepStrictEqual(mounts, ["/data", "/etc/kubecache/auth", "/etc/redis", "/run/redis"]);
        });
    }

    it("generates a password into a Secret and reads it only through secretKeyRef", async () => {
        const redis = new RedisStandalone("auth");
        await settle();
        const secret = findCreated(SECRET, "auth-auth");
        assert.strictEqual(secret.inputs.stringData, undefined, "the data is in the patch, so a new password is an update");
        assert.strictEqual(authData("auth")["redis-password"].length, 32);
        assert.strictEqual(findAll("random:index/randomPassword:RandomPassword").length, 1);
        const env = findCreated(DEPLOYMENT, "auth").inputs.spec.template.spec.containers[0].env;
        const names = env.map((e: any) => e.name).sort();
        assert.deepStrictEqual(names, ["REDISCLI_AUTH", "REDIS_PASSWORD"]);
        for (const e of env) {
            assert.strictEqual(e.value, undefined);
            assert.deepStrictEqual(e.valueFrom.secretKeyRef, { name: "auth-auth", key: "redis-password" });
        }
        assert.strictEqual(await promiseOf(redis.passwordSecretName), "auth-auth");
        const cm = findCreated("kubernetes:core/v1:ConfigMap", "auth-config");
        assert.doesNotMatch(cm.inputs.data["redis.conf"], /requirepass/);
    });

    it("keeps a given password secret and never in a plain output", async () => {
        const redis = new RedisStandalone("given", { auth: { password: "s3cr3t-value" } });
        await settle();
        assert.strictEqual(findAll("random:index/randomPassword:RandomPassword").length, 0);
        assert.strictEqual(authData("given")["redis-password"], "s3cr3t-value");
        const patch = findCreated("kubernetes:core/v1:SecretPatch", "given-auth-data");
        for (const key of ["redis-password", "haproxy-password", "exporter-passwords.json"])
            assert.ok(secretAt(patch, `data.${key}`), `${key} must reach the engine as a secret`);
        for (const out of [redis.endpoint, redis.host, redis.serviceName, redis.workload, redis.passwordSecretName]) {
            assert.doesNotMatch(JSON.stringify(await promiseOf(out)), /s3cr3t-value/);
        }
    });

    it("wraps the password in a secret Output (checked on the auth helper)", async () => {
        const { createRedisAuth } = await import("../../components/redis/auth");
        const redis = new RedisStandalone("wrap-parent");
        const auth = createRedisAuth("wrap", "default", {}, { password: "plain" }, redis);
        assert.ok(auth.password);
        assert.strictEqual(await isSecret(auth.password!), true);
    });

    it("uses an existing Secret without creating one, and no auth at all when disabled", async () => {
        new RedisStandalone("ext", { auth: { existingSecret: "shared-redis" } });
        new RedisStandalone("open", { auth: { enabled: false } });
        await settle();
        assert.strictEqual(findAll(SECRET).length, 0);
        const ext = findCreated(DEPLOYMENT, "ext").inputs.spec.template.spec.containers[0];
        assert.strictEqual(ext.env[0].valueFrom.secretKeyRef.name, "shared-redis");
        assert.deepStrictEqual(findCreated(DEPLOYMENT, "open").inputs.spec.template.spec.containers[0].env, []);
    });

    it("mounts a PVC when persistence is enabled, an emptyDir otherwise", async () => {
        new RedisStandalone("p", { persistence: { enabled: true, size: "8Gi", storageClass: "fast" } });
        new RedisStandalone("e");
        await settle();
        const pvc = findCreated("kubernetes:core/v1:PersistentVolumeClaim", "p-data");
        assert.strictEqual(pvc.inputs.spec.resources.requests.storage, "8Gi");
        assert.strictEqual(pvc.inputs.spec.storageClassName, "fast");
        const vol = (n: string) => findCreated(DEPLOYMENT, n).inputs.spec.template.spec.volumes.find((v: any) => v.name === "data");
        assert.strictEqual(vol("p").persistentVolumeClaim.claimName, "p-data");
        assert.deepStrictEqual(vol("e").emptyDir, {});
    });

    it("derives maxmemory from the memory limit and honours an explicit one", async () => {
        new RedisStandalone("m1", { resources: { limits: { memory: "1Gi" } } });
        new RedisStandalone("m2", { maxmemory: "100Mi", maxmemoryPolicy: "allkeys-lru" });
        await settle();
        const conf = (n: string) => findCreated("kubernetes:core/v1:ConfigMap", `${n}-config`).inputs.data["redis.conf"];
        assert.match(conf("m1"), new RegExp(`^maxmemory ${Math.floor(2 ** 30 * 0.75)}$`, "m"));
        assert.match(conf("m2"), /^maxmemory 104857600$/m);
        assert.match(conf("m2"), /^maxmemory-policy allkeys-lru$/m);
    });

    it("passes the caller's provider to every child", async () => {
        const provider = new k8s.Provider("other-cluster", { kubeconfig: "fake" });
        new RedisStandalone("prov", {}, { provider });
        await settle();
        const children = recorded.filter(r => r.type.startsWith("kubernetes:core") || r.type.startsWith("kubernetes:apps"));
        assert.ok(children.length >= 4);
        for (const c of children) assert.match(c.provider ?? "", /other-cluster/, `${c.type} ${c.name} lacks the provider`);
    });

    describe("rejects bad input before creating anything", () => {
        const cases: Array<[string, () => unknown, RegExp]> = [
            ["a name that is not DNS-1123", () => new RedisStandalone("Bad_Name"), /`name` must be a DNS-1123 label/],
            [
                "an unknown kind",
                () => new RedisStandalone("k", { kind: "StatefulSet" as any }),
                /`kind` must be one of "Pod", "Deployment"/,
            ],
            ["an image without a tag", () => new RedisStandalone("i", { image: "redis" }), /`image` must name an explicit tag/],
            [
                "a latest image",
                () => new RedisStandalone("l", { image: "docker.io/library/redis:latest" }),
                /`image` must name an explicit tag/,
            ],
            [
                "a memory limit below maxmemory",
                () => new RedisStandalone("mm", { maxmemory: "512Mi", resources: { limits: { memory: "256Mi" } } }),
                /`resources.limits.memory` \(256Mi\) is below `maxmemory`/,
            ],
            [
                "a persistence size that is not a quantity",
                () => new RedisStandalone("ps", { persistence: { enabled: true, size: "lots" } }),
                /`persistence.size` must be a quantity/,
            ],
            [
                "a maxmemory that is not a quantity",
                () => new RedisStandalone("mq", { maxmemory: "-1" }),
                /`maxmemory` must be a positive quantity/,
            ],
            ["an unknown eviction policy", () => new RedisStandalone("ep", { maxmemoryPolicy: "lru" }), /`maxmemoryPolicy` must be one of/],
            ["a bad namespace", () => new RedisStandalone("ns", { namespace: "Prod!" }), /`namespace` must be a DNS-1123 label/],
        ];
        for (const [what, fn, pattern] of cases) {
            it(what, () => expectRejected(fn, pattern));
        }
    });
});

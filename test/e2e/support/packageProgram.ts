// What the YAML and Go programs of the engine tier deploy through the package (a RedisSentinel `ha` with 2 data
// pods and a Memcached `cache` with its operator), checked the same way for every language.
import { strict as assert } from "assert";
import { Kubectl } from "./cluster";
import { eventually, RunResult, tail } from "./exec";
import { changeSummary } from "./pulumi";

/** `pulumi <args>` in the program's folder, failing on a non-zero exit. */
export type PulumiOk = (args: string[]) => Promise<RunResult>;

/** After `pulumi up`: every workload Ready, the password where it belongs, the outputs right and secret. */
export async function assertDeployed(o: { up: RunResult; ok: PulumiOk; kubectl: Kubectl; ns: string; stack: string; password: string }) {
    assert.ok((changeSummary(o.up.stdout).created ?? 0) >= 25, tail(o.up.stdout, 20));
    for (const [kind, name, replicas] of [
        ["statefulset", "ha-node", 2],
        ["statefulset", "ha-sentinel", 3],
        ["deployment", "ha-haproxy", 2],
    ] as const) {
        const obj = await o.kubectl.get(kind, name, o.ns);
        assert.equal(obj?.spec.replicas, replicas, `${kind}/${name}`);
        assert.equal(obj?.status.readyReplicas, replicas, `${kind}/${name} ready`);
    }
    const secret = await o.kubectl.get("secret", "ha-auth", o.ns);
    assert.equal(Buffer.from(secret.data["redis-password"], "base64").toString(), o.password);
    const manager = await o.kubectl.get("deployment", "operator-controller-manager", "kubecache-system");
    assert.equal(manager?.status.readyReplicas, 1);
    const cr = await o.kubectl.get("memcached", "cache", o.ns);
    assert.equal(cr?.spec.size, 1);
    const out = JSON.parse((await o.ok(["stack", "output", "--stack", o.stack, "--json", "--show-secrets"])).stdout);
    assert.equal(out.redisEndpoint, `ha.${o.ns}.svc.cluster.local:6379`);
    assert.equal(out.memcachedEndpoint, `cache.${o.ns}.svc.cluster.local:11211`);
    assert.equal(out.redisPassword, o.password);
    const plain = JSON.parse((await o.ok(["stack", "output", "--stack", o.stack, "--json"])).stdout);
    assert.equal(plain.redisPassword, "[secret]", "the password output is secret");
}

/** After `pulumi destroy`: both namespaces and the CRD gone. */
export async function assertDestroyed(kubectl: Kubectl, ns: string) {
    await eventually("the namespaces and the CRD gone", 180_000, async () => {
        const left = await Promise.all([
            kubectl.get("namespace", ns),
            kubectl.get("namespace", "kubecache-system"),
            kubectl.get("crd", "memcacheds.cache.kubecache.io"),
        ]);
        return left.every(o => o === undefined) ? true : undefined;
    });
}

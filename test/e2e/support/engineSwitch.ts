/**
 * An engine switch on real pods (the pods tier's step 2c): a RedisSentinel created on `engine: redis` rolled to the
 * default Valkey image by `pulumi up` while a writer writes through its endpoint.
 */
import { strict as assert } from "assert";
import { RespClient } from "../../../harness/loopback/resp";
import { AckedWriter, missing, refusedWithin } from "../../../harness/loopback/writer";
import { eventually } from "./exec";
import { SentinelTarget, steady } from "./failover";
import { Stack } from "./pulumi";

export interface EngineSwitchResult {
    upMs: number;
    /** Milliseconds refused in stretches of at least 100 ms, in all, and each such stretch (the hand-overs). */
    refusedMs: number;
    stretches: number[];
    acked: number;
    lost: number;
}

export async function switchToValkey(o: { stack: Stack; target: SentinelTarget; valkeyImage: string }): Promise<EngineSwitchResult> {
    const { target } = o;
    const host = (await target.kubectl.get("service", target.name, target.namespace)).spec.clusterIP;
    await steady(target);
    const w = new AckedWriter({ host, port: 6379, password: target.password, prefix: "engine-switch" }).start();
    let t0 = 0,
        t1 = 0,
        upMs = 0,
        master = "";
    try {
        await new Promise(r => setTimeout(r, 1000));
        t0 = Date.now();
        await o.stack.setConfig({ redisEngineSentinelValkey: true });
        const up = await o.stack.up();
        assert.equal(up.code, 0, `pulumi up switching the engine failed:\n${up.stdout.slice(-3000)}\n${up.stderr.slice(-2000)}`);
        upMs = Date.now() - t0;
        // `pulumi up` may return before the StatefulSet has replaced its last pod: the roll ends when every data pod
        // runs the new image, Ready, with a master and every replica linked.
        await eventually("every data pod on the Valkey image and Ready", 300_000, async () => {
            for (let i = 0; i < target.dataPods; i++) {
                const pod = await target.kubectl.get("pod", `${target.name}-node-${i}`, target.namespace);
                const ready = pod?.status?.conditions?.some((c: any) => c.type === "Ready" && c.status === "True");
                if (pod?.spec.containers[0].image !== o.valkeyImage || !ready || pod.metadata.deletionTimestamp) return undefined;
            }
            return true;
        });
        master = await steady(target);
        await new Promise(r => setTimeout(r, 1000));
    } finally {
        t1 = Date.now();
        await w.stop();
    }
    const ip = (await target.kubectl.get("pod", master, target.namespace)).status.podIP;
    const c = await RespClient.connect(6379, ip, 2000);
    let lost: string[] = [];
    try {
        await c.ok(["AUTH", target.password]);
        assert.match(String(await c.ok(["INFO", "server"])), /^valkey_version:/m, "the master runs Valkey");
        lost = await missing(w.acked, keys => c.ok(["MGET", ...keys]) as Promise<(string | null)[]>);
    } finally {
        c.close();
    }
    const stretches = w.attempts.filter(([a, b]) => b - a >= 100 && b >= t0 && a <= t1).map(([a, b]) => b - a);
    return { upMs, refusedMs: refusedWithin(w.attempts, t0, t1, 100), stretches, acked: w.acked.length, lost: lost.length };
}

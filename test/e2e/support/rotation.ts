/**
 * Password rotation on real pods (the pods tier's step 2d): a new `redisPassword` in the stack's config reaches every
 * Redis pod through the kubelet's update of the mounted Secret, while a writer writes through redis-ha's endpoint.
 */
import { strict as assert } from "assert";
import { RespClient, acceptsAuth } from "../../../harness/loopback/resp";
import { AckedWriter, missing, refusedWithin } from "../../../harness/loopback/writer";
import { Kubectl } from "./cluster";
import { eventually } from "./exec";
import { Stack } from "./pulumi";

/** Every Redis server and sentinel of the namespace, as a client reaches it from the host. */
interface Instance {
    pod: string;
    host: string;
    port: number;
}

async function instances(kubectl: Kubectl, ns: string): Promise<Instance[]> {
    const out: Instance[] = [];
    for (const p of await kubectl.list("pods", ns)) {
        if (p.metadata.labels?.["app.kubernetes.io/name"] !== "redis" || !p.status.podIP) continue;
        for (const c of p.spec.containers) {
            const port = c.name === "redis" ? 6379 : c.name === "sentinel" ? 26379 : undefined;
            if (port) out.push({ pod: p.metadata.name, host: p.status.podIP, port });
        }
    }
    return out;
}

/** Pod UIDs and restart counts of every Redis pod (data, sentinel, HAProxy): what a rotation must not change. */
async function podIdentities(kubectl: Kubectl, ns: string): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const p of await kubectl.list("pods", ns, "app.kubernetes.io/name=redis")) {
        const restarts = (p.status.containerStatuses ?? []).map((c: any) => `${c.name}:${c.restartCount}`).join(",");
        out[p.metadata.name] = `${p.metadata.uid} ${restarts}`;
    }
    return out;
}

const takes = (i: Instance, password: string) => acceptsAuth({ host: i.host, port: i.port }, password);

/** Milliseconds until `check` holds (asked every second), through exec.ts's `eventually`. */
async function until(what: string, ms: number, check: () => Promise<boolean>): Promise<number> {
    const t0 = Date.now();
    await eventually(what, ms, async () => ((await check()) ? true : undefined));
    return Date.now() - t0;
}

/** What the Redis pods logged of the rotation and of HAProxy's checks, for a failure message. */
async function rotationLogs(kubectl: Kubectl, ns: string): Promise<string> {
    const r = await kubectl.run(["logs", "-n", ns, "-l", "app.kubernetes.io/name=redis", "--all-containers", "--prefix", "--tail=400"]);
    const keep = /auth-reload|bootstrap|agent: .*(fenced|taking)|prestop|refuses|WRONGPASS|NOAUTH|is DOWN|is UP|Lua|ALERT/;
    return r.stdout
        .split("\n")
        .filter(l => keep.test(l))
        .slice(-150)
        .join("\n");
}

export interface RotationResult {
    previewSteps: string[];
    upMs: number;
    newEverywhereMs: number;
    oldRefusedMs: number;
    acked: number;
    lost: number;
    longestGapMs: number;
    refusedMs: number;
}

/**
 * Rotates the stack's Redis password from `oldPassword` to `newPassword`: the preview must show only updates of the
 * password patches; then every instance takes the new password, the writer moves to it, and the old one is refused
 * everywhere once the change is complete. Pods keep their UIDs and restart counts.
 */
export async function rotatePassword(o: {
    kubectl: Kubectl;
    stack: Stack;
    namespace: string;
    endpointService: string;
    oldPassword: string;
    newPassword: string;
}): Promise<RotationResult> {
    const { kubectl, stack, namespace: ns } = o;
    const before = await podIdentities(kubectl, ns);
    // Asked again at every poll: a pod that moves (it should not) gets a new address.
    const everyInstance = async (password: string, takesIt: boolean) =>
        (await Promise.all((await instances(kubectl, ns)).map(i => takes(i, password)))).every(x => x === takesIt);
    const host = (await kubectl.get("service", o.endpointService, ns)).spec.clusterIP;
    await stack.setConfig({}, { redisPassword: o.newPassword });
    const preview = await stack.preview(["--json"]);
    assert.equal(preview.code, 0, `pulumi preview failed:\n${preview.stdout.slice(-3000)}\n${preview.stderr.slice(-2000)}`);
    const previewSteps = (JSON.parse(preview.stdout).steps ?? [])
        .filter((s: { op: string }) => s.op !== "same")
        .map((s: { op: string; urn: string }) => `${s.op} ${s.urn.split("::").slice(-2).join("::")}`);

    const w = new AckedWriter({ host, port: 6379, password: o.oldPassword, prefix: "rotation" }).start();
    let t0 = 0,
        t1 = 0,
        upMs = 0,
        newEverywhereMs = 0,
        oldRefusedMs = 0;
    try {
        await new Promise(r => setTimeout(r, 1000));
        t0 = Date.now();
        const up = await stack.up();
        assert.equal(up.code, 0, `pulumi up with the new password failed:\n${up.stdout.slice(-3000)}\n${up.stderr.slice(-2000)}`);
        upMs = Date.now() - t0;
        newEverywhereMs =
            upMs +
            (await until("every Redis server and sentinel takes the new password", 240_000, () => everyInstance(o.newPassword, true)));
        const oldStill = await everyInstance(o.oldPassword, true);
        w.usePassword(o.newPassword);
        assert.ok(oldStill, "the old password was refused somewhere before the change was complete");
        oldRefusedMs =
            newEverywhereMs +
            (await until("every Redis server and sentinel refuses the old password", 360_000, () => everyInstance(o.oldPassword, false)));
        await new Promise(r => setTimeout(r, 3000));
    } catch (e) {
        throw new Error(`${(e as Error).message}\n${await rotationLogs(kubectl, ns)}`);
    } finally {
        t1 = Date.now();
        await w.stop();
    }

    const c = await RespClient.connect(6379, host, 2000);
    let lost: string[] = [];
    try {
        await c.ok(["AUTH", o.newPassword]);
        lost = await missing(w.acked, keys => c.ok(["MGET", ...keys]) as Promise<(string | null)[]>);
    } finally {
        c.close();
    }
    assert.deepEqual(await podIdentities(kubectl, ns), before, "a pod was replaced or a container restarted");
    return {
        previewSteps,
        upMs,
        newEverywhereMs,
        oldRefusedMs,
        acked: w.acked.length,
        lost: lost.length,
        longestGapMs: w.longestGap(t0, t1),
        refusedMs: refusedWithin(w.attempts, t0, t1, 250),
    };
}

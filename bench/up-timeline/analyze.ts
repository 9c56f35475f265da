/**
 * Where a `pulumi up` spends its time (not a test): reads the engine's event log (`pulumi up --event-log FILE`)
 * and prints, per resource, when its step started and finished relative to the first engine event, then the
 * resources whose steps ended last (the critical path's tail) and the gaps where no step was running.
 *
 *   npx ts-node --transpile-only bench/up-timeline/analyze.ts EVENTS.json [--wall-ms N]
 *   --wall-ms: the command's wall-clock time, to show how much came before the first event (CLI, plugins, program)
 */
import * as fs from "fs";

interface Step {
    urn: string;
    type: string;
    name: string;
    op: string;
    start: number;
    end?: number;
}

function main() {
    const [file, ...rest] = process.argv.slice(2);
    const wallAt = rest.indexOf("--wall-ms");
    const wall = wallAt >= 0 ? Number(rest[wallAt + 1]) : undefined;
    const events = fs
        .readFileSync(file, "utf8")
        .split("\n")
        .filter(Boolean)
        .map(l => JSON.parse(l));
    const t0 = events[0].timestamp;
    const tEnd = events[events.length - 1].timestamp;
    const steps = new Map<string, Step>();
    for (const e of events) {
        const md = e.resourcePreEvent?.metadata ?? e.resOutputsEvent?.metadata;
        if (!md || (md.op === "same" && !e.resOutputsEvent)) {
            /* keep "same" too: it is a step */
        }
        if (e.resourcePreEvent) {
            const urn = md.urn as string;
            steps.set(urn, { urn, type: md.type, name: urn.split("::").pop()!, op: md.op, start: e.timestamp });
        } else if (e.resOutputsEvent) {
            const s = steps.get(md.urn);
            if (s) s.end = e.timestamp;
        }
    }
    const list = [...steps.values()].filter(s => !s.type.startsWith("pulumi:pulumi:Stack"));
    console.log(
        `events span ${(tEnd - t0).toFixed(1)} s${wall ? `; command ${(wall / 1000).toFixed(1)} s, so ${(wall / 1000 - (tEnd - t0)).toFixed(1)} s outside the event span (CLI start, plugin and program load, shutdown)` : ""}`,
    );
    console.log("\nstart   end     dur   op       resource");
    for (const s of list.sort((a, b) => a.start - b.start)) {
        const end = s.end ?? s.start;
        console.log(
            `${(s.start - t0).toFixed(1).padStart(5)} ${(end - t0).toFixed(1).padStart(6)} ${(end - s.start).toFixed(1).padStart(6)}  ${s.op.padEnd(8)} ${s.type} ${s.name}`,
        );
    }
    const k8s = list.filter(s => s.type.startsWith("kubernetes:"));
    const slow = [...k8s].sort((a, b) => (b.end ?? b.start) - b.start - ((a.end ?? a.start) - a.start)).slice(0, 8);
    console.log("\nlongest Kubernetes steps (the provider's awaits):");
    for (const s of slow) console.log(`  ${((s.end ?? s.start) - s.start).toFixed(1).padStart(5)} s  ${s.type} ${s.name}`);
    // Idle gaps: moments no Kubernetes step was in flight between the first start and the last end.
    const spans = k8s.map(s => [s.start, s.end ?? s.start] as const).sort((a, b) => a[0] - b[0]);
    let idle = 0,
        cur = spans[0]?.[1] ?? t0;
    for (const [a, b] of spans) {
        if (a > cur) idle += a - cur;
        cur = Math.max(cur, b);
    }
    console.log(
        `\nKubernetes steps from ${((spans[0]?.[0] ?? t0) - t0).toFixed(1)} s to ${(cur - t0).toFixed(1)} s; ${idle.toFixed(1)} s of it with none in flight`,
    );
}

main();

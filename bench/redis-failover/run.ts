/**
 * Failover benchmarks of the RedisSentinel topology, from the component's own renderers (not a
 * test: `npm test` never runs it). Each scenario prints a Markdown table for bench/README.md.
 *
 *   cd bench/redis-failover && npm ci && cd ../..
 *   npx ts-node --transpile-only bench/redis-failover/run.ts kill [profile ...] [--runs N] [--engine redis|valkey]
 *   npx ts-node --transpile-only bench/redis-failover/run.ts faults [name ...] [--runs N]  (root: network namespaces)
 *   npx ts-node --transpile-only bench/redis-failover/run.ts handover [--runs N]    (rounds of rolling restarts)
 *   npx ts-node --transpile-only bench/redis-failover/run.ts clients [--runs N]     (ioredis: endpoint vs Sentinel mode)
 *   npx ts-node --transpile-only bench/redis-failover/run.ts idle [--runs SECONDS]  (what an idle set costs its members)
 *   profiles: tuned (default), aggressive, redis-defaults, bitnami
 */
import { CLIENT_HEADER, clientRuns } from "./clients";
import { FAULT_HEADER, faultRuns } from "./faults";
import { HANDOVER_HEADER, rollingRestarts } from "./handover";
import { IDLE_HEADER, idleLoad } from "./idle";
import { KILL_HEADER, killRuns } from "./kill";

async function main() {
    const argv = process.argv.slice(2);
    const runsAt = argv.indexOf("--runs");
    const runs = runsAt >= 0 ? Number(argv[runsAt + 1]) : 5;
    const engineAt = argv.indexOf("--engine");
    const engine = engineAt >= 0 ? argv[engineAt + 1] : "redis";
    if (engine !== "redis" && engine !== "valkey") throw new Error(`--engine: redis or valkey, not ${engine}`);
    const [what, ...rest] = argv.filter(
        (a, i) => !a.startsWith("--") && (runsAt < 0 || i !== runsAt + 1) && (engineAt < 0 || i !== engineAt + 1),
    );
    switch (what) {
        case "kill": {
            const rows: string[] = [];
            for (const [k, name] of (rest.length ? rest : ["tuned"]).entries())
                rows.push(await killRuns(name, runs, 17600 + 30 * k, engine));
            console.log(`\n${KILL_HEADER}\n${rows.join("\n")}`);
            break;
        }
        case "faults":
            console.log(`\n${FAULT_HEADER}\n${(await faultRuns(runs, rest)).join("\n")}`);
            break;
        case "handover":
            console.log(`\n${HANDOVER_HEADER}\n${await rollingRestarts(runs, 17700)}`);
            break;
        case "clients":
            console.log(`\n${CLIENT_HEADER}\n${(await clientRuns(runs, 17730)).join("\n")}`);
            break;
        case "idle":
            console.log(`\n${IDLE_HEADER}\n${(await idleLoad(runsAt >= 0 ? runs : 60, 17760)).join("\n")}`);
            break;
        default:
            throw new Error("usage: run.ts kill|faults|handover|clients|idle [profile ...] [--runs N]");
    }
}

main().catch(e => {
    console.error(e);
    process.exit(1);
});

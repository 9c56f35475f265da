/**
 * The values the fencing agent (sentinel/scripts/agent.sh, where its rules are described) reads from topology.env,
 * derived from the set's timings so that a master cut off from the sentinels is fenced in time.
 */
import { agentTiming } from "./defaults";

export function agentEnv(o: { downAfterMilliseconds: number; failoverTimeoutMilliseconds: number; orphanSeconds: number }) {
    const t = agentTiming(o.downAfterMilliseconds);
    const cs = (ms: number) => Math.max(1, Math.round(ms / 10));
    return {
        KC_POLL_SECONDS: (t.pollMs / 1000).toFixed(3),
        KC_POLL_CS: cs(t.pollMs),
        KC_FRESH_CS: cs(t.freshMs),
        KC_BUDGET_CS: cs(t.freshMs + t.leaseMs),
        KC_STALL_CS: cs(3 * t.pollMs),
        KC_RESTART_CS: cs(t.restartMs),
        KC_ORPHAN_CS: o.orphanSeconds * 100,
        // After a sentinel reported the master down or failing over, the agent holds the fence a failover timeout.
        KC_HOLD_CS: cs(o.failoverTimeoutMilliseconds),
    };
}

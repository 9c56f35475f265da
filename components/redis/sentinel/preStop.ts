/**
 * The values the preStop hand-over (sentinel/scripts/prestop.sh, where its steps are described) reads from
 * topology.env.
 */
import { SENTINEL_DEBUG_TIMINGS } from "./defaults";

/**
 * Age of the sentinel's last INFO of the target when SENTINEL FAILOVER is sent: at least EARLIEST (so the next
 * INFO, which completes the failover, comes soon) and at most LATEST (so it comes after the promotion, ~250 ms after
 * the command, not before it).
 */
export const EARLIEST_AGE_MS = 600;
export const LATEST_AGE_MS = 750;

export function preStopEnv(o: { budgetSeconds: number; logTo?: string }) {
    return {
        KC_HANDOVER_BUDGET: o.budgetSeconds,
        KC_PRESTOP_LOG: o.logTo,
        KC_EARLIEST_AGE_MS: EARLIEST_AGE_MS,
        KC_LATEST_AGE_MS: LATEST_AGE_MS,
        KC_INFO_PERIOD_MS: SENTINEL_DEBUG_TIMINGS["info-period"],
    };
}

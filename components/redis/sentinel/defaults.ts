/**
 * Defaults of RedisSentinel, tuned for failover in under 3 s (bench/README.md): a master is
 * suspected after 1.5 s without a valid PING reply, and a stalled election is retried after
 * 2 × 3 s instead of 6 min. 1 s fails over ~0.5 s sooner but also fails over healthy masters
 * under load: Sentinel pings once a second, so a single late reply trips it.
 */
export const SENTINEL_DEFAULTS = {
    masterName: "mymaster",
    downAfterMilliseconds: 1500,
    failoverTimeoutMilliseconds: 3000,
    parallelSyncs: 1,
    /**
     * A master without a replica ack for this long refuses writes; keeps an isolated old master
     * from acknowledging writes for longer than a failover takes.
     */
    minReplicasMaxLagSeconds: 3,
};

/** Official HAProxy image, pinned (the Alpine variant runs as the unprivileged `haproxy` user, uid 99). */
export const HAPROXY_IMAGE = "haproxy:3.0.5-alpine";
export const HAPROXY_UID = 99;
export const HAPROXY_HEALTH_PORT = 8888;
/** Port of the read endpoint on the `<name>` Service. */
export const READ_PORT = 6380;
/**
 * HAProxy check interval of the node that passes (the master): with the fence at down-after/2, a
 * cut-off master leaves the endpoint before the sentinels can promote a replica. Failing nodes are
 * re-checked every 100 ms, which bounds how late the endpoint follows a failover.
 */
export const HAPROXY_CHECK_INTERVAL_MS = 500;

/**
 * How long HAProxy waits for one check (connect plus one round trip, see ../haproxy/config.ts): two thirds of
 * down-after, so a master whose link is slow but inside what the sentinels tolerate still passes, while a node that
 * does not answer at all is out of the endpoint before the sentinels could promote a replica.
 */
export function haproxyCheckTimeoutMs(downAfterMilliseconds: number): number {
    return Math.max(HAPROXY_CHECK_INTERVAL_MS, Math.round((2 * downAfterMilliseconds) / 3));
}

/**
 * `min-replicas-to-write` of a fenced data node: more replicas than can exist, so every write is
 * refused with NOREPLICAS. Data nodes start with it; the agent lowers it to 1 only while a
 * majority of sentinels confirm the node as master.
 */
export const FENCED_MIN_REPLICAS = 1000000;
/** `min-replicas-to-write` of a confirmed master. */
export const OPEN_MIN_REPLICAS = 1;
/**
 * `replicaof` target of a detached node (nothing listens there): a replica whose link is down
 * refuses to serve a sync, so it holds its data without overwriting anyone's.
 */
export const ORPHAN_MASTER = { host: "127.0.0.1", port: 1 };
/**
 * Sentinel's internal periods, set with `SENTINEL DEBUG` after each start (capped at
 * `down-after`): PINGs every 300 ms instead of 1 s, so a dead master is noticed at most 0.3 s
 * after `down-after` rather than up to 1 s; down-state questions to peers every 100 ms, so the
 * quorum agrees as soon as its members do; replica INFO every second instead of 10, so offsets and
 * priorities are fresh when a replica is chosen. The PING period stays at 300 ms because Sentinel
 * only promotes a replica whose INFO is younger than 5 PING periods while the master is down, and
 * it sends that INFO once a second.
 */
export const SENTINEL_DEBUG_TIMINGS = { "ping-period": 300, "ask-period": 100, "info-period": 1000 };

/**
 * Sentinel's TILT period (`SENTINEL DEBUG tilt-period`, milliseconds). A sentinel whose timer ran more than 2 s late
 * (its process starved of CPU, its disk slow on a config save) distrusts what it knows and acts on nothing — no
 * failover, not even one a preStop asked for — for the TILT period: 30 s by default, tuned for Sentinel's 1 s PINGs
 * and 10 s INFO. With the periods above every link's PING and INFO are fresh again within a second, so twice
 * down-after (at least 3 s, three INFO periods) is as safe. Measured on the pods tier: a sentinel that entered TILT
 * just as it received a hand-over's SENTINEL FAILOVER refused writes for 61 s at the default.
 */
export function tiltPeriodMs(downAfterMilliseconds: number): number {
    return Math.max(3 * SENTINEL_DEBUG_TIMINGS["info-period"], 2 * downAfterMilliseconds);
}

/**
 * How much later than the others a *voting* sentinel (ordinal `quorum` and above) takes its master for down
 * (milliseconds added to its `down-after`). Sentinel elects a failover leader without Raft's randomised election
 * timeout: a sentinel that reaches ODOWN votes for itself, and one that has not yet votes for the first candidate
 * that asks. The first `quorum` sentinels reach ODOWN within one ask period of each other (the last of them the
 * moment it sees SDOWN), so with every sentinel on the same `down-after` all of them could become candidates at
 * once, each with its own vote: measured on loopback, three candidates within 74 ms, `-failover-abort-not-elected`,
 * and no failover for a whole failover timeout. Sentinels past the quorum that see the master down one PING period
 * (its phase) and two ask periods later have not voted for themselves when the candidates ask, so their votes
 * decide the election. It delays no failover the first `quorum` sentinels can start; with one of them gone too, the
 * failover starts this much later. The agent's lease derives from the undelayed `down-after`.
 */
export function voterDelayMs(downAfterMilliseconds: number): number {
    const period = (k: keyof typeof SENTINEL_DEBUG_TIMINGS) => Math.min(SENTINEL_DEBUG_TIMINGS[k], downAfterMilliseconds);
    return period("ping-period") + 2 * period("ask-period");
}

/** Periods of the fencing agent, derived from `down-after` (milliseconds). */
export interface AgentTiming {
    /** How often the agent asks the sentinels and its own node. */
    pollMs: number;
    /** How long an answer counts as current. */
    freshMs: number;
    /**
     * How long a master may go without a majority's confirmation before it is fenced. The worst
     * case from the last confirmation to the fence is fresh + lease + poll, kept at half of
     * `down-after`, so a master cut off from the sentinels stops taking writes long before they
     * can promote a replica.
     */
    leaseMs: number;
    /** A stream that stayed silent this long is restarted (its TCP connection may be dead). */
    restartMs: number;
}

export function agentTiming(downAfterMilliseconds: number): AgentTiming {
    const pollMs = Math.min(100, Math.floor(downAfterMilliseconds / 15));
    const freshMs = Math.round(1.5 * pollMs);
    // 150 ms (or a tenth of down-after) of margin for a loaded node's scheduling delays.
    const leaseMs = Math.floor(downAfterMilliseconds / 2) - freshMs - pollMs - Math.min(150, Math.floor(downAfterMilliseconds / 10));
    return { pollMs, freshMs, leaseMs, restartMs: Math.max(2000, downAfterMilliseconds) };
}

/** How long HAProxy holds a client while no node takes writes: one unplanned failover. */
export function proxyHoldMilliseconds(t: { downAfterMilliseconds: number; failoverTimeoutMilliseconds: number }): number {
    return t.downAfterMilliseconds + t.failoverTimeoutMilliseconds;
}

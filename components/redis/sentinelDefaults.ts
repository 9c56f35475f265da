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
/** HAProxy check interval of a healthy data node; failing ones and sentinel answers are re-checked 10× as often. */
export const HAPROXY_CHECK_INTERVAL_MS = 1000;

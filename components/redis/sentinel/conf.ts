/**
 * The Sentinel topology's configuration beyond the common redis.conf: the data nodes' extra directives, the global
 * part of sentinel.conf (the start script adds the monitor lines), and the timings derived from the set's.
 */
import { tlsConfLines } from "../tls";
import { FENCED_MIN_REPLICAS } from "./defaults";

export interface SentinelTuning {
    /** Sentinel master-set name (Bitnami's `sentinel.masterSet`). */
    masterName: string;
    quorum: number;
    downAfterMilliseconds: number;
    failoverTimeoutMilliseconds: number;
    parallelSyncs: number;
}

/**
 * Directives a data node needs on top of the common redis.conf. A node starts fenced (it refuses
 * writes until its agent sees a majority of sentinels confirm it as master), so a master whose
 * agent is gone fails safe: it stops taking writes rather than risking a split brain.
 */
export function dataNodeConfExtra(minReplicasMaxLagSeconds: number): string[] {
    return [
        `min-replicas-to-write ${FENCED_MIN_REPLICAS}`,
        `min-replicas-max-lag ${minReplicasMaxLagSeconds}`,
        // Replicas resynchronise straight from the master's socket after a failover: no disk round trip.
        "repl-diskless-sync yes",
        "repl-diskless-sync-delay 0",
        "repl-ping-replica-period 1",
        "repl-timeout 5",
    ];
}

/** Global (not per-master) part of sentinel.conf; the start script adds the monitor lines. */
export function renderSentinelConf(o: { port: number; bind?: string; dir: string; tlsDir?: string; tlsClientAuth?: boolean }): string {
    return (
        [
            // tls-replication: the sentinel speaks TLS to the data nodes and to its peers too.
            ...(o.tlsDir ? tlsConfLines(o.port, o.tlsDir, o.tlsClientAuth) : [`port ${o.port}`]),
            `bind ${o.bind ?? "* -::*"}`,
            "protected-mode no",
            `dir ${o.dir}`,
            // Pods change IPs on restart; their StatefulSet DNS names do not.
            "sentinel resolve-hostnames yes",
            "sentinel announce-hostnames yes",
        ].join("\n") + "\n"
    );
}

/** How long an orphaned replica waits for the sentinels before its agent may act: one full failover plus 5 s. */
export function selfMasterWaitSeconds(t: Pick<SentinelTuning, "downAfterMilliseconds" | "failoverTimeoutMilliseconds">): number {
    return Math.ceil((t.downAfterMilliseconds + t.failoverTimeoutMilliseconds) / 1000) + 5;
}

/**
 * The Sentinel cluster of one loopback spec: started in the describe's `before` (skipped, with the reason printed,
 * when the engine or a tool is missing), stopped in its `after`. Every Sentinel spec starts one the same way: the
 * component's defaults with quorum 2, its own block of ports offset per engine.
 */
import { SENTINEL_DEFAULTS } from "../../components/redis/sentinel/defaults";
import { SentinelTuning } from "../../components/redis/sentinel/conf";
import { LoopbackEngine, enginePortOffset, skipUnlessEngine } from "../../harness/loopback/engines";
import { ClusterOptions, SentinelCluster } from "../../harness/loopback/sentinelCluster";
import { skipBecause } from "../../harness/processes";

export interface SpecClusterOptions extends Omit<ClusterOptions, "basePort" | "tuning" | "minReplicasMaxLag" | "engine"> {
    /** First of the spec's block of ports on 127.0.0.1 (the engine's offset is added); none with `netns`. */
    basePort?: number;
    /** Changes to the component's defaults (quorum 2). */
    tuning?: Partial<SentinelTuning>;
    /** Tools the spec needs besides the engine and haproxy. */
    tools?: string[];
    /** Why the spec cannot run on this machine, asked first (e.g. no network namespaces). */
    unavailable?: () => string | undefined;
    /** Options known only once `before` runs (a certificate directory made there). */
    prepare?: () => Partial<ClusterOptions>;
    /** Runs once the cluster answers: filling it, reading what it holds. */
    started?: (c: SentinelCluster) => Promise<void>;
    /** `before`'s timeout in ms (default 60 s). */
    startMs?: number;
}

/** Registers `before`/`after` in the calling describe; the returned function gives the running cluster. */
export function useSentinelCluster(engine: LoopbackEngine, o: SpecClusterOptions): () => SentinelCluster {
    const { basePort = 0, tuning, tools = [], unavailable, prepare, started, startMs = 60000, ...rest } = o;
    let cluster: SentinelCluster | undefined;
    before(async function () {
        this.timeout(startMs);
        const why = unavailable?.();
        if (why) skipBecause(this, why);
        skipUnlessEngine(this, engine, ["haproxy", ...tools]);
        cluster = new SentinelCluster({
            ...rest,
            basePort: rest.netns ? 0 : basePort + enginePortOffset(engine),
            engine,
            minReplicasMaxLag: SENTINEL_DEFAULTS.minReplicasMaxLagSeconds,
            tuning: { ...SENTINEL_DEFAULTS, quorum: 2, ...tuning },
            ...prepare?.(),
        });
        await cluster.start();
        await started?.(cluster);
    });
    after(() => cluster?.stop());
    return () => cluster!;
}

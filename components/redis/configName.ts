import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";

/** Short digest of rendered files, put on pod templates so a config change rolls the pods. */
export function configHash(files: Record<string, string>): string {
    const h = createHash("sha256");
    for (const key of Object.keys(files).sort()) h.update(key).update("\0").update(files[key]).update("\0");
    return h.digest("hex").slice(0, 16);
}

/**
 * Name of a ConfigMap of rendered files: `<base>-<hash of the files>`. The kubernetes provider replaces a
 * ConfigMap whose data changes, and one that keeps its name must be deleted first — which makes the engine
 * replace every workload that mounts it, all pods at once. Under a new name the ConfigMap is created before
 * the old one goes, and the workloads are updated, so a config change rolls them (replicas first, with the
 * Sentinel master's hand-over) instead.
 */
export function configMapName(base: string, files: pulumi.Input<Record<string, pulumi.Input<string>>>): pulumi.Output<string> {
    return pulumi.output(files).apply(f => `${base}-${configHash(f as Record<string, string>).slice(0, 10)}`);
}

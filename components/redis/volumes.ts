import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

type Volume = k8s.types.input.core.v1.Volume;

/** The rendered config (read-only) and a small writable emptyDir for the runtime copy with the password. */
export function redisConfigVolumes(configMapName: pulumi.Input<string>): Volume[] {
    return [
        { name: "config", configMap: { name: configMapName, defaultMode: 0o444 } },
        { name: "run", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } },
    ];
}

/** Data on the given PVC, or an emptyDir (lost with the pod) when there is none. */
export function dataVolume(claimName?: pulumi.Input<string>): Volume {
    return claimName ? { name: "data", persistentVolumeClaim: { claimName } } : { name: "data", emptyDir: {} };
}

/**
 * What happens to a StatefulSet's claims: deleted with it unless `retainOnDelete` (without this, Kubernetes keeps
 * them and every PV outlives `pulumi destroy`), kept on scale-in so a pod that comes back resyncs from its data.
 */
export function claimRetention(persistence: {
    enabled: boolean;
    retainOnDelete?: boolean;
}): k8s.types.input.apps.v1.StatefulSetPersistentVolumeClaimRetentionPolicy | undefined {
    if (!persistence.enabled) return undefined;
    return { whenDeleted: persistence.retainOnDelete ? "Retain" : "Delete", whenScaled: "Retain" };
}

/** One `data` PVC per StatefulSet pod when persistence is on; undefined (emptyDir instead) otherwise. */
export function dataClaimTemplates(
    persistence: { enabled: boolean; size: string; storageClass?: string },
    labels: Record<string, string>,
): k8s.types.input.core.v1.PersistentVolumeClaim[] | undefined {
    if (!persistence.enabled) return undefined;
    return [
        {
            metadata: { name: "data", labels },
            spec: {
                accessModes: ["ReadWriteOnce"],
                storageClassName: persistence.storageClass,
                resources: { requests: { storage: persistence.size } },
            },
        },
    ];
}

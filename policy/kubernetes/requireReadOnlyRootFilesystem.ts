import { ResourceValidationPolicy } from "@pulumi/policy";
import { containersOf, validateWorkloads } from "../common/workloads";

/** A writable root lets an intruder drop binaries; Redis only needs its data directory writable. */
export const requireReadOnlyRootFilesystem: ResourceValidationPolicy = {
    name: "kubernetes-workload-require-read-only-root-filesystem",
    description: "Every container mounts its root file system read-only; writable paths are volumes.",
    enforcementLevel: "mandatory",
    severity: "medium",
    validateResource: validateWorkloads((template, _args, reportViolation) => {
        for (const { container, label } of containersOf(template.spec, true)) {
            if (container.securityContext?.readOnlyRootFilesystem !== true) {
                reportViolation(
                    `${template.kind} ${label} has a writable root file system. Set ` +
                        "`securityContext.readOnlyRootFilesystem: true` and mount an emptyDir or PVC where it must write (e.g. /data, /tmp).",
                );
            }
        }
    }),
};

import * as alicloud from "@pulumi/alicloud";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

const REQUIRED = ["apiserver", "kcm", "scheduler"];

/** Without control-plane logs there is no audit trail of who changed what in the cluster. */
export const requireControlPlaneLogs: ResourceValidationPolicy = {
    name: "alicloud-cs-managedkubernetes-enable-control-plane-logs",
    description: "ACK clusters collect apiserver, kcm and scheduler logs with a retention period.",
    enforcementLevel: "mandatory",
    severity: "medium",
    validateResource: validateResourceOfType(alicloud.cs.ManagedKubernetes, (cluster, args, reportViolation) => {
        const components = cluster.controlPlaneLogComponents ?? [];
        const missing = REQUIRED.filter(c => !components.includes(c));
        const name = cluster.name ?? args.name;
        if (missing.length > 0) {
            reportViolation(
                `ACK cluster "${name}" does not collect control-plane logs for ${missing.join(", ")}, so API changes leave no trail. ` +
                    `Set \`controlPlaneLogComponents\` to include ${REQUIRED.map(c => `"${c}"`).join(", ")}.`,
            );
        }
        if (components.length > 0 && !(Number(cluster.controlPlaneLogTtl) > 0)) {
            reportViolation(
                `ACK cluster "${name}" collects control-plane logs without \`controlPlaneLogTtl\`, which ACK requires alongside the components. ` +
                    'Set `controlPlaneLogTtl` to a retention in days, e.g. "30".',
            );
        }
    }),
};

import { StackValidationPolicy } from "@pulumi/policy";
import { environmentSchema, requireProd } from "../common/environment";
import { servingWorkloads } from "../common/serving";

/** One replica behind a Service means every node drain or crash is an outage. */
export const requireMinimumReplicas: StackValidationPolicy = {
    name: "kubernetes-apps-v1-workload-minimum-replicas",
    description: "In prod, Deployments and StatefulSets selected by a Service run at least 2 replicas.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: environmentSchema,
    validateStack: (args, reportViolation) => {
        requireProd(args);
        for (const w of servingWorkloads(args.resources)) {
            if (w.replicas < 2) {
                reportViolation(
                    `${w.kind} "${w.name}" serves traffic through a Service but runs ${w.replicas} replica, so a single pod failure or node drain is an outage. ` +
                        "Set `spec.replicas` to 2 or more in production.",
                    w.resource.urn,
                );
            }
        }
    },
};

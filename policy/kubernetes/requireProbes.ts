import { ResourceValidationPolicy } from "@pulumi/policy";
import { containersOf, validateWorkloads } from "../common/workloads";

/** Without probes a hung Redis keeps receiving traffic and is never restarted. */
export const requireProbes: ResourceValidationPolicy = {
    name: "kubernetes-workload-require-probes",
    description: "Every long-running container has a liveness probe and a readiness probe.",
    enforcementLevel: "mandatory",
    severity: "medium",
    validateResource: validateWorkloads((template, _args, reportViolation) => {
        if (template.kind === "Job" || template.kind === "CronJob") return;
        for (const { container, label } of containersOf(template.spec, false)) {
            for (const probe of ["livenessProbe", "readinessProbe"]) {
                if (!container[probe]) {
                    reportViolation(
                        `${template.kind} ${label} has no ${probe}. Add one (e.g. an exec probe running \`redis-cli ping\`, ` +
                            "or a tcpSocket probe on the service port) so Kubernetes restarts or unroutes it when it hangs.",
                    );
                }
            }
        }
    }),
};

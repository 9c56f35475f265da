import { ResourceValidationPolicy } from "@pulumi/policy";
import { containersOf, validateWorkloads } from "../common/workloads";

const SECCOMP_OK = ["RuntimeDefault", "Localhost"];

/**
 * The Kubernetes "restricted" Pod Security Standard. runAsNonRoot and the seccomp profile may be set
 * on the pod and inherited; the container value wins when both are set.
 */
export const requireRestrictedSecurityContext: ResourceValidationPolicy = {
    name: "kubernetes-workload-require-restricted-security-context",
    description:
        "Every container runs as non-root, without privilege escalation, with ALL capabilities dropped and the RuntimeDefault seccomp profile.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: validateWorkloads((template, _args, reportViolation) => {
        const pod = template.spec.securityContext ?? {};
        for (const { container, label } of containersOf(template.spec, true)) {
            const sc = container.securityContext ?? {};
            const problems: string[] = [];
            if ((sc.runAsNonRoot ?? pod.runAsNonRoot) !== true) problems.push("`runAsNonRoot: true`");
            if ((sc.runAsUser ?? pod.runAsUser) === 0) problems.push("a non-zero `runAsUser`");
            if (sc.privileged === true) problems.push("`privileged: false`");
            if (sc.allowPrivilegeEscalation !== false) problems.push("`allowPrivilegeEscalation: false`");
            if (!(sc.capabilities?.drop ?? []).includes("ALL")) problems.push('`capabilities.drop: ["ALL"]`');
            const seccomp = sc.seccompProfile?.type ?? pod.seccompProfile?.type;
            if (!SECCOMP_OK.includes(seccomp)) problems.push("`seccompProfile.type: RuntimeDefault`");
            if (problems.length > 0) {
                reportViolation(
                    `${template.kind} ${label} does not meet the restricted Pod Security Standard. ` +
                        `Set ${problems.join(", ")} in its securityContext (or the pod's, where inherited).`,
                );
            }
        }
    }),
};

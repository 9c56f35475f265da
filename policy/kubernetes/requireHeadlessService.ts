import * as k8s from "@pulumi/kubernetes";
import { StackValidationPolicy } from "@pulumi/policy";
import { namespaceOf, objectName } from "../common/workloads";

/**
 * The seed's replicas logged "Unable to connect to MASTER" until someone created the headless Service
 * that gives `redis-sfs-0.redis-sfs` its DNS name. Checked across the stack, before anything is deployed.
 */
export const requireHeadlessService: StackValidationPolicy = {
    name: "kubernetes-apps-v1-statefulset-require-headless-service",
    description: "A StatefulSet's `serviceName` names a headless Service (`clusterIP: None`) in the same namespace and stack.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateStack: (args, reportViolation) => {
        const services = args.resources.filter(r => r.isType(k8s.core.v1.Service));
        for (const sts of args.resources.filter(r => r.isType(k8s.apps.v1.StatefulSet))) {
            const name = objectName(sts.props, sts.name);
            const serviceName = sts.props.spec?.serviceName;
            if (!serviceName) {
                reportViolation(
                    `StatefulSet "${name}" has no \`serviceName\`, so its pods get no stable DNS names and replicas cannot find the master. ` +
                        "Create a headless Service (`clusterIP: None`) selecting its pods and set `serviceName` to it.",
                    sts.urn,
                );
                continue;
            }
            const ns = namespaceOf(sts.props);
            const service = services.find(s => objectName(s.props, s.name) === serviceName && namespaceOf(s.props) === ns);
            if (!service) {
                reportViolation(
                    `StatefulSet "${name}" names Service "${serviceName}" in namespace "${ns}", but this stack creates no such Service, ` +
                        `so \`${name}-0.${serviceName}\` does not resolve and replicas fail with "Unable to connect to MASTER". ` +
                        `Create a headless Service "${serviceName}" (\`clusterIP: None\`) selecting the StatefulSet's pods.`,
                    sts.urn,
                );
            } else if (service.props.spec?.clusterIP !== "None") {
                reportViolation(
                    `StatefulSet "${name}" names Service "${serviceName}", which is not headless, so pods get no per-pod DNS records. ` +
                        `Set \`clusterIP: "None"\` on Service "${serviceName}" (use a separate Service for client traffic).`,
                    sts.urn,
                );
            }
        }
    },
};

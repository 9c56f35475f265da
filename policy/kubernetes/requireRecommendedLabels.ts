import { ResourceValidationPolicy } from "@pulumi/policy";
import { kubernetesType } from "../common/workloads";

const DEFAULT_LABELS = ["app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/managed-by"];

/** Types that are not Kubernetes objects with their own metadata (component wrappers, Helm releases, patches). */
function isObjectType(type: string): boolean {
    const k = kubernetesType(type);
    if (!k) return false;
    if (/^(yaml|helm\.sh|kustomize)\//.test(k.apiVersion)) return false;
    return !k.kind.endsWith("Patch") && !k.kind.endsWith("List");
}

/** Recommended labels are how `kubectl get -l`, dashboards and cost reports find a release's objects. */
export const requireRecommendedLabels: ResourceValidationPolicy = {
    name: "kubernetes-metadata-require-recommended-labels",
    description: "Every Kubernetes object carries the recommended labels app.kubernetes.io/name, instance and managed-by.",
    enforcementLevel: "mandatory",
    severity: "low",
    configSchema: {
        properties: {
            requiredLabels: {
                type: "array",
                items: { type: "string" },
                default: DEFAULT_LABELS,
                description: "Label keys every object must carry.",
            },
        },
    },
    validateResource: (args, reportViolation) => {
        if (!isObjectType(args.type)) return;
        const { requiredLabels = DEFAULT_LABELS } = args.getConfig<{ requiredLabels?: string[] }>();
        const labels = args.props.metadata?.labels ?? {};
        const missing = requiredLabels.filter(key => typeof labels[key] !== "string" || labels[key] === "");
        if (missing.length > 0) {
            const kind = kubernetesType(args.type)!.kind;
            reportViolation(
                `${kind} "${args.props.metadata?.name ?? args.name}" is missing the label(s) ${missing.join(", ")}. ` +
                    "Add them to metadata.labels so tools can find every object of a release.",
            );
        }
    },
};

import { ReportViolation, ResourceValidation, ResourceValidationArgs } from "@pulumi/policy";

/**
 * Finds the pod template inside any Kubernetes workload, whatever its apiVersion, so container
 * rules apply uniformly to Pods, Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs and CronJobs.
 */

/** `kubernetes:apps/v1:Deployment` → { apiVersion: "apps/v1", kind: "Deployment" }; undefined for other providers. */
export function kubernetesType(type: string): { apiVersion: string; kind: string } | undefined {
    const m = /^kubernetes:([^:]+):([^:]+)$/.exec(type);
    if (!m) return undefined;
    return { apiVersion: m[1] === "core/v1" ? "v1" : m[1], kind: m[2] };
}

const templatePaths: Record<string, string[]> = {
    Pod: [],
    Deployment: ["spec", "template"],
    StatefulSet: ["spec", "template"],
    DaemonSet: ["spec", "template"],
    ReplicaSet: ["spec", "template"],
    ReplicationController: ["spec", "template"],
    Job: ["spec", "template"],
    CronJob: ["spec", "jobTemplate", "spec", "template"],
};

export interface PodTemplate {
    kind: string;
    /** Labels of the pods this workload runs. */
    labels: Record<string, string>;
    spec: any;
}

function dig(value: any, path: string[]): any {
    return path.reduce((v, key) => (v === undefined || v === null ? undefined : v[key]), value);
}

/** The pod template of a workload resource, or undefined when the type runs no pods. */
export function podTemplateOf(type: string, props: Record<string, any>): PodTemplate | undefined {
    const k = kubernetesType(type);
    if (!k || !(k.kind in templatePaths)) return undefined;
    const template = templatePaths[k.kind].length === 0 ? props : dig(props, templatePaths[k.kind]);
    if (!template) return undefined;
    return { kind: k.kind, labels: template.metadata?.labels ?? {}, spec: template.spec ?? {} };
}

export interface ContainerRef {
    container: any;
    /** `container "redis"` or `init container "init"`, for messages. */
    label: string;
    init: boolean;
}

/** Every container of a pod spec, init containers included when `withInit`. */
export function containersOf(spec: any, withInit: boolean): ContainerRef[] {
    const refs: ContainerRef[] = [];
    if (withInit) {
        for (const c of spec?.initContainers ?? []) refs.push({ container: c, label: `init container "${c.name}"`, init: true });
    }
    for (const c of spec?.containers ?? []) refs.push({ container: c, label: `container "${c.name}"`, init: false });
    return refs;
}

/** Kubernetes' default namespace when a manifest names none (the provider's default applies to both sides). */
export function namespaceOf(props: Record<string, any>): string {
    return props.metadata?.namespace ?? "default";
}

/** The display name of a Kubernetes object: its metadata.name, else the Pulumi resource name. */
export function objectName(props: Record<string, any>, fallback: string): string {
    return props.metadata?.name ?? fallback;
}

/** A resource validation that runs `check` on the pod template of every workload type. */
export function validateWorkloads(
    check: (template: PodTemplate, args: ResourceValidationArgs, reportViolation: ReportViolation) => void,
): ResourceValidation {
    return (args, reportViolation) => {
        const template = podTemplateOf(args.type, args.props);
        if (template) check(template, args, reportViolation);
    };
}

/** Label-selector matching, for relating Services and PodDisruptionBudgets to the workloads they cover. */

/** True when a Service-style selector (a plain map) selects pods with `labels`. Empty selects nothing. */
export function mapSelects(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
    const entries = Object.entries(selector ?? {});
    return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
}

interface Requirement {
    key: string;
    operator: string;
    values?: string[];
}

/** True when a metav1.LabelSelector selects pods with `labels`. An empty selector selects every pod. */
export function labelSelectorSelects(
    selector: { matchLabels?: Record<string, string>; matchExpressions?: Requirement[] } | undefined,
    labels: Record<string, string>,
): boolean {
    if (!selector) return false;
    const byLabel = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
    const byExpression = (selector.matchExpressions ?? []).every(r => {
        const has = Object.hasOwn(labels, r.key);
        switch (r.operator) {
            case "In":
                return has && (r.values ?? []).includes(labels[r.key]);
            case "NotIn":
                return !has || !(r.values ?? []).includes(labels[r.key]);
            case "Exists":
                return has;
            case "DoesNotExist":
                return !has;
            default:
                return false;
        }
    });
    return byLabel && byExpression;
}

/**
 * Resolves an IntOrString (`2` or `"50%"`) against a replica count, rounding percentages up the way
 * the disruption controller does. Undefined when the value is not a number or a percentage.
 */
export function scaledValue(value: number | string | undefined, replicas: number): number | undefined {
    if (typeof value === "number") return value;
    if (typeof value !== "string") return undefined;
    const pct = /^(\d+)%$/.exec(value);
    if (pct) return Math.ceil((Number(pct[1]) * replicas) / 100);
    return /^\d+$/.test(value) ? Number(value) : undefined;
}

/** Labels every kubecache object carries (Kubernetes recommended labels). */
export function recommendedLabels(app: string, instance: string, component?: string): Record<string, string> {
    const labels: Record<string, string> = {
        "app.kubernetes.io/name": app,
        "app.kubernetes.io/instance": instance,
        "app.kubernetes.io/managed-by": "kubecache",
    };
    if (component) labels["app.kubernetes.io/component"] = component;
    return labels;
}

/** The immutable subset used in selectors: never include labels that may change between versions. */
export function selectorLabels(app: string, instance: string, component?: string): Record<string, string> {
    const labels: Record<string, string> = {
        "app.kubernetes.io/name": app,
        "app.kubernetes.io/instance": instance,
    };
    if (component) labels["app.kubernetes.io/component"] = component;
    return labels;
}

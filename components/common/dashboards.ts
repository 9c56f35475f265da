/**
 * Grafana dashboards as ConfigMaps for Grafana's dashboard sidecar (the Grafana chart, kube-prometheus-stack), which
 * loads every ConfigMap carrying its label.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** The label the sidecar watches ConfigMaps for by default. */
export const GRAFANA_DASHBOARD_LABEL = { grafana_dashboard: "1" } as const;

/** ConfigMap `name` holding `files` (file name → dashboard JSON), labelled for the sidecar. */
export function createDashboardConfigMap(o: {
    name: string;
    namespace: pulumi.Input<string>;
    labels: Record<string, string>;
    /** The caller's labels besides the sidecar's (e.g. another value of `grafana_dashboard`). */
    extraLabels?: Record<string, string>;
    files: pulumi.Input<Record<string, string>>;
    opts: pulumi.CustomResourceOptions;
}): k8s.core.v1.ConfigMap {
    return new k8s.core.v1.ConfigMap(
        o.name,
        {
            metadata: { name: o.name, namespace: o.namespace, labels: { ...o.labels, ...GRAFANA_DASHBOARD_LABEL, ...o.extraLabels } },
            data: o.files,
        },
        o.opts,
    );
}

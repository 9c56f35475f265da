import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    ArgumentError,
    createDashboardConfigMap,
    enabledPart,
    checked,
    recommendedLabels,
    requireDnsLabel,
    requireInteger,
    requirePinnedImage,
    Resources,
    selectorLabels,
} from "../common";
import { MEMCACHED_INSTANCE_LABEL, memcachedDashboard } from "./dashboards";
import { DEFAULT_MANAGER_RESOURCES, managerPodSpec, METRICS_PORT } from "./manager";
import { loadLeaderElectionRole, loadManagerRole, loadMemcachedCrd } from "./operatorConfig";

const COMPONENT = "MemcachedOperator";
export const DEFAULT_OPERATOR_NAMESPACE = "kubecache-system";
export const MAX_OPERATOR_REPLICAS = 5;

export interface MemcachedOperatorArgs {
    /** Manager image, pinned by tag or (preferably) digest: `OperatorImage.imageRef`. */
    image: pulumi.Input<string>;
    /** Namespace of the manager and its RBAC; default `kubecache-system`. */
    namespace?: string;
    /** Create the namespace (default true); false when it already exists. */
    createNamespace?: boolean;
    /** Manager replicas, 1 to 5 (default 1); above 1 the managers elect a leader through a Lease and get a PodDisruptionBudget. */
    replicas?: number;
    /** Manager container resources; default 10m CPU / 64Mi request, 128Mi limit. */
    resources?: pulumi.Input<Resources>;
    /** Names of Secrets in `namespace` used to pull `image` from a private registry. */
    imagePullSecrets?: string[];
    /**
     * Create a `monitoring.coreos.com/v1` PodMonitor (the Prometheus Operator's CRD must be installed)
     * that scrapes the `metrics` port of every operator-managed memcached pod, in every namespace:
     * the pods of `Memcached` objects with `metrics.enabled`. Default false.
     */
    podMonitor?: MemcachedPodMonitorArgs;
    /**
     * The Memcached Grafana dashboard (pods answering, hit ratio, commands/s, memory and connections against their
     * limits, items, evictions, network) in a ConfigMap labelled `grafana_dashboard: "1"` for Grafana's dashboard
     * sidecar. It reads what the PodMonitor collects, so it needs `podMonitor.enabled`; `true` is short for
     * `{ enabled: true }`.
     */
    dashboards?: MemcachedDashboardsArgs;
    /**
     * Keep the Memcached CRD in the cluster when this component is deleted or renamed (default true).
     * Deleting a CRD deletes every Memcached object of every namespace with it, whoever created them;
     * set false only for a cluster that runs nothing else (tests), where `pulumi destroy` should clean up.
     */
    retainCrdOnDelete?: boolean;
}

export interface MemcachedPodMonitorArgs {
    /** Create the PodMonitor (default false). */
    enabled?: boolean;
    /** Labels of the PodMonitor, for the Prometheus `podMonitorSelector` (e.g. `{ release: "prometheus" }`). */
    labels?: Record<string, string>;
    /** Scrape interval, e.g. `30s`; default Prometheus' own. */
    interval?: string;
}

export interface MemcachedDashboardsArgs {
    /** Create the dashboard's ConfigMap (default false). */
    enabled?: boolean;
    /** Labels of the ConfigMap besides `grafana_dashboard: "1"`. */
    labels?: Record<string, string>;
}

export const POD_MONITOR_API_VERSION = "monitoring.coreos.com/v1";
/** Labels the controller sets on every memcached pod it manages (operator/internal/controller). */
export const MANAGED_MEMCACHED_POD_LABELS = { "app.kubernetes.io/name": "memcached", "app.kubernetes.io/managed-by": "kubecache-operator" };

/**
 * Installs the Memcached operator: CRD, RBAC, metrics Service and the manager Deployment. `pulumi up`
 * waits for the Deployment, so once this component is done the operator reconciles `Memcached` objects.
 */
export class MemcachedOperator extends pulumi.ComponentResource {
    /** `memcacheds.cache.kubecache.io`. */
    public readonly crdName: pulumi.Output<string>;
    /** Namespace of the manager, its ServiceAccount and its leader-election Role. */
    public readonly namespace: pulumi.Output<string>;
    /** The manager's ServiceAccount, bound to the generated ClusterRole. */
    public readonly serviceAccountName: pulumi.Output<string>;
    /** The manager Deployment's name. */
    public readonly deploymentName: pulumi.Output<string>;
    /** The CRD resource, for callers that order their own resources after it. */
    public readonly crd: k8s.apiextensions.v1.CustomResourceDefinition;
    /** The manager Deployment: `pulumi up` waits until it is ready, so resources ordered after it find a running operator. */
    public readonly manager: k8s.apps.v1.Deployment;

    constructor(name: string, args: MemcachedOperatorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubecache:index:MemcachedOperator", name, {}, opts);
        if (args?.image === undefined || args.image === null) {
            throw new ArgumentError(COMPONENT, "image", "is required: pass `OperatorImage.imageRef` or an image pinned by tag or digest.");
        }
        const image = checked(args.image, v => requirePinnedImage(COMPONENT, "image", v));
        const namespace = args.namespace ?? DEFAULT_OPERATOR_NAMESPACE;
        requireDnsLabel(COMPONENT, "namespace", namespace);
        const replicas = args.replicas ?? 1;
        requireInteger(COMPONENT, "replicas", replicas, 1, MAX_OPERATOR_REPLICAS);
        for (const s of args.imagePullSecrets ?? []) requireDnsLabel(COMPONENT, "imagePullSecrets", s, 253);
        requireDnsLabel(COMPONENT, "name", name, 40);
        const pm = enabledPart(COMPONENT, "podMonitor", args.podMonitor, false);
        if (pm?.interval !== undefined && !/^([0-9]+(ms|s|m|h))+$/.test(pm.interval)) {
            throw new ArgumentError(
                COMPONENT,
                "podMonitor.interval",
                `must be a Prometheus duration such as "30s"; got ${JSON.stringify(pm.interval)}.`,
            );
        }

        const dashboards = enabledPart(COMPONENT, "dashboards", args.dashboards, true);
        if (dashboards && !pm) {
            throw new ArgumentError(
                COMPONENT,
                "dashboards",
                "needs `podMonitor.enabled: true`: the dashboard reads the series the PodMonitor collects.",
            );
        }

        const crdManifest = loadMemcachedCrd();
        const roleManifest = loadManagerRole();
        const leaderRole = loadLeaderElectionRole();

        const labels = recommendedLabels("memcached-operator", name, "manager");
        const selector = selectorLabels("memcached-operator", name, "manager");
        const child = { parent: this };

        const ns =
            args.createNamespace === false
                ? undefined
                : new k8s.core.v1.Namespace(
                      `${name}-ns`,
                      {
                          // The manager meets the restricted Pod Security Standard; enforcing it keeps it that way.
                          metadata: { name: namespace, labels: { ...labels, "pod-security.kubernetes.io/enforce": "restricted" } },
                      },
                      child,
                  );
        const nsName = ns ? ns.metadata.name : pulumi.output(namespace);

        this.crd = new k8s.apiextensions.v1.CustomResourceDefinition(
            `${name}-crd`,
            {
                metadata: {
                    name: crdManifest.metadata.name,
                    annotations: crdManifest.metadata.annotations,
                    labels: { ...crdManifest.metadata.labels, ...labels },
                },
                spec: crdManifest.spec,
            },
            { ...child, retainOnDelete: args.retainCrdOnDelete ?? true },
        );

        const sa = new k8s.core.v1.ServiceAccount(
            `${name}-sa`,
            {
                metadata: { name: `${name}-controller-manager`, namespace: nsName, labels },
            },
            child,
        );
        const subjects = [{ kind: "ServiceAccount", name: sa.metadata.name, namespace: nsName }];

        const clusterRole = new k8s.rbac.v1.ClusterRole(
            `${name}-manager-role`,
            {
                metadata: { name: `${name}-manager-role`, labels },
                rules: roleManifest.rules,
            },
            child,
        );
        const clusterBinding = new k8s.rbac.v1.ClusterRoleBinding(
            `${name}-manager-rolebinding`,
            {
                metadata: { name: `${name}-manager-rolebinding`, labels },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: clusterRole.metadata.name },
                subjects,
            },
            child,
        );

        const leaderElectionRole = new k8s.rbac.v1.Role(
            `${name}-leader-election-role`,
            {
                metadata: { name: `${name}-leader-election-role`, namespace: nsName, labels },
                rules: leaderRole.rules,
            },
            child,
        );
        const leaderBinding = new k8s.rbac.v1.RoleBinding(
            `${name}-leader-election-rolebinding`,
            {
                metadata: { name: `${name}-leader-election-rolebinding`, namespace: nsName, labels },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: leaderElectionRole.metadata.name },
                subjects,
            },
            child,
        );

        new k8s.core.v1.Service(
            `${name}-metrics`,
            {
                metadata: { name: `${name}-metrics`, namespace: nsName, labels },
                spec: { selector, ports: [{ name: "metrics", port: METRICS_PORT, targetPort: "metrics", protocol: "TCP" }] },
            },
            child,
        );

        // Without skipAwait the provider waits for the rollout, so `pulumi up` ends with a ready operator.
        // The CRD and bindings come first: a manager started without them crash-loops until they appear.
        const deployment = new k8s.apps.v1.Deployment(
            `${name}-manager`,
            {
                metadata: { name: `${name}-controller-manager`, namespace: nsName, labels },
                spec: {
                    replicas,
                    selector: { matchLabels: selector },
                    template: {
                        metadata: {
                            labels: { ...labels, ...selector },
                            annotations: { "kubectl.kubernetes.io/default-container": "manager" },
                        },
                        spec: managerPodSpec({
                            image,
                            replicas,
                            serviceAccountName: sa.metadata.name,
                            resources: args.resources ?? DEFAULT_MANAGER_RESOURCES,
                            imagePullSecrets: args.imagePullSecrets,
                        }),
                    },
                },
            },
            { parent: this, dependsOn: [this.crd, clusterBinding, leaderBinding] },
        );

        if (replicas > 1) {
            // Drains may take the standby, never both managers at once.
            new k8s.policy.v1.PodDisruptionBudget(
                `${name}-manager`,
                {
                    metadata: { name: `${name}-controller-manager`, namespace: nsName, labels },
                    spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
                },
                child,
            );
        }

        if (pm) {
            new k8s.apiextensions.CustomResource(
                `${name}-memcached`,
                {
                    apiVersion: POD_MONITOR_API_VERSION,
                    kind: "PodMonitor",
                    metadata: { name: `${name}-memcached`, namespace: nsName, labels: { ...labels, ...pm.labels } },
                    spec: {
                        selector: { matchLabels: MANAGED_MEMCACHED_POD_LABELS },
                        namespaceSelector: { any: true },
                        podMetricsEndpoints: [{ port: "metrics", path: "/metrics", ...(pm.interval ? { interval: pm.interval } : {}) }],
                        // Which Memcached object a series is of (the dashboard's picker, alert rules by object).
                        podTargetLabels: [MEMCACHED_INSTANCE_LABEL],
                    },
                },
                child,
            );
        }

        if (dashboards) {
            createDashboardConfigMap({
                name: `${name}-dashboard`,
                namespace: nsName,
                labels,
                extraLabels: dashboards.labels,
                files: { "kubecache-memcached.json": memcachedDashboard() },
                opts: child,
            });
        }

        this.crdName = this.crd.metadata.name;
        this.namespace = nsName;
        this.serviceAccountName = sa.metadata.name;
        this.deploymentName = deployment.metadata.name;
        this.manager = deployment;
        this.registerOutputs({
            crdName: this.crdName,
            namespace: this.namespace,
            serviceAccountName: this.serviceAccountName,
            deploymentName: this.deploymentName,
        });
    }
}

import { countsByType, expectRejected, findAll, findCreated, promiseOf, resetRecorded, settle } from "../support/mocks";
import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { managerArgs, managerEnv } from "../../components/memcached/manager";
import { MemcachedOperator } from "../../components/memcached/operator";
import { loadManagerRole, loadManifest, loadMemcachedCrd, operatorConfigPath } from "../../components/memcached/operatorConfig";
import { dependsOnOf, optionsRecorder } from "./capture";
import { operatorContract } from "./contract";

const IMAGE = `kind-registry:5000/kubecache/memcached-operator@sha256:${"c".repeat(64)}`;
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const CRD = "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition";
const PDB = "kubernetes:policy/v1:PodDisruptionBudget";
const POD_MONITOR = "kubernetes:monitoring.coreos.com/v1:PodMonitor";
const CONFIGMAP = "kubernetes:core/v1:ConfigMap";

describe("MemcachedOperator", () => {
    // Constructing the operator is the slow part of these tests: one instance per configuration.
    describe("with defaults", () => {
        before(async () => {
            resetRecorded();
            new MemcachedOperator("mc-op", { image: IMAGE });
            await settle();
        });

        it("installs namespace, CRD, service account, RBAC, metrics Service and the manager", async () => {
            const counts = countsByType();
            for (const [type, n] of Object.entries({
                "kubernetes:core/v1:Namespace": 1,
                [CRD]: 1,
                "kubernetes:core/v1:ServiceAccount": 1,
                "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole": 1,
                "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding": 1,
                "kubernetes:rbac.authorization.k8s.io/v1:Role": 1,
                "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding": 1,
                "kubernetes:core/v1:Service": 1,
                [DEPLOYMENT]: 1,
            }))
                assert.strictEqual(counts[type], n, type);
            assert.strictEqual(findCreated("kubernetes:core/v1:Namespace").inputs.metadata.name, "kubecache-system");
        });

        it("applies the committed CRD unchanged", async () => {
            const crd = findCreated(CRD);
            const committed = loadMemcachedCrd();
            assert.strictEqual(crd.inputs.metadata.name, "memcacheds.cache.kubecache.io");
            assert.deepStrictEqual(crd.inputs.spec, JSON.parse(JSON.stringify(committed.spec)));
        });

        it("runs the pinned image as a restricted, probed, resource-bounded single manager", async () => {
            const d = findCreated(DEPLOYMENT);
            assert.strictEqual(d.inputs.spec.replicas, 1);
            const pod = d.inputs.spec.template.spec;
            const c = pod.containers[0];
            assert.strictEqual(c.image, IMAGE);
            assert.deepStrictEqual(c.args, managerArgs(1));
            assert.ok(!c.args.includes("--leader-elect"));
            assert.strictEqual(pod.serviceAccountName, "mc-op-controller-manager");
            assert.strictEqual(pod.securityContext.runAsNonRoot, true);
            assert.strictEqual(pod.securityContext.seccompProfile.type, "RuntimeDefault");
            assert.deepStrictEqual(c.securityContext.capabilities.drop, ["ALL"]);
            assert.strictEqual(c.securityContext.allowPrivilegeEscalation, false);
            assert.strictEqual(c.securityContext.readOnlyRootFilesystem, true);
            const health = c.ports.find((p: any) => p.name === "health");
            assert.strictEqual(health.containerPort, 8081);
            assert.deepStrictEqual(c.livenessProbe.httpGet, { path: "/healthz", port: "health" });
            assert.deepStrictEqual(c.readinessProbe.httpGet, { path: "/readyz", port: "health" });
            assert.ok(c.resources.requests.memory && c.resources.limits.memory);
            assert.deepStrictEqual(
                d.inputs.spec.selector.matchLabels,
                Object.fromEntries(
                    Object.entries(d.inputs.spec.template.metadata.labels).filter(([k]) => k in d.inputs.spec.selector.matchLabels),
                ),
            );
        });

        it("sets GOMEMLIMIT to 5/8 of the 64Mi memory request, the setting the bench measured", async () => {
            const c = findCreated(DEPLOYMENT).inputs.spec.template.spec.containers[0];
            assert.deepStrictEqual(c.env, [{ name: "GOMEMLIMIT", value: "40MiB" }]);
        });

        it("gives leader election the committed Role's rules", async () => {
            const committed = loadManifest(operatorConfigPath("rbac", "leader_election_role.yaml"), "Role");
            assert.deepStrictEqual(
                findCreated("kubernetes:rbac.authorization.k8s.io/v1:Role").inputs.rules,
                JSON.parse(JSON.stringify(committed.rules)),
            );
        });

        it("has no PodDisruptionBudget for a single manager, which it would block drains with", () => {
            assert.strictEqual(findAll(PDB).length, 0);
        });

        it("is awaited: the manager Deployment is not marked skipAwait", async () => {
            const annotations = findCreated(DEPLOYMENT).inputs.metadata.annotations ?? {};
            assert.strictEqual(annotations["pulumi.com/skipAwait"], undefined);
        });
    });

    describe("with two replicas", () => {
        before(async () => {
            resetRecorded();
            new MemcachedOperator("mc-op", { image: IMAGE, replicas: 2 });
            await settle();
        });

        it("runs the manager as operator/config/manager/manager.yaml does, apart from image and leader election", async () => {
            const manifest = loadManifest(operatorConfigPath("manager", "manager.yaml"), "Deployment");
            const want = manifest.spec.template.spec;
            const pod = findCreated(DEPLOYMENT).inputs.spec.template.spec;
            const [c, w] = [pod.containers[0], want.containers[0]];
            for (const key of ["name", "command", "args", "env", "ports", "livenessProbe", "readinessProbe", "resources"]) {
                assert.deepStrictEqual(c[key], w[key], `container ${key}`);
            }
            for (const [key, value] of Object.entries(w.securityContext))
                assert.deepStrictEqual(c.securityContext[key], value, `securityContext.${key}`);
            for (const [key, value] of Object.entries(want.securityContext))
                assert.deepStrictEqual(pod.securityContext[key], value, `pod securityContext.${key}`);
            assert.strictEqual(pod.terminationGracePeriodSeconds, want.terminationGracePeriodSeconds);
        });

        it("passes only flags the manager defines, and probes the paths it serves (operator/config/contract.json)", () => {
            const defined = new Set(operatorContract().flags);
            const container = findCreated(DEPLOYMENT).inputs.spec.template.spec.containers[0];
            for (const arg of container.args as string[]) {
                const flag = arg.replace(/^--/, "").split("=")[0];
                assert.ok(defined.has(flag), `--${flag} is not a flag of the manager (defines: ${[...defined].join(", ")})`);
            }
            assert.strictEqual(container.livenessProbe.httpGet.path, operatorContract().paths.healthz);
            assert.strictEqual(container.readinessProbe.httpGet.path, operatorContract().paths.readyz);
        });

        it("turns on leader election above one replica", async () => {
            const d = findCreated(DEPLOYMENT);
            assert.strictEqual(d.inputs.spec.replicas, 2);
            assert.ok(d.inputs.spec.template.spec.containers[0].args.includes("--leader-elect"));
        });

        it("lets a drain evict one manager at a time", () => {
            const pdb = findCreated(PDB);
            assert.deepStrictEqual(pdb.inputs.spec, { maxUnavailable: 1, selector: findCreated(DEPLOYMENT).inputs.spec.selector });
            assert.strictEqual(pdb.inputs.metadata.namespace, "kubecache-system");
        });
    });

    describe("in other configurations", () => {
        beforeEach(resetRecorded);

        it("derives GOMEMLIMIT from the caller's memory request, else its limit, else sets none", async () => {
            new MemcachedOperator("mc-op", {
                image: IMAGE,
                resources: pulumi.output({ requests: { memory: "256Mi" }, limits: { memory: "1Gi" } }),
            });
            await settle();
            assert.deepStrictEqual(findCreated(DEPLOYMENT).inputs.spec.template.spec.containers[0].env, [
                { name: "GOMEMLIMIT", value: "160MiB" },
            ]);
            assert.deepStrictEqual(managerEnv({ limits: { memory: "1G" } }), [{ name: "GOMEMLIMIT", value: "596MiB" }]);
            assert.deepStrictEqual(managerEnv({ requests: { cpu: "10m" } }), []);
        });

        it("grants the manager exactly the generated ClusterRole, bound to its service account", async () => {
            const op = new MemcachedOperator("mc-op", { image: IMAGE, namespace: "ops" });
            await settle();
            const role = findCreated("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole");
            assert.deepStrictEqual(role.inputs.rules, JSON.parse(JSON.stringify(loadManagerRole().rules)));
            const binding = findCreated("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding");
            assert.strictEqual(binding.inputs.roleRef.name, role.inputs.metadata.name);
            assert.deepStrictEqual(binding.inputs.subjects, [
                { kind: "ServiceAccount", name: "mc-op-controller-manager", namespace: "ops" },
            ]);
            const leader = findCreated("kubernetes:rbac.authorization.k8s.io/v1:Role");
            assert.ok(
                leader.inputs.rules.some((r: any) => r.resources.includes("leases")),
                "leader election can use Leases",
            );
            assert.strictEqual(await promiseOf(op.serviceAccountName), "mc-op-controller-manager");
            assert.strictEqual(await promiseOf(op.namespace), "ops");
            assert.strictEqual(await promiseOf(op.crdName), "memcacheds.cache.kubecache.io");
        });

        it("starts the manager only after the CRD and its RBAC bindings exist", async () => {
            const { parent, options } = optionsRecorder();
            const op = new MemcachedOperator("mc-op", { image: IMAGE }, { parent });
            const deps = dependsOnOf(options, DEPLOYMENT, "mc-op-manager");
            assert.ok(deps.includes(op.crd), "the Deployment depends on the CRD");
            const bindings = await Promise.all(deps.map(d => promiseOf((d as pulumi.CustomResource).urn)));
            assert.ok(
                bindings.some(u => u.includes("ClusterRoleBinding::mc-op-manager-rolebinding")),
                bindings.join(", "),
            );
            assert.ok(
                bindings.some(u => u.includes("RoleBinding::mc-op-leader-election-rolebinding")),
                bindings.join(", "),
            );
        });

        it("uses an existing namespace when createNamespace is false", async () => {
            new MemcachedOperator("mc-op", { image: IMAGE, namespace: "platform", createNamespace: false });
            await settle();
            assert.strictEqual(findAll("kubernetes:core/v1:Namespace").length, 0);
            assert.strictEqual(findCreated(DEPLOYMENT).inputs.metadata.namespace, "platform");
        });

        it("creates a PodMonitor for the memcached exporters only when asked", async () => {
            new MemcachedOperator("mc-op", { image: IMAGE });
            await settle();
            assert.strictEqual(findAll(POD_MONITOR).length, 0);
            resetRecorded();
            new MemcachedOperator("mc-op", {
                image: IMAGE,
                podMonitor: { enabled: true, labels: { release: "prometheus" }, interval: "30s" },
            });
            await settle();
            const pm = findCreated(POD_MONITOR);
            assert.strictEqual(pm.inputs.apiVersion, "monitoring.coreos.com/v1");
            assert.strictEqual(pm.inputs.metadata.namespace, "kubecache-system");
            assert.strictEqual(pm.inputs.metadata.labels.release, "prometheus");
            assert.deepStrictEqual(pm.inputs.spec.namespaceSelector, { any: true });
            assert.deepStrictEqual(pm.inputs.spec.podMetricsEndpoints, [{ port: "metrics", path: "/metrics", interval: "30s" }]);
            // The labels every memcached pod of the controller carries, and the exporter's port name, as the Go side
            // publishes them.
            const objects = operatorContract().objects;
            assert.deepStrictEqual(pm.inputs.spec.selector.matchLabels, objects.podLabels);
            assert.strictEqual(pm.inputs.spec.podMetricsEndpoints[0].port, objects.metricsPort);
            assert.strictEqual(pm.inputs.spec.podMetricsEndpoints[0].path, operatorContract().paths.metrics);
            // Every series names its Memcached object by the pod label the controller sets to the object's name.
            assert.deepStrictEqual(pm.inputs.spec.podTargetLabels, [objects.instanceLabel]);
        });

        it("ships the Memcached dashboard for Grafana's sidecar beside the PodMonitor, only when asked", async () => {
            new MemcachedOperator("mc-op", { image: IMAGE, podMonitor: { enabled: true } });
            await settle();
            assert.strictEqual(findAll(CONFIGMAP).filter(c => c.name.endsWith("-dashboard")).length, 0);
            resetRecorded();
            new MemcachedOperator("mc-op", {
                image: IMAGE,
                podMonitor: { enabled: true },
                dashboards: { enabled: true, labels: { team: "a" } },
            });
            await settle();
            const cm = findCreated(CONFIGMAP, "mc-op-dashboard").inputs;
            assert.strictEqual(cm.metadata.namespace, "kubecache-system");
            assert.deepStrictEqual([cm.metadata.labels.grafana_dashboard, cm.metadata.labels.team], ["1", "a"]);
            const d = JSON.parse(cm.data["kubecache-memcached.json"]);
            assert.strictEqual(d.uid, "kubecache-memcached");
            assert.ok(d.panels.length >= 8);
        });

        it("passes the caller's provider to every child", async () => {
            const provider = new k8s.Provider("target", { kubeconfig: "{}" });
            new MemcachedOperator("mc-op", { image: IMAGE }, { provider });
            await settle();
            const children = findAll(DEPLOYMENT).concat(findAll(CRD));
            assert.ok(children.length === 2 && children.every(r => r.provider?.includes("target")), "children use the given provider");
        });

        describe("rejects bad arguments before creating anything", () => {
            const cases: [string, () => unknown, RegExp][] = [
                ["no image", () => new MemcachedOperator("x", {} as any), /`image` is required/],
                [
                    "an untagged image",
                    () => new MemcachedOperator("x", { image: "kubecache/memcached-operator" }),
                    /`image` must name an explicit tag or digest/,
                ],
                ["a latest image", () => new MemcachedOperator("x", { image: "op:latest" }), /`image`/],
                [
                    "zero replicas",
                    () => new MemcachedOperator("x", { image: IMAGE, replicas: 0 }),
                    /`replicas` must be an integer from 1 to 5/,
                ],
                ["fractional replicas", () => new MemcachedOperator("x", { image: IMAGE, replicas: 1.5 }), /`replicas`/],
                [
                    "a bad namespace",
                    () => new MemcachedOperator("x", { image: IMAGE, namespace: "Kube_System" }),
                    /`namespace` must be a DNS-1123 label/,
                ],
                [
                    "a bad PodMonitor interval",
                    () => new MemcachedOperator("x", { image: IMAGE, podMonitor: { enabled: true, interval: "often" } }),
                    /`podMonitor.interval` must be a Prometheus duration/,
                ],
                [
                    "PodMonitor settings with the PodMonitor off",
                    () => new MemcachedOperator("x", { image: IMAGE, podMonitor: { interval: "30s" } }),
                    /`podMonitor.enabled` must be true/,
                ],
                [
                    "a dashboard without the PodMonitor it reads",
                    () => new MemcachedOperator("x", { image: IMAGE, dashboards: { enabled: true } }),
                    /`dashboards` needs `podMonitor.enabled: true`/,
                ],
                [
                    "dashboard labels with the dashboard off",
                    () => new MemcachedOperator("x", { image: IMAGE, podMonitor: { enabled: true }, dashboards: { labels: { a: "b" } } }),
                    /`dashboards.enabled` must be true/,
                ],
                [
                    "a PodMonitor given as a boolean",
                    () => new MemcachedOperator("x", { image: IMAGE, podMonitor: true as any }),
                    /`podMonitor` must be an object such as `\{ enabled: true \}`/,
                ],
            ];
            for (const [what, fn, pattern] of cases) it(what, () => expectRejected(fn, pattern));
        });
    });
});

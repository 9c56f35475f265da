package controller

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	cachev1alpha1 "github.com/kubecache/kubecache/operator/api/v1alpha1"
)

func TestPDBFollowsSize(t *testing.T) {
	h := newHarness(t, interceptor.Funcs{}, newMemcached("mc", 1))
	h.mustReconcile("mc")
	if h.get("mc", &policyv1.PodDisruptionBudget{}) {
		t.Fatal("size 1 got a PodDisruptionBudget, which would block every drain of its node")
	}

	h.setSpec("mc", func(s *cachev1alpha1.MemcachedSpec) { s.Size = 3 })
	h.mustReconcile("mc")
	pdb := &policyv1.PodDisruptionBudget{}
	if !h.get("mc", pdb) {
		t.Fatal("no PodDisruptionBudget at size 3")
	}
	if pdb.Spec.MaxUnavailable == nil || pdb.Spec.MaxUnavailable.IntValue() != 1 || pdb.Spec.MinAvailable != nil {
		t.Errorf("pdb spec = %+v, want maxUnavailable 1 only", pdb.Spec)
	}
	if pdb.Spec.Selector.MatchLabels[labelInstance] != "mc" || !metav1.IsControlledBy(pdb, h.memcached("mc")) {
		t.Errorf("pdb selector %v owner %v", pdb.Spec.Selector, pdb.OwnerReferences)
	}

	two := intstr.FromInt32(2)
	pdb.Spec.MaxUnavailable = &two
	if err := h.client.Update(h.ctx, pdb); err != nil {
		t.Fatal(err)
	}
	h.mustReconcile("mc")
	if h.get("mc", pdb); pdb.Spec.MaxUnavailable.IntValue() != 1 {
		t.Errorf("edited pdb not repaired: maxUnavailable %s", pdb.Spec.MaxUnavailable.String())
	}

	h.setSpec("mc", func(s *cachev1alpha1.MemcachedSpec) { s.Size = 1 })
	h.events()
	h.mustReconcile("mc")
	if h.get("mc", &policyv1.PodDisruptionBudget{}) {
		t.Fatal("pdb kept after size dropped to 1")
	}
	h.expectEvent("deleted poddisruptionbudget mc")
}

func TestForeignPDBIsLeftAlone(t *testing.T) {
	foreign := &policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Name: "mc", Namespace: testNS}}
	h := newHarness(t, interceptor.Funcs{}, newMemcached("mc", 1), foreign)
	h.mustReconcile("mc")
	if !h.get("mc", &policyv1.PodDisruptionBudget{}) {
		t.Fatal("a PodDisruptionBudget the Memcached does not own was deleted")
	}
}

func TestPodsPreferDistinctNodesAndSpreadOverZonesOnRequest(t *testing.T) {
	mc := newMemcached("mc", 3)
	pod := mustDeployment(t, mc).Spec.Template.Spec
	terms := pod.Affinity.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution
	if len(terms) != 1 || terms[0].PodAffinityTerm.TopologyKey != "kubernetes.io/hostname" ||
		terms[0].PodAffinityTerm.LabelSelector.MatchLabels[labelInstance] != "mc" {
		t.Errorf("default anti-affinity = %+v, want preferred on kubernetes.io/hostname", terms)
	}
	if pod.Affinity.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution != nil || pod.TopologySpreadConstraints != nil {
		t.Errorf("default spreading is more than preferred per node: %+v %+v", pod.Affinity, pod.TopologySpreadConstraints)
	}
	for mode, want := range map[cachev1alpha1.TopologySpreadMode]corev1.UnsatisfiableConstraintAction{
		cachev1alpha1.TopologySpreadPreferred: corev1.ScheduleAnyway,
		cachev1alpha1.TopologySpreadRequired:  corev1.DoNotSchedule,
	} {
		mc.Spec.TopologySpread = mode
		tsc := mustDeployment(t, mc).Spec.Template.Spec.TopologySpreadConstraints
		if len(tsc) != 1 || tsc[0].TopologyKey != "topology.kubernetes.io/zone" || tsc[0].WhenUnsatisfiable != want ||
			tsc[0].MaxSkew != 1 || !slices.Equal(tsc[0].MatchLabelKeys, []string{"pod-template-hash"}) {
			t.Errorf("topologySpread %s: constraints %+v, want one zone constraint %s", mode, tsc, want)
		}
	}
	mc.Spec.TopologySpread = cachev1alpha1.TopologySpreadNone
	if tsc := mustDeployment(t, mc).Spec.Template.Spec.TopologySpreadConstraints; tsc != nil {
		t.Errorf("topologySpread none: %+v", tsc)
	}
}

func TestSchedulingFieldsPassThroughAndTheirRemovalApplies(t *testing.T) {
	mc := newMemcached("mc", 2)
	tol := corev1.Toleration{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "cache", Effect: corev1.TaintEffectNoSchedule}
	mc.Spec.NodeSelector = map[string]string{"pool": "cache"}
	mc.Spec.Tolerations = []corev1.Toleration{tol}
	mc.Spec.PriorityClassName = "high"
	h := newHarness(t, interceptor.Funcs{}, mc)
	h.mustReconcile("mc")
	pod := h.deployment("mc").Spec.Template.Spec
	if pod.NodeSelector["pool"] != "cache" || len(pod.Tolerations) != 1 || pod.Tolerations[0] != tol || pod.PriorityClassName != "high" {
		t.Fatalf("pass-through fields: nodeSelector %v tolerations %v priorityClassName %q", pod.NodeSelector, pod.Tolerations, pod.PriorityClassName)
	}
	h.setSpec("mc", func(s *cachev1alpha1.MemcachedSpec) {
		s.NodeSelector, s.Tolerations, s.PriorityClassName = nil, nil, ""
	})
	h.mustReconcile("mc")
	pod = h.deployment("mc").Spec.Template.Spec
	if len(pod.NodeSelector) != 0 || len(pod.Tolerations) != 0 || pod.PriorityClassName != "" {
		t.Fatalf("fields removed from the spec stayed on the pods: %v %v %q", pod.NodeSelector, pod.Tolerations, pod.PriorityClassName)
	}
}

func TestMetricsSidecarAndServicePort(t *testing.T) {
	mc := newMemcached("mc", 1)
	mc.Spec.Metrics = &cachev1alpha1.MemcachedMetrics{Enabled: true}
	h := newHarness(t, interceptor.Funcs{}, mc)
	h.mustReconcile("mc")
	containers := h.deployment("mc").Spec.Template.Spec.Containers
	if len(containers) != 2 || containers[0].Name != containerName || containers[1].Name != "metrics" {
		t.Fatalf("containers = %v, want memcached and metrics", names(containers))
	}
	exp := containers[1]
	if exp.Image != cachev1alpha1.DefaultExporterImage || len(exp.Ports) != 1 || exp.Ports[0].Name != "metrics" || exp.Ports[0].ContainerPort != 9150 {
		t.Errorf("exporter image %q ports %+v, want %s on a port named metrics (9150)", exp.Image, exp.Ports, cachev1alpha1.DefaultExporterImage)
	}
	if !slices.Equal(exp.Args, []string{"--memcached.address=localhost:11211", "--web.listen-address=:9150"}) {
		t.Errorf("exporter args = %v", exp.Args)
	}
	if exp.SecurityContext == nil || !ptr.Deref(exp.SecurityContext.ReadOnlyRootFilesystem, false) || exp.Resources.Limits.Memory().IsZero() {
		t.Errorf("exporter is not restricted and bounded: %+v %+v", exp.SecurityContext, exp.Resources)
	}
	ports := h.service("mc").Spec.Ports
	if len(ports) != 2 || ports[1].Name != "metrics" || ports[1].Port != 9150 || ports[1].TargetPort.String() != "metrics" {
		t.Errorf("service ports = %+v, want memcache and metrics", ports)
	}

	h.setSpec("mc", func(s *cachev1alpha1.MemcachedSpec) { s.Metrics.Enabled = false })
	h.mustReconcile("mc")
	if c := h.deployment("mc").Spec.Template.Spec.Containers; len(c) != 1 {
		t.Errorf("metrics off: containers %v", names(c))
	}
	if p := h.service("mc").Spec.Ports; len(p) != 1 {
		t.Errorf("metrics off: service ports %+v", p)
	}
}

func TestMetricsPortMustDifferFromMemcachedPort(t *testing.T) {
	mc := newMemcached("mc", 1)
	mc.Spec.Metrics = &cachev1alpha1.MemcachedMetrics{Enabled: true, Port: 11211}
	if _, err := desiredDeployment(mc); err == nil || !strings.Contains(err.Error(), "metrics.port") {
		t.Fatalf("err = %v, want metrics.port named", err)
	}
}

func TestSASLModeArgsSecretAndRealm(t *testing.T) {
	mc := newMemcached("mc", 1)
	mc.Spec.Auth = &cachev1alpha1.MemcachedAuth{SecretName: "mc-sasl"}
	mc.Spec.ExtraArgs = []string{"-c", "2048"}
	pod := mustDeployment(t, mc).Spec.Template.Spec
	c := pod.Containers[0]
	if want := []string{"-p", "11211", "-m", "64", "-U", "0", "-S", "-c", "2048"}; !slices.Equal(c.Args, want) {
		t.Errorf("args = %v, want %v (-S before extraArgs)", c.Args, want)
	}
	env := map[string]string{}
	for _, e := range c.Env {
		env[e.Name] = e.Value
	}
	// The Secret's directory first: a memcached.conf there replaces the defaults.
	if env["SASL_CONF_PATH"] != "/etc/memcached/sasl:/etc/memcached/sasl-defaults" || env["MEMCACHED_SASL_PWDB"] != "/etc/memcached/sasl/memcached-sasl-pwdb" {
		t.Errorf("env = %v", env)
	}
	if len(c.VolumeMounts) != 2 || c.VolumeMounts[0].MountPath != "/etc/memcached/sasl" || !c.VolumeMounts[0].ReadOnly ||
		c.VolumeMounts[1].MountPath != "/etc/memcached/sasl-defaults" || !c.VolumeMounts[1].ReadOnly {
		t.Errorf("mounts = %+v", c.VolumeMounts)
	}
	if len(pod.Volumes) != 2 || pod.Volumes[0].Secret == nil || pod.Volumes[0].Secret.SecretName != "mc-sasl" ||
		ptr.Deref(pod.Volumes[0].Secret.DefaultMode, 0) != 0o440 {
		t.Fatalf("volumes = %+v, want the Secret mc-sasl with mode 0440, then the defaults", pod.Volumes)
	}
	// The defaults file: memcached.conf from the pod annotation, offering PLAIN only (never ANONYMOUS).
	d := pod.Volumes[1].DownwardAPI
	if d == nil || len(d.Items) != 1 || d.Items[0].Path != "memcached.conf" || d.Items[0].FieldRef == nil ||
		d.Items[0].FieldRef.FieldPath != "metadata.annotations['kubecache.io/sasl-defaults']" {
		t.Fatalf("defaults volume = %+v", pod.Volumes[1])
	}
	if got := mustDeployment(t, mc).Spec.Template.Annotations["kubecache.io/sasl-defaults"]; got != "mech_list: plain\n" {
		t.Errorf("sasl-defaults annotation = %q, want mech_list: plain", got)
	}
	if pod.Hostname != SASLRealm || ptr.Deref(pod.SecurityContext.FSGroup, 0) != memcachedUID {
		t.Errorf("hostname %q fsGroup %v, want the fixed realm and memcached's group", pod.Hostname, pod.SecurityContext.FSGroup)
	}

	mc.Spec.Auth = nil
	pod = mustDeployment(t, mc).Spec.Template.Spec
	if slices.Contains(pod.Containers[0].Args, "-S") || pod.Volumes != nil || pod.Hostname != "" || pod.Containers[0].Env != nil {
		t.Errorf("without auth the pod still has SASL settings: %+v", pod)
	}
	if a := mustDeployment(t, mc).Spec.Template.Annotations; a != nil {
		t.Errorf("without auth the pod template has annotations %v", a)
	}
}

func TestNetworkPolicyAdmitsLabelledClients(t *testing.T) {
	mc := newMemcached("mc", 2)
	mc.Spec.NetworkPolicy = &cachev1alpha1.MemcachedNetworkPolicy{Enabled: true}
	mc.Spec.Metrics = &cachev1alpha1.MemcachedMetrics{Enabled: true}
	h := newHarness(t, interceptor.Funcs{}, mc)
	h.mustReconcile("mc")
	np := &networkingv1.NetworkPolicy{}
	if !h.get("mc", np) {
		t.Fatal("no NetworkPolicy")
	}
	if np.Spec.PodSelector.MatchLabels[labelInstance] != "mc" || !slices.Equal(np.Spec.PolicyTypes, []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}) {
		t.Errorf("policy selects %v types %v", np.Spec.PodSelector, np.Spec.PolicyTypes)
	}
	if len(np.Spec.Ingress) != 2 {
		t.Fatalf("ingress rules = %+v, want memcached and metrics", np.Spec.Ingress)
	}
	clients := np.Spec.Ingress[0]
	if len(clients.From) != 1 || clients.From[0].PodSelector.MatchLabels["kubecache.io/memcached-client"] != "mc" ||
		clients.From[0].NamespaceSelector != nil || clients.Ports[0].Port.IntValue() != 11211 {
		t.Errorf("client rule = %+v, want pods labelled kubecache.io/memcached-client=mc in the namespace, port 11211", clients)
	}
	if m := np.Spec.Ingress[1]; m.From != nil || m.Ports[0].Port.IntValue() != 9150 {
		t.Errorf("metrics rule = %+v, want port 9150 from anywhere", m)
	}

	h.setSpec("mc", func(s *cachev1alpha1.MemcachedSpec) { s.NetworkPolicy.Enabled = false })
	h.mustReconcile("mc")
	if h.get("mc", &networkingv1.NetworkPolicy{}) {
		t.Fatal("NetworkPolicy kept after it was turned off")
	}
}

func TestEditedNetworkPolicyIsRepaired(t *testing.T) {
	mc := newMemcached("mc", 1)
	mc.Spec.NetworkPolicy = &cachev1alpha1.MemcachedNetworkPolicy{Enabled: true}
	h := newHarness(t, interceptor.Funcs{}, mc)
	h.mustReconcile("mc")
	np := &networkingv1.NetworkPolicy{}
	h.get("mc", np)
	np.Spec.Ingress = append(np.Spec.Ingress, networkingv1.NetworkPolicyIngressRule{})
	if err := h.client.Update(h.ctx, np); err != nil {
		t.Fatal(err)
	}
	h.mustReconcile("mc")
	if h.get("mc", np); len(np.Spec.Ingress) != 1 {
		t.Fatalf("an allow-all rule added by hand survived: %+v", np.Spec.Ingress)
	}
}

// Each failing step: one Warning event naming its reason, Degraded and Progressing naming the error.
func TestEveryFailedStepEmitsOneWarning(t *testing.T) {
	boom := errors.New("etcdserver: request timed out")
	cases := []struct {
		reason string
		funcs  interceptor.Funcs
	}{
		{"DeploymentCreateFailed", interceptor.Funcs{Create: failCreate[*appsv1.Deployment](boom)}},
		{"ServiceCreateFailed", interceptor.Funcs{Create: failCreate[*corev1.Service](boom)}},
		{"PodDisruptionBudgetCreateFailed", interceptor.Funcs{Create: failCreate[*policyv1.PodDisruptionBudget](boom)}},
		{"NetworkPolicyCreateFailed", interceptor.Funcs{Create: failCreate[*networkingv1.NetworkPolicy](boom)}},
		{"PodListFailed", interceptor.Funcs{List: func(ctx context.Context, c client.WithWatch, list client.ObjectList, opts ...client.ListOption) error {
			if _, ok := list.(*corev1.PodList); ok {
				return boom
			}
			return c.List(ctx, list, opts...)
		}}},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			mc := newMemcached("mc", 2)
			mc.Spec.NetworkPolicy = &cachev1alpha1.MemcachedNetworkPolicy{Enabled: true}
			h := newHarness(t, tc.funcs, mc)
			if err := h.reconcile("mc"); !errors.Is(err, boom) {
				t.Fatalf("reconcile error = %v, want the injected error wrapped", err)
			}
			var warnings []string
			for _, e := range h.events() {
				if strings.HasPrefix(e, "Warning ") {
					warnings = append(warnings, e)
				}
			}
			if len(warnings) != 1 || !strings.HasPrefix(warnings[0], "Warning "+tc.reason+" ") || !strings.Contains(warnings[0], boom.Error()) {
				t.Errorf("warnings = %q, want one %s naming the error", warnings, tc.reason)
			}
			d := h.condition("mc", cachev1alpha1.ConditionDegraded)
			p := h.condition("mc", cachev1alpha1.ConditionProgressing)
			if d.Reason != tc.reason || !strings.Contains(d.Message, boom.Error()) || !strings.Contains(p.Message, boom.Error()) || !strings.Contains(p.Message, tc.reason) {
				t.Errorf("Degraded %s %q / Progressing %q do not name the error", d.Reason, d.Message, p.Message)
			}
		})
	}
}

func TestFailedStatusWriteEmitsAWarning(t *testing.T) {
	boom := errors.New("conflict storm")
	h := newHarness(t, interceptor.Funcs{
		SubResourcePatch: func(context.Context, client.Client, string, client.Object, client.Patch, ...client.SubResourcePatchOption) error {
			return boom
		},
	}, newMemcached("mc", 1))
	if err := h.reconcile("mc"); !errors.Is(err, boom) {
		t.Fatalf("reconcile error = %v", err)
	}
	h.expectEvent("Warning StatusUpdateFailed")
}

func TestLaterChangesReportOneNormalEvent(t *testing.T) {
	h := newHarness(t, interceptor.Funcs{}, newMemcached("mc", 1))
	h.mustReconcile("mc")
	h.events()
	h.setSpec("mc", func(s *cachev1alpha1.MemcachedSpec) {
		s.Size = 3
		s.NetworkPolicy = &cachev1alpha1.MemcachedNetworkPolicy{Enabled: true}
	})
	h.mustReconcile("mc")
	evs := h.events()
	if len(evs) != 1 {
		t.Fatalf("events = %q, want one for the whole reconcile", evs)
	}
	for _, what := range []string{"Normal Scaled", "from 1 to 3 replicas", "created poddisruptionbudget mc", "created networkpolicy mc"} {
		if !strings.Contains(evs[0], what) {
			t.Errorf("event %q does not mention %s", evs[0], what)
		}
	}
}

func TestSpecChangesRollOnePodAtATime(t *testing.T) {
	// As the API server does, a changed Deployment spec bumps its generation.
	h := newHarness(t, interceptor.Funcs{
		Update: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.UpdateOption) error {
			if d, ok := obj.(*appsv1.Deployment); ok {
				old := &appsv1.Deployment{}
				if err := c.Get(ctx, client.ObjectKeyFromObject(d), old); err == nil && !equality.Semantic.DeepEqual(old.Spec, d.Spec) {
					d.Generation = old.Generation + 1
				}
			}
			return c.Update(ctx, obj, opts...)
		},
	}, newMemcached("mc", 3))
	h.mustReconcile("mc")
	d := h.deployment("mc")
	ru := d.Spec.Strategy.RollingUpdate
	if d.Spec.Strategy.Type != appsv1.RollingUpdateDeploymentStrategyType || ru.MaxUnavailable.IntValue() != 1 || ru.MaxSurge.IntValue() != 1 {
		t.Fatalf("strategy = %+v, want rolling with maxUnavailable 1, maxSurge 1", d.Spec.Strategy)
	}
	markRolledOut(t, h, 3)
	if c := h.condition("mc", cachev1alpha1.ConditionProgressing); c.Status != metav1.ConditionFalse {
		t.Fatalf("Progressing = %s before the change", c.Status)
	}
	for _, change := range []struct {
		what   string
		mutate func(*cachev1alpha1.MemcachedSpec)
		check  func(corev1.Container) bool
	}{
		{"memoryMB", func(s *cachev1alpha1.MemcachedSpec) { s.MemoryMB = 128 }, func(c corev1.Container) bool { return slices.Contains(c.Args, "128") }},
		{"extraArgs", func(s *cachev1alpha1.MemcachedSpec) { s.ExtraArgs = []string{"-t", "8"} }, func(c corev1.Container) bool { return slices.Contains(c.Args, "-t") }},
		{"image", func(s *cachev1alpha1.MemcachedSpec) { s.Image = "memcached:1.6.40-alpine" }, func(c corev1.Container) bool { return c.Image == "memcached:1.6.40-alpine" }},
	} {
		h.setSpec("mc", change.mutate)
		h.events()
		h.mustReconcile("mc")
		if c := h.deployment("mc").Spec.Template.Spec.Containers[0]; !change.check(c) {
			t.Fatalf("%s change did not reach the pod template: %+v", change.what, c)
		}
		mc := h.memcached("mc")
		if c := h.condition("mc", cachev1alpha1.ConditionProgressing); c.Status != metav1.ConditionTrue || c.Reason != "RollingOut" {
			t.Errorf("%s: Progressing = %s/%s while the Deployment rolls", change.what, c.Status, c.Reason)
		}
		if mc.Status.ObservedGeneration != mc.Generation {
			t.Errorf("%s: observedGeneration %d, generation %d", change.what, mc.Status.ObservedGeneration, mc.Generation)
		}
		markRolledOut(t, h, 3)
		if c := h.condition("mc", cachev1alpha1.ConditionProgressing); c.Status != metav1.ConditionFalse || c.Reason != "RolloutComplete" {
			t.Errorf("%s: Progressing = %s/%s after the roll", change.what, c.Status, c.Reason)
		}
	}
}

// markRolledOut plays the Deployment controller: every replica updated and ready.
func markRolledOut(t *testing.T, h *harness, n int32) {
	t.Helper()
	d := h.deployment("mc")
	d.Status = appsv1.DeploymentStatus{ObservedGeneration: d.Generation, Replicas: n, UpdatedReplicas: n, ReadyReplicas: n, AvailableReplicas: n}
	if err := h.client.Status().Update(h.ctx, d); err != nil {
		t.Fatal(err)
	}
	h.mustReconcile("mc")
}

func TestMemoryBelowTheMinimumIsAnErrorNotAClamp(t *testing.T) {
	mc := newMemcached("mc", 1)
	mc.Spec.MemoryMB = 32
	h := newHarness(t, interceptor.Funcs{}, mc)
	if err := h.reconcile("mc"); err == nil || !strings.Contains(err.Error(), "memoryMB 32") {
		t.Fatalf("reconcile error = %v, want memoryMB named", err)
	}
	if c := h.condition("mc", cachev1alpha1.ConditionDegraded); c.Reason != "InvalidSpec" {
		t.Errorf("Degraded reason = %q", c.Reason)
	}
	if h.get("mc", &appsv1.Deployment{}) {
		t.Error("a Deployment was created for memoryMB 32")
	}
}

// The cache only holds the operator's labelled objects, so a foreign Service of the same name is a
// cache miss whose create fails AlreadyExists; a live read tells it from a cache that is behind.
func TestAlreadyExistsOfAForeignObjectIsNotOwned(t *testing.T) {
	foreign := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "mc", Namespace: testNS}}
	hidden := true
	h := newHarness(t, interceptor.Funcs{
		Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
			if _, ok := obj.(*corev1.Service); ok && hidden {
				hidden = false // the first, cached read misses; the live read sees it
				return apierrors.NewNotFound(schema.GroupResource{Resource: "services"}, key.Name)
			}
			return c.Get(ctx, key, obj, opts...)
		},
	}, newMemcached("mc", 1), foreign)
	err := h.reconcile("mc")
	if err == nil {
		t.Fatal("reconcile succeeded over a foreign Service")
	}
	if c := h.condition("mc", cachev1alpha1.ConditionDegraded); c.Reason != "ServiceNotOwned" {
		t.Errorf("Degraded reason = %q, want ServiceNotOwned", c.Reason)
	}
}

func failCreate[T client.Object](err error) func(context.Context, client.WithWatch, client.Object, ...client.CreateOption) error {
	return func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.CreateOption) error {
		if _, ok := obj.(T); ok {
			return err
		}
		return c.Create(ctx, obj, opts...)
	}
}

func names(cs []corev1.Container) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Name
	}
	return out
}

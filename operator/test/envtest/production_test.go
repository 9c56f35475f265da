package envtest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	cachev1alpha1 "github.com/kubecache/kubecache/operator/api/v1alpha1"
	"github.com/kubecache/kubecache/operator/internal/kube"
	"github.com/kubecache/kubecache/operator/internal/kube/kubefake"
)

func TestCRDRejectsBadProductionFields(t *testing.T) {
	requireEnv(t)
	ns := createNamespace(t)
	many := map[string]any{}
	for i := range 33 {
		many[fmt.Sprintf("k%d", i)] = "v"
	}
	tolerations := make([]any, 33)
	for i := range tolerations {
		tolerations[i] = map[string]any{"key": fmt.Sprintf("k%d", i), "operator": "Exists"}
	}
	cases := []struct {
		name  string
		spec  map[string]any
		field string
	}{
		{"unknown topologySpread", map[string]any{"topologySpread": "zonal"}, "spec.topologySpread"},
		{"priority class not a DNS name", map[string]any{"priorityClassName": "High_Prio"}, "spec.priorityClassName"},
		{"too many node selector labels", map[string]any{"nodeSelector": many}, "spec.nodeSelector"},
		{"too many tolerations", map[string]any{"tolerations": tolerations}, "spec.tolerations"},
		{"latest exporter image", map[string]any{"metrics": map[string]any{"enabled": true, "image": "prom/memcached-exporter:latest"}}, "spec.metrics.image"},
		{"metrics port 0", map[string]any{"metrics": map[string]any{"port": 0}}, "spec.metrics.port"},
		{"metrics on memcached's port", map[string]any{"metrics": map[string]any{"enabled": true, "port": 11211}}, "metrics.port must differ from port"},
		{"metrics with auth", map[string]any{"metrics": map[string]any{"enabled": true}, "auth": map[string]any{"secretName": "sasl"}}, "metrics.enabled cannot be combined with auth"},
		{"auth without a secret", map[string]any{"auth": map[string]any{}}, "spec.auth.secretName"},
		{"auth secret not a DNS name", map[string]any{"auth": map[string]any{"secretName": "Bad_Name"}}, "spec.auth.secretName"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := createRaw(ns, tc.spec)
			if !apierrors.IsInvalid(err) {
				t.Fatalf("create with %v: err = %v, want Invalid", tc.spec, err)
			}
			if !strings.Contains(err.Error(), tc.field) {
				t.Fatalf("error %q does not name %s", err, tc.field)
			}
		})
	}
}

func TestCRDDefaultsAndAcceptsProductionFields(t *testing.T) {
	requireEnv(t)
	ns := createNamespace(t)
	u, err := createRaw(ns, map[string]any{
		"size": 3, "topologySpread": "required", "nodeSelector": map[string]any{"pool": "cache"},
		"tolerations":       []any{map[string]any{"key": "dedicated", "operator": "Equal", "value": "cache", "effect": "NoSchedule"}},
		"priorityClassName": "system-cluster-critical", "metrics": map[string]any{"enabled": true}, "networkPolicy": map[string]any{},
	})
	if err != nil {
		t.Fatalf("valid production spec rejected: %v", err)
	}
	mc := &cachev1alpha1.Memcached{}
	if err := k8sClient.Get(context.Background(), client.ObjectKeyFromObject(u), mc); err != nil {
		t.Fatal(err)
	}
	s := mc.Spec
	if s.Metrics == nil || s.Metrics.Image != cachev1alpha1.DefaultExporterImage || s.Metrics.Port != cachev1alpha1.DefaultMetricsPort {
		t.Errorf("metrics defaults = %+v", s.Metrics)
	}
	if s.NetworkPolicy == nil || s.NetworkPolicy.Enabled || s.TopologySpread != cachev1alpha1.TopologySpreadRequired || len(s.Tolerations) != 1 {
		t.Errorf("spec = %+v", s)
	}
	if u, err = createRaw(ns, map[string]any{"auth": map[string]any{"secretName": "sessions-sasl"}}); err != nil {
		t.Fatalf("auth rejected: %v", err)
	}
	if err := k8sClient.Get(context.Background(), client.ObjectKeyFromObject(u), mc); err != nil || mc.Spec.TopologySpread != cachev1alpha1.TopologySpreadNone {
		t.Errorf("topologySpread default = %q (%v), want none", mc.Spec.TopologySpread, err)
	}
}

// The manager's objects as a real API server stores them: the PDB follows size, the NetworkPolicy
// its switch, and the owned objects converge without being rewritten on every reconcile.
func TestManagerOwnsPDBAndNetworkPolicy(t *testing.T) {
	requireEnv(t)
	startManager(t)
	ns := createNamespace(t)
	ctx := context.Background()
	mc := &cachev1alpha1.Memcached{ObjectMeta: metav1.ObjectMeta{Name: "prod", Namespace: ns}, Spec: cachev1alpha1.MemcachedSpec{
		Size: 3, Metrics: &cachev1alpha1.MemcachedMetrics{Enabled: true},
		NetworkPolicy: &cachev1alpha1.MemcachedNetworkPolicy{Enabled: true},
	}}
	if err := k8sClient.Create(ctx, mc); err != nil {
		t.Fatal(err)
	}
	key := client.ObjectKeyFromObject(mc)
	eventually(t, "pdb, networkpolicy and observedGeneration", func(ctx context.Context) (bool, error) {
		if err := k8sClient.Get(ctx, key, &policyv1.PodDisruptionBudget{}); err != nil {
			return false, client.IgnoreNotFound(err)
		}
		if err := k8sClient.Get(ctx, key, &networkingv1.NetworkPolicy{}); err != nil {
			return false, client.IgnoreNotFound(err)
		}
		if err := k8sClient.Get(ctx, key, mc); err != nil {
			return false, err
		}
		return mc.Status.ObservedGeneration == mc.Generation, nil
	})
	dep := &appsv1.Deployment{}
	if err := k8sClient.Get(ctx, key, dep); err != nil {
		t.Fatal(err)
	}
	if n := len(dep.Spec.Template.Spec.Containers); n != 2 {
		t.Errorf("deployment has %d containers, want memcached and metrics", n)
	}
	// Defaults the API server added must not look like drift: no owned object is rewritten.
	owned := []client.Object{dep, &corev1.Service{}, &policyv1.PodDisruptionBudget{}, &networkingv1.NetworkPolicy{}}
	rvs := make([]string, len(owned))
	for i, o := range owned {
		if err := k8sClient.Get(ctx, key, o); err != nil {
			t.Fatal(err)
		}
		rvs[i] = o.GetResourceVersion()
	}
	time.Sleep(1500 * time.Millisecond)
	for i, o := range owned {
		if err := k8sClient.Get(ctx, key, o); err != nil || o.GetResourceVersion() != rvs[i] {
			t.Errorf("%T rewritten without a change (resourceVersion %s -> %s, %v)", o, rvs[i], o.GetResourceVersion(), err)
		}
	}

	mc.Spec.Size, mc.Spec.NetworkPolicy.Enabled = 1, false
	if err := k8sClient.Update(ctx, mc); err != nil {
		t.Fatal(err)
	}
	eventually(t, "pdb and networkpolicy deleted", func(ctx context.Context) (bool, error) {
		errP := k8sClient.Get(ctx, key, &policyv1.PodDisruptionBudget{})
		errN := k8sClient.Get(ctx, key, &networkingv1.NetworkPolicy{})
		return apierrors.IsNotFound(errP) && apierrors.IsNotFound(errN), nil
	})
	eventually(t, "a Normal event from the manager", func(ctx context.Context) (bool, error) {
		evs := &eventsv1.EventList{}
		if err := k8sClient.List(ctx, evs, client.InNamespace(ns)); err != nil {
			return false, err
		}
		for _, e := range evs.Items {
			if e.Regarding.Name == "prod" && e.Type == "Normal" && e.ReportingController == "memcached-controller" {
				return true, nil
			}
		}
		return false, nil
	})
}

// Two electors on one Lease: one leads; when it stops it releases the lease and the other takes over
// well before the lease would have expired.
func TestLeaderElectionHandsOverOnRelease(t *testing.T) {
	requireEnv(t)
	ns := createNamespace(t)
	c := kubefake.Client{C: k8sClient}
	lease := types.NamespacedName{Namespace: ns, Name: "memcached.cache.kubecache.io"}
	elector := func(id string) *kube.LeaderElector {
		return &kube.LeaderElector{Client: c, Lease: lease, Identity: id,
			LeaseDuration: 15 * time.Second, RenewDeadline: 10 * time.Second, RetryPeriod: 200 * time.Millisecond}
	}
	leading := make(chan string, 2)
	ctxA, stopA := context.WithCancel(context.Background())
	doneA := make(chan error, 1)
	go func() { doneA <- elector("a").Run(ctxA, func(ctx context.Context) { leading <- "a"; <-ctx.Done() }) }()
	if got := <-leading; got != "a" {
		t.Fatalf("first leader = %s", got)
	}
	ctxB, stopB := context.WithCancel(context.Background())
	defer stopB()
	doneB := make(chan error, 1)
	go func() { doneB <- elector("b").Run(ctxB, func(ctx context.Context) { leading <- "b"; <-ctx.Done() }) }()
	select {
	case who := <-leading:
		t.Fatalf("%s leads while a holds the lease", who)
	case <-time.After(time.Second):
	}
	start := time.Now()
	stopA()
	if err := <-doneA; err != nil {
		t.Fatalf("a: %v", err)
	}
	select {
	case who := <-leading:
		if who != "b" || time.Since(start) > 5*time.Second {
			t.Fatalf("%s took over after %s", who, time.Since(start))
		}
	case <-time.After(10 * time.Second):
		t.Fatal("b never took over the released lease")
	}
	l := &coordinationv1.Lease{}
	if err := k8sClient.Get(context.Background(), lease, l); err != nil || ptr.Deref(l.Spec.HolderIdentity, "") != "b" || ptr.Deref(l.Spec.LeaseTransitions, 0) != 1 {
		t.Fatalf("lease %+v (%v), want held by b after one transition", l.Spec, err)
	}
	stopB()
	<-doneB
}

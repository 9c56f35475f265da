package controller

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	cachev1alpha1 "github.com/kubecache/kubecache/operator/api/v1alpha1"
)

func memcachedPod(name, instance string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{
		Name: name, Namespace: testNS,
		Labels: map[string]string{labelName: "memcached", labelInstance: instance, labelManagedBy: ManagedByValue},
	}}
}

func TestStatusListsSortedNodesAndReportsAvailable(t *testing.T) {
	h := newHarness(t, interceptor.Funcs{}, newMemcached("mc", 3),
		memcachedPod("mc-7d-c", "mc"), memcachedPod("mc-7d-a", "mc"), memcachedPod("mc-7d-b", "mc"),
		memcachedPod("other-1", "other"))
	h.mustReconcile("mc")
	if c := h.condition("mc", cachev1alpha1.ConditionAvailable); c.Status != metav1.ConditionFalse || c.Reason != "NodesNotReady" {
		t.Errorf("Available before pods are ready = %s/%s, want False/NodesNotReady", c.Status, c.Reason)
	}
	if c := h.condition("mc", cachev1alpha1.ConditionProgressing); c.Status != metav1.ConditionTrue {
		t.Errorf("Progressing before rollout = %s, want True", c.Status)
	}

	d := h.deployment("mc")
	d.Status = appsv1.DeploymentStatus{ObservedGeneration: d.Generation, Replicas: 3, UpdatedReplicas: 3, ReadyReplicas: 3, AvailableReplicas: 3}
	if err := h.client.Status().Update(h.ctx, d); err != nil {
		t.Fatal(err)
	}
	h.mustReconcile("mc")

	mc := h.memcached("mc")
	if want := []string{"mc-7d-a", "mc-7d-b", "mc-7d-c"}; !slices.Equal(mc.Status.Nodes, want) {
		t.Errorf("nodes = %v, want %v", mc.Status.Nodes, want)
	}
	if mc.Status.ReadyReplicas != 3 || mc.Status.ObservedGeneration != mc.Generation {
		t.Errorf("readyReplicas %d observedGeneration %d (generation %d)", mc.Status.ReadyReplicas, mc.Status.ObservedGeneration, mc.Generation)
	}
	if mc.Status.Selector != "app.kubernetes.io/instance=mc,app.kubernetes.io/name=memcached" {
		t.Errorf("selector = %q", mc.Status.Selector)
	}
	for typ, want := range map[string]string{
		cachev1alpha1.ConditionAvailable:   "True/AllNodesReady",
		cachev1alpha1.ConditionProgressing: "False/RolloutComplete",
		cachev1alpha1.ConditionDegraded:    "False/AsExpected",
	} {
		c := h.condition("mc", typ)
		if got := string(c.Status) + "/" + c.Reason; got != want {
			t.Errorf("%s = %s, want %s", typ, got, want)
		}
	}
}

func TestStatusIsWrittenOnlyWhenItChanges(t *testing.T) {
	patches := 0
	h := newHarness(t, interceptor.Funcs{
		SubResourcePatch: func(ctx context.Context, c client.Client, sub string, obj client.Object, p client.Patch, opts ...client.SubResourcePatchOption) error {
			patches++
			return c.SubResource(sub).Patch(ctx, obj, p, opts...)
		},
	}, newMemcached("mc", 1))
	h.mustReconcile("mc")
	if patches != 1 {
		t.Fatalf("first reconcile wrote status %d times, want 1", patches)
	}
	h.mustReconcile("mc")
	if patches != 1 {
		t.Fatalf("an unchanged reconcile wrote status again (%d writes)", patches)
	}
	h.setSpec("mc", func(s *cachev1alpha1.MemcachedSpec) { s.Size = 2 })
	h.mustReconcile("mc")
	if patches != 2 {
		t.Fatalf("a spec change wrote status %d times in all, want 2", patches)
	}
}

func TestCreateFailureReportsDegradedAndRetries(t *testing.T) {
	quota := apierrors.NewForbidden(schema.GroupResource{Group: "apps", Resource: "deployments"}, "mc",
		errors.New("exceeded quota: compute, requested: pods=1, used: pods=10, limited: pods=10"))
	failing := true
	h := newHarness(t, interceptor.Funcs{
		Create: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.CreateOption) error {
			if _, ok := obj.(*appsv1.Deployment); ok && failing {
				return quota
			}
			return c.Create(ctx, obj, opts...)
		},
	}, newMemcached("mc", 1))

	err := h.reconcile("mc")
	if err == nil || !apierrors.IsForbidden(err) {
		t.Fatalf("reconcile error = %v, want the Forbidden error returned for backoff", err)
	}
	c := h.condition("mc", cachev1alpha1.ConditionDegraded)
	if c.Status != metav1.ConditionTrue || c.Reason != "DeploymentCreateFailed" || !strings.Contains(c.Message, "exceeded quota") {
		t.Errorf("Degraded = %s/%s %q, want True/DeploymentCreateFailed mentioning the quota", c.Status, c.Reason, c.Message)
	}
	if mc := h.memcached("mc"); mc.Status.ObservedGeneration != 0 {
		t.Errorf("observedGeneration = %d after a failed apply, want 0", mc.Status.ObservedGeneration)
	}
	h.expectEvent("Warning DeploymentCreateFailed")

	failing = false
	h.mustReconcile("mc")
	if c := h.condition("mc", cachev1alpha1.ConditionDegraded); c.Status != metav1.ConditionFalse {
		t.Errorf("Degraded after recovery = %s/%s, want False", c.Status, c.Reason)
	}
	if mc := h.memcached("mc"); mc.Status.ObservedGeneration != mc.Generation {
		t.Errorf("observedGeneration = %d after recovery, want %d", mc.Status.ObservedGeneration, mc.Generation)
	}
}

func TestForeignDeploymentIsNotAdopted(t *testing.T) {
	foreign := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "mc", Namespace: testNS}}
	h := newHarness(t, interceptor.Funcs{}, newMemcached("mc", 1), foreign)
	if err := h.reconcile("mc"); err == nil {
		t.Fatal("reconcile succeeded over a Deployment the Memcached does not own")
	}
	if c := h.condition("mc", cachev1alpha1.ConditionDegraded); c.Reason != "DeploymentNotOwned" {
		t.Errorf("Degraded reason = %q, want DeploymentNotOwned", c.Reason)
	}
}

func TestConditionTransitionTimeKeptWhileStatusHolds(t *testing.T) {
	mc := newMemcached("mc", 0)
	first := computeStatus(mc, observation{})
	mc.Status = first
	second := computeStatus(mc, observation{})
	for i := range first.Conditions {
		if !first.Conditions[i].LastTransitionTime.Equal(&second.Conditions[i].LastTransitionTime) {
			t.Errorf("%s transition time moved without a status change", first.Conditions[i].Type)
		}
	}
}

func TestCreateRaceWithStaleCacheRequeuesWithoutDegrading(t *testing.T) {
	h := newHarness(t, interceptor.Funcs{
		Create: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.CreateOption) error {
			if _, ok := obj.(*corev1.Service); ok {
				return apierrors.NewAlreadyExists(schema.GroupResource{Resource: "services"}, obj.GetName())
			}
			return c.Create(ctx, obj, opts...)
		},
	}, newMemcached("mc", 1))
	res, err := h.r.Reconcile(h.ctx, reconcileRequest("mc"))
	if err != nil || res.RequeueAfter == 0 {
		t.Fatalf("result %+v err %v, want a quiet requeue", res, err)
	}
	if mc := h.memcached("mc"); len(mc.Status.Conditions) != 0 {
		t.Fatalf("status written on a stale-cache race: %+v", mc.Status.Conditions)
	}
}

func TestStatusPatchRemovesFieldsTheNewStatusOmits(t *testing.T) {
	patch, err := statusMergePatch(
		cachev1alpha1.MemcachedStatus{Nodes: []string{"mc-a"}, ReadyReplicas: 1, Selector: "x"},
		cachev1alpha1.MemcachedStatus{Selector: "x"})
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]map[string]any
	if err := json.Unmarshal(patch, &got); err != nil {
		t.Fatal(err)
	}
	st := got["status"]
	if v, ok := st["nodes"]; !ok || v != nil {
		t.Errorf("patch %s does not remove nodes", patch)
	}
	if st["selector"] != "x" || st["readyReplicas"] != float64(0) {
		t.Errorf("patch %s", patch)
	}
}

package controller

import (
	"context"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	cachev1alpha1 "github.com/kubecache/kubecache/operator/api/v1alpha1"
)

func TestCreateMakesOwnedDeploymentAndHeadlessService(t *testing.T) {
	h := newHarness(t, interceptor.Funcs{}, newMemcached("mc", 1))
	h.mustReconcile("mc")

	d := h.deployment("mc")
	if got := ptr.Deref(d.Spec.Replicas, -1); got != 1 {
		t.Errorf("replicas = %d, want 1", got)
	}
	refs := d.OwnerReferences
	if len(refs) != 1 || refs[0].Kind != "Memcached" || refs[0].Name != "mc" || !ptr.Deref(refs[0].Controller, false) {
		t.Errorf("owner references = %+v, want one controller ref to Memcached mc", refs)
	}
	want := map[string]string{labelName: "memcached", labelInstance: "mc", labelManagedBy: ManagedByValue}
	for k, v := range want {
		if d.Labels[k] != v || d.Spec.Template.Labels[k] != v {
			t.Errorf("label %s = %q/%q, want %q", k, d.Labels[k], d.Spec.Template.Labels[k], v)
		}
	}
	if d.Spec.Selector.MatchLabels[labelInstance] != "mc" || d.Spec.Selector.MatchLabels[labelManagedBy] != "" {
		t.Errorf("selector = %v, want name+instance only", d.Spec.Selector.MatchLabels)
	}
	pod := d.Spec.Template.Spec
	c := pod.Containers[0]
	if c.Image != "memcached:1.6.39-alpine" || c.ReadinessProbe == nil || c.LivenessProbe == nil {
		t.Errorf("container image %q, probes %v/%v", c.Image, c.ReadinessProbe, c.LivenessProbe)
	}
	if !ptr.Deref(pod.SecurityContext.RunAsNonRoot, false) || pod.SecurityContext.SeccompProfile == nil ||
		ptr.Deref(c.SecurityContext.AllowPrivilegeEscalation, true) || !slices.Contains(c.SecurityContext.Capabilities.Drop, "ALL") {
		t.Errorf("security context is not restricted: pod %+v container %+v", pod.SecurityContext, c.SecurityContext)
	}

	svc := h.service("mc")
	if svc.Spec.ClusterIP != corev1.ClusterIPNone || len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Port != 11211 {
		t.Errorf("service clusterIP %q ports %+v, want headless on 11211", svc.Spec.ClusterIP, svc.Spec.Ports)
	}
	if len(svc.OwnerReferences) != 1 || svc.OwnerReferences[0].Name != "mc" {
		t.Errorf("service owner references = %+v", svc.OwnerReferences)
	}
	if evs := h.events(); len(evs) != 0 {
		t.Errorf("a new Memcached's first reconcile emitted %q, want no event", evs)
	}
}

func TestScaleUpAndDownToZero(t *testing.T) {
	h := newHarness(t, interceptor.Funcs{}, newMemcached("mc", 1))
	h.mustReconcile("mc")
	for _, size := range []int32{3, 0} {
		h.setSpec("mc", func(s *cachev1alpha1.MemcachedSpec) { s.Size = size })
		h.events()
		h.mustReconcile("mc")
		if got := ptr.Deref(h.deployment("mc").Spec.Replicas, -1); got != size {
			t.Fatalf("after scaling to %d: replicas = %d", size, got)
		}
		h.expectEvent("Scaled")
	}
	if c := h.condition("mc", cachev1alpha1.ConditionAvailable); c.Reason != "ScaledToZero" {
		t.Errorf("Available reason at size 0 = %q, want ScaledToZero", c.Reason)
	}
}

func TestImageChangeRollsTheDeployment(t *testing.T) {
	h := newHarness(t, interceptor.Funcs{}, newMemcached("mc", 2))
	h.mustReconcile("mc")
	h.setSpec("mc", func(s *cachev1alpha1.MemcachedSpec) { s.Image = "memcached:1.6.38-alpine" })
	h.events()
	h.mustReconcile("mc")
	if got := h.deployment("mc").Spec.Template.Spec.Containers[0].Image; got != "memcached:1.6.38-alpine" {
		t.Fatalf("image = %q after the spec changed", got)
	}
	h.expectEvent("ImageChanged")
}

func TestDeletedDeploymentIsRecreated(t *testing.T) {
	h := newHarness(t, interceptor.Funcs{}, newMemcached("mc", 2))
	h.mustReconcile("mc")
	if err := h.client.Delete(h.ctx, h.deployment("mc")); err != nil {
		t.Fatal(err)
	}
	h.events()
	h.mustReconcile("mc")
	if got := ptr.Deref(h.deployment("mc").Spec.Replicas, -1); got != 2 {
		t.Fatalf("re-created deployment has %d replicas, want 2", got)
	}
	h.expectEvent("DeploymentCreated")
}

func TestHandEditedDeploymentIsRepaired(t *testing.T) {
	h := newHarness(t, interceptor.Funcs{}, newMemcached("mc", 2))
	h.mustReconcile("mc")
	d := h.deployment("mc")
	c := &d.Spec.Template.Spec.Containers[0]
	c.Args = append(c.Args, "-vv")
	c.SecurityContext.AllowPrivilegeEscalation = ptr.To(true)
	if err := h.client.Update(h.ctx, d); err != nil {
		t.Fatal(err)
	}
	h.events()
	h.mustReconcile("mc")
	got := h.deployment("mc").Spec.Template.Spec.Containers[0]
	if slices.Contains(got.Args, "-vv") || ptr.Deref(got.SecurityContext.AllowPrivilegeEscalation, true) {
		t.Fatalf("hand edits survived: args %v, allowPrivilegeEscalation %v", got.Args, got.SecurityContext.AllowPrivilegeEscalation)
	}
	h.expectEvent("DeploymentRepaired")
}

func TestEditedServiceIsRepaired(t *testing.T) {
	h := newHarness(t, interceptor.Funcs{}, newMemcached("mc", 1))
	h.mustReconcile("mc")
	svc := h.service("mc")
	svc.Spec.Ports[0].Port = 9999
	svc.Spec.Selector = map[string]string{"app": "other"}
	if err := h.client.Update(h.ctx, svc); err != nil {
		t.Fatal(err)
	}
	h.mustReconcile("mc")
	svc = h.service("mc")
	if svc.Spec.Ports[0].Port != 11211 || svc.Spec.Selector[labelInstance] != "mc" {
		t.Fatalf("service not repaired: ports %+v selector %v", svc.Spec.Ports, svc.Spec.Selector)
	}
}

func TestUnchangedDeploymentIsNotRewritten(t *testing.T) {
	updates := 0
	h := newHarness(t, interceptor.Funcs{
		Update: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.UpdateOption) error {
			updates++
			return c.Update(ctx, obj, opts...)
		},
	}, newMemcached("mc", 3))
	h.mustReconcile("mc")
	h.mustReconcile("mc")
	if updates != 0 {
		t.Fatalf("%d updates on a converged Memcached, want 0", updates)
	}
}

func TestMissingMemcachedIsNotAnError(t *testing.T) {
	h := newHarness(t, interceptor.Funcs{})
	if err := h.reconcile("gone"); err != nil {
		t.Fatalf("reconcile of a deleted Memcached: %v", err)
	}
}

func TestPodEventsMapToTheirMemcached(t *testing.T) {
	pod := &corev1.Pod{}
	pod.Namespace = testNS
	pod.Labels = map[string]string{labelInstance: "mc", labelManagedBy: ManagedByValue}
	reqs := podToMemcached(pod)
	if len(reqs) != 1 || reqs[0].Name != "mc" || reqs[0].Namespace != testNS {
		t.Fatalf("requests = %v, want cache/mc", reqs)
	}
	pod.Labels = map[string]string{labelInstance: "mc"}
	if reqs := podToMemcached(pod); len(reqs) != 0 {
		t.Fatalf("a pod not managed by the operator mapped to %v", reqs)
	}
}

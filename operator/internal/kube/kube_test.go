package kube_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/go-logr/logr"

	"github.com/kubecache/kubecache/operator/internal/kube"
	"github.com/kubecache/kubecache/operator/internal/kube/kubefake"
)

func testScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(corev1.AddToScheme(s))
	utilruntime.Must(eventsv1.AddToScheme(s))
	utilruntime.Must(coordinationv1.AddToScheme(s))
	return s
}

func TestRecorderWritesOneEventPerRepeatWindow(t *testing.T) {
	s := testScheme()
	c := fake.NewClientBuilder().WithScheme(s).Build()
	r := kube.NewRecorder(kubefake.Client{C: c}, s, "memcached-controller", "pod-a", logr.Discard())
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", UID: "u1"}}
	for range 3 {
		r.Eventf(pod, nil, corev1.EventTypeWarning, "DeploymentCreateFailed", "Reconcile", "quota %s", "exceeded")
	}
	r.Eventf(pod, nil, corev1.EventTypeWarning, "DeploymentCreateFailed", "Reconcile", "%s", strings.Repeat("x", 2000))
	ctx, cancel := context.WithCancel(context.Background())
	go r.Run(ctx)
	defer cancel()
	evs := &eventsv1.EventList{}
	deadline := time.Now().Add(5 * time.Second)
	for len(evs.Items) < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		if err := c.List(context.Background(), evs); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(100 * time.Millisecond)
	_ = c.List(context.Background(), evs)
	if len(evs.Items) != 2 {
		t.Fatalf("%d events written, want 2 (the repeats dropped)", len(evs.Items))
	}
	for _, e := range evs.Items {
		if e.Regarding.Kind != "Pod" || e.Regarding.UID != "u1" || e.ReportingController != "memcached-controller" ||
			e.ReportingInstance != "pod-a" || e.Action != "Reconcile" || e.EventTime.IsZero() || len(e.Note) > 1024 {
			t.Errorf("event %+v", e)
		}
	}
}

func TestLeaderElectionLostWhenRenewalsFail(t *testing.T) {
	s := testScheme()
	failing := false
	c := fake.NewClientBuilder().WithScheme(s).WithInterceptorFuncs(interceptor.Funcs{
		Update: func(ctx context.Context, cl client.WithWatch, obj client.Object, opts ...client.UpdateOption) error {
			if failing {
				return errors.New("etcd unavailable")
			}
			return cl.Update(ctx, obj, opts...)
		},
	}).Build()
	le := &kube.LeaderElector{
		Client: kubefake.Client{C: c}, Lease: types.NamespacedName{Namespace: "ns", Name: "lock"}, Identity: "me",
		LeaseDuration: 3 * time.Second, RenewDeadline: 300 * time.Millisecond, RetryPeriod: 50 * time.Millisecond, Log: logr.Discard(),
	}
	led := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- le.Run(context.Background(), func(ctx context.Context) { close(led); <-ctx.Done() })
	}()
	<-led
	failing = true
	select {
	case err := <-done:
		if !errors.Is(err, kube.ErrLeadershipLost) {
			t.Fatalf("Run = %v, want ErrLeadershipLost", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("leader kept leading without renewing")
	}
}

func TestLeaderWaitsForAnUnexpiredForeignLease(t *testing.T) {
	s := testScheme()
	now := metav1.NewMicroTime(time.Now())
	held := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "lock"}, Spec: coordinationv1.LeaseSpec{
		HolderIdentity: ptr.To("other"), LeaseDurationSeconds: ptr.To[int32](60), RenewTime: &now, AcquireTime: &now,
	}}
	c := fake.NewClientBuilder().WithScheme(s).WithObjects(held).Build()
	le := &kube.LeaderElector{
		Client: kubefake.Client{C: c}, Lease: types.NamespacedName{Namespace: "ns", Name: "lock"}, Identity: "me",
		LeaseDuration: 15 * time.Second, RenewDeadline: 10 * time.Second, RetryPeriod: 20 * time.Millisecond, Log: logr.Discard(),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := le.Run(ctx, func(context.Context) { t.Error("led over another holder's live lease") }); err != nil {
		t.Fatal(err)
	}
}

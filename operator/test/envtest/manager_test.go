package envtest

import (
	"context"
	"testing"
	"time"

	"github.com/go-logr/logr/testr"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	cachev1alpha1 "github.com/kubecache/kubecache/operator/api/v1alpha1"
	"github.com/kubecache/kubecache/operator/internal/controller"
	"github.com/kubecache/kubecache/operator/internal/kube"
)

func startManager(t *testing.T) *kube.Manager {
	t.Helper()
	mgr, err := kube.NewManager(cfg, kube.Options{Scheme: scheme, EventSource: "memcached-controller", Log: testr.New(t)})
	if err != nil {
		t.Fatalf("new manager: %v", err)
	}
	r := &controller.MemcachedReconciler{Client: mgr.Client(), Recorder: mgr.EventRecorder()}
	if err := r.SetupWithManager(mgr, 2); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("manager: %v", err)
		}
	})
	return mgr
}

// eventually polls cond every 100 ms for at most 30 s.
func eventually(t *testing.T, what string, cond func(ctx context.Context) (bool, error)) {
	t.Helper()
	if err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 30*time.Second, true, cond); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func TestManagerConvergesAndRepairs(t *testing.T) {
	requireEnv(t)
	startManager(t)
	ns := createNamespace(t)
	mc := &cachev1alpha1.Memcached{ObjectMeta: metav1.ObjectMeta{Name: "live", Namespace: ns}, Spec: cachev1alpha1.MemcachedSpec{Size: 2}}
	ctx := context.Background()
	if err := k8sClient.Create(ctx, mc); err != nil {
		t.Fatal(err)
	}
	key := client.ObjectKeyFromObject(mc)
	dep := &appsv1.Deployment{}
	eventually(t, "deployment with 2 replicas and observedGeneration", func(ctx context.Context) (bool, error) {
		if err := k8sClient.Get(ctx, key, dep); err != nil {
			return false, client.IgnoreNotFound(err)
		}
		if err := k8sClient.Get(ctx, key, mc); err != nil {
			return false, err
		}
		return ptr.Deref(dep.Spec.Replicas, 0) == 2 && mc.Status.ObservedGeneration == mc.Generation, nil
	})
	svc := &corev1.Service{}
	if err := k8sClient.Get(ctx, key, svc); err != nil || svc.Spec.ClusterIP != corev1.ClusterIPNone {
		t.Fatalf("headless service: %v %+v", err, svc.Spec)
	}

	dep.Spec.Replicas = ptr.To[int32](9)
	if err := k8sClient.Update(ctx, dep); err != nil {
		t.Fatal(err)
	}
	eventually(t, "hand-scaled deployment restored to 2", func(ctx context.Context) (bool, error) {
		if err := k8sClient.Get(ctx, key, dep); err != nil {
			return false, err
		}
		return ptr.Deref(dep.Spec.Replicas, 0) == 2, nil
	})

	if err := k8sClient.Delete(ctx, dep); err != nil {
		t.Fatal(err)
	}
	eventually(t, "deleted deployment re-created", func(ctx context.Context) (bool, error) {
		fresh := &appsv1.Deployment{}
		if err := k8sClient.Get(ctx, key, fresh); err != nil {
			return false, client.IgnoreNotFound(err)
		}
		return fresh.UID != dep.UID, nil
	})
}

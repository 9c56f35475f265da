package controller

import (
	"context"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	cachev1alpha1 "github.com/kubecache/kubecache/operator/api/v1alpha1"
	"github.com/kubecache/kubecache/operator/internal/kube"
	"github.com/kubecache/kubecache/operator/internal/kube/kubefake"
)

const testNS = "cache"

type harness struct {
	t        *testing.T
	ctx      context.Context
	client   client.Client
	recorder *events.FakeRecorder
	r        *MemcachedReconciler
}

func testScheme(t *testing.T) *runtime.Scheme {
	t.Helper()
	s := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(s))
	utilruntime.Must(cachev1alpha1.AddToScheme(s))
	return s
}

func newHarness(t *testing.T, funcs interceptor.Funcs, objs ...client.Object) *harness {
	t.Helper()
	s := testScheme(t)
	c := fake.NewClientBuilder().
		WithScheme(s).
		WithStatusSubresource(&cachev1alpha1.Memcached{}, &appsv1.Deployment{}, &policyv1.PodDisruptionBudget{}).
		WithObjects(objs...).
		WithInterceptorFuncs(funcs).
		Build()
	rec := events.NewFakeRecorder(100)
	return &harness{
		t: t, ctx: context.Background(), client: c, recorder: rec,
		r: &MemcachedReconciler{Client: kubefake.Client{C: c}, Recorder: rec},
	}
}

func newMemcached(name string, size int32) *cachev1alpha1.Memcached {
	return &cachev1alpha1.Memcached{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: testNS, UID: types.UID("uid-" + name), Generation: 1},
		Spec:       cachev1alpha1.MemcachedSpec{Size: size, Image: "memcached:1.6.39-alpine", Port: 11211, MemoryMB: 64},
	}
}

func reconcileRequest(name string) kube.Request {
	return kube.Request{Namespace: testNS, Name: name}
}

func (h *harness) reconcile(name string) error {
	h.t.Helper()
	_, err := h.r.Reconcile(h.ctx, reconcileRequest(name))
	return err
}

func (h *harness) mustReconcile(name string) {
	h.t.Helper()
	if err := h.reconcile(name); err != nil {
		h.t.Fatalf("reconcile %s: %v", name, err)
	}
}

func (h *harness) memcached(name string) *cachev1alpha1.Memcached {
	h.t.Helper()
	mc := &cachev1alpha1.Memcached{}
	if err := h.client.Get(h.ctx, types.NamespacedName{Namespace: testNS, Name: name}, mc); err != nil {
		h.t.Fatalf("get memcached %s: %v", name, err)
	}
	return mc
}

func (h *harness) deployment(name string) *appsv1.Deployment {
	h.t.Helper()
	d := &appsv1.Deployment{}
	if err := h.client.Get(h.ctx, types.NamespacedName{Namespace: testNS, Name: name}, d); err != nil {
		h.t.Fatalf("get deployment %s: %v", name, err)
	}
	return d
}

func (h *harness) service(name string) *corev1.Service {
	h.t.Helper()
	s := &corev1.Service{}
	if err := h.client.Get(h.ctx, types.NamespacedName{Namespace: testNS, Name: name}, s); err != nil {
		h.t.Fatalf("get service %s: %v", name, err)
	}
	return s
}

// setSpec changes the spec the way the API server would: the generation goes up.
func (h *harness) setSpec(name string, mutate func(*cachev1alpha1.MemcachedSpec)) {
	h.t.Helper()
	mc := h.memcached(name)
	mutate(&mc.Spec)
	mc.Generation++
	if err := h.client.Update(h.ctx, mc); err != nil {
		h.t.Fatalf("update memcached %s: %v", name, err)
	}
}

// events drains the recorder and returns the event lines.
func (h *harness) events() []string {
	var out []string
	for {
		select {
		case e := <-h.recorder.Events:
			out = append(out, e)
		default:
			return out
		}
	}
}

func (h *harness) expectEvent(fragment string) {
	h.t.Helper()
	evs := h.events()
	for _, e := range evs {
		if strings.Contains(e, fragment) {
			return
		}
	}
	h.t.Fatalf("no event containing %q; got %q", fragment, evs)
}

// get reads any object the Memcached may own; false when it does not exist.
func (h *harness) get(name string, obj client.Object) bool {
	h.t.Helper()
	err := h.client.Get(h.ctx, types.NamespacedName{Namespace: testNS, Name: name}, obj)
	if apierrors.IsNotFound(err) {
		return false
	}
	if err != nil {
		h.t.Fatalf("get %T %s: %v", obj, name, err)
	}
	return true
}

func (h *harness) condition(name, condType string) metav1.Condition {
	h.t.Helper()
	for _, c := range h.memcached(name).Status.Conditions {
		if c.Type == condType {
			return c
		}
	}
	h.t.Fatalf("memcached %s has no %s condition", name, condType)
	return metav1.Condition{}
}

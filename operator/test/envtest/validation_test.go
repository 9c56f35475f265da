package envtest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	cachev1alpha1 "github.com/kubecache/kubecache/operator/api/v1alpha1"
)

var nameSeq int

func createNamespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "t-"}}
	if err := k8sClient.Create(context.Background(), ns); err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	return ns.Name
}

// createRaw sends spec exactly as given, so zero values like port 0 reach the API server.
func createRaw(ns string, spec map[string]any) (*unstructured.Unstructured, error) {
	nameSeq++
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": cachev1alpha1.GroupVersion.String(), "kind": "Memcached",
		"metadata": map[string]any{"name": fmt.Sprintf("mc-%d", nameSeq), "namespace": ns},
		"spec":     spec,
	}}
	return u, k8sClient.Create(context.Background(), u)
}

func TestCRDRejectsBadSpecs(t *testing.T) {
	requireEnv(t)
	ns := createNamespace(t)
	cases := []struct {
		name  string
		spec  map[string]any
		field string
	}{
		{"negative size", map[string]any{"size": -1}, "spec.size"},
		{"size above the bound", map[string]any{"size": 101}, "spec.size"},
		{"port 0", map[string]any{"port": 0}, "spec.port"},
		{"port 65536", map[string]any{"port": 65536}, "spec.port"},
		{"untagged image", map[string]any{"image": "memcached"}, "spec.image"},
		{"latest image", map[string]any{"image": "memcached:latest"}, "spec.image"},
		{"registry port without tag", map[string]any{"image": "registry.local:5000/memcached"}, "spec.image"},
		{"memory below 64", map[string]any{"memoryMB": 63}, "spec.memoryMB"},
		{"memory limit below memoryMB", map[string]any{"memoryMB": 128,
			"resources": map[string]any{"limits": map[string]any{"memory": "64Mi"}}}, "memoryMB"},
		{"cpu not a quantity", map[string]any{"resources": map[string]any{"requests": map[string]any{"cpu": "lots"}}}, "spec.resources.requests.cpu"},
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

func TestCRDAcceptsPinnedImagesAndAppliesDefaults(t *testing.T) {
	requireEnv(t)
	ns := createNamespace(t)
	for _, image := range []string{
		"memcached:1.6.39-alpine",
		"registry.local:5000/cache/memcached:1.6",
		"memcached@sha256:" + strings.Repeat("a", 64),
	} {
		if _, err := createRaw(ns, map[string]any{"image": image}); err != nil {
			t.Errorf("image %q rejected: %v", image, err)
		}
	}
	if _, err := createRaw(ns, map[string]any{"memoryMB": 128, "resources": map[string]any{
		"requests": map[string]any{"cpu": "100m", "memory": "128Mi"}, "limits": map[string]any{"memory": "160Mi"}}}); err != nil {
		t.Errorf("memory limit above memoryMB rejected: %v", err)
	}
	u, err := createRaw(ns, map[string]any{})
	if err != nil {
		t.Fatalf("empty spec rejected: %v", err)
	}
	mc := &cachev1alpha1.Memcached{}
	if err := k8sClient.Get(context.Background(), client.ObjectKeyFromObject(u), mc); err != nil {
		t.Fatal(err)
	}
	s := mc.Spec
	if s.Size != 1 || s.Image != cachev1alpha1.DefaultImage || s.Port != 11211 || s.MemoryMB != 64 {
		t.Fatalf("defaults = %+v, want size 1, %s, port 11211, 64 MB", s, cachev1alpha1.DefaultImage)
	}
}

func TestScaleSubresourceDrivesSize(t *testing.T) {
	requireEnv(t)
	ctx := context.Background()
	ns := createNamespace(t)
	mc := &cachev1alpha1.Memcached{ObjectMeta: metav1.ObjectMeta{Name: "scaled", Namespace: ns}, Spec: cachev1alpha1.MemcachedSpec{Size: 1}}
	if err := k8sClient.Create(ctx, mc); err != nil {
		t.Fatal(err)
	}
	scale := &autoscalingv1.Scale{}
	if err := k8sClient.SubResource("scale").Get(ctx, mc, scale); err != nil {
		t.Fatalf("get scale: %v", err)
	}
	if scale.Spec.Replicas != 1 {
		t.Fatalf("scale.spec.replicas = %d, want 1", scale.Spec.Replicas)
	}
	scale.Spec.Replicas = 3
	if err := k8sClient.SubResource("scale").Update(ctx, mc, client.WithSubResourceBody(scale)); err != nil {
		t.Fatalf("update scale: %v", err)
	}
	if err := k8sClient.Get(ctx, client.ObjectKeyFromObject(mc), mc); err != nil {
		t.Fatal(err)
	}
	if mc.Spec.Size != 3 {
		t.Fatalf("spec.size = %d after scaling to 3", mc.Spec.Size)
	}
	scale.Spec.Replicas = 101
	if err := k8sClient.SubResource("scale").Update(ctx, mc, client.WithSubResourceBody(scale)); !apierrors.IsInvalid(err) {
		t.Fatalf("scale to 101: err = %v, want Invalid", err)
	}
}

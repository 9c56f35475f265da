package controller

import (
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	cachev1alpha1 "github.com/kubecache/kubecache/operator/api/v1alpha1"
)

func TestArgsCarryPortMemoryAndExtraArgsLast(t *testing.T) {
	mc := newMemcached("mc", 1)
	mc.Spec.Port, mc.Spec.MemoryMB, mc.Spec.ExtraArgs = 12000, 256, []string{"-c", "4096"}
	c := mustDeployment(t, mc).Spec.Template.Spec.Containers[0]
	want := []string{"-p", "12000", "-m", "256", "-U", "0", "-c", "4096"}
	if !slices.Equal(c.Args, want) {
		t.Fatalf("args = %v, want %v", c.Args, want)
	}
	if c.Ports[0].ContainerPort != 12000 || mustService(t, mc).Spec.Ports[0].Port != 12000 {
		t.Fatalf("ports do not follow spec.port")
	}
}

func TestDefaultResourcesCoverItemMemory(t *testing.T) {
	mc := newMemcached("mc", 1)
	mc.Spec.MemoryMB = 128
	res := mustDeployment(t, mc).Spec.Template.Spec.Containers[0].Resources
	want := resource.MustParse("160Mi")
	if got := res.Limits[corev1.ResourceMemory]; got.Cmp(want) != 0 {
		t.Fatalf("memory limit = %s, want %s", got.String(), want.String())
	}
}

func TestExplicitResourcesWin(t *testing.T) {
	mc := newMemcached("mc", 1)
	mc.Spec.Resources = &cachev1alpha1.MemcachedResources{Limits: &cachev1alpha1.ResourceAmounts{Memory: "1Gi"}}
	res := mustDeployment(t, mc).Spec.Template.Spec.Containers[0].Resources
	if got := res.Limits[corev1.ResourceMemory]; got.String() != "1Gi" || res.Requests != nil {
		t.Fatalf("resources = %+v, want the spec's own", res)
	}
}

func TestEmptySpecGetsSchemaDefaults(t *testing.T) {
	mc := newMemcached("mc", 1)
	mc.Spec = cachev1alpha1.MemcachedSpec{Size: 1}
	c := mustDeployment(t, mc).Spec.Template.Spec.Containers[0]
	if c.Image != cachev1alpha1.DefaultImage || !slices.Equal(c.Args[:4], []string{"-p", "11211", "-m", "64"}) {
		t.Fatalf("image %q args %v, want the CRD defaults", c.Image, c.Args)
	}
}

func TestUnparsableResourcesAreRefused(t *testing.T) {
	mc := newMemcached("mc", 1)
	mc.Spec.Resources = &cachev1alpha1.MemcachedResources{Requests: &cachev1alpha1.ResourceAmounts{CPU: "lots"}}
	if _, err := desiredDeployment(mc); err == nil {
		t.Fatal("cpu \"lots\" rendered a Deployment")
	}
}

func mustService(t *testing.T, mc *cachev1alpha1.Memcached) *corev1.Service {
	t.Helper()
	s, err := desiredService(mc)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustDeployment(t *testing.T, mc *cachev1alpha1.Memcached) *appsv1.Deployment {
	t.Helper()
	d, err := desiredDeployment(mc)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

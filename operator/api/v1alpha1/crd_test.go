package v1alpha1

import (
	"os"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"
)

// The Go default and the CRD default must agree, or objects built in memory and objects the API
// server defaulted would render different Deployments.
func TestCRDDefaultsMatchGoConstants(t *testing.T) {
	raw, err := os.ReadFile("../../config/crd/bases/cache.kubecache.io_memcacheds.yaml")
	if err != nil {
		t.Fatalf("read generated CRD (run make manifests): %v", err)
	}
	crd := &apiextensionsv1.CustomResourceDefinition{}
	if err := yaml.UnmarshalStrict(raw, crd); err != nil {
		t.Fatalf("parse CRD: %v", err)
	}
	if crd.Spec.Group != GroupVersion.Group || crd.Spec.Versions[0].Name != GroupVersion.Version {
		t.Fatalf("CRD serves %s/%s, want %s", crd.Spec.Group, crd.Spec.Versions[0].Name, GroupVersion)
	}
	v := crd.Spec.Versions[0]
	spec := v.Schema.OpenAPIV3Schema.Properties["spec"].Properties
	if got := string(spec["image"].Default.Raw); got != `"`+DefaultImage+`"` {
		t.Errorf("CRD image default = %s, want %q", got, DefaultImage)
	}
	if got := string(spec["port"].Default.Raw); got != "11211" {
		t.Errorf("CRD port default = %s, want 11211", got)
	}
	if v.Subresources == nil || v.Subresources.Scale == nil || v.Subresources.Scale.SpecReplicasPath != ".spec.size" {
		t.Errorf("CRD scale subresource = %+v, want .spec.size", v.Subresources)
	}
}

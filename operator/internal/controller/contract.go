package controller

import (
	"maps"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	cachev1alpha1 "github.com/kubecache/kubecache/operator/api/v1alpha1"
)

// ObjectContract is what the controller's objects look like to those who select or address them without reading
// this code: the TypeScript components (a PodMonitor's selector, the endpoint they print). It is computed from
// the same functions that build the objects, and published in config/contract.json (cmd's contract test).
type ObjectContract struct {
	// PodLabels are the labels every memcached pod carries, whatever its Memcached object.
	PodLabels map[string]string `json:"podLabels"`
	// InstanceLabel is the pod label whose value is the Memcached object's name.
	InstanceLabel string `json:"instanceLabel"`
	// MetricsPort names the exporter's container port and the Service port beside memcached's.
	MetricsPort string `json:"metricsPort"`
	// ServiceNamedAfterObject: the Service of Memcached <name> is <name>, in the object's namespace.
	ServiceNamedAfterObject bool `json:"serviceNamedAfterObject"`
	// ServiceHeadless: the Service has no cluster IP; its DNS name resolves to every ready pod.
	ServiceHeadless bool `json:"serviceHeadless"`
}

// PublishedObjects builds two Memcached objects' Deployment and Service and reports what they share.
func PublishedObjects() (ObjectContract, error) {
	sample := func(name string) *cachev1alpha1.Memcached {
		mc := &cachev1alpha1.Memcached{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns-" + name}}
		mc.Spec.Metrics = &cachev1alpha1.MemcachedMetrics{Enabled: true}
		return mc
	}
	a, b := sample("a"), sample("b")
	da, err := desiredDeployment(a)
	if err != nil {
		return ObjectContract{}, err
	}
	db, err := desiredDeployment(b)
	if err != nil {
		return ObjectContract{}, err
	}
	shared := maps.Clone(da.Spec.Template.Labels)
	maps.DeleteFunc(shared, func(k, v string) bool { return db.Spec.Template.Labels[k] != v })
	instance := ""
	for k, v := range da.Spec.Template.Labels {
		if v == a.Name && db.Spec.Template.Labels[k] == b.Name {
			instance = k
		}
	}
	svc, err := desiredService(a)
	if err != nil {
		return ObjectContract{}, err
	}
	metricsPort := ""
	for _, p := range svc.Spec.Ports {
		if p.Name != portName {
			metricsPort = p.Name
		}
	}
	return ObjectContract{
		PodLabels:               shared,
		InstanceLabel:           instance,
		MetricsPort:             metricsPort,
		ServiceNamedAfterObject: svc.Name == a.Name && svc.Namespace == a.Namespace,
		ServiceHeadless:         svc.Spec.ClusterIP == "None",
	}, nil
}

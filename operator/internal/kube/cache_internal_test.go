package kube

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestEchoOfOurOwnWriteIsRecognisedOnce(t *testing.T) {
	c := newInformerCache("", 0)
	gvk := schema.GroupVersionKind{Version: "v1", Kind: "Service"}
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "mc", Namespace: "ns", ResourceVersion: "41"}}
	c.informers[gvk] = nil // wrote only records writes of kinds the cache holds
	c.written[writtenKey(gvk, svc)] = "41"
	if !c.echo(gvk, svc) {
		t.Fatal("the event of our own write was not recognised")
	}
	if c.echo(gvk, svc) {
		t.Fatal("an echo was recognised twice")
	}
	c.written[writtenKey(gvk, svc)] = "41"
	changed := svc.DeepCopy()
	changed.ResourceVersion = "42"
	if c.echo(gvk, changed) {
		t.Fatal("a later change by someone else was taken for our echo")
	}
}

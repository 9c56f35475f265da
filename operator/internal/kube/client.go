// Package kube is the manager's small Kubernetes runtime: a typed REST client over only the kinds
// the operator touches, informer caches, a work queue, leader election and an event recorder.
//
// It exists instead of controller-runtime's manager because controller-runtime's client and cache
// import client-go's kubernetes/scheme, whose init registers every built-in API group; that alone
// was about 40% of the manager binary. This package registers only the groups the operator uses.
package kube

import (
	"context"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
)

// Object is a Kubernetes object with metadata (the same method set as controller-runtime's
// client.Object, so either satisfies the other).
type Object interface {
	metav1.Object
	runtime.Object
}

// ObjectList is a list of Objects.
type ObjectList interface {
	metav1.ListInterface
	runtime.Object
}

// Client is what the reconciler asks of the API: reads of cached kinds come from the informer
// caches, writes go to the API server.
type Client interface {
	Get(ctx context.Context, key types.NamespacedName, obj Object) error
	// GetLive reads from the API server, for when the cache may not have seen an object yet.
	GetLive(ctx context.Context, key types.NamespacedName, obj Object) error
	// List lists the objects of list's kind in namespace matching selector (nil: all).
	List(ctx context.Context, list ObjectList, namespace string, selector labels.Selector) error
	Create(ctx context.Context, obj Object) error
	Update(ctx context.Context, obj Object) error
	Delete(ctx context.Context, obj Object) error
	// PatchStatus applies a JSON merge patch to obj's status subresource and stores the result in obj.
	PatchStatus(ctx context.Context, obj Object, mergePatch []byte) error
}

// Request names the object to reconcile.
type Request = types.NamespacedName

// Result tells the controller when to look at the object again without an event.
type Result struct {
	RequeueAfter time.Duration
}

// Reconciler converges one object; an error re-queues it with backoff.
type Reconciler interface {
	Reconcile(ctx context.Context, req Request) (Result, error)
}

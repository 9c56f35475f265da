// Package controller reconciles Memcached objects into a Deployment and a headless Service.
package controller

import (
	"context"
	"errors"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	cachev1alpha1 "github.com/kubecache/kubecache/operator/api/v1alpha1"
)

// cacheBehindRetry is a safety net; the owned object's watch event normally re-queues sooner.
const cacheBehindRetry = 2 * time.Second

// MemcachedReconciler converges each Memcached to a Deployment of spec.size pods and a headless
// Service, and reports what it sees in the Memcached's status.
type MemcachedReconciler struct {
	client.Client
	Scheme   *runtime.Scheme
	Recorder events.EventRecorder
}

// +kubebuilder:rbac:groups=cache.kubecache.io,resources=memcacheds,verbs=get;list;watch
// +kubebuilder:rbac:groups=cache.kubecache.io,resources=memcacheds/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=cache.kubecache.io,resources=memcacheds/finalizers,verbs=update
// +kubebuilder:rbac:groups=apps,resources=deployments,verbs=get;list;watch;create;update
// +kubebuilder:rbac:groups="",resources=services,verbs=get;list;watch;create;update
// +kubebuilder:rbac:groups="",resources=pods,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile runs the steps in order; a failed step is reported as Degraded and returned so the
// request is retried with backoff.
func (r *MemcachedReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	mc := &cachev1alpha1.Memcached{}
	if err := r.Get(ctx, req.NamespacedName, mc); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !mc.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, nil
	}
	obs := r.observe(ctx, mc)
	if errors.Is(obs.err, errCacheBehind) {
		return ctrl.Result{RequeueAfter: cacheBehindRetry}, nil
	}
	if err := r.updateStatus(ctx, mc, obs); err != nil {
		if apierrors.IsNotFound(err) {
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, errors.Join(obs.err, err)
	}
	if obs.err != nil {
		log.FromContext(ctx).Error(obs.err, "reconcile failed", "reason", reasonOf(obs.err))
		return ctrl.Result{}, obs.err
	}
	return ctrl.Result{}, nil
}

// observe converges the owned objects and collects what status needs; it stops at the first
// failed step, keeping what the earlier steps saw.
func (r *MemcachedReconciler) observe(ctx context.Context, mc *cachev1alpha1.Memcached) observation {
	var obs observation
	obs.deployment, obs.err = r.ensureDeployment(ctx, mc)
	if obs.err != nil {
		return obs
	}
	if obs.err = r.ensureService(ctx, mc); obs.err != nil {
		return obs
	}
	obs.nodes, obs.err = r.listNodes(ctx, mc)
	return obs
}

func (r *MemcachedReconciler) normal(mc *cachev1alpha1.Memcached, reason, action, note string, args ...any) {
	if r.Recorder != nil {
		r.Recorder.Eventf(mc, nil, corev1.EventTypeNormal, reason, action, note, args...)
	}
}

func (r *MemcachedReconciler) warn(mc *cachev1alpha1.Memcached, reason, action, note string, args ...any) {
	if r.Recorder != nil {
		r.Recorder.Eventf(mc, nil, corev1.EventTypeWarning, reason, action, note, args...)
	}
}

// CacheByObject keeps only the operator's own Deployments, Services and Pods in the manager's
// cache, so its memory does not grow with the rest of the cluster.
func CacheByObject() map[client.Object]cache.ByObject {
	managed := labels.SelectorFromSet(labels.Set{labelManagedBy: ManagedByValue})
	return map[client.Object]cache.ByObject{
		&appsv1.Deployment{}: {Label: managed},
		&corev1.Service{}:    {Label: managed},
		&corev1.Pod{}:        {Label: managed},
	}
}

// podToMemcached maps a memcached pod to its Memcached through the instance label.
func podToMemcached(_ context.Context, obj client.Object) []reconcile.Request {
	name, ok := obj.GetLabels()[labelInstance]
	if !ok || obj.GetLabels()[labelManagedBy] != ManagedByValue {
		return nil
	}
	return []reconcile.Request{{NamespacedName: client.ObjectKey{Namespace: obj.GetNamespace(), Name: name}}}
}

// SetupWithManager registers the controller; pod events only matter when a pod appears,
// disappears or changes readiness, which label and status predicates cannot express cheaply, so
// any pod change re-queues its Memcached (requests for one key are de-duplicated by the queue).
func (r *MemcachedReconciler) SetupWithManager(mgr ctrl.Manager, workers int) error {
	if workers < 1 {
		return fmt.Errorf("workers must be at least 1, got %d", workers)
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&cachev1alpha1.Memcached{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Owns(&appsv1.Deployment{}).
		Owns(&corev1.Service{}).
		Watches(&corev1.Pod{}, handler.EnqueueRequestsFromMapFunc(podToMemcached)).
		WithOptions(controller.Options{MaxConcurrentReconciles: workers}).
		Named("memcached").
		Complete(r)
}

// Package controller reconciles Memcached objects into a Deployment, a headless Service and, as the
// spec asks, a PodDisruptionBudget and a NetworkPolicy.
package controller

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	cachev1alpha1 "github.com/kubecache/kubecache/operator/api/v1alpha1"
	"github.com/kubecache/kubecache/operator/internal/kube"
)

// cacheBehindRetry is a safety net; the owned object's watch event normally re-queues sooner.
const cacheBehindRetry = 2 * time.Second

// EventRecorder records Kubernetes events (the method of client-go's events.EventRecorder).
type EventRecorder interface {
	Eventf(regarding runtime.Object, related runtime.Object, eventtype, reason, action, note string, args ...interface{})
}

// MemcachedReconciler converges each Memcached to its owned objects and reports what it sees in
// the Memcached's status.
type MemcachedReconciler struct {
	Client   kube.Client
	Recorder EventRecorder
	// Log receives one line per failed reconcile; nil discards.
	Log func(err error, msg string, keysAndValues ...any)
}

// +kubebuilder:rbac:groups=cache.kubecache.io,resources=memcacheds,verbs=get;list;watch
// +kubebuilder:rbac:groups=cache.kubecache.io,resources=memcacheds/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=cache.kubecache.io,resources=memcacheds/finalizers,verbs=update
// +kubebuilder:rbac:groups=apps,resources=deployments,verbs=get;list;watch;create;update
// +kubebuilder:rbac:groups="",resources=services,verbs=get;list;watch;create;update
// +kubebuilder:rbac:groups=policy,resources=poddisruptionbudgets,verbs=get;list;watch;create;update;delete
// +kubebuilder:rbac:groups=networking.k8s.io,resources=networkpolicies,verbs=get;list;watch;create;update;delete
// +kubebuilder:rbac:groups="",resources=pods,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile runs the steps and writes status once. Each failed step emits one Warning event with its
// reason; the first is reported as Degraded and returned so the request is retried with backoff.
func (r *MemcachedReconciler) Reconcile(ctx context.Context, req kube.Request) (kube.Result, error) {
	mc := &cachev1alpha1.Memcached{}
	if err := r.Client.Get(ctx, req, mc); err != nil {
		if apierrors.IsNotFound(err) {
			return kube.Result{}, nil
		}
		return kube.Result{}, fmt.Errorf("get memcached %s: %w", req, err)
	}
	if !mc.DeletionTimestamp.IsZero() {
		return kube.Result{}, nil
	}
	obs := r.observe(ctx, mc)
	r.report(mc, obs.changes)
	if errors.Is(obs.err, errCacheBehind) {
		return kube.Result{RequeueAfter: cacheBehindRetry}, nil
	}
	for _, err := range obs.failures {
		if !errors.Is(err, errCacheBehind) {
			r.warn(mc, reasonOf(err), err)
		}
	}
	if err := r.updateStatus(ctx, mc, obs); err != nil {
		if apierrors.IsNotFound(err) {
			return kube.Result{}, nil
		}
		r.warn(mc, "StatusUpdateFailed", err)
		return kube.Result{}, errors.Join(obs.err, err)
	}
	if obs.err != nil {
		if r.Log != nil {
			r.Log(obs.err, "reconcile failed", "memcached", req.String(), "reason", reasonOf(obs.err))
		}
		return kube.Result{}, obs.err
	}
	return kube.Result{}, nil
}

// observe converges the owned objects and collects what status needs. The owned objects do not
// depend on each other, so their steps run at once: a new Memcached waits for one round trip to the
// API server rather than one per object. Every step's failure is kept, the first in step order is
// the observation's error; the pods are listed only when all steps succeeded.
func (r *MemcachedReconciler) observe(ctx context.Context, mc *cachev1alpha1.Memcached) observation {
	var obs observation
	steps := []func(context.Context, *cachev1alpha1.Memcached) (*change, error){
		func(ctx context.Context, mc *cachev1alpha1.Memcached) (c *change, err error) {
			obs.deployment, c, err = r.ensureDeployment(ctx, mc)
			return c, err
		},
		r.ensureService, r.ensurePDB, r.ensureNetworkPolicy,
	}
	results := make([]struct {
		c   *change
		err error
	}, len(steps))
	var wg sync.WaitGroup
	for i, step := range steps {
		wg.Go(func() { results[i].c, results[i].err = step(ctx, mc) })
	}
	wg.Wait()
	for _, res := range results {
		obs.add(res.c)
		if res.err != nil {
			obs.failures = append(obs.failures, res.err)
		}
	}
	if len(obs.failures) > 0 {
		obs.err = obs.failures[0]
		return obs
	}
	obs.nodes, obs.err = r.listNodes(ctx, mc)
	if obs.err != nil {
		obs.failures = []error{obs.err}
	}
	return obs
}

// report emits one Normal event for everything a reconcile changed, named after the first change:
// one event write per reconcile however many objects it touched. A new Memcached's first objects
// get none (its status reports them): an event is a write as costly as the objects themselves, and
// creating many Memcached objects at once would otherwise spend a quarter of its writes on events.
func (r *MemcachedReconciler) report(mc *cachev1alpha1.Memcached, changes []change) {
	if r.Recorder == nil || len(changes) == 0 || mc.Status.ObservedGeneration == 0 {
		return
	}
	notes := make([]string, len(changes))
	for i, c := range changes {
		notes[i] = c.note
	}
	r.Recorder.Eventf(mc, nil, corev1.EventTypeNormal, changes[0].reason, "Reconcile", "%s", strings.Join(notes, "; "))
}

func (r *MemcachedReconciler) warn(mc *cachev1alpha1.Memcached, reason string, err error) {
	if r.Recorder != nil {
		r.Recorder.Eventf(mc, nil, corev1.EventTypeWarning, reason, "Reconcile", "%v", err)
	}
}

var deploymentKind = ownedKind[*appsv1.Deployment]{
	name: "deployment", reason: "Deployment",
	empty: func() *appsv1.Deployment { return &appsv1.Deployment{} },
	spec:  func(d *appsv1.Deployment) any { return d.Spec },
}

// ensureDeployment creates the Deployment or repairs any drift from the desired one, and returns
// the Deployment as stored. Its event says whether it scaled, changed image, rolled to a new spec
// or repaired a hand edit.
func (r *MemcachedReconciler) ensureDeployment(ctx context.Context, mc *cachev1alpha1.Memcached) (*appsv1.Deployment, *change, error) {
	want, err := desiredDeployment(mc)
	if err != nil {
		return nil, nil, failed("InvalidSpec", "render deployment %s: %w", mc.Name, err)
	}
	var oldReplicas int32
	var oldImage string
	k := deploymentKind
	k.repair = func(want, got *appsv1.Deployment) {
		oldReplicas = ptr.Deref(got.Spec.Replicas, 1)
		if len(got.Spec.Template.Spec.Containers) > 0 {
			oldImage = got.Spec.Template.Spec.Containers[0].Image
		}
		got.Spec.Replicas = want.Spec.Replicas
		got.Spec.Strategy = want.Spec.Strategy
		got.Spec.Template = want.Spec.Template
	}
	got, c, err := ensure(ctx, r, mc, k, want)
	if err != nil || c == nil {
		return got, c, err
	}
	replicas, image := *want.Spec.Replicas, want.Spec.Template.Spec.Containers[0].Image
	switch {
	case c.reason == "DeploymentCreated":
		c.note = fmt.Sprintf("created deployment %s with %d replicas", want.Name, replicas)
	case oldReplicas != replicas:
		c.reason, c.note = "Scaled", fmt.Sprintf("scaled deployment %s from %d to %d replicas", want.Name, oldReplicas, replicas)
	case oldImage != image:
		c.reason, c.note = "ImageChanged", fmt.Sprintf("deployment %s now runs %s", want.Name, image)
	case mc.Status.ObservedGeneration == mc.Generation:
		c.reason, c.note = "DeploymentRepaired", fmt.Sprintf("restored the desired spec of deployment %s", want.Name)
	default:
		c.note = fmt.Sprintf("rolling deployment %s to the new pod spec", want.Name)
	}
	return got, c, nil
}

var serviceKind = ownedKind[*corev1.Service]{
	name: "service", reason: "Service",
	empty: func() *corev1.Service { return &corev1.Service{} },
	spec: func(s *corev1.Service) any {
		return corev1.ServiceSpec{ClusterIP: s.Spec.ClusterIP, Selector: s.Spec.Selector, Ports: s.Spec.Ports}
	},
	// clusterIP is immutable and clusterIPs, ipFamilies and the like are the API server's.
	repair: func(want, got *corev1.Service) {
		got.Spec.Ports = want.Spec.Ports
		got.Spec.Selector = want.Spec.Selector
	},
}

// ensureService creates the headless Service or restores its ports and selector.
func (r *MemcachedReconciler) ensureService(ctx context.Context, mc *cachev1alpha1.Memcached) (*change, error) {
	want, err := desiredService(mc)
	if err != nil {
		return nil, failed("InvalidSpec", "render service %s: %w", mc.Name, err)
	}
	_, c, err := ensure(ctx, r, mc, serviceKind, want)
	return c, err
}

var pdbKind = ownedKind[*policyv1.PodDisruptionBudget]{
	name: "poddisruptionbudget", reason: "PodDisruptionBudget",
	empty:  func() *policyv1.PodDisruptionBudget { return &policyv1.PodDisruptionBudget{} },
	spec:   func(p *policyv1.PodDisruptionBudget) any { return p.Spec },
	repair: func(want, got *policyv1.PodDisruptionBudget) { got.Spec = want.Spec },
}

// ensurePDB keeps a PodDisruptionBudget while size >= 2 and deletes it below.
func (r *MemcachedReconciler) ensurePDB(ctx context.Context, mc *cachev1alpha1.Memcached) (*change, error) {
	want := desiredPDB(mc)
	if want == nil {
		return remove(ctx, r, mc, pdbKind)
	}
	_, c, err := ensure(ctx, r, mc, pdbKind, want)
	return c, err
}

var networkPolicyKind = ownedKind[*networkingv1.NetworkPolicy]{
	name: "networkpolicy", reason: "NetworkPolicy",
	empty:  func() *networkingv1.NetworkPolicy { return &networkingv1.NetworkPolicy{} },
	spec:   func(p *networkingv1.NetworkPolicy) any { return p.Spec },
	repair: func(want, got *networkingv1.NetworkPolicy) { got.Spec = want.Spec },
}

// ensureNetworkPolicy keeps the NetworkPolicy while spec.networkPolicy.enabled and deletes it after.
func (r *MemcachedReconciler) ensureNetworkPolicy(ctx context.Context, mc *cachev1alpha1.Memcached) (*change, error) {
	want, err := desiredNetworkPolicy(mc)
	if err != nil {
		return nil, failed("InvalidSpec", "render networkpolicy %s: %w", mc.Name, err)
	}
	if want == nil {
		return remove(ctx, r, mc, networkPolicyKind)
	}
	_, c, err := ensure(ctx, r, mc, networkPolicyKind, want)
	return c, err
}

// listNodes returns the names of the live memcached pods of mc.
func (r *MemcachedReconciler) listNodes(ctx context.Context, mc *cachev1alpha1.Memcached) ([]string, error) {
	pods := &corev1.PodList{}
	if err := r.Client.List(ctx, pods, mc.Namespace, labels.SelectorFromSet(selectorLabels(mc))); err != nil {
		return nil, failed("PodListFailed", "list pods of memcached %s: %w", mc.Name, err)
	}
	names := make([]string, 0, len(pods.Items))
	for i := range pods.Items {
		if pods.Items[i].DeletionTimestamp == nil {
			names = append(names, pods.Items[i].Name)
		}
	}
	return names, nil
}

// ManagedSelector selects the objects this operator owns, so the manager caches only those.
func ManagedSelector() labels.Selector {
	return labels.SelectorFromSet(labels.Set{labelManagedBy: ManagedByValue})
}

// podToMemcached maps a memcached pod to its Memcached through the instance label.
func podToMemcached(obj kube.Object) []kube.Request {
	name, ok := obj.GetLabels()[labelInstance]
	if !ok || obj.GetLabels()[labelManagedBy] != ManagedByValue {
		return nil
	}
	return []kube.Request{{Namespace: obj.GetNamespace(), Name: name}}
}

// SetupWithManager registers the controller and its watches: Memcached spec changes, every owned
// kind back to its owner, and pods, whose appearance or readiness changes status.nodes and
// readyReplicas (label and status predicates cannot express that cheaply, so any pod change
// re-queues its Memcached; requests for one key are de-duplicated by the queue).
func (r *MemcachedReconciler) SetupWithManager(mgr *kube.Manager, workers int) error {
	if workers < 1 {
		return fmt.Errorf("workers must be at least 1, got %d", workers)
	}
	c := mgr.NewController("memcached", r, workers)
	owner := cachev1alpha1.GroupVersion.WithKind("Memcached").GroupKind()
	managed := ManagedSelector()
	watches := []struct {
		obj      kube.Object
		selector labels.Selector
		handler  kube.Handler
	}{
		{&cachev1alpha1.Memcached{}, nil, kube.OnGenerationChange()},
		{&appsv1.Deployment{}, managed, kube.ToOwner(owner)},
		{&corev1.Service{}, managed, kube.ToOwner(owner)},
		{&policyv1.PodDisruptionBudget{}, managed, kube.ToOwner(owner)},
		{&networkingv1.NetworkPolicy{}, managed, kube.ToOwner(owner)},
		{&corev1.Pod{}, managed, kube.Map(podToMemcached)},
	}
	for _, w := range watches {
		if err := mgr.Watch(c, w.obj, w.selector, w.handler); err != nil {
			return fmt.Errorf("watch %T: %w", w.obj, err)
		}
	}
	return nil
}

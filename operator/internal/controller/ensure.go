package controller

import (
	"context"
	"errors"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"

	cachev1alpha1 "github.com/kubecache/kubecache/operator/api/v1alpha1"
)

// stepError carries the condition reason for a failed step, so status can say what went wrong.
type stepError struct {
	reason string
	err    error
}

func (e *stepError) Error() string { return e.err.Error() }
func (e *stepError) Unwrap() error { return e.err }

// errCacheBehind means a create found the object already there: the informer cache has not yet
// seen an earlier create. The object's watch event re-queues the Memcached, so this is no failure.
var errCacheBehind = errors.New("cache has not caught up with an earlier create")

func failed(reason, format string, args ...any) error {
	return &stepError{reason: reason, err: fmt.Errorf(format, args...)}
}

// ensureDeployment creates the Deployment or repairs any drift from the desired one, and returns
// the Deployment as stored.
func (r *MemcachedReconciler) ensureDeployment(ctx context.Context, mc *cachev1alpha1.Memcached) (*appsv1.Deployment, error) {
	want, err := desiredDeployment(mc)
	if err != nil {
		return nil, failed("InvalidSpec", "render deployment %s: %w", mc.Name, err)
	}
	if err := controllerutil.SetControllerReference(mc, want, r.Scheme); err != nil {
		return nil, failed("OwnerReferenceFailed", "set owner of deployment %s: %w", want.Name, err)
	}
	got := &appsv1.Deployment{}
	err = r.Get(ctx, types.NamespacedName{Namespace: want.Namespace, Name: want.Name}, got)
	if apierrors.IsNotFound(err) {
		if err := r.Create(ctx, want); apierrors.IsAlreadyExists(err) {
			return nil, errCacheBehind
		} else if err != nil {
			r.warn(mc, "CreateDeploymentFailed", "Create", "create deployment %s: %v", want.Name, err)
			return nil, failed("DeploymentCreateFailed", "create deployment %s: %w", want.Name, err)
		}
		r.normal(mc, "DeploymentCreated", "Create", "created deployment %s with %d replicas", want.Name, *want.Spec.Replicas)
		log.FromContext(ctx).Info("created deployment", "deployment", want.Name, "replicas", *want.Spec.Replicas)
		return want, nil
	}
	if err != nil {
		return nil, failed("DeploymentGetFailed", "get deployment %s: %w", want.Name, err)
	}
	if !metav1.IsControlledBy(got, mc) {
		return nil, failed("DeploymentNotOwned", "deployment %s exists and is not owned by memcached %s", got.Name, mc.Name)
	}
	if deploymentConverged(want, got) {
		return got, nil
	}
	oldReplicas := ptr.Deref(got.Spec.Replicas, 1)
	imageChanged := len(got.Spec.Template.Spec.Containers) == 0 ||
		got.Spec.Template.Spec.Containers[0].Image != want.Spec.Template.Spec.Containers[0].Image
	got.Labels = mergeLabels(got.Labels, want.Labels)
	got.Spec.Replicas = want.Spec.Replicas
	got.Spec.Template = want.Spec.Template
	if err := r.Update(ctx, got); err != nil {
		r.warn(mc, "UpdateDeploymentFailed", "Update", "update deployment %s: %v", got.Name, err)
		return nil, failed("DeploymentUpdateFailed", "update deployment %s: %w", got.Name, err)
	}
	newReplicas := *want.Spec.Replicas
	switch {
	case oldReplicas != newReplicas:
		r.normal(mc, "Scaled", "Scale", "scaled deployment %s from %d to %d replicas", got.Name, oldReplicas, newReplicas)
	case imageChanged:
		r.normal(mc, "ImageChanged", "Update", "deployment %s now runs %s", got.Name, want.Spec.Template.Spec.Containers[0].Image)
	default:
		r.normal(mc, "DeploymentRepaired", "Update", "restored the desired spec of deployment %s", got.Name)
	}
	log.FromContext(ctx).Info("updated deployment", "deployment", got.Name, "replicas", newReplicas)
	return got, nil
}

// deploymentConverged ignores fields the API server defaults, so a stored Deployment that merely
// gained defaults is not rewritten on every reconcile.
func deploymentConverged(want, got *appsv1.Deployment) bool {
	return ptr.Deref(got.Spec.Replicas, 1) == *want.Spec.Replicas &&
		equality.Semantic.DeepDerivative(want.Labels, got.Labels) &&
		equality.Semantic.DeepDerivative(want.Spec.Template, got.Spec.Template) &&
		len(got.Spec.Template.Spec.Containers) == len(want.Spec.Template.Spec.Containers) &&
		len(got.Spec.Template.Spec.Containers[0].Args) == len(want.Spec.Template.Spec.Containers[0].Args)
}

// ensureService creates the headless Service or restores its ports and selector.
func (r *MemcachedReconciler) ensureService(ctx context.Context, mc *cachev1alpha1.Memcached) error {
	want := desiredService(mc)
	if err := controllerutil.SetControllerReference(mc, want, r.Scheme); err != nil {
		return failed("OwnerReferenceFailed", "set owner of service %s: %w", want.Name, err)
	}
	got := &corev1.Service{}
	err := r.Get(ctx, types.NamespacedName{Namespace: want.Namespace, Name: want.Name}, got)
	if apierrors.IsNotFound(err) {
		if err := r.Create(ctx, want); apierrors.IsAlreadyExists(err) {
			return errCacheBehind
		} else if err != nil {
			r.warn(mc, "CreateServiceFailed", "Create", "create service %s: %v", want.Name, err)
			return failed("ServiceCreateFailed", "create service %s: %w", want.Name, err)
		}
		r.normal(mc, "ServiceCreated", "Create", "created headless service %s", want.Name)
		return nil
	}
	if err != nil {
		return failed("ServiceGetFailed", "get service %s: %w", want.Name, err)
	}
	if !metav1.IsControlledBy(got, mc) {
		return failed("ServiceNotOwned", "service %s exists and is not owned by memcached %s", got.Name, mc.Name)
	}
	if equality.Semantic.DeepDerivative(want.Spec.Ports, got.Spec.Ports) &&
		equality.Semantic.DeepEqual(want.Spec.Selector, got.Spec.Selector) &&
		equality.Semantic.DeepDerivative(want.Labels, got.Labels) {
		return nil
	}
	got.Labels = mergeLabels(got.Labels, want.Labels)
	got.Spec.Ports = want.Spec.Ports
	got.Spec.Selector = want.Spec.Selector
	if err := r.Update(ctx, got); err != nil {
		return failed("ServiceUpdateFailed", "update service %s: %w", got.Name, err)
	}
	return nil
}

// listNodes returns the names of the live memcached pods of mc.
func (r *MemcachedReconciler) listNodes(ctx context.Context, mc *cachev1alpha1.Memcached) ([]string, error) {
	pods := &corev1.PodList{}
	if err := r.List(ctx, pods, client.InNamespace(mc.Namespace), client.MatchingLabels(selectorLabels(mc))); err != nil {
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

func mergeLabels(have, want map[string]string) map[string]string {
	out := make(map[string]string, len(have)+len(want))
	for k, v := range have {
		out[k] = v
	}
	for k, v := range want {
		out[k] = v
	}
	return out
}

package controller

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	cachev1alpha1 "github.com/kubecache/kubecache/operator/api/v1alpha1"
	"github.com/kubecache/kubecache/operator/internal/kube"
)

// specHashAnnotation records the hash of the spec the operator last wrote. Comparing a stored
// object with the desired one cannot tell "the spec no longer lists this toleration" from "the API
// server added a default", so a changed hash is what rewrites an object after a spec change.
const specHashAnnotation = "kubecache.io/spec-hash"

// stepError carries the condition reason for a failed step, so status and the Warning event can
// say what went wrong.
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

// change is one thing a reconcile did, reported in its Normal event.
type change struct{ reason, note string }

// ownedKind is how one kind the Memcached owns is read, compared and repaired.
type ownedKind[T kube.Object] struct {
	// name is the kind in messages ("deployment"); reason prefixes the condition reasons.
	name, reason string
	empty        func() T
	spec         func(T) any
	// repair copies the desired fields of want into got, keeping what the API server filled in.
	repair func(want, got T)
}

// setOwner makes mc the controller of obj, so garbage collection deletes obj with mc and the
// owner's watch maps obj's events back to mc.
func setOwner(mc *cachev1alpha1.Memcached, obj metav1.Object) {
	obj.SetOwnerReferences([]metav1.OwnerReference{{
		APIVersion:         cachev1alpha1.GroupVersion.String(),
		Kind:               "Memcached",
		Name:               mc.Name,
		UID:                mc.UID,
		Controller:         ptr.To(true),
		BlockOwnerDeletion: ptr.To(true),
	}})
}

func specHash(spec any) (string, error) {
	raw, err := json.Marshal(spec)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:8]), nil
}

// converged says got already has everything want sets: the same spec hash, and want's fields and
// list lengths (so a hand-added container argument counts as drift, an API server default does not).
func converged(want, got metav1.Object, wantSpec, gotSpec any) bool {
	return got.GetAnnotations()[specHashAnnotation] == want.GetAnnotations()[specHashAnnotation] &&
		equality.Semantic.DeepDerivative(want.GetLabels(), got.GetLabels()) &&
		equality.Semantic.DeepDerivative(wantSpec, gotSpec) &&
		listLengthsMatch(reflect.ValueOf(wantSpec), reflect.ValueOf(gotSpec))
}

// listLengthsMatch walks want and got together and fails where want has a non-empty list whose
// counterpart in got has another length; DeepDerivative alone accepts a longer list in got.
func listLengthsMatch(want, got reflect.Value) bool {
	switch want.Kind() {
	case reflect.Pointer, reflect.Interface:
		if want.IsNil() || got.IsNil() {
			return true
		}
		return listLengthsMatch(want.Elem(), got.Elem())
	case reflect.Struct:
		for i := range want.NumField() {
			if !listLengthsMatch(want.Field(i), got.Field(i)) {
				return false
			}
		}
	case reflect.Slice:
		if want.Len() == 0 {
			return true
		}
		if want.Len() != got.Len() {
			return false
		}
		for i := range want.Len() {
			if !listLengthsMatch(want.Index(i), got.Index(i)) {
				return false
			}
		}
	}
	return true
}

// ensure creates want or repairs the stored object's drift from it, and returns the object as
// stored and what it did (nil when nothing).
func ensure[T kube.Object](ctx context.Context, r *MemcachedReconciler, mc *cachev1alpha1.Memcached, k ownedKind[T], want T) (T, *change, error) {
	var zero T
	hash, err := specHash(k.spec(want))
	if err != nil {
		return zero, nil, failed("InvalidSpec", "hash %s %s: %w", k.name, want.GetName(), err)
	}
	want.SetAnnotations(map[string]string{specHashAnnotation: hash})
	setOwner(mc, want)
	got := k.empty()
	err = r.Client.Get(ctx, types.NamespacedName{Namespace: want.GetNamespace(), Name: want.GetName()}, got)
	if apierrors.IsNotFound(err) {
		if err := r.Client.Create(ctx, want); apierrors.IsAlreadyExists(err) {
			return zero, nil, alreadyExists(ctx, r, mc, k, want.GetName())
		} else if err != nil {
			return zero, nil, failed(k.reason+"CreateFailed", "create %s %s: %w", k.name, want.GetName(), err)
		}
		return want, &change{k.reason + "Created", fmt.Sprintf("created %s %s", k.name, want.GetName())}, nil
	}
	if err != nil {
		return zero, nil, failed(k.reason+"GetFailed", "get %s %s: %w", k.name, want.GetName(), err)
	}
	if !metav1.IsControlledBy(got, mc) {
		return zero, nil, failed(k.reason+"NotOwned", "%s %s exists and is not owned by memcached %s", k.name, got.GetName(), mc.Name)
	}
	if converged(want, got, k.spec(want), k.spec(got)) {
		return got, nil, nil
	}
	k.repair(want, got)
	got.SetLabels(mergeMaps(got.GetLabels(), want.GetLabels()))
	got.SetAnnotations(mergeMaps(got.GetAnnotations(), want.GetAnnotations()))
	if err := r.Client.Update(ctx, got); err != nil {
		return zero, nil, failed(k.reason+"UpdateFailed", "update %s %s: %w", k.name, got.GetName(), err)
	}
	return got, &change{k.reason + "Updated", fmt.Sprintf("updated %s %s to the desired spec", k.name, got.GetName())}, nil
}

// alreadyExists tells a create that raced the cache (ours, so the watch event re-queues us) from
// an object of that name the cache never holds because someone else owns it.
func alreadyExists[T kube.Object](ctx context.Context, r *MemcachedReconciler, mc *cachev1alpha1.Memcached, k ownedKind[T], name string) error {
	live := k.empty()
	if err := r.Client.GetLive(ctx, types.NamespacedName{Namespace: mc.Namespace, Name: name}, live); err == nil && !metav1.IsControlledBy(live, mc) {
		return failed(k.reason+"NotOwned", "%s %s exists and is not owned by memcached %s", k.name, name, mc.Name)
	}
	return errCacheBehind
}

// remove deletes the object mc no longer wants, if mc owns it; a foreign object of that name is
// left alone.
func remove[T kube.Object](ctx context.Context, r *MemcachedReconciler, mc *cachev1alpha1.Memcached, k ownedKind[T]) (*change, error) {
	got := k.empty()
	err := r.Client.Get(ctx, types.NamespacedName{Namespace: mc.Namespace, Name: mc.Name}, got)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, failed(k.reason+"GetFailed", "get %s %s: %w", k.name, mc.Name, err)
	}
	if !metav1.IsControlledBy(got, mc) {
		return nil, nil
	}
	if err := r.Client.Delete(ctx, got); err != nil && !apierrors.IsNotFound(err) {
		return nil, failed(k.reason+"DeleteFailed", "delete %s %s: %w", k.name, got.GetName(), err)
	}
	return &change{k.reason + "Deleted", fmt.Sprintf("deleted %s %s", k.name, got.GetName())}, nil
}

func mergeMaps(have, want map[string]string) map[string]string {
	out := make(map[string]string, len(have)+len(want))
	for k, v := range have {
		out[k] = v
	}
	for k, v := range want {
		out[k] = v
	}
	return out
}

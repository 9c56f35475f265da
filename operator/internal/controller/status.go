package controller

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/utils/ptr"

	cachev1alpha1 "github.com/kubecache/kubecache/operator/api/v1alpha1"
)

// observation is what one reconcile learned; computeStatus turns it into the status to store.
type observation struct {
	deployment *appsv1.Deployment // nil when it could not be created or read
	nodes      []string           // nil when the pods could not be listed
	err        error              // first step that failed, if any
	failures   []error            // every step that failed
	changes    []change           // what the steps did, for the Normal event
}

func (o *observation) add(c *change) {
	if c != nil {
		o.changes = append(o.changes, *c)
	}
}

// computeStatus returns the status mc should have after a reconcile that observed obs.
func computeStatus(mc *cachev1alpha1.Memcached, obs observation) cachev1alpha1.MemcachedStatus {
	st := *mc.Status.DeepCopy()
	gen := mc.Generation
	st.Selector = labels.SelectorFromSet(selectorLabels(mc)).String()
	if obs.nodes != nil {
		st.Nodes = slices.Sorted(slices.Values(obs.nodes))
	}
	size := mc.Spec.Size
	var ready, updated int32
	rolledOut := false
	if d := obs.deployment; d != nil {
		ready, updated = d.Status.ReadyReplicas, d.Status.UpdatedReplicas
		rolledOut = d.Status.ObservedGeneration >= d.Generation && updated == size &&
			d.Status.Replicas == size && ptr.Deref(d.Spec.Replicas, -1) == size
	}
	st.ReadyReplicas = ready
	if obs.err == nil {
		st.ObservedGeneration = gen
	}

	set := func(t string, s metav1.ConditionStatus, reason, msg string) {
		meta.SetStatusCondition(&st.Conditions, metav1.Condition{
			Type: t, Status: s, Reason: reason, Message: msg, ObservedGeneration: gen,
		})
	}
	switch {
	case size == 0:
		set(cachev1alpha1.ConditionAvailable, metav1.ConditionFalse, "ScaledToZero", "size is 0")
	case ready >= size:
		set(cachev1alpha1.ConditionAvailable, metav1.ConditionTrue, "AllNodesReady", fmt.Sprintf("%d/%d nodes ready", ready, size))
	default:
		set(cachev1alpha1.ConditionAvailable, metav1.ConditionFalse, "NodesNotReady", fmt.Sprintf("%d/%d nodes ready", ready, size))
	}
	switch {
	case obs.err != nil:
		set(cachev1alpha1.ConditionProgressing, metav1.ConditionFalse, "ReconcileFailed",
			fmt.Sprintf("waiting on %s to clear: %v", reasonOf(obs.err), obs.err))
	case rolledOut && ready == size:
		set(cachev1alpha1.ConditionProgressing, metav1.ConditionFalse, "RolloutComplete", fmt.Sprintf("%d nodes up to date", size))
	default:
		set(cachev1alpha1.ConditionProgressing, metav1.ConditionTrue, "RollingOut", fmt.Sprintf("%d/%d updated, %d ready", updated, size, ready))
	}
	if obs.err != nil {
		set(cachev1alpha1.ConditionDegraded, metav1.ConditionTrue, reasonOf(obs.err), obs.err.Error())
	} else {
		set(cachev1alpha1.ConditionDegraded, metav1.ConditionFalse, "AsExpected", "owned objects match the spec")
	}
	return st
}

func reasonOf(err error) string {
	var se *stepError
	if errors.As(err, &se) {
		return se.reason
	}
	return "ReconcileFailed"
}

// updateStatus writes the new status with one merge patch, or not at all when nothing changed.
func (r *MemcachedReconciler) updateStatus(ctx context.Context, mc *cachev1alpha1.Memcached, obs observation) error {
	st := computeStatus(mc, obs)
	if equality.Semantic.DeepEqual(st, mc.Status) {
		return nil
	}
	patch, err := statusMergePatch(mc.Status, st)
	if err != nil {
		return fmt.Errorf("patch status of memcached %s: %w", mc.Name, err)
	}
	if err := r.Client.PatchStatus(ctx, mc, patch); err != nil {
		return fmt.Errorf("patch status of memcached %s: %w", mc.Name, err)
	}
	return nil
}

// statusMergePatch is the JSON merge patch from old to new status. Every status field is a scalar
// or a list, which a merge patch replaces whole, so one level suffices: the new fields, and null
// for each field that new omits (an emptied nodes list must be removed, not left as it was).
func statusMergePatch(old, new cachev1alpha1.MemcachedStatus) ([]byte, error) {
	var was, is map[string]json.RawMessage
	for _, f := range []struct {
		status cachev1alpha1.MemcachedStatus
		into   *map[string]json.RawMessage
	}{{old, &was}, {new, &is}} {
		raw, err := json.Marshal(f.status)
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(raw, f.into); err != nil {
			return nil, err
		}
	}
	for k := range was {
		if _, ok := is[k]; !ok {
			is[k] = json.RawMessage("null")
		}
	}
	return json.Marshal(map[string]any{"status": is})
}

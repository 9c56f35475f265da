package kube

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-logr/logr"
	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"
)

// ErrLeadershipLost ends the manager: another replica may already be reconciling.
var ErrLeadershipLost = errors.New("leader election lost")

// LeaderElector holds a coordination.k8s.io Lease while it leads, with client-go's timings and
// rules: a lease is free when empty or when its holder has not renewed it for LeaseDuration as seen
// by this replica's own clock (so clock skew between replicas does not matter).
type LeaderElector struct {
	Client        Client
	Lease         types.NamespacedName
	Identity      string
	LeaseDuration time.Duration
	RenewDeadline time.Duration
	RetryPeriod   time.Duration
	Log           logr.Logger
	// now is the clock; tests replace it.
	now func() time.Time

	observed     coordinationv1.LeaseSpec
	observedTime time.Time
}

func (l *LeaderElector) clock() time.Time {
	if l.now != nil {
		return l.now()
	}
	return time.Now()
}

// Run waits to acquire the lease, runs lead with a context that ends when leadership does, and
// renews the lease until ctx ends (then releases it, so a standby takes over at once) or a renewal
// misses RenewDeadline (then returns ErrLeadershipLost).
func (l *LeaderElector) Run(ctx context.Context, lead func(context.Context)) error {
	if err := wait.PollUntilContextCancel(ctx, l.RetryPeriod, true, func(ctx context.Context) (bool, error) {
		ok, err := l.tryAcquireOrRenew(ctx)
		if err != nil {
			l.Log.Info("leader election attempt failed", "lease", l.Lease.String(), "error", err.Error())
		}
		return ok, nil
	}); err != nil {
		return nil // ctx ended before we led
	}
	l.Log.Info("became leader", "lease", l.Lease.String(), "identity", l.Identity)
	leadCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); lead(leadCtx) }()
	err := l.renew(ctx)
	stop()
	<-done
	if ctx.Err() != nil {
		l.release()
		return nil
	}
	return err
}

func (l *LeaderElector) renew(ctx context.Context) error {
	t := time.NewTicker(l.RetryPeriod)
	defer t.Stop()
	last := l.clock()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		rctx, cancel := context.WithTimeout(ctx, l.RenewDeadline)
		ok, err := l.tryAcquireOrRenew(rctx)
		cancel()
		if ok {
			last = l.clock()
			continue
		}
		if ctx.Err() != nil {
			return nil
		}
		if l.clock().Sub(last) >= l.RenewDeadline {
			return fmt.Errorf("%w: lease %s not renewed for %s (last error: %v)", ErrLeadershipLost, l.Lease, l.RenewDeadline, err)
		}
	}
}

// tryAcquireOrRenew takes the lease if it is ours or free and reports whether we hold it now.
func (l *LeaderElector) tryAcquireOrRenew(ctx context.Context) (bool, error) {
	now := metav1.NewMicroTime(l.clock())
	lease := &coordinationv1.Lease{}
	err := l.Client.GetLive(ctx, l.Lease, lease)
	if apierrors.IsNotFound(err) {
		lease = &coordinationv1.Lease{
			ObjectMeta: metav1.ObjectMeta{Namespace: l.Lease.Namespace, Name: l.Lease.Name},
			Spec:       l.spec(now, now, 0),
		}
		if err := l.Client.Create(ctx, lease); err != nil {
			return false, fmt.Errorf("create lease %s: %w", l.Lease, err)
		}
		l.observe(lease.Spec)
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("get lease %s: %w", l.Lease, err)
	}
	holder := ptr.Deref(lease.Spec.HolderIdentity, "")
	if !equalSpec(lease.Spec, l.observed) {
		l.observe(lease.Spec)
	}
	duration := time.Duration(ptr.Deref(lease.Spec.LeaseDurationSeconds, 0)) * time.Second
	if holder != "" && holder != l.Identity && l.clock().Before(l.observedTime.Add(duration)) {
		return false, nil
	}
	acquired, transitions := now, ptr.Deref(lease.Spec.LeaseTransitions, 0)
	if holder == l.Identity && lease.Spec.AcquireTime != nil {
		acquired = *lease.Spec.AcquireTime
	} else {
		transitions++
	}
	lease.Spec = l.spec(acquired, now, transitions)
	if err := l.Client.Update(ctx, lease); err != nil {
		return false, fmt.Errorf("update lease %s: %w", l.Lease, err)
	}
	l.observe(lease.Spec)
	return true, nil
}

func (l *LeaderElector) spec(acquired, renewed metav1.MicroTime, transitions int32) coordinationv1.LeaseSpec {
	return coordinationv1.LeaseSpec{
		HolderIdentity:       ptr.To(l.Identity),
		LeaseDurationSeconds: ptr.To(int32(l.LeaseDuration / time.Second)),
		AcquireTime:          &acquired,
		RenewTime:            &renewed,
		LeaseTransitions:     ptr.To(transitions),
	}
}

func (l *LeaderElector) observe(spec coordinationv1.LeaseSpec) {
	l.observed, l.observedTime = spec, l.clock()
}

// release empties the lease if we still hold it, with a one-second duration as client-go does.
func (l *LeaderElector) release() {
	ctx, cancel := context.WithTimeout(context.Background(), l.RenewDeadline)
	defer cancel()
	lease := &coordinationv1.Lease{}
	if err := l.Client.GetLive(ctx, l.Lease, lease); err != nil || ptr.Deref(lease.Spec.HolderIdentity, "") != l.Identity {
		return
	}
	now := metav1.NewMicroTime(l.clock())
	lease.Spec = coordinationv1.LeaseSpec{
		LeaseDurationSeconds: ptr.To[int32](1), AcquireTime: &now, RenewTime: &now,
		LeaseTransitions: lease.Spec.LeaseTransitions,
	}
	if err := l.Client.Update(ctx, lease); err != nil {
		l.Log.Info("could not release the lease", "lease", l.Lease.String(), "error", err.Error())
	}
}

func equalSpec(a, b coordinationv1.LeaseSpec) bool {
	return ptr.Deref(a.HolderIdentity, "") == ptr.Deref(b.HolderIdentity, "") &&
		ptr.Deref(a.LeaseTransitions, 0) == ptr.Deref(b.LeaseTransitions, 0) &&
		a.RenewTime.Equal(b.RenewTime)
}

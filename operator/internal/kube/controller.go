package kube

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/go-logr/logr"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

// Controller feeds the requests its watches produce to workers running one Reconciler. A key is
// never reconciled by two workers at once, and requests for a key that is already queued merge.
type Controller struct {
	name    string
	r       Reconciler
	workers int
	queue   workqueue.TypedRateLimitingInterface[Request]
	log     logr.Logger
	metrics *controllerMetrics
}

func newController(name string, r Reconciler, workers int, log logr.Logger, m *metricsRegistry) *Controller {
	return &Controller{
		name: name, r: r, workers: workers, log: log.WithValues("controller", name),
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[Request](),
			workqueue.TypedRateLimitingQueueConfig[Request]{Name: name, MetricsProvider: m.workqueue()}),
		metrics: m.controller(name, workers),
	}
}

// Enqueue asks for req to be reconciled.
func (c *Controller) Enqueue(req Request) { c.queue.Add(req) }

// run starts the workers and, once ctx ends, stops taking requests and waits up to grace for the
// reconciles under way.
func (c *Controller) run(ctx context.Context, grace time.Duration) {
	var wg sync.WaitGroup
	for range c.workers {
		wg.Go(func() {
			for c.next(ctx) {
			}
		})
	}
	<-ctx.Done()
	c.queue.ShutDown()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(grace):
		c.log.Info("reconciles still running at shutdown", "grace", grace)
	}
}

func (c *Controller) next(ctx context.Context) bool {
	req, shutdown := c.queue.Get()
	if shutdown {
		return false
	}
	defer c.queue.Done(req)
	c.metrics.active.Inc()
	defer c.metrics.active.Dec()
	start := time.Now()
	res, err := c.reconcile(ctx, req)
	c.metrics.duration.Observe(time.Since(start).Seconds())
	switch {
	case err != nil:
		c.queue.AddRateLimited(req)
		c.metrics.result("error")
		c.metrics.errors.Inc()
	case res.RequeueAfter > 0:
		c.queue.Forget(req)
		c.queue.AddAfter(req, res.RequeueAfter)
		c.metrics.result("requeue_after")
	default:
		c.queue.Forget(req)
		c.metrics.result("success")
	}
	return true
}

// reconcile turns a panic into an error, so one bad object does not stop the manager.
func (c *Controller) reconcile(ctx context.Context, req Request) (res Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("reconcile %s panicked: %v", req, p)
			c.log.Error(err, "panic in reconcile")
		}
	}()
	return c.r.Reconcile(ctx, req)
}

// Handler maps an informer event to the requests it causes.
type Handler interface {
	requests(obj Object) []Request
	// relevant filters updates; adds and deletes always count.
	relevant(old, cur Object) bool
}

type generationHandler struct{}

// OnGenerationChange reconciles the object itself on create, delete, a spec change (generation)
// and the periodic resync, not on its own status writes.
func OnGenerationChange() Handler { return generationHandler{} }

func (generationHandler) requests(obj Object) []Request {
	return []Request{{Namespace: obj.GetNamespace(), Name: obj.GetName()}}
}

func (generationHandler) relevant(old, cur Object) bool {
	return old.GetGeneration() != cur.GetGeneration() || old.GetResourceVersion() == cur.GetResourceVersion()
}

type ownerHandler struct{ owner schema.GroupKind }

// ToOwner reconciles the controller owner of kind owner of every changed object.
func ToOwner(owner schema.GroupKind) Handler { return ownerHandler{owner} }

func (h ownerHandler) requests(obj Object) []Request {
	ref := metav1.GetControllerOf(obj)
	if ref == nil || ref.Kind != h.owner.Kind {
		return nil
	}
	gv, err := schema.ParseGroupVersion(ref.APIVersion)
	if err != nil || gv.Group != h.owner.Group {
		return nil
	}
	return []Request{{Namespace: obj.GetNamespace(), Name: ref.Name}}
}

func (ownerHandler) relevant(_, _ Object) bool { return true }

type mapHandler func(Object) []Request

// Map reconciles what fn maps each changed object to.
func Map(fn func(Object) []Request) Handler { return mapHandler(fn) }

func (h mapHandler) requests(obj Object) []Request { return h(obj) }
func (mapHandler) relevant(_, _ Object) bool       { return true }

// eventHandler adapts a Handler to an informer, enqueueing into c. Adds and updates that only echo
// the manager's own last write of the object (echo) are skipped: the reconcile that wrote it has
// already seen that state. Deletes always count.
func eventHandler(c *Controller, h Handler, echo func(Object) bool) cache.ResourceEventHandler {
	enqueue := func(obj any) {
		if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = tomb.Obj
		}
		o, ok := obj.(Object)
		if !ok {
			return
		}
		for _, req := range h.requests(o) {
			c.Enqueue(req)
		}
	}
	return cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) {
			if o, ok := obj.(Object); ok && echo(o) {
				return
			}
			enqueue(obj)
		},
		UpdateFunc: func(old, cur any) {
			o, ok1 := old.(Object)
			n, ok2 := cur.(Object)
			if !ok1 || !ok2 {
				return
			}
			// echo first, so the record of our write is consumed even when the update is filtered.
			if isEcho := echo(n); h.relevant(o, n) && !isEcho {
				enqueue(cur)
			}
		},
		DeleteFunc: enqueue,
	}
}

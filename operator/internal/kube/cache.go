package kube

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
)

// informerCache holds one informer per watched kind, each listing only the objects its selector
// matches in the watched namespace (all when empty).
type informerCache struct {
	namespace  string
	syncPeriod time.Duration

	mu        sync.Mutex
	informers map[schema.GroupVersionKind]*informer
	started   bool

	// written holds the resourceVersion of each object as our last write left it, until its watch
	// event arrives: that event only echoes what the writing reconcile already knew.
	writtenMu sync.Mutex
	written   map[string]string
}

type informer struct {
	cache.SharedIndexInformer
	selector labels.Selector
	// recent answers reads with the newer of the informer's copy and what this manager last wrote,
	// so the reconcile that a manager's own write triggers does not see the object as it was before
	// that write (and create it again, or patch a status it already patched).
	recent cache.MutationCache
}

// recentWrites bounds the mutation cache: long enough for a watch event to arrive, short enough that
// an object created and deleted before the informer saw either does not linger.
const recentWrites = 30 * time.Second

func newInformerCache(namespace string, syncPeriod time.Duration) *informerCache {
	return &informerCache{namespace: namespace, syncPeriod: syncPeriod, informers: map[schema.GroupVersionKind]*informer{}, written: map[string]string{}}
}

func (c *informerCache) holds(gvk schema.GroupVersionKind) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.informers[gvk]
	return ok
}

// stripManagedFields drops managedFields, often the largest part of a cached object, which the
// operator never reads.
func stripManagedFields(obj any) (any, error) {
	if o, ok := obj.(metav1.Object); ok {
		o.SetManagedFields(nil)
	}
	return obj, nil
}

// informerFor returns the kind's informer, creating it on first use; a second caller must ask for
// the same selector, since the cache answers every read of the kind from that one informer.
func (c *informerCache) informerFor(api *apiClient, example Object, selector labels.Selector) (*informer, error) {
	gvk, err := api.kindOf(example)
	if err != nil {
		return nil, err
	}
	if selector == nil {
		selector = labels.Everything()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if inf, ok := c.informers[gvk]; ok {
		if inf.selector.String() != selector.String() {
			return nil, fmt.Errorf("%s is already watched with selector %q", gvk.Kind, inf.selector)
		}
		return inf, nil
	}
	if c.started {
		return nil, fmt.Errorf("watch %s: the cache has already started", gvk.Kind)
	}
	rc, err := api.restFor(gvk.GroupVersion())
	if err != nil {
		return nil, err
	}
	listGVK := gvk.GroupVersion().WithKind(gvk.Kind + "List")
	res := resource(gvk)
	sel := selector.String()
	lw := &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
			opts.LabelSelector = sel
			list, err := api.scheme.New(listGVK)
			if err != nil {
				return nil, err
			}
			err = rc.Get().Namespace(c.namespace).Resource(res).VersionedParams(&opts, api.params).Do(ctx).Into(list)
			return list, err
		},
		WatchFuncWithContext: func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
			opts.LabelSelector = sel
			opts.Watch = true
			return rc.Get().Namespace(c.namespace).Resource(res).VersionedParams(&opts, api.params).Watch(ctx)
		},
	}
	// Resyncs re-deliver every object; only Memcached handlers act on them (OnGenerationChange),
	// so only the unfiltered informer resyncs.
	var resync time.Duration
	if selector.Empty() {
		resync = c.syncPeriod
	}
	si := cache.NewSharedIndexInformer(lw, example, resync, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	if err := si.SetTransform(stripManagedFields); err != nil {
		return nil, err
	}
	inf := &informer{SharedIndexInformer: si, selector: selector}
	inf.recent = cache.NewIntegerResourceVersionMutationCacheWithOptions(klog.Background(), si.GetStore(), cache.MutationCacheOptions{
		Indexer: si.GetIndexer(), TTL: recentWrites, IncludeAdds: true, MaxCacheSize: 4096,
	})
	if _, err := si.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { seen(inf.recent.OnAddOrUpdate, obj) },
		UpdateFunc: func(_, obj any) { seen(inf.recent.OnAddOrUpdate, obj) },
		DeleteFunc: func(obj any) { seen(inf.recent.OnDelete, obj) },
	}); err != nil {
		return nil, err
	}
	c.informers[gvk] = inf
	return inf, nil
}

func seen(fn func(runtime.Object), obj any) {
	if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	if o, ok := obj.(runtime.Object); ok {
		fn(o)
	}
}

// wrote records an object as the API server returned it from a write of ours.
func (c *informerCache) wrote(gvk schema.GroupVersionKind, obj Object) {
	c.mu.Lock()
	inf := c.informers[gvk]
	c.mu.Unlock()
	if inf == nil {
		return
	}
	cp := obj.DeepCopyObject().(Object)
	cp.SetManagedFields(nil)
	inf.recent.Mutation(cp)
	c.writtenMu.Lock()
	if len(c.written) > maxWritten {
		clear(c.written) // events lost or never coming; at worst some echoes reconcile again
	}
	c.written[writtenKey(gvk, obj)] = obj.GetResourceVersion()
	c.writtenMu.Unlock()
}

const maxWritten = 16384

func writtenKey(gvk schema.GroupVersionKind, obj metav1.Object) string {
	return gvk.Kind + "." + gvk.Group + "/" + obj.GetNamespace() + "/" + obj.GetName()
}

// echo reports (once) whether obj, as an informer delivers it, is exactly what our last write of it
// returned; handlers skip such events instead of reconciling the owner again for nothing.
func (c *informerCache) echo(gvk schema.GroupVersionKind, obj metav1.Object) bool {
	key := writtenKey(gvk, obj)
	c.writtenMu.Lock()
	defer c.writtenMu.Unlock()
	rv, ok := c.written[key]
	if !ok {
		return false
	}
	delete(c.written, key)
	return rv == obj.GetResourceVersion()
}

// deleted records a delete of ours.
func (c *informerCache) deleted(gvk schema.GroupVersionKind, obj Object) {
	c.mu.Lock()
	inf := c.informers[gvk]
	c.mu.Unlock()
	if inf != nil {
		inf.recent.OnDelete(obj)
	}
}

func (c *informerCache) start(ctx context.Context) {
	c.mu.Lock()
	c.started = true
	infs := make([]*informer, 0, len(c.informers))
	for _, inf := range c.informers {
		infs = append(infs, inf)
	}
	c.mu.Unlock()
	for _, inf := range infs {
		go inf.RunWithContext(ctx)
	}
}

// synced reports whether every informer has listed its objects once.
func (c *informerCache) synced() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, inf := range c.informers {
		if !inf.HasSynced() {
			return false
		}
	}
	return c.started
}

// waitForSync blocks until synced or ctx ends.
func (c *informerCache) waitForSync(ctx context.Context) bool {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for !c.synced() {
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		}
	}
	return true
}

func (c *informerCache) get(gvk schema.GroupVersionKind, key types.NamespacedName, obj Object) error {
	c.mu.Lock()
	inf := c.informers[gvk]
	c.mu.Unlock()
	item, exists, err := inf.recent.GetByKey(cache.NewObjectName(key.Namespace, key.Name).String())
	if err != nil {
		return err
	}
	if !exists {
		return notFound(gvk, key.Name)
	}
	return copyInto(item, obj)
}

func (c *informerCache) list(gvk schema.GroupVersionKind, list ObjectList, namespace string, selector labels.Selector) error {
	c.mu.Lock()
	inf := c.informers[gvk]
	c.mu.Unlock()
	var items []any
	var err error
	if namespace == "" {
		items = inf.GetIndexer().List()
	} else if items, err = inf.recent.ByIndex(cache.NamespaceIndex, namespace); err != nil {
		return err
	}
	out := make([]runtime.Object, 0, len(items))
	for _, item := range items {
		o, ok := item.(Object)
		if !ok {
			return fmt.Errorf("cached %s is a %T", gvk.Kind, item)
		}
		if selector == nil || selector.Matches(labels.Set(o.GetLabels())) {
			out = append(out, o.DeepCopyObject())
		}
	}
	return meta.SetList(list, out)
}

// copyInto deep-copies a cached object into obj, so callers may change what they read.
func copyInto(item any, obj Object) error {
	src, ok := item.(runtime.Object)
	if !ok {
		return fmt.Errorf("cached item is a %T", item)
	}
	dst := reflect.ValueOf(obj)
	cp := reflect.ValueOf(src.DeepCopyObject())
	if dst.Type() != cp.Type() {
		return fmt.Errorf("cache holds %s, asked for %s", cp.Type(), dst.Type())
	}
	dst.Elem().Set(cp.Elem())
	return nil
}

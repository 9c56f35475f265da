// Package kubefake adapts a controller-runtime client, in tests its fake client with interceptors,
// to kube.Client. Only tests import it, so controller-runtime's client stays out of the manager.
package kubefake

import (
	"context"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubecache/kubecache/operator/internal/kube"
)

// Client is kube.Client over C; GetLive reads C too (a fake client has no cache to bypass).
type Client struct{ C client.Client }

var _ kube.Client = Client{}

func (c Client) Get(ctx context.Context, key types.NamespacedName, obj kube.Object) error {
	return c.C.Get(ctx, key, obj)
}

func (c Client) GetLive(ctx context.Context, key types.NamespacedName, obj kube.Object) error {
	return c.C.Get(ctx, key, obj)
}

func (c Client) List(ctx context.Context, list kube.ObjectList, namespace string, selector labels.Selector) error {
	opts := []client.ListOption{client.InNamespace(namespace)}
	if selector != nil {
		opts = append(opts, client.MatchingLabelsSelector{Selector: selector})
	}
	return c.C.List(ctx, list, opts...)
}

func (c Client) Create(ctx context.Context, obj kube.Object) error { return c.C.Create(ctx, obj) }
func (c Client) Update(ctx context.Context, obj kube.Object) error { return c.C.Update(ctx, obj) }
func (c Client) Delete(ctx context.Context, obj kube.Object) error { return c.C.Delete(ctx, obj) }

func (c Client) PatchStatus(ctx context.Context, obj kube.Object, mergePatch []byte) error {
	return c.C.Status().Patch(ctx, obj, client.RawPatch(types.MergePatchType, mergePatch))
}

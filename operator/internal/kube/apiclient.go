package kube

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
)

// apiClient talks to the API server for every kind registered in its scheme; reads of kinds the
// informer cache holds are answered from the cache. All kinds are namespaced.
type apiClient struct {
	scheme     *runtime.Scheme
	codecs     serializer.CodecFactory
	params     runtime.ParameterCodec
	cfg        *rest.Config
	httpClient *http.Client
	cache      *informerCache // nil: every read goes to the API server

	mu      sync.Mutex
	clients map[schema.GroupVersion]*rest.RESTClient
}

func newAPIClient(cfg *rest.Config, scheme *runtime.Scheme, cache *informerCache) (*apiClient, error) {
	httpClient, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, fmt.Errorf("http client: %w", err)
	}
	return &apiClient{
		scheme: scheme, codecs: serializer.NewCodecFactory(scheme), params: runtime.NewParameterCodec(scheme),
		cfg: cfg, httpClient: httpClient, cache: cache, clients: map[schema.GroupVersion]*rest.RESTClient{},
	}, nil
}

// kindOf returns the kind of obj, or of the items of a list.
func (c *apiClient) kindOf(obj runtime.Object) (schema.GroupVersionKind, error) {
	gvks, _, err := c.scheme.ObjectKinds(obj)
	if err != nil {
		return schema.GroupVersionKind{}, err
	}
	gvk := gvks[0]
	if _, isList := obj.(metav1.ListInterface); isList {
		gvk.Kind = strings.TrimSuffix(gvk.Kind, "List")
	}
	return gvk, nil
}

// resource is the REST path segment of a kind: the lower-case plural the API server serves.
func resource(gvk schema.GroupVersionKind) string {
	plural, _ := meta.UnsafeGuessKindToResource(gvk)
	return plural.Resource
}

// protobuf says whether the kind's Go type has a protobuf encoding (the built-in API types do,
// custom resources do not). Protobuf costs the API server and the manager less CPU than JSON.
func (c *apiClient) protobuf(gv schema.GroupVersion) bool {
	for kind := range c.scheme.KnownTypes(gv) {
		obj, err := c.scheme.New(gv.WithKind(kind))
		if err != nil {
			return false
		}
		if _, ok := obj.(interface{ ProtoMessage() }); !ok {
			return false
		}
	}
	return true
}

// restFor returns the REST client of a group/version, made once and sharing one HTTP client, so
// every request multiplexes over the same connection.
func (c *apiClient) restFor(gv schema.GroupVersion) (*rest.RESTClient, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if rc, ok := c.clients[gv]; ok {
		return rc, nil
	}
	cfg := rest.CopyConfig(c.cfg)
	cfg.GroupVersion = &gv
	cfg.APIPath = "/apis"
	if gv.Group == "" {
		cfg.APIPath = "/api"
	}
	cfg.NegotiatedSerializer = c.codecs.WithoutConversion()
	if c.protobuf(gv) {
		cfg.ContentType = runtime.ContentTypeProtobuf
		cfg.AcceptContentTypes = runtime.ContentTypeProtobuf + "," + runtime.ContentTypeJSON
	}
	rc, err := rest.RESTClientForConfigAndClient(cfg, c.httpClient)
	if err != nil {
		return nil, fmt.Errorf("rest client for %s: %w", gv, err)
	}
	c.clients[gv] = rc
	return rc, nil
}

func (c *apiClient) target(obj runtime.Object) (*rest.RESTClient, schema.GroupVersionKind, error) {
	gvk, err := c.kindOf(obj)
	if err != nil {
		return nil, gvk, err
	}
	rc, err := c.restFor(gvk.GroupVersion())
	return rc, gvk, err
}

func (c *apiClient) Get(ctx context.Context, key types.NamespacedName, obj Object) error {
	gvk, err := c.kindOf(obj)
	if err != nil {
		return err
	}
	if c.cache != nil && c.cache.holds(gvk) {
		return c.cache.get(gvk, key, obj)
	}
	return c.GetLive(ctx, key, obj)
}

// GetLive reads obj from the API server, bypassing the cache.
func (c *apiClient) GetLive(ctx context.Context, key types.NamespacedName, obj Object) error {
	rc, gvk, err := c.target(obj)
	if err != nil {
		return err
	}
	return rc.Get().Namespace(key.Namespace).Resource(resource(gvk)).Name(key.Name).Do(ctx).Into(obj)
}

func (c *apiClient) List(ctx context.Context, list ObjectList, namespace string, selector labels.Selector) error {
	rc, gvk, err := c.target(list)
	if err != nil {
		return err
	}
	if c.cache != nil && c.cache.holds(gvk) {
		return c.cache.list(gvk, list, namespace, selector)
	}
	opts := metav1.ListOptions{}
	if selector != nil {
		opts.LabelSelector = selector.String()
	}
	return rc.Get().Namespace(namespace).Resource(resource(gvk)).VersionedParams(&opts, c.params).Do(ctx).Into(list)
}

func (c *apiClient) Create(ctx context.Context, obj Object) error {
	rc, gvk, err := c.target(obj)
	if err != nil {
		return err
	}
	return c.wrote(gvk, obj, rc.Post().Namespace(obj.GetNamespace()).Resource(resource(gvk)).
		Param(fieldValidation, "Ignore").Body(obj).Do(ctx).Into(obj))
}

// fieldValidation=Ignore spares the API server its unknown-field pass: every body this client sends
// is encoded from a Go type of the scheme, so it cannot carry an unknown field.
const fieldValidation = "fieldValidation"

// wrote passes a successful write's result to the cache, so reads right after it see it.
func (c *apiClient) wrote(gvk schema.GroupVersionKind, obj Object, err error) error {
	if err == nil && c.cache != nil {
		c.cache.wrote(gvk, obj)
	}
	return err
}

func (c *apiClient) Update(ctx context.Context, obj Object) error {
	rc, gvk, err := c.target(obj)
	if err != nil {
		return err
	}
	return c.wrote(gvk, obj, rc.Put().Namespace(obj.GetNamespace()).Resource(resource(gvk)).Name(obj.GetName()).
		Param(fieldValidation, "Ignore").Body(obj).Do(ctx).Into(obj))
}

// Delete deletes obj if it is still the object read (same UID); its dependents go in the background.
func (c *apiClient) Delete(ctx context.Context, obj Object) error {
	rc, gvk, err := c.target(obj)
	if err != nil {
		return err
	}
	background := metav1.DeletePropagationBackground
	opts := &metav1.DeleteOptions{PropagationPolicy: &background}
	if uid := obj.GetUID(); uid != "" {
		opts.Preconditions = &metav1.Preconditions{UID: &uid}
	}
	err = rc.Delete().Namespace(obj.GetNamespace()).Resource(resource(gvk)).Name(obj.GetName()).Body(opts).Do(ctx).Error()
	if err == nil && c.cache != nil {
		c.cache.deleted(gvk, obj)
	}
	return err
}

func (c *apiClient) PatchStatus(ctx context.Context, obj Object, mergePatch []byte) error {
	rc, gvk, err := c.target(obj)
	if err != nil {
		return err
	}
	return c.wrote(gvk, obj, rc.Patch(types.MergePatchType).Namespace(obj.GetNamespace()).Resource(resource(gvk)).
		Name(obj.GetName()).SubResource("status").Param(fieldValidation, "Ignore").Body(mergePatch).Do(ctx).Into(obj))
}

// notFound is the error a cache miss reports, the same the API server would.
func notFound(gvk schema.GroupVersionKind, name string) error {
	return apierrors.NewNotFound(schema.GroupResource{Group: gvk.Group, Resource: resource(gvk)}, name)
}

// Package envtest runs the CRD and the controller against a real kube-apiserver and etcd, built
// by scripts/toolchain/kube.sh. Without those binaries every test skips and says why.
package envtest

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	cachev1alpha1 "github.com/kubecache/kubecache/operator/api/v1alpha1"
)

var (
	cfg        *rest.Config
	k8sClient  client.Client
	scheme     = runtime.NewScheme()
	skipReason string
)

// assetsDir is KUBEBUILDER_ASSETS, else the kube.sh cache; "" with a reason when a binary is missing.
func assetsDir() (string, string) {
	dir := os.Getenv("KUBEBUILDER_ASSETS")
	if dir == "" {
		cache := os.Getenv("KUBECACHE_CACHE")
		if cache == "" {
			home, _ := os.UserHomeDir()
			cache = filepath.Join(home, ".cache", "kubecache")
		}
		dir = filepath.Join(cache, "bin")
	}
	for _, b := range []string{"kube-apiserver", "etcd"} {
		if _, err := os.Stat(filepath.Join(dir, b)); err != nil {
			return "", fmt.Sprintf("envtest needs %s in %s (build it with scripts/toolchain/kube.sh)", b, dir)
		}
	}
	return dir, ""
}

func TestMain(m *testing.M) {
	// The manager under test gets this scheme too, so it has every group the manager's has.
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(cachev1alpha1.AddToScheme(scheme))
	dir, why := assetsDir()
	if dir == "" {
		skipReason = why
		os.Exit(m.Run())
	}
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		BinaryAssetsDirectory: dir,
	}
	var err error
	if cfg, err = env.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "start envtest: %v\n", err)
		_ = env.Stop() // Start may fail after the API server is up, e.g. on a CRD it refuses
		os.Exit(1)
	}
	if k8sClient, err = client.New(cfg, client.Options{Scheme: scheme}); err != nil {
		fmt.Fprintf(os.Stderr, "client: %v\n", err)
		_ = env.Stop()
		os.Exit(1)
	}
	code := m.Run()
	if err := env.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "stop envtest: %v\n", err)
	}
	os.Exit(code)
}

func requireEnv(t *testing.T) {
	t.Helper()
	if skipReason != "" {
		t.Skip(skipReason)
	}
}

// Command manager runs the kubecache Memcached controller.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	cachev1alpha1 "github.com/kubecache/kubecache/operator/api/v1alpha1"
	"github.com/kubecache/kubecache/operator/internal/controller"
)

type options struct {
	metricsAddr     string
	probeAddr       string
	leaderElect     bool
	leaderElectNS   string
	watchNamespace  string
	workers         int
	syncPeriod      time.Duration
	zap             zap.Options
	kubeAPIQPS      float64
	kubeAPIBurst    int
	shutdownTimeout time.Duration
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("manager", flag.ContinueOnError)
	fs.StringVar(&o.metricsAddr, "metrics-bind-address", ":8080", "address the Prometheus metrics endpoint binds to; \"0\" disables it")
	fs.StringVar(&o.probeAddr, "health-probe-bind-address", ":8081", "address of the /healthz and /readyz endpoints")
	fs.BoolVar(&o.leaderElect, "leader-elect", false, "elect a leader so only one replica reconciles at a time")
	fs.StringVar(&o.leaderElectNS, "leader-election-namespace", "", "namespace of the leader election Lease (default: the pod's namespace)")
	fs.StringVar(&o.watchNamespace, "watch-namespace", "", "only reconcile Memcached objects in this namespace (default: all)")
	fs.IntVar(&o.workers, "workers", 4, "number of Memcached objects reconciled concurrently")
	fs.DurationVar(&o.syncPeriod, "sync-period", 10*time.Hour, "how often every object is reconciled even without changes")
	fs.Float64Var(&o.kubeAPIQPS, "kube-api-qps", 0, "client-side limit of requests per second to the API server; 0 leaves it off and the server's priority and fairness applies")
	fs.IntVar(&o.kubeAPIBurst, "kube-api-burst", 0, "client-side burst of requests, with --kube-api-qps")
	fs.DurationVar(&o.shutdownTimeout, "graceful-shutdown-timeout", 30*time.Second, "time given to running reconciles on shutdown")
	o.zap.BindFlags(fs)
	if err := fs.Parse(args); err != nil {
		return o, fmt.Errorf("parse flags: %w", err)
	}
	if o.workers < 1 {
		return o, fmt.Errorf("--workers must be at least 1, got %d", o.workers)
	}
	return o, nil
}

func newScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(s))
	utilruntime.Must(cachev1alpha1.AddToScheme(s))
	return s
}

func cacheOptions(o options) cache.Options {
	opts := cache.Options{
		SyncPeriod: &o.syncPeriod,
		ByObject:   controller.CacheByObject(),
		// managedFields are often the largest part of a cached object and the controller never reads them.
		DefaultTransform: cache.TransformStripManagedFields(),
	}
	if o.watchNamespace != "" {
		opts.DefaultNamespaces = map[string]cache.Config{o.watchNamespace: {}}
	}
	return opts
}

// cacheSynced reports ready only once the informers have synced, so a rolling update does not
// hand over to a replica that would reconcile from an empty cache.
func cacheSynced(mgr ctrl.Manager) healthz.Checker {
	return func(req *http.Request) error {
		ctx, cancel := context.WithTimeout(req.Context(), time.Second)
		defer cancel()
		if !mgr.GetCache().WaitForCacheSync(ctx) {
			return errors.New("informer caches not synced")
		}
		return nil
	}
}

func run(o options) error {
	log := ctrl.Log.WithName("setup")
	cfg, err := ctrl.GetConfig()
	if err != nil {
		return fmt.Errorf("load kubeconfig: %w", err)
	}
	if o.kubeAPIQPS > 0 {
		cfg.QPS, cfg.Burst = float32(o.kubeAPIQPS), max(o.kubeAPIBurst, int(o.kubeAPIQPS))
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                        newScheme(),
		Cache:                         cacheOptions(o),
		Metrics:                       metricsserver.Options{BindAddress: o.metricsAddr},
		HealthProbeBindAddress:        o.probeAddr,
		LeaderElection:                o.leaderElect,
		LeaderElectionID:              "memcached.cache.kubecache.io",
		LeaderElectionNamespace:       o.leaderElectNS,
		LeaderElectionReleaseOnCancel: true,
		GracefulShutdownTimeout:       &o.shutdownTimeout,
	})
	if err != nil {
		return fmt.Errorf("create manager: %w", err)
	}
	r := &controller.MemcachedReconciler{
		Client:   mgr.GetClient(),
		Scheme:   mgr.GetScheme(),
		Recorder: mgr.GetEventRecorder("memcached-controller"),
	}
	if err := r.SetupWithManager(mgr, o.workers); err != nil {
		return fmt.Errorf("set up memcached controller: %w", err)
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return fmt.Errorf("add health check: %w", err)
	}
	if err := mgr.AddReadyzCheck("readyz", cacheSynced(mgr)); err != nil {
		return fmt.Errorf("add ready check: %w", err)
	}
	log.Info("starting manager", "workers", o.workers, "leaderElection", o.leaderElect, "namespace", o.watchNamespace)
	if err := mgr.Start(ctrl.SetupSignalHandler()); err != nil {
		return fmt.Errorf("run manager: %w", err)
	}
	return nil
}

func main() {
	o, err := parseFlags(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&o.zap)))
	if err := run(o); err != nil {
		ctrl.Log.WithName("setup").Error(err, "manager exited")
		os.Exit(1)
	}
}

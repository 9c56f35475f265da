// Command manager runs the kubecache Memcached controller.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/util/flowcontrol"
	"k8s.io/klog/v2"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	cachev1alpha1 "github.com/kubecache/kubecache/operator/api/v1alpha1"
	"github.com/kubecache/kubecache/operator/internal/controller"
	"github.com/kubecache/kubecache/operator/internal/kube"
)

// version is set at build time (-X main.version=...).
var version = "dev"

type options struct {
	metricsAddr     string
	probeAddr       string
	kubeconfig      string
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

// flagSet defines every flag of the manager on o (config/contract.json publishes their names).
func flagSet(o *options) *flag.FlagSet {
	fs := flag.NewFlagSet("manager", flag.ContinueOnError)
	fs.StringVar(&o.metricsAddr, "metrics-bind-address", ":8080", "address the Prometheus metrics endpoint binds to; \"0\" disables it")
	fs.StringVar(&o.probeAddr, "health-probe-bind-address", ":8081", "address of the /healthz and /readyz endpoints; \"0\" disables them")
	fs.StringVar(&o.kubeconfig, "kubeconfig", "", "kubeconfig file (default: $KUBECONFIG, the pod's service account, then ~/.kube/config)")
	fs.BoolVar(&o.leaderElect, "leader-elect", false, "elect a leader so only one replica reconciles at a time")
	fs.StringVar(&o.leaderElectNS, "leader-election-namespace", "", "namespace of the leader election Lease (default: the pod's namespace)")
	fs.StringVar(&o.watchNamespace, "watch-namespace", "", "only reconcile Memcached objects in this namespace (default: all)")
	fs.IntVar(&o.workers, "workers", 4, "number of Memcached objects reconciled concurrently")
	fs.DurationVar(&o.syncPeriod, "sync-period", 10*time.Hour, "how often every object is reconciled even without changes")
	fs.Float64Var(&o.kubeAPIQPS, "kube-api-qps", 0, "client-side limit of requests per second to the API server; 0 leaves it off and the server's priority and fairness applies")
	fs.IntVar(&o.kubeAPIBurst, "kube-api-burst", 0, "client-side burst of requests, with --kube-api-qps")
	fs.DurationVar(&o.shutdownTimeout, "graceful-shutdown-timeout", 30*time.Second, "time given to running reconciles on shutdown")
	o.zap.BindFlags(fs)
	return fs
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flagSet(&o)
	if err := fs.Parse(args); err != nil {
		return o, fmt.Errorf("parse flags: %w", err)
	}
	if o.workers < 1 {
		return o, fmt.Errorf("--workers must be at least 1, got %d", o.workers)
	}
	return o, nil
}

// newScheme registers only the API groups the manager reads or writes; each extra group costs
// binary size and memory.
func newScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		corev1.AddToScheme, appsv1.AddToScheme, policyv1.AddToScheme, networkingv1.AddToScheme,
		eventsv1.AddToScheme, coordinationv1.AddToScheme, cachev1alpha1.AddToScheme,
	} {
		utilruntime.Must(add(s))
	}
	return s
}

func managerOptions(o options) kube.Options {
	return kube.Options{
		Scheme:                  newScheme(),
		Namespace:               o.watchNamespace,
		SyncPeriod:              o.syncPeriod,
		MetricsAddr:             o.metricsAddr,
		ProbeAddr:               o.probeAddr,
		LeaderElection:          o.leaderElect,
		LeaderElectionID:        "memcached.cache.kubecache.io",
		LeaderElectionNamespace: o.leaderElectNS,
		GracefulShutdownTimeout: o.shutdownTimeout,
		EventSource:             "memcached-controller",
	}
}

func run(ctx context.Context, o options) error {
	log := klog.Background().WithName("setup")
	cfg, err := kube.LoadConfig(o.kubeconfig)
	if err != nil {
		return err
	}
	cfg.UserAgent = "kubecache-memcached-operator/" + version
	cfg.QPS = -1 // no client-side limit
	if o.kubeAPIQPS > 0 {
		cfg.RateLimiter = flowcontrol.NewTokenBucketRateLimiter(float32(o.kubeAPIQPS), max(o.kubeAPIBurst, int(o.kubeAPIQPS)))
	}
	mo := managerOptions(o)
	mo.Log = klog.Background()
	mgr, err := kube.NewManager(cfg, mo)
	if err != nil {
		return fmt.Errorf("create manager: %w", err)
	}
	reconcileLog := klog.Background().WithName("memcached")
	r := &controller.MemcachedReconciler{
		Client:   mgr.Client(),
		Recorder: mgr.EventRecorder(),
		Log:      func(err error, msg string, kv ...any) { reconcileLog.Error(err, msg, kv...) },
	}
	if err := r.SetupWithManager(mgr, o.workers); err != nil {
		return fmt.Errorf("set up memcached controller: %w", err)
	}
	log.Info("starting manager", "version", version, "workers", o.workers, "leaderElection", o.leaderElect, "namespace", o.watchNamespace)
	if err := mgr.Start(ctx); err != nil {
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
	klog.SetLogger(zap.New(zap.UseFlagOptions(&o.zap)))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		klog.Background().WithName("setup").Error(err, "manager exited")
		os.Exit(1)
	}
}

package kube

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
)

// Options configure a Manager. Zero durations take controller-runtime's defaults.
type Options struct {
	Scheme *runtime.Scheme
	// Namespace limits every watch to one namespace; empty watches all.
	Namespace string
	// SyncPeriod re-delivers every object of unfiltered watches this often.
	SyncPeriod time.Duration
	// MetricsAddr and ProbeAddr are listen addresses; "" or "0" turns the server off.
	MetricsAddr, ProbeAddr string
	LeaderElection         bool
	LeaderElectionID       string
	// LeaderElectionNamespace defaults to the pod's namespace.
	LeaderElectionNamespace string
	GracefulShutdownTimeout time.Duration
	// EventSource is the reportingController of the manager's events.
	EventSource string
	Log         logr.Logger
}

// Manager runs informer caches, controllers, the event recorder, leader election and the metrics
// and health endpoints, and stops them all when its context ends.
type Manager struct {
	opts     Options
	api      *apiClient
	cache    *informerCache
	recorder *Recorder
	metrics  *metricsRegistry

	mu          sync.Mutex
	controllers []*Controller
}

// NewManager builds a manager for cfg; nothing connects until Start.
func NewManager(cfg *rest.Config, o Options) (*Manager, error) {
	if o.Scheme == nil {
		return nil, errors.New("options.Scheme is required")
	}
	if o.SyncPeriod == 0 {
		o.SyncPeriod = 10 * time.Hour
	}
	if o.GracefulShutdownTimeout == 0 {
		o.GracefulShutdownTimeout = 30 * time.Second
	}
	if o.EventSource == "" {
		o.EventSource = "kubecache-manager"
	}
	c := newInformerCache(o.Namespace, o.SyncPeriod)
	api, err := newAPIClient(cfg, o.Scheme, c)
	if err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	return &Manager{
		opts: o, api: api, cache: c, metrics: newMetricsRegistry(),
		recorder: NewRecorder(api, o.Scheme, o.EventSource, host, o.Log.WithName("events")),
	}, nil
}

// Client reads cached kinds from the cache and everything else, and all writes, from the API.
func (m *Manager) Client() Client { return m.api }

// EventRecorder writes the manager's events.
func (m *Manager) EventRecorder() *Recorder { return m.recorder }

// NewController creates a controller that Start runs once the caches have synced (and, with leader
// election, once this replica leads).
func (m *Manager) NewController(name string, r Reconciler, workers int) *Controller {
	c := newController(name, r, workers, m.opts.Log, m.metrics)
	m.mu.Lock()
	m.controllers = append(m.controllers, c)
	m.mu.Unlock()
	return c
}

// Watch caches obj's kind (only objects matching selector) and feeds its events through h to c.
func (m *Manager) Watch(c *Controller, obj Object, selector labels.Selector, h Handler) error {
	inf, err := m.cache.informerFor(m.api, obj, selector)
	if err != nil {
		return err
	}
	gvk, err := m.api.kindOf(obj)
	if err != nil {
		return err
	}
	_, err = inf.AddEventHandler(eventHandler(c, h, func(o Object) bool { return m.cache.echo(gvk, o) }))
	return err
}

// Synced reports whether every cache has listed its objects.
func (m *Manager) Synced() bool { return m.cache.synced() }

// Start runs everything until ctx ends, then waits for running reconciles (up to the graceful
// shutdown timeout) and releases the leader lease. It returns an error when a server cannot
// listen, the caches never sync, or leadership is lost.
func (m *Manager) Start(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make(chan error, 4)
	var servers sync.WaitGroup
	for _, s := range []struct {
		addr    string
		handler http.Handler
	}{{m.opts.MetricsAddr, m.metricsHandler()}, {m.opts.ProbeAddr, m.probeHandler()}} {
		if s.addr == "" || s.addr == "0" {
			continue
		}
		ln, err := net.Listen("tcp", s.addr)
		if err != nil {
			return fmt.Errorf("listen on %s: %w", s.addr, err)
		}
		srv := &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second}
		servers.Go(func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errs <- fmt.Errorf("serve %s: %w", s.addr, err)
			}
		})
		defer func() {
			sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer scancel()
			_ = srv.Shutdown(sctx)
		}()
	}
	go m.recorder.Run(ctx)
	m.cache.start(ctx)

	run := func(ctx context.Context) {
		if !m.cache.waitForSync(ctx) {
			return
		}
		m.mu.Lock()
		ctrls := append([]*Controller(nil), m.controllers...)
		m.mu.Unlock()
		var wg sync.WaitGroup
		for _, c := range ctrls {
			wg.Go(func() { c.run(ctx, m.opts.GracefulShutdownTimeout) })
		}
		wg.Wait()
	}
	done := make(chan error, 1)
	if m.opts.LeaderElection {
		le, err := m.leaderElector()
		if err != nil {
			return err
		}
		go func() { done <- le.Run(ctx, run) }()
	} else {
		go func() { run(ctx); done <- nil }()
	}
	select {
	case err := <-errs:
		cancel()
		<-done
		return err
	case err := <-done:
		if err != nil {
			return err
		}
		return nil
	}
}

func (m *Manager) leaderElector() (*LeaderElector, error) {
	ns := m.opts.LeaderElectionNamespace
	if ns == "" {
		raw, err := os.ReadFile("/var/run/secrets/kubernetes.io/serviceaccount/namespace")
		if err != nil {
			return nil, fmt.Errorf("leader election needs --leader-election-namespace outside a pod: %w", err)
		}
		ns = strings.TrimSpace(string(raw))
	}
	if m.opts.LeaderElectionID == "" {
		return nil, errors.New("options.LeaderElectionID is required with leader election")
	}
	host, _ := os.Hostname()
	suffix := make([]byte, 8)
	_, _ = rand.Read(suffix)
	return &LeaderElector{
		Client: m.api, Lease: types.NamespacedName{Namespace: ns, Name: m.opts.LeaderElectionID},
		Identity:      host + "_" + hex.EncodeToString(suffix),
		LeaseDuration: 15 * time.Second, RenewDeadline: 10 * time.Second, RetryPeriod: 2 * time.Second,
		Log: m.opts.Log.WithName("leader-election"),
	}, nil
}

func (m *Manager) metricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle(MetricsPath, promhttp.HandlerFor(m.metrics.reg, promhttp.HandlerOpts{}))
	return mux
}

// The paths the manager serves (config/contract.json publishes them for the Deployment's probes).
const (
	HealthzPath = "/healthz"
	ReadyzPath  = "/readyz"
	MetricsPath = "/metrics"
)

// probeHandler serves /healthz (the process answers) and /readyz (the caches have synced, so a
// rolling update does not hand over to a replica that would reconcile from an empty cache).
func (m *Manager) probeHandler() http.Handler {
	mux := http.NewServeMux()
	ok := func(w http.ResponseWriter) { _, _ = w.Write([]byte("ok")) }
	mux.HandleFunc(HealthzPath, func(w http.ResponseWriter, _ *http.Request) { ok(w) })
	mux.HandleFunc(ReadyzPath, func(w http.ResponseWriter, _ *http.Request) {
		if !m.cache.synced() {
			http.Error(w, "informer caches not synced", http.StatusServiceUnavailable)
			return
		}
		ok(w)
	})
	return mux
}

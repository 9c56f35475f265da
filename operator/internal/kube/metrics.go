package kube

import (
	"context"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	clientmetrics "k8s.io/client-go/tools/metrics"
	"k8s.io/client-go/util/workqueue"
)

// metricsRegistry holds the manager's metrics under the names controller-runtime uses
// (controller_runtime_reconcile_total, workqueue_depth, rest_client_requests_total, ...), so
// dashboards written for controller-runtime managers keep working.
type metricsRegistry struct {
	reg *prometheus.Registry

	reconcileTotal  *prometheus.CounterVec
	reconcileErrors *prometheus.CounterVec
	reconcileTime   *prometheus.HistogramVec
	maxWorkers      *prometheus.GaugeVec
	activeWorkers   *prometheus.GaugeVec

	wqDepth, wqUnfinished, wqLongest *prometheus.GaugeVec
	wqAdds, wqRetries                *prometheus.CounterVec
	wqLatency, wqWork                *prometheus.HistogramVec
}

var registerClientMetrics sync.Once

func newMetricsRegistry() *metricsRegistry {
	m := &metricsRegistry{reg: prometheus.NewRegistry()}
	ctl := []string{"controller"}
	m.reconcileTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "controller_runtime_reconcile_total", Help: "Total number of reconciliations per controller",
	}, []string{"controller", "result"})
	m.reconcileErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "controller_runtime_reconcile_errors_total", Help: "Total number of reconciliation errors per controller",
	}, ctl)
	m.reconcileTime = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "controller_runtime_reconcile_time_seconds", Help: "Length of time per reconciliation per controller",
		Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60},
	}, ctl)
	m.maxWorkers = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "controller_runtime_max_concurrent_reconciles", Help: "Maximum number of concurrent reconciles per controller",
	}, ctl)
	m.activeWorkers = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "controller_runtime_active_workers", Help: "Number of currently used workers per controller",
	}, ctl)
	wq := []string{"controller", "name"}
	gauge := func(name, help string) *prometheus.GaugeVec {
		return prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, wq)
	}
	counter := func(name, help string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, wq)
	}
	histogram := func(name, help string) *prometheus.HistogramVec {
		return prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: help,
			Buckets: prometheus.ExponentialBuckets(10e-9, 10, 12)}, wq)
	}
	m.wqDepth = gauge("workqueue_depth", "Current depth of workqueue")
	m.wqUnfinished = gauge("workqueue_unfinished_work_seconds", "Seconds of work in progress not yet observed by work_duration")
	m.wqLongest = gauge("workqueue_longest_running_processor_seconds", "Seconds the longest running processor has been running")
	m.wqAdds = counter("workqueue_adds_total", "Total number of adds handled by workqueue")
	m.wqRetries = counter("workqueue_retries_total", "Total number of retries handled by workqueue")
	m.wqLatency = histogram("workqueue_queue_duration_seconds", "How long in seconds an item stays in workqueue before being requested")
	m.wqWork = histogram("workqueue_work_duration_seconds", "How long in seconds processing an item from workqueue takes")
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "rest_client_requests_total", Help: "Number of HTTP requests, partitioned by status code, method, and host.",
	}, []string{"code", "method", "host"})
	m.reg.MustRegister(
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.reconcileTotal, m.reconcileErrors, m.reconcileTime, m.maxWorkers, m.activeWorkers,
		m.wqDepth, m.wqUnfinished, m.wqLongest, m.wqAdds, m.wqRetries, m.wqLatency, m.wqWork, requests,
	)
	// client-go's hooks are process-wide and take the first registration only.
	registerClientMetrics.Do(func() {
		clientmetrics.Register(clientmetrics.RegisterOpts{RequestResult: resultMetric{requests}})
	})
	return m
}

type resultMetric struct{ v *prometheus.CounterVec }

func (r resultMetric) Increment(_ context.Context, code, method, host string) {
	r.v.WithLabelValues(code, method, host).Inc()
}

type controllerMetrics struct {
	total    *prometheus.CounterVec
	name     string
	errors   prometheus.Counter
	duration prometheus.Observer
	active   prometheus.Gauge
}

func (c *controllerMetrics) result(r string) { c.total.WithLabelValues(c.name, r).Inc() }

func (m *metricsRegistry) controller(name string, workers int) *controllerMetrics {
	m.maxWorkers.WithLabelValues(name).Set(float64(workers))
	for _, r := range []string{"success", "error", "requeue_after"} {
		m.reconcileTotal.WithLabelValues(name, r)
	}
	return &controllerMetrics{
		total: m.reconcileTotal, name: name,
		errors:   m.reconcileErrors.WithLabelValues(name),
		duration: m.reconcileTime.WithLabelValues(name),
		active:   m.activeWorkers.WithLabelValues(name),
	}
}

// workqueue adapts the registry to client-go's workqueue metrics; the queue's name is the
// controller's, as in controller-runtime.
func (m *metricsRegistry) workqueue() workqueue.MetricsProvider { return queueMetrics{m} }

type queueMetrics struct{ m *metricsRegistry }

func (q queueMetrics) NewDepthMetric(name string) workqueue.GaugeMetric {
	return q.m.wqDepth.WithLabelValues(name, name)
}
func (q queueMetrics) NewAddsMetric(name string) workqueue.CounterMetric {
	return q.m.wqAdds.WithLabelValues(name, name)
}
func (q queueMetrics) NewLatencyMetric(name string) workqueue.HistogramMetric {
	return q.m.wqLatency.WithLabelValues(name, name)
}
func (q queueMetrics) NewWorkDurationMetric(name string) workqueue.HistogramMetric {
	return q.m.wqWork.WithLabelValues(name, name)
}
func (q queueMetrics) NewUnfinishedWorkSecondsMetric(name string) workqueue.SettableGaugeMetric {
	return q.m.wqUnfinished.WithLabelValues(name, name)
}
func (q queueMetrics) NewLongestRunningProcessorSecondsMetric(name string) workqueue.SettableGaugeMetric {
	return q.m.wqLongest.WithLabelValues(name, name)
}
func (q queueMetrics) NewRetriesMetric(name string) workqueue.CounterMetric {
	return q.m.wqRetries.WithLabelValues(name, name)
}

package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

var (
	nestedInt   = unstructured.NestedInt64
	nestedSlice = unstructured.NestedSlice
)

type result struct {
	create, total         time.Duration
	peakRSSKiB            int64
	loadBefore, loadAfter string
}

func (r result) String() string {
	return fmt.Sprintf("created in %.1f s, all reconciled in %.1f s, peak RSS %.1f MiB, load %s -> %s",
		r.create.Seconds(), r.total.Seconds(), float64(r.peakRSSKiB)/1024, r.loadBefore, r.loadAfter)
}

func (r result) row(name string, n int) string {
	return fmt.Sprintf("| %s | %d | %.1f | %.1f | %.0f | %.1f | %s / %s |", name, n, r.create.Seconds(), r.total.Seconds(),
		float64(n)/r.total.Seconds(), float64(r.peakRSSKiB)/1024, r.loadBefore, r.loadAfter)
}

// loadAverage is the machine's 1-minute load average, which the figures must be read against on a
// shared machine.
func loadAverage() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Fields(string(raw))[0]
}

func measure(c client.Client, t target, n int, kubeconfig, ns string, timeout time.Duration) (result, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	load := loadAverage()
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
		return result{}, fmt.Errorf("create namespace: %w", err)
	}
	logFile, err := os.Create(filepath.Join(os.TempDir(), "operator-"+ns+".log"))
	if err != nil {
		return result{}, fmt.Errorf("log file: %w", err)
	}
	defer logFile.Close()
	cmd := exec.Command(t.binary, t.args...)
	// The bench's own GOMEMLIMIT must not leak into a baseline run; targets set theirs in t.env.
	cmd.Env = append(append(withoutVar(os.Environ(), "GOMEMLIMIT"), "KUBECONFIG="+kubeconfig), t.env...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return result{}, fmt.Errorf("start %s: %w", t.binary, err)
	}
	defer stop(cmd)

	gvk := schema.GroupVersionKind{Group: t.group, Version: "v1alpha1", Kind: "Memcached"}
	start := time.Now()
	if err := createAll(ctx, c, gvk, ns, t.spec, n); err != nil {
		return result{}, err
	}
	res := result{create: time.Since(start), loadBefore: load}
	for {
		done, err := reconciled(ctx, c, gvk, ns, t, n)
		if err != nil {
			return res, err
		}
		if done {
			break
		}
		select {
		case <-ctx.Done():
			return res, fmt.Errorf("not reconciled within %s (log: %s)", timeout, logFile.Name())
		case <-time.After(250 * time.Millisecond):
		}
	}
	res.total = time.Since(start)
	res.peakRSSKiB = peakRSS(cmd.Process.Pid)
	res.loadAfter = loadAverage()
	stop(cmd)
	crs := &unstructured.Unstructured{}
	crs.SetGroupVersionKind(gvk)
	// The next operator must find only its own objects; the sample's finalizer leaves its own terminating.
	for _, obj := range []client.Object{crs, &appsv1.Deployment{}, &corev1.Service{}} {
		if err := c.DeleteAllOf(ctx, obj, client.InNamespace(ns)); err != nil {
			return res, fmt.Errorf("clean up %T: %w", obj, err)
		}
	}
	return res, dropFinalized(ctx, c, gvk, ns)
}

// dropFinalized removes the finalizers the stopped manager left on its deleted objects and waits
// until they are gone: a later run of the same operator would otherwise finalize them while it is
// measured (the sample does; kubecache sets no finalizer).
func dropFinalized(ctx context.Context, c client.Client, gvk schema.GroupVersionKind, ns string) error {
	for range 120 {
		list := &unstructured.UnstructuredList{}
		list.SetGroupVersionKind(gvk.GroupVersion().WithKind("MemcachedList"))
		if err := c.List(ctx, list, client.InNamespace(ns)); err != nil {
			return fmt.Errorf("list terminating: %w", err)
		}
		if len(list.Items) == 0 {
			return nil
		}
		for i := range list.Items {
			if len(list.Items[i].GetFinalizers()) == 0 {
				continue
			}
			patch := client.RawPatch(types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`))
			if err := c.Patch(ctx, &list.Items[i], patch); client.IgnoreNotFound(err) != nil {
				return fmt.Errorf("drop finalizer of %s: %w", list.Items[i].GetName(), err)
			}
		}
		time.Sleep(500 * time.Millisecond)
	}
	return fmt.Errorf("objects in %s still terminating after 60 s", ns)
}

func createAll(ctx context.Context, c client.Client, gvk schema.GroupVersionKind, ns string, spec map[string]any, n int) error {
	const workers = 16
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < n; i += workers {
				u := &unstructured.Unstructured{}
				u.SetGroupVersionKind(gvk)
				u.SetNamespace(ns)
				u.SetName(fmt.Sprintf("mc-%04d", i))
				u.Object["spec"] = spec
				if err := c.Create(ctx, u); err != nil {
					errs <- fmt.Errorf("create %s: %w", u.GetName(), err)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// reconciled is true when all n objects are ready by t's rule and each has its Deployment.
func reconciled(ctx context.Context, c client.Client, gvk schema.GroupVersionKind, ns string, t target, n int) (bool, error) {
	list := &unstructured.UnstructuredList{}
	list.SetGroupVersionKind(gvk.GroupVersion().WithKind("MemcachedList"))
	if err := c.List(ctx, list, client.InNamespace(ns)); err != nil {
		return false, fmt.Errorf("list memcacheds: %w", err)
	}
	ready := 0
	for i := range list.Items {
		if t.isReady(list.Items[i].Object) {
			ready++
		}
	}
	if ready < n {
		return false, nil
	}
	deps := &metav1.PartialObjectMetadataList{}
	deps.SetGroupVersionKind(appsv1.SchemeGroupVersion.WithKind("DeploymentList"))
	if err := c.List(ctx, deps, client.InNamespace(ns)); err != nil {
		return false, fmt.Errorf("list deployments: %w", err)
	}
	return len(deps.Items) >= n, nil
}

// peakRSS is the process's resident-set high-water mark (VmHWM) in KiB.
func peakRSS(pid int) int64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kib, _ := strconv.ParseInt(f[1], 10, 64)
			return kib
		}
	}
	return -1
}

func stop(cmd *exec.Cmd) {
	if cmd.ProcessState != nil || cmd.Process == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

// warmUp writes n ConfigMaps so the first operator measured does not pay the API server's and
// etcd's first-write costs alone.
func warmUp(c client.Client, n int) error {
	ctx := context.Background()
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "bench-warmup"}}); err != nil {
		return fmt.Errorf("warm-up namespace: %w", err)
	}
	for i := 0; i < n; i++ {
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("w-%d", i), Namespace: "bench-warmup"}}
		if err := c.Create(ctx, cm); err != nil {
			return fmt.Errorf("warm-up: %w", err)
		}
	}
	return nil
}

func withoutVar(env []string, name string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}

// Command operator-bench starts an envtest API server, then runs each operator binary against
// it in turn: it creates N Memcached objects and times until every one is reconciled, and
// reads the manager's peak RSS. See bench/README.md (section Operator) for how to run it.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

var reverseOrder, rotate bool

// target is one operator under test and how to tell that it has reconciled an object.
type target struct {
	name    string
	slug    string
	binary  string
	args    []string
	env     []string
	group   string
	spec    map[string]any
	isReady func(obj map[string]any) bool
}

func main() {
	n := flag.Int("n", 1000, "Memcached objects per operator")
	ours := flag.String("manager", "../../operator/bin/manager", "kubecache manager binary")
	sample := flag.String("sample", "", "operator-sdk memcached-operator binary (optional)")
	sampleCRD := flag.String("sample-crd", "", "directory of the sample's CRD (required with -sample)")
	assets := flag.String("assets", defaultAssets(), "directory with kube-apiserver and etcd")
	sameLimits := flag.Bool("one-worker", true, "also run kubecache with one worker, as the sample does")
	timeout := flag.Duration("timeout", 15*time.Minute, "give up on one operator after this long")
	memLimits := flag.String("gomemlimit", "", "comma-separated GOMEMLIMIT values (e.g. 48MiB,40MiB): also run kubecache under each")
	reverse := flag.Bool("reverse", false, "run the targets in reverse order, to check the order does not favour the later ones")
	rot := flag.Bool("rotate", false, "measure every rotation of the target order in one run, so each operator is measured first once and last once")
	flag.Parse()
	reverseOrder, rotate = *reverse, *rot
	if err := run(*n, *ours, *sample, *sampleCRD, *assets, *sameLimits, splitList(*memLimits), *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "operator-bench:", err)
		os.Exit(1)
	}
}

func defaultAssets() string {
	if d := os.Getenv("KUBEBUILDER_ASSETS"); d != "" {
		return d
	}
	cache := os.Getenv("KUBECACHE_CACHE")
	if cache == "" {
		home, _ := os.UserHomeDir()
		cache = filepath.Join(home, ".cache", "kubecache")
	}
	return filepath.Join(cache, "bin")
}

func run(n int, ours, sample, sampleCRD, assets string, sameLimits bool, memLimits []string, timeout time.Duration) error {
	crds := []string{"../../operator/config/crd/bases"}
	targets := []target{oursTarget(ours)}
	for _, lim := range memLimits {
		// A soft heap goal for the Go runtime, against the default flags in the same run.
		t := oursTarget(ours)
		t.name, t.slug = "kubecache, GOMEMLIMIT="+lim, "kubecache-memlimit-"+strings.ToLower(lim)
		t.env = []string{"GOMEMLIMIT=" + lim}
		targets = append(targets, t)
	}
	if sameLimits {
		// One worker, as the sample runs, to separate concurrency from the rest of the design.
		t := oursTarget(ours)
		t.name, t.slug = "kubecache, 1 worker", "kubecache-1worker"
		t.args = append(t.args, "--workers=1")
		targets = append(targets, t)
	}
	if sample != "" {
		if sampleCRD == "" {
			return fmt.Errorf("-sample needs -sample-crd")
		}
		crds = append(crds, sampleCRD)
		targets = append(targets, sampleTarget(sample))
	}
	if reverseOrder {
		slices.Reverse(targets)
	}
	env := &envtest.Environment{CRDDirectoryPaths: crds, ErrorIfCRDPathMissing: true, BinaryAssetsDirectory: assets}
	cfg, err := env.Start()
	if err != nil {
		return fmt.Errorf("start envtest: %w", err)
	}
	defer func() { _ = env.Stop() }()
	user, err := env.AddUser(envtest.User{Name: "bench", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return fmt.Errorf("add user: %w", err)
	}
	kubeconfig, err := user.KubeConfig()
	if err != nil {
		return fmt.Errorf("kubeconfig: %w", err)
	}
	kcFile := filepath.Join(os.TempDir(), "operator-bench.kubeconfig")
	if err := os.WriteFile(kcFile, kubeconfig, 0o600); err != nil {
		return fmt.Errorf("write kubeconfig: %w", err)
	}
	defer os.Remove(kcFile)

	scheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	cfg.QPS, cfg.Burst = 500, 1000
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	if err := warmUp(c, n/10); err != nil {
		return err
	}
	orders := [][]target{targets}
	if rotate {
		for r := 1; r < len(targets); r++ {
			orders = append(orders, append(append([]target(nil), targets[r:]...), targets[:r]...))
		}
	}
	var rows []string
	for round, order := range orders {
		for pos, t := range order {
			res, err := measure(c, t, n, kcFile, fmt.Sprintf("bench-%s-%d", t.slug, round), timeout)
			if err != nil {
				return fmt.Errorf("%s: %w", t.name, err)
			}
			rows = append(rows, res.row(fmt.Sprintf("%d.%d %s", round+1, pos+1, t.name), n))
			fmt.Fprintf(os.Stderr, "round %d, position %d, %s: %s\n", round+1, pos+1, t.name, res)
		}
	}
	fmt.Println("| round.position operator | objects | create (s) | all reconciled (s) | objects/s | peak RSS (MiB) | load average (1 min) before / after |")
	fmt.Println("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
	fmt.Println(strings.Join(rows, "\n"))
	return nil
}

func oursTarget(bin string) target {
	return target{
		name: "kubecache", slug: "kubecache", binary: bin, group: "cache.kubecache.io",
		args: []string{"--metrics-bind-address=0", "--health-probe-bind-address=0"},
		spec: map[string]any{"size": int64(1)},
		isReady: func(obj map[string]any) bool {
			gen, _, _ := nestedInt(obj, "metadata", "generation")
			seen, ok, _ := nestedInt(obj, "status", "observedGeneration")
			return ok && seen == gen
		},
	}
}

// sampleTarget runs the operator-sdk sample as its Makefile's `run` target does (no webhooks).
func sampleTarget(bin string) target {
	return target{
		name: "operator-sdk v4 sample", slug: "sample", binary: bin, group: "cache.example.com",
		args: []string{"--metrics-bind-address=0", "--health-probe-bind-address=0"},
		env:  []string{"ENABLE_WEBHOOKS=false", "MEMCACHED_IMAGE=memcached:1.6.39-alpine"},
		spec: map[string]any{"size": int64(1), "containerPort": int64(11211)},
		isReady: func(obj map[string]any) bool {
			conds, _, _ := nestedSlice(obj, "status", "conditions")
			for _, c := range conds {
				m, _ := c.(map[string]any)
				if m["type"] == "Available" && m["status"] == "True" {
					return true
				}
			}
			return false
		},
	}
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

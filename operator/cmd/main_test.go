package main

import (
	"errors"
	"flag"
	"maps"
	"slices"
	"testing"
)

func TestFlagsDefaultAndOverride(t *testing.T) {
	o, err := parseFlags([]string{"--leader-elect", "--workers=8", "--watch-namespace=cache", "--kubeconfig=/tmp/kc"})
	if err != nil {
		t.Fatal(err)
	}
	if !o.leaderElect || o.workers != 8 || o.watchNamespace != "cache" || o.probeAddr != ":8081" || o.metricsAddr != ":8080" || o.kubeconfig != "/tmp/kc" {
		t.Fatalf("options = %+v", o)
	}
	mo := managerOptions(o)
	if mo.Namespace != "cache" || !mo.LeaderElection || mo.LeaderElectionID != "memcached.cache.kubecache.io" || mo.SyncPeriod != o.syncPeriod {
		t.Fatalf("manager options = %+v", mo)
	}
}

func TestFlagsRejectBadValues(t *testing.T) {
	if _, err := parseFlags([]string{"--workers=0"}); err == nil {
		t.Fatal("--workers=0 accepted")
	}
	if _, err := parseFlags([]string{"--help"}); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("--help returned %v, want flag.ErrHelp", err)
	}
}

// The scheme is what keeps the binary small: only the groups the manager reads or writes.
func TestSchemeHoldsOnlyTheGroupsTheManagerUses(t *testing.T) {
	want := []string{"", "apps", "cache.kubecache.io", "coordination.k8s.io", "events.k8s.io", "networking.k8s.io", "policy"}
	groups := map[string]bool{}
	for gvk := range newScheme().AllKnownTypes() {
		groups[gvk.Group] = true
	}
	got := slices.Sorted(maps.Keys(groups))
	if !slices.Equal(got, want) {
		t.Fatalf("scheme groups = %q, want %q", got, want)
	}
}

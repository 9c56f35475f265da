package main

import (
	"errors"
	"flag"
	"testing"
)

func TestFlagsDefaultAndOverride(t *testing.T) {
	o, err := parseFlags([]string{"--leader-elect", "--workers=8", "--watch-namespace=cache"})
	if err != nil {
		t.Fatal(err)
	}
	if !o.leaderElect || o.workers != 8 || o.watchNamespace != "cache" || o.probeAddr != ":8081" || o.metricsAddr != ":8080" {
		t.Fatalf("options = %+v", o)
	}
	if c := cacheOptions(o); len(c.DefaultNamespaces) != 1 || len(c.ByObject) != 3 {
		t.Fatalf("cache options = %+v, want one namespace and three label-filtered kinds", c)
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

package main

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

const memcachedPort = "21221" // loopback; other suites use 5001, 6379, 17500 up and 21211

// Names of the official prom/memcached-exporter v0.16.0 (pkg/exporter) this stand-in may expose.
var official = map[string]bool{
	"memcached_up": true, "memcached_uptime_seconds": true, "memcached_time_seconds": true, "memcached_version": true,
	"memcached_current_connections": true, "memcached_max_connections": true, "memcached_connections_total": true,
	"memcached_current_bytes": true, "memcached_limit_bytes": true, "memcached_current_items": true,
	"memcached_items_total": true, "memcached_items_evicted_total": true, "memcached_read_bytes_total": true,
	"memcached_written_bytes_total": true, "memcached_commands_total": true,
}

// The flags the operator renders for the sidecar (internal/controller exporterContainer).
func TestAcceptsTheOperatorsFlags(t *testing.T) {
	o, err := parseFlags([]string{"--memcached.address=localhost:11311", "--web.listen-address=:9151"})
	if err != nil || o.addr != "localhost:11311" || o.listen != ":9151" || o.path != "/metrics" {
		t.Fatalf("options %+v, err %v", o, err)
	}
}

func TestExportsStatsUnderTheOfficialNames(t *testing.T) {
	if _, err := exec.LookPath("memcached"); err != nil {
		t.Skipf("needs memcached (apt-get install memcached): %v", err)
	}
	addr := net.JoinHostPort("127.0.0.1", memcachedPort)
	srv := httptest.NewServer(handler(addr, time.Second, "/metrics"))
	defer srv.Close()
	if body := scrape(t, srv.URL); !strings.Contains(body, "memcached_up 0") {
		t.Fatalf("no memcached yet, but: %s", body)
	}

	cmd := exec.Command("memcached", "-l", "127.0.0.1", "-p", memcachedPort, "-U", "0", "-u", "nobody", "-m", "64")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM); _ = cmd.Wait() }()
	var conn net.Conn
	var err error
	for range 100 {
		if conn, err = net.DialTimeout("tcp", addr, 100*time.Millisecond); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("memcached never listened: %v", err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
	_, _ = io.WriteString(conn, "set k 0 0 1\r\nv\r\nget k\r\nget missing\r\n")
	buf := make([]byte, 128)
	_, _ = conn.Read(buf)
	time.Sleep(100 * time.Millisecond)

	body := scrape(t, srv.URL)
	for _, want := range []string{
		"memcached_up 1", "memcached_limit_bytes 67108864", `memcached_commands_total{command="set",status="hit"} 1`,
		`memcached_commands_total{command="get",status="hit"} 1`, `memcached_commands_total{command="get",status="miss"} 1`,
		"memcached_current_items 1",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("scrape lacks %q:\n%s", want, body)
		}
	}
	for _, m := range regexp.MustCompile(`(?m)^(memcached_\w+)`).FindAllStringSubmatch(body, -1) {
		if !official[m[1]] {
			t.Errorf("%s is not a name the official exporter uses", m[1])
		}
	}
}

func scrape(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

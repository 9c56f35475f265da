// Command exporter is a stand-in for prom/memcached-exporter where that image cannot be pulled
// (the offline real-pods tier): the same flags the operator passes (--memcached.address,
// --web.listen-address), /metrics on the listen address, and, for the general stats it covers, the
// official exporter's metric names and labels. It uses only the standard library, so it builds
// into a small FROM scratch image. Not shipped with the operator.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

// metric maps a memcached stat onto the official exporter's name and type.
type metric struct{ name, stat, kind, help string }

var metrics = []metric{
	{"memcached_uptime_seconds", "uptime", "counter", "Number of seconds since the server started."},
	{"memcached_time_seconds", "time", "gauge", "current UNIX time according to the server."},
	{"memcached_current_connections", "curr_connections", "gauge", "Current number of open connections."},
	{"memcached_max_connections", "max_connections", "gauge", "Maximum number of clients allowed."},
	{"memcached_connections_total", "total_connections", "counter", "Total number of connections opened since the server started running."},
	{"memcached_current_bytes", "bytes", "gauge", "Current number of bytes used to store items."},
	{"memcached_limit_bytes", "limit_maxbytes", "gauge", "Number of bytes this server is allowed to use for storage."},
	{"memcached_current_items", "curr_items", "gauge", "Current number of items stored by this instance."},
	{"memcached_items_total", "total_items", "counter", "Total number of items stored during the life of this instance."},
	{"memcached_items_evicted_total", "evictions", "counter", "Total number of valid items removed from cache to free memory for new items."},
	{"memcached_read_bytes_total", "bytes_read", "counter", "Total number of bytes read by this server from network."},
	{"memcached_written_bytes_total", "bytes_written", "counter", "Total number of bytes sent by this server to network."},
}

// stats runs "stats" and returns its STAT lines as a map.
func stats(addr string, timeout time.Duration) (map[string]string, error) {
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(timeout))
	if _, err := io.WriteString(conn, "stats\r\n"); err != nil {
		return nil, err
	}
	out := map[string]string{}
	sc := bufio.NewScanner(conn)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "END" {
			return out, nil
		}
		f := strings.Fields(line)
		if len(f) != 3 || f[0] != "STAT" {
			return nil, fmt.Errorf("unexpected reply %q", line)
		}
		out[f[1]] = f[2]
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return nil, io.ErrUnexpectedEOF
}

// render writes the exposition text for one scrape; memcached_up is 0 when stats failed.
func render(w io.Writer, s map[string]string, err error) {
	fmt.Fprintln(w, "# HELP memcached_up Could the memcached server be reached.")
	fmt.Fprintln(w, "# TYPE memcached_up gauge")
	if err != nil {
		fmt.Fprintln(w, "memcached_up 0")
		return
	}
	fmt.Fprintln(w, "memcached_up 1")
	fmt.Fprintln(w, "# HELP memcached_version The version of this memcached server.")
	fmt.Fprintln(w, "# TYPE memcached_version gauge")
	fmt.Fprintf(w, "memcached_version{version=%q} 1\n", s["version"])
	for _, m := range metrics {
		v, ok := s[m.stat]
		if !ok {
			continue
		}
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			continue
		}
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n%s %s\n", m.name, m.help, m.name, m.kind, m.name, v)
	}
	fmt.Fprintln(w, "# HELP memcached_commands_total Total number of all requests broken down by command (get, set, etc.) and status.")
	fmt.Fprintln(w, "# TYPE memcached_commands_total counter")
	var lines []string
	for _, op := range []string{"get", "delete", "incr", "decr", "cas", "touch"} {
		for st, stat := range map[string]string{"hit": op + "_hits", "miss": op + "_misses"} {
			if v, ok := s[stat]; ok {
				lines = append(lines, fmt.Sprintf("memcached_commands_total{command=%q,status=%q} %s", op, st, v))
			}
		}
	}
	if v, ok := s["cmd_flush"]; ok {
		lines = append(lines, fmt.Sprintf("memcached_commands_total{command=\"flush\",status=\"hit\"} %s", v))
	}
	// memcached counts cas operations in cmd_set too, as the official exporter subtracts.
	set, err1 := strconv.ParseFloat(s["cmd_set"], 64)
	var cas float64
	for _, k := range []string{"cas_misses", "cas_hits", "cas_badval"} {
		n, _ := strconv.ParseFloat(s[k], 64)
		cas += n
	}
	if err1 == nil {
		lines = append(lines, fmt.Sprintf("memcached_commands_total{command=\"set\",status=\"hit\"} %g", set-cas))
	}
	sort.Strings(lines)
	fmt.Fprintln(w, strings.Join(lines, "\n"))
}

func handler(addr string, timeout time.Duration, path string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(path, func(w http.ResponseWriter, _ *http.Request) {
		s, err := stats(addr, timeout)
		if err != nil {
			log.Printf("scrape %s: %v", addr, err)
		}
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		render(w, s, err)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, "<html><body><a href=%q>Metrics</a></body></html>\n", path)
	})
	return mux
}

type options struct {
	addr, listen, path string
	timeout            time.Duration
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("memcached_exporter", flag.ContinueOnError)
	fs.StringVar(&o.addr, "memcached.address", "localhost:11211", "Memcached server address.")
	fs.DurationVar(&o.timeout, "memcached.timeout", time.Second, "memcached connect timeout.")
	fs.StringVar(&o.listen, "web.listen-address", ":9150", "Address to listen on.")
	fs.StringVar(&o.path, "web.telemetry-path", "/metrics", "Path under which to expose metrics.")
	return o, fs.Parse(args)
}

func main() {
	o, err := parseFlags(os.Args[1:])
	if err != nil {
		os.Exit(2)
	}
	srv := &http.Server{Addr: o.listen, Handler: handler(o.addr, o.timeout, o.path), ReadHeaderTimeout: 5 * time.Second}
	log.Printf("serving %s for memcached at %s", o.listen, o.addr)
	log.Fatal(srv.ListenAndServe())
}

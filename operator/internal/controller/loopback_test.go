package controller

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	cachev1alpha1 "github.com/kubecache/kubecache/operator/api/v1alpha1"
)

// Loopback ports of these tests; other suites use 5001, 6379 and 17500 upwards.
const saslPort = 21211

// TestSASLModeRefusesUnauthenticatedStats runs Debian's memcached with the arguments, environment
// and hostname the controller renders for spec.auth, the Secret's keys written where the pod would
// mount them, and checks that stats needs a SASL PLAIN login (binary protocol).
//
// Debian's memcached is built without --enable-sasl-pwdb, so the Secret here is the documented
// alternative: memcached.conf pointing Cyrus SASL at a sasldb2 made by saslpasswd2 for the realm.
func TestSASLModeRefusesUnauthenticatedStats(t *testing.T) {
	for _, bin := range []string{"memcached", "saslpasswd2", "unshare"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("needs %s (apt-get install memcached sasl2-bin util-linux): %v", bin, err)
		}
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root to give memcached the pod's hostname in a UTS namespace (unshare --uts)")
	}
	mc := newMemcached("mc", 1)
	mc.Spec.Port = saslPort
	mc.Spec.Auth = &cachev1alpha1.MemcachedAuth{SecretName: "mc-sasl"}
	pod := mustDeployment(t, mc).Spec.Template.Spec
	c := pod.Containers[0]

	// The Secret's files, at a temporary stand-in for the mount path.
	// Not t.TempDir(): memcached reads these as nobody, and t.TempDir's parent is private.
	dir, err := os.MkdirTemp("", "kubecache-sasl-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	mount := c.VolumeMounts[0].MountPath
	conf := fmt.Sprintf("mech_list: plain\nsasldb_path: %s/sasldb2\n", mount)
	local := func(s string) string { return strings.ReplaceAll(s, mount, dir) }
	if err := os.WriteFile(filepath.Join(dir, "memcached.conf"), []byte(local(conf)), 0o644); err != nil {
		t.Fatal(err)
	}
	pw := exec.Command("saslpasswd2", "-p", "-c", "-a", "memcached", "-u", pod.Hostname, "-f", filepath.Join(dir, "sasldb2"), "app")
	pw.Stdin = strings.NewReader("s3cret")
	if out, err := pw.CombinedOutput(); err != nil {
		t.Fatalf("saslpasswd2: %v: %s", err, out)
	}
	if err := os.Chmod(filepath.Join(dir, "sasldb2"), 0o644); err != nil {
		t.Fatal(err)
	}

	env := []string{"PATH=" + os.Getenv("PATH")}
	for _, e := range c.Env {
		env = append(env, e.Name+"="+local(e.Value))
	}
	// memcached refuses to run as root without -u; -l keeps it on loopback.
	args := append([]string{"--uts", "sh", "-c", `hostname "$0" && exec "$@"`, pod.Hostname, "memcached"}, c.Args...)
	args = append(args, "-l", "127.0.0.1", "-u", "nobody")
	cmd := exec.Command("unshare", args...)
	cmd.Env = env
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		_ = cmd.Wait()
	})
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(saslPort))
	waitForPort(t, addr, &logs)

	if !slices.Contains(c.Args, "-S") {
		t.Fatalf("rendered args %v lack -S", c.Args)
	}
	conn := dial(t, addr)
	if st, _ := binRequest(t, conn, opStat, nil, nil); st != statusAuthError {
		t.Errorf("unauthenticated binary stats: status %#x, want %#x (auth error)", st, statusAuthError)
	}
	if reply := asciiStats(addr); strings.Contains(reply, "STAT pid") {
		t.Errorf("unauthenticated ASCII stats answered: %q", reply)
	}
	if st, mechs := binRequest(t, dial(t, addr), opSASLList, nil, nil); st != 0 || !strings.Contains(string(mechs), "PLAIN") {
		t.Errorf("mechanisms: status %#x %q, want PLAIN", st, mechs)
	}
	bad := dial(t, addr)
	if st, _ := binRequest(t, bad, opSASLAuth, []byte("PLAIN"), []byte("\x00app\x00wrong")); st != statusAuthError {
		t.Errorf("wrong password: status %#x, want auth error", st)
	}
	good := dial(t, addr)
	if st, body := binRequest(t, good, opSASLAuth, []byte("PLAIN"), []byte("\x00app\x00s3cret")); st != 0 {
		t.Fatalf("login as app: status %#x %q (memcached log: %s)", st, body, logs.String())
	}
	if st, _ := binRequest(t, good, opStat, nil, nil); st != 0 {
		t.Errorf("authenticated stats: status %#x, want 0", st)
	}
}

const (
	opStat          = 0x10
	opSASLList      = 0x20
	opSASLAuth      = 0x21
	statusAuthError = 0x20
)

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	return c
}

// binRequest sends one binary-protocol request and reads responses up to the one that ends it
// (stats answers one packet per stat and an empty-key terminator). It returns the first non-zero
// status, or 0 and the body of the first packet.
func binRequest(t *testing.T, c net.Conn, op byte, key, value []byte) (uint16, []byte) {
	t.Helper()
	hdr := make([]byte, 24)
	hdr[0], hdr[1] = 0x80, op
	binary.BigEndian.PutUint16(hdr[2:], uint16(len(key)))
	binary.BigEndian.PutUint32(hdr[8:], uint32(len(key)+len(value)))
	if _, err := c.Write(append(append(hdr, key...), value...)); err != nil {
		t.Fatal(err)
	}
	var first []byte
	for i := 0; ; i++ {
		resp := make([]byte, 24)
		if _, err := io.ReadFull(c, resp); err != nil {
			t.Fatalf("read response to %#x: %v", op, err)
		}
		status := binary.BigEndian.Uint16(resp[6:])
		keyLen := binary.BigEndian.Uint16(resp[2:])
		body := make([]byte, binary.BigEndian.Uint32(resp[8:]))
		if _, err := io.ReadFull(c, body); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = body
		}
		if status != 0 || op != opStat || keyLen == 0 {
			return status, first
		}
	}
}

// asciiStats returns what the text protocol answers to stats within a second ("" on no answer).
func asciiStats(addr string) string {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return ""
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	_, _ = c.Write([]byte("stats\r\n"))
	buf := make([]byte, 256)
	n, _ := c.Read(buf)
	return string(buf[:n])
}

func waitForPort(t *testing.T, addr string, logs *strings.Builder) {
	t.Helper()
	for range 100 {
		if c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond); err == nil {
			c.Close()
			return
		} else if !errors.Is(err, syscall.ECONNREFUSED) && !strings.Contains(err.Error(), "refused") {
			t.Logf("dial %s: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("memcached never listened on %s: %s", addr, logs.String())
}

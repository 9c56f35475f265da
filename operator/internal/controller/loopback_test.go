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

// Loopback ports of these tests; other suites use 5001, 6379, 17500 upwards and 21221.
const (
	saslPort     = 21211
	saslPwdbPort = 21212
)

// pwdbMemcached is a memcached built with --enable-sasl-pwdb, as the official images are:
// $KUBECACHE_MEMCACHED_PWDB, or the one scripts/memcached-pwdb.sh builds from the source package of
// this host's Debian release (scripts/setup.sh runs it). "" when there is none.
func pwdbMemcached() string {
	if p := os.Getenv("KUBECACHE_MEMCACHED_PWDB"); p != "" {
		return p
	}
	cache := os.Getenv("KUBECACHE_CACHE")
	if cache == "" {
		home, _ := os.UserHomeDir()
		cache = filepath.Join(home, ".cache", "kubecache")
	}
	release, err := os.ReadFile("/etc/os-release")
	if err != nil {
		return ""
	}
	codename := ""
	for _, line := range strings.Split(string(release), "\n") {
		if v, ok := strings.CutPrefix(line, "VERSION_CODENAME="); ok {
			codename = strings.Trim(v, `"`)
		}
	}
	p := filepath.Join(cache, "memcached-pwdb", codename, "memcached")
	if _, err := os.Stat(p); codename == "" || err != nil {
		return ""
	}
	return p
}

// TestSASLModeDocumentedSecret runs a pwdb-enabled memcached with what the controller renders for
// spec.auth and a Secret holding only the documented key, memcached-sasl-pwdb: stats needs a SASL
// PLAIN login, and PLAIN is the only mechanism offered, so ANONYMOUS (installed with Debian's
// libsasl2-modules) logs nobody in.
func TestSASLModeDocumentedSecret(t *testing.T) {
	bin := pwdbMemcached()
	if bin == "" {
		t.Skip("needs a memcached built with --enable-sasl-pwdb (scripts/setup.sh builds one with scripts/memcached-pwdb.sh, or set KUBECACHE_MEMCACHED_PWDB)")
	}
	addr := startSASLMemcached(t, bin, saslPwdbPort, func(string) map[string]string {
		return map[string]string{"memcached-sasl-pwdb": "app@" + SASLRealm + ":s3cret\n"}
	})
	checkSASL(t, addr, "PLAIN")
}

// TestSASLModeRefusesUnauthenticatedStats runs Debian's memcached, built without
// --enable-sasl-pwdb, with the documented alternative Secret: memcached.conf pointing Cyrus SASL
// at a sasldb2 made by saslpasswd2 for the realm.
func TestSASLModeRefusesUnauthenticatedStats(t *testing.T) {
	if _, err := exec.LookPath("saslpasswd2"); err != nil {
		t.Skipf("needs saslpasswd2 (apt-get install sasl2-bin): %v", err)
	}
	bin, err := exec.LookPath("memcached")
	if err != nil {
		t.Skipf("needs memcached (apt-get install memcached): %v", err)
	}
	var sasldb []byte
	addr := startSASLMemcached(t, bin, saslPort, func(mount string) map[string]string {
		if sasldb == nil {
			f := filepath.Join(t.TempDir(), "sasldb2")
			pw := exec.Command("saslpasswd2", "-p", "-c", "-a", "memcached", "-u", SASLRealm, "-f", f, "app")
			pw.Stdin = strings.NewReader("s3cret")
			if out, err := pw.CombinedOutput(); err != nil {
				t.Fatalf("saslpasswd2: %v: %s", err, out)
			}
			if sasldb, err = os.ReadFile(f); err != nil {
				t.Fatal(err)
			}
		}
		return map[string]string{
			"memcached.conf": fmt.Sprintf("mech_list: plain\nsasldb_path: %s/sasldb2\n", mount),
			"sasldb2":        string(sasldb),
		}
	})
	checkSASL(t, addr, "PLAIN")
}

// startSASLMemcached starts bin with the arguments, environment and hostname the controller
// renders for spec.auth, each volume written where the pod would mount it: the Secret's keys as
// secret() returns them for the Secret's local directory, the downward API files from the pod
// template's annotations.
func startSASLMemcached(t *testing.T, bin string, port int32, secret func(mount string) map[string]string) string {
	t.Helper()
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skipf("needs unshare (util-linux): %v", err)
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root to give memcached the pod's hostname in a UTS namespace (unshare --uts)")
	}
	mc := newMemcached("mc", 1)
	mc.Spec.Port = port
	mc.Spec.Auth = &cachev1alpha1.MemcachedAuth{SecretName: "mc-sasl"}
	tmpl := mustDeployment(t, mc).Spec.Template
	pod := tmpl.Spec
	c := pod.Containers[0]
	if !slices.Contains(c.Args, "-S") {
		t.Fatalf("rendered args %v lack -S", c.Args)
	}

	// Not t.TempDir(): memcached reads these as nobody, and t.TempDir's parent is private.
	root, err := os.MkdirTemp("", "kubecache-sasl-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	mounts := map[string]string{} // mount path -> local directory
	for _, m := range c.VolumeMounts {
		dir := filepath.Join(root, m.Name)
		mounts[m.MountPath] = dir
		var files map[string]string
		for _, v := range pod.Volumes {
			switch {
			case v.Name != m.Name:
			case v.Secret != nil:
				files = map[string]string{}
				for k, val := range secret(m.MountPath) {
					files[k] = val
				}
			case v.DownwardAPI != nil:
				files = map[string]string{}
				for _, item := range v.DownwardAPI.Items {
					key := strings.TrimSuffix(strings.TrimPrefix(item.FieldRef.FieldPath, "metadata.annotations['"), "']")
					val, ok := tmpl.Annotations[key]
					if !ok {
						t.Fatalf("volume %s reads annotation %q, which the pod template lacks", v.Name, key)
					}
					files[item.Path] = val
				}
			}
		}
		if files == nil {
			t.Fatalf("mount %s has no secret or downward API volume", m.Name)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, val := range files {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(val), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := os.Chmod(root, 0o755); err != nil {
		t.Fatal(err)
	}
	local := func(s string) string {
		for mount, dir := range mounts {
			s = strings.ReplaceAll(s, mount, dir)
		}
		return s
	}
	// A memcached.conf may name files of its own directory by their mount path.
	for _, dir := range mounts {
		conf := filepath.Join(dir, "memcached.conf")
		if b, err := os.ReadFile(conf); err == nil {
			if err := os.WriteFile(conf, []byte(local(string(b))), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}

	env := []string{"PATH=" + os.Getenv("PATH")}
	for _, e := range c.Env {
		env = append(env, e.Name+"="+local(e.Value))
	}
	// memcached refuses to run as root without -u; -l keeps it on loopback.
	args := append([]string{"--uts", "sh", "-c", `hostname "$0" && exec "$@"`, pod.Hostname, bin}, c.Args...)
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
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(int(port)))
	waitForPort(t, addr, &logs)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("memcached log: %s", logs.String())
		}
	})
	return addr
}

// checkSASL asserts SASL mode with user app, password s3cret: unauthenticated stats refused on
// both protocols, exactly the mechanisms mechs offered, ANONYMOUS and a wrong password refused.
func checkSASL(t *testing.T, addr, mechs string) {
	t.Helper()
	if st, _ := binRequest(t, dial(t, addr), opStat, nil, nil); st != statusAuthError {
		t.Errorf("unauthenticated binary stats: status %#x, want %#x (auth error)", st, statusAuthError)
	}
	if reply := asciiStats(addr); strings.Contains(reply, "STAT pid") {
		t.Errorf("unauthenticated ASCII stats answered: %q", reply)
	}
	if st, got := binRequest(t, dial(t, addr), opSASLList, nil, nil); st != 0 || string(got) != mechs {
		t.Errorf("mechanisms: status %#x %q, want %q", st, got, mechs)
	}
	if st, _ := binRequest(t, dial(t, addr), opSASLAuth, []byte("ANONYMOUS"), []byte("anyone")); st != statusAuthError {
		t.Errorf("ANONYMOUS login: status %#x, want auth error", st)
	}
	if st, _ := binRequest(t, dial(t, addr), opSASLAuth, []byte("PLAIN"), []byte("\x00app\x00wrong")); st != statusAuthError {
		t.Errorf("wrong password: status %#x, want auth error", st)
	}
	good := dial(t, addr)
	if st, body := binRequest(t, good, opSASLAuth, []byte("PLAIN"), []byte("\x00app\x00s3cret")); st != 0 {
		t.Fatalf("login as app: status %#x %q", st, body)
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

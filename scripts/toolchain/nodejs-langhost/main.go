// Minimal Node.js language host for the Pulumi engine, used by the real-engine test tier.
//
// The upstream pulumi-language-nodejs module is not served by the Go module proxy this project can reach, so the
// toolchain builds this small stand-in against github.com/pulumi/pulumi/sdk/v3. It speaks the LanguageRuntime gRPC
// protocol and starts the real Node SDK entry points shipped in @pulumi/pulumi (cmd/run for programs,
// cmd/run-policy-pack for policy packs), passing the same flags and environment the upstream host passes. Everything
// it leaves out (plugin discovery from node_modules, code generation) answers Unimplemented,
// which the engine treats as "nothing to report": plugins are then loaded on first use, so packages the stack never
// calls (alicloud, docker) never trigger a plugin download.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

// version is stamped by the toolchain script with the CLI version it was built next to.
var version = "0.0.0"

// exitBail is the exit code the Node SDK uses after it has already reported the error to the user.
const exitBail = 32

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	engineAddress string
	node          string
}

func main() {
	var engine string
	for _, a := range os.Args[1:] {
		if !strings.HasPrefix(a, "-") {
			engine = a
		}
	}
	node, err := exec.LookPath("node")
	if err != nil {
		fmt.Fprintln(os.Stderr, "pulumi-language-nodejs: node not found on PATH")
		os.Exit(1)
	}
	h := &host{engineAddress: engine, node: node}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, h)
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: %v\n", err)
		os.Exit(1)
	}
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

// findSDKFile walks up from dir to the first node_modules/@pulumi/pulumi/<rel>, as Node's resolver would.
func findSDKFile(dir, rel string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		p := filepath.Join(d, "node_modules", "@pulumi", "pulumi", rel)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("@pulumi/pulumi/%s not found above %s: run npm ci", rel, dir)
		}
	}
}

// runtimeEnv maps the Pulumi.yaml runtime options onto the variables cmd/run reads.
func runtimeEnv(info *pulumirpc.ProgramInfo) []string {
	opts := map[string]interface{}{}
	if info.GetOptions() != nil {
		opts = info.GetOptions().AsMap()
	}
	typescript := true
	if v, ok := opts["typescript"].(bool); ok {
		typescript = v
	}
	env := []string{"PULUMI_NODEJS_TYPESCRIPT=" + strconv.FormatBool(typescript)}
	if v, ok := opts["tsconfig"].(string); ok && v != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+v)
	}
	if v, ok := opts["transpileOnly"].(bool); ok {
		env = append(env, "PULUMI_NODEJS_TRANSPILE_ONLY="+strconv.FormatBool(v))
	}
	return env
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	info := req.GetInfo()
	if info == nil {
		return nil, errors.New("RunRequest without program info")
	}
	runPath, err := findSDKFile(info.GetProgramDirectory(), "cmd/run")
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	args := []string{runPath}
	add := func(k, v string) {
		if v != "" {
			args = append(args, "--"+k, v)
		}
	}
	add("monitor", req.GetMonitorAddress())
	add("engine", h.engineAddress)
	add("organization", req.GetOrganization())
	add("project", req.GetProject())
	add("root-directory", info.GetRootDirectory())
	add("stack", req.GetStack())
	add("pwd", info.GetProgramDirectory())
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	add("parallel", strconv.Itoa(int(req.GetParallel())))
	entry := info.GetEntryPoint()
	if entry == "" {
		entry = "."
	}
	args = append(args, entry)
	args = append(args, req.GetArgs()...)

	config, err := json.Marshal(req.GetConfig())
	if err != nil {
		return nil, err
	}
	secretKeys, err := json.Marshal(req.GetConfigSecretKeys())
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, h.node, args...)
	cmd.Env = append(os.Environ(), runtimeEnv(info)...)
	cmd.Env = append(cmd.Env, "PULUMI_CONFIG="+string(config), "PULUMI_CONFIG_SECRET_KEYS="+string(secretKeys))
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			if exit.ExitCode() == exitBail {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exit.ExitCode())}, nil
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("Problem executing program: %v", err)}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// InstallDependencies gives a program or plugin directory its npm dependencies: nothing to do when
// @pulumi/pulumi already resolves from it (a checkout after `npm ci`), else `npm install` there, which also
// runs the package's `prepare`. `pulumi package add` of a source plugin (PulumiPlugin.yaml) asks for it first.
func (h *host) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, stream pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	dir := req.GetDirectory()
	if info := req.GetInfo(); info != nil && info.GetProgramDirectory() != "" {
		dir = info.GetProgramDirectory()
	}
	if _, err := findSDKFile(dir, "package.json"); err == nil {
		return nil
	}
	cmd := exec.CommandContext(stream.Context(), "npm", "install", "--no-audit", "--no-fund")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if len(out) > 0 {
		_ = stream.Send(&pulumirpc.InstallDependenciesResponse{Stdout: out})
	}
	if err != nil {
		return fmt.Errorf("npm install in %s: %w", dir, err)
	}
	return nil
}

// RunPlugin starts a Node plugin (a policy pack, or a provider written in Node) and streams its output back.
func (h *host) RunPlugin(req *pulumirpc.RunPluginRequest, stream pulumirpc.LanguageRuntime_RunPluginServer) error {
	info := req.GetInfo()
	if info == nil {
		return errors.New("RunPluginRequest without program info")
	}
	dir := info.GetProgramDirectory()
	policy := req.GetKind() == "policy" || req.GetKind() == "analyzer"
	entry := "cmd/run-plugin"
	if policy {
		entry = "cmd/run-policy-pack"
	}
	runPath, err := findSDKFile(dir, entry)
	if err != nil {
		return err
	}
	// As upstream: a policy pack takes its directory last, any other plugin (a component provider from
	// source) first, so cmd/run-plugin loads the directory and the provider sees the engine address.
	args := []string{runPath}
	if policy {
		args = append(append(args, req.GetArgs()...), dir)
	} else {
		args = append(append(args, dir), req.GetArgs()...)
	}
	cmd := exec.CommandContext(stream.Context(), h.node, args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), req.GetEnv()...), runtimeEnv(info)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	pump := func(r io.Reader, wrap func([]byte) *pulumirpc.RunPluginResponse) {
		defer wg.Done()
		buf := make([]byte, 32*1024)
		for {
			n, err := r.Read(buf)
			if n > 0 {
				chunk := append([]byte(nil), buf[:n]...)
				mu.Lock()
				_ = stream.Send(wrap(chunk))
				mu.Unlock()
			}
			if err != nil {
				return
			}
		}
	}
	wg.Add(2)
	go pump(stdout, func(b []byte) *pulumirpc.RunPluginResponse {
		return &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stdout{Stdout: b}}
	})
	go pump(stderr, func(b []byte) *pulumirpc.RunPluginResponse {
		return &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stderr{Stderr: b}}
	})
	wg.Wait()
	code := int32(0)
	if err := cmd.Wait(); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			return err
		}
		code = int32(exit.ExitCode())
	}
	mu.Lock()
	defer mu.Unlock()
	return stream.Send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: code}})
}

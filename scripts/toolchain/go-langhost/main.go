// Small Go language host for the Pulumi engine, used by the real-engine test tier (test/e2e/go.spec.ts).
//
// The upstream pulumi-language-go module (github.com/pulumi/pulumi/sdk/go/pulumi-language-go/v3) is not served by
// the Go module proxy this project can reach, so the toolchain builds this stand-in against
// github.com/pulumi/pulumi/sdk/v3 and pkg/v3 at the CLI's version. It does what upstream does for the calls a
// Go program and `pulumi package add` make: Run builds the program with `go build` and starts it with the
// PULUMI_* environment the Go SDK reads; GeneratePackage is the same Go code generator (pkg/v3/codegen/go);
// Link adds the generated module to the program's go.mod as a `replace`; InstallDependencies runs
// `go mod tidy`. Everything else answers Unimplemented, which the engine treats as "nothing to report": plugin
// discovery from go.mod (GetRequiredPackages) is left out, so plugins are loaded on first use.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	codegen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	"github.com/pulumi/pulumi/sdk/v3/go/common/constant"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"golang.org/x/mod/modfile"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

// version is stamped by the toolchain script with the CLI version it was built next to.
var version = "0.0.0"

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	engineAddress string
	gobin         string
}

func main() {
	var engine string
	for _, a := range os.Args[1:] {
		if !strings.HasPrefix(a, "-") {
			engine = a
		}
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		fmt.Fprintln(os.Stderr, "pulumi-language-go: go not found on PATH")
		os.Exit(1)
	}
	h := &host{engineAddress: engine, gobin: gobin}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, h)
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-go: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-go: %v\n", err)
		os.Exit(1)
	}
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

// Run compiles the program to a temporary binary and runs it, as upstream does by default (no `binary` or
// `buildTarget` runtime options here).
func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	info := req.GetInfo()
	if info == nil {
		return nil, errors.New("RunRequest without program info")
	}
	out, err := os.CreateTemp("", "pulumi-go.*")
	if err != nil {
		return nil, err
	}
	bin := out.Name()
	_ = out.Close()
	defer os.Remove(bin)
	build := exec.CommandContext(ctx, h.gobin, "build", "-o", bin)
	build.Dir = info.GetProgramDirectory()
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("unable to run `go build` in %s: %v", build.Dir, err)}, nil
	}

	config, err := json.Marshal(req.GetConfig())
	if err != nil {
		return nil, err
	}
	secretKeys := []byte("[]")
	if keys := req.GetConfigSecretKeys(); keys != nil {
		if secretKeys, err = json.Marshal(keys); err != nil {
			return nil, err
		}
	}
	env := os.Environ()
	add := func(k, v string) {
		if v != "" {
			env = append(env, k+"="+v)
		}
	}
	add(pulumi.EnvOrganization, req.GetOrganization())
	add(pulumi.EnvProject, req.GetProject())
	add(pulumi.EnvPulumiRootDirectory, info.GetRootDirectory())
	add(pulumi.EnvStack, req.GetStack())
	add(pulumi.EnvConfig, string(config))
	add(pulumi.EnvConfigSecretKeys, string(secretKeys))
	add(pulumi.EnvDryRun, strconv.FormatBool(req.GetDryRun()))
	add(pulumi.EnvParallel, strconv.Itoa(int(req.GetParallel())))
	add(pulumi.EnvMonitor, req.GetMonitorAddress())
	add(pulumi.EnvEngine, h.engineAddress)

	cmd := exec.CommandContext(ctx, bin, req.GetArgs()...)
	cmd.Dir = req.GetPwd()
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			if exit.ExitCode() == constant.ExitStatusLoggedError {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("program exited with non-zero exit code: %d", exit.ExitCode())}, nil
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("problem executing program: %v", err)}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// InstallDependencies runs `go mod tidy` in the program directory; `pulumi package add` asks for it after Link.
func (h *host) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, stream pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	dir := req.GetDirectory()
	if info := req.GetInfo(); info != nil && info.GetProgramDirectory() != "" {
		dir = info.GetProgramDirectory()
	}
	closer, stdout, stderr, err := rpcutil.MakeInstallDependenciesStreams(stream, req.GetIsTerminal())
	if err != nil {
		return err
	}
	defer closer.Close()
	cmd := exec.CommandContext(stream.Context(), h.gobin, "mod", "tidy")
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("`go mod tidy` in %s: %w", dir, err)
	}
	return closer.Close()
}

// GeneratePackage writes the Go SDK of a schema, binding references to other packages (here: kubernetes) through
// the engine's schema loader.
func (h *host) GeneratePackage(
	ctx context.Context, req *pulumirpc.GeneratePackageRequest,
) (*pulumirpc.GeneratePackageResponse, error) {
	if len(req.GetExtraFiles()) > 0 {
		return nil, errors.New("overlays are not supported for Go")
	}
	loader, err := schema.NewLoaderClient(req.GetLoaderTarget())
	if err != nil {
		return nil, err
	}
	defer loader.Close()
	var spec schema.PackageSpec
	if err := json.Unmarshal([]byte(req.GetSchema()), &spec); err != nil {
		return nil, err
	}
	pkg, diags, err := schema.BindSpec(spec, schema.NewCachedLoader(loader), schema.ValidationOptions{})
	if err != nil {
		return nil, err
	}
	resp := &pulumirpc.GeneratePackageResponse{Diagnostics: plugin.HclDiagnosticsToRPCDiagnostics(diags)}
	if diags.HasErrors() {
		return resp, nil
	}
	files, err := codegen.GeneratePackage("pulumi-language-go", pkg, req.GetLocalDependencies())
	if err != nil {
		return nil, err
	}
	for name, data := range files {
		p := filepath.Join(req.GetDirectory(), name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return nil, err
		}
	}
	return resp, nil
}

// Link points the program's go.mod at each generated SDK: a `require` of the SDK's module and a `replace` to its
// directory (relative, as the CLI passes it), so `go build` resolves the import without a registry.
func (h *host) Link(_ context.Context, req *pulumirpc.LinkRequest) (*pulumirpc.LinkResponse, error) {
	dir := req.GetInfo().GetProgramDirectory()
	path := filepath.Join(dir, "go.mod")
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read go.mod: %w", err)
	}
	mod, err := modfile.Parse(path, data, nil)
	if err != nil {
		return nil, fmt.Errorf("parse go.mod: %w", err)
	}
	var instructions strings.Builder
	for _, dep := range req.GetPackages() {
		sdk := dep.GetPath()
		if !filepath.IsAbs(sdk) {
			sdk = filepath.Join(req.GetInfo().GetRootDirectory(), sdk)
		}
		sdkMod, err := os.ReadFile(filepath.Join(sdk, "go.mod"))
		if err != nil {
			return nil, fmt.Errorf("the generated SDK of %s has no go.mod: %w", dep.GetPackage().GetName(), err)
		}
		modulePath := modfile.ModulePath(sdkMod)
		if modulePath == "" {
			return nil, fmt.Errorf("no module line in %s", filepath.Join(sdk, "go.mod"))
		}
		rel, err := filepath.Rel(dir, sdk)
		if err != nil {
			return nil, err
		}
		if !strings.HasPrefix(rel, ".") {
			rel = "./" + rel
		}
		if err := mod.AddRequire(modulePath, "v0.0.0-00010101000000-000000000000"); err != nil {
			return nil, err
		}
		if err := mod.AddReplace(modulePath, "", filepath.ToSlash(rel), ""); err != nil {
			return nil, err
		}
		fmt.Fprintf(&instructions, "You can then import the SDK in your Go code with:\n\n  import \"%s/%s\"\n\n",
			modulePath, dep.GetPackage().GetName())
	}
	mod.Cleanup()
	out, err := mod.Format()
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, out, 0o644); err != nil {
		return nil, err
	}
	return &pulumirpc.LinkResponse{ImportInstructions: instructions.String()}, nil
}

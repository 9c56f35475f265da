// Real-engine proof that the components work from Go: a Go program adds this repository as a package
// (`pulumi package add`, through PulumiPlugin.yaml: the Go SDK is generated into the program and linked in its
// go.mod), declares a RedisSentinel and a Memcached with its operator, and runs up, checks the objects on the local
// cluster, and destroys them. The Go language host is scripts/toolchain/go-langhost (built by pulumi.sh); the Go
// modules the program needs (sdk/v3, the kubernetes Go SDK) come from the Go module proxy ($GOPROXY).
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Kubectl, LocalCluster, missingToolchain, startCluster, stopCluster } from "./support/cluster";
import { BIN, ROOT, run, RunResult, tail, timed, timings } from "./support/exec";
import { assertDeployed, assertDestroyed } from "./support/packageProgram";
import { pulumiEnv } from "./support/pulumi";

const STACK = "go";
const NS = "kubecache-go";
const PASSWORD = "go-Redis-pw-" + Math.random().toString(36).slice(2, 10);

/** The pins of scripts/toolchain/versions.env: the SDK versions the program builds against, the plugin it asks for. */
function toolchainVersions(): Record<string, string> {
    const text = fs.readFileSync(path.join(ROOT, "scripts", "toolchain", "versions.env"), "utf8");
    return Object.fromEntries([...text.matchAll(/^([A-Z0-9_]+)=(\S+)/gm)].map(m => [m[1], m[2]]));
}
const V = toolchainVersions();

// What codegen names the module of a package without a repository or Go import path in its schema (version 0.x:
// no /vN suffix); the first test checks that the generated go.mod says the same.
const SDK_MODULE = "example.com/pulumi-kubecache/sdk/go";

const PROJECT = `name: kubecache-go
runtime: go
description: kubecache's components from Go.
config:
  kubeconfigPath:
    type: string
  redisPassword:
    type: string
    secret: true
`;

// `pulumi package add` adds the kubecache SDK (require + replace) and runs `go mod tidy`, which fills in the rest.
const GO_MOD = `module kubecache.local/e2e/go

go 1.26

require (
	github.com/pulumi/pulumi-kubernetes/sdk/v4 ${V.PULUMI_K8S_SDK_MODULE}
	github.com/pulumi/pulumi/sdk/v3 ${V.PULUMI_CLI_VERSION}
)
`;

const MAIN_GO = `// kubecache's components from Go, through the SDK \`pulumi package add\` generated into sdks/kubecache.
package main

import (
	"${SDK_MODULE}/kubecache"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	apiextensionsv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions/v1"
	appsv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apps/v1"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		cfg := config.New(ctx, "")
		// The kubernetes Go SDK from the proxy is an older release than the plugin the toolchain installs, and the
		// engine loads a plugin by exact version: the provider asks for the installed one.
		cluster, err := kubernetes.NewProvider(ctx, "cluster", &kubernetes.ProviderArgs{
			Kubeconfig:            pulumi.String(cfg.Require("kubeconfigPath")),
			EnableServerSideApply: pulumi.Bool(true),
		}, pulumi.Version("${V.PULUMI_K8S_PLUGIN_VERSION}"))
		if err != nil {
			return err
		}
		ns, err := corev1.NewNamespace(ctx, "namespace", &corev1.NamespaceArgs{
			Metadata: &metav1.ObjectMetaArgs{
				Name:   pulumi.String("${NS}"),
				Labels: pulumi.StringMap{"pod-security.kubernetes.io/enforce": pulumi.String("restricted")},
			},
		}, pulumi.Provider(cluster))
		if err != nil {
			return err
		}
		ha, err := kubecache.NewRedisSentinel(ctx, "ha", &kubecache.RedisSentinelArgs{
			Namespace: ns.Metadata.Name(),
			Replicas:  pulumi.Float64Ref(2),
			Sentinels: pulumi.Float64Ref(3),
			Auth:      &kubecache.RedisAuthArgsArgs{Password: cfg.RequireSecret("redisPassword")},
		}, pulumi.Providers(cluster))
		if err != nil {
			return err
		}
		operator, err := kubecache.NewMemcachedOperator(ctx, "operator", &kubecache.MemcachedOperatorArgs{
			Image:             pulumi.String("registry.invalid/kubecache/memcached-operator:e2e"),
			RetainCrdOnDelete: pulumi.BoolRef(false),
		}, pulumi.Providers(cluster))
		if err != nil {
			return err
		}
		// The schema declares operator.crd and operator.manager as plain resource references, so Go has to wait
		// for the operator's outputs before it can declare the Memcached: an apply.
		memcachedEndpoint := pulumi.All(operator.Crd, operator.Manager).ApplyT(
			func(refs []interface{}) (pulumi.StringOutput, error) {
				cache, err := kubecache.NewMemcached(ctx, "cache", &kubecache.MemcachedArgs{
					Namespace: ns.Metadata.Name(),
					Size:      pulumi.Float64(1),
					Operator: &kubecache.MemcachedOperatorRefArgs{
						Crd:     refs[0].(*apiextensionsv1.CustomResourceDefinition),
						Manager: refs[1].(*appsv1.Deployment),
					},
				}, pulumi.Providers(cluster))
				if err != nil {
					return pulumi.StringOutput{}, err
				}
				return cache.Endpoint, nil
			}).(pulumi.StringOutput)
		ctx.Export("redisEndpoint", ha.Endpoint)
		ctx.Export("redisPassword", ha.Password)
		ctx.Export("memcachedEndpoint", memcachedEndpoint)
		return nil
	})
}
`;

describe("real-engine tier: a Go program uses the components as a package", function () {
    let cluster: LocalCluster | undefined;
    let kubectl: Kubectl;
    let work: string;
    let project: string;
    let env: NodeJS.ProcessEnv;
    let deployed = false;

    const pulumi = (args: string[], timeoutMs = 900_000): Promise<RunResult> =>
        run(path.join(BIN, "pulumi"), [...args, "--non-interactive", "--cwd", project], { cwd: project, env, timeoutMs });
    const ok = async (args: string[], timeoutMs?: number) => {
        const r = await pulumi(args, timeoutMs);
        assert.equal(r.code, 0, `pulumi ${args.join(" ")} failed:\n${tail(r.stdout, 80)}\n${tail(r.stderr, 60)}`);
        return r;
    };

    before(async function () {
        const goVersion = await run("go", ["version"], { timeoutMs: 30_000 }).catch(() => undefined);
        const reason =
            (await missingToolchain()) ??
            (fs.existsSync(path.join(BIN, "pulumi-language-go"))
                ? undefined
                : `pulumi-language-go is not built in ${BIN} (scripts/toolchain/pulumi.sh)`) ??
            (goVersion?.code === 0 ? undefined : "go is not on the PATH (the Go language host builds the program with it)");
        if (reason) {
            console.log(`skipped: ${reason}`);
            (this as any).skipReason = reason;
            this.skip();
        }
        // The plugin host loads package.json's main, the built plugin entry.
        const build = await run("npm", ["run", "--silent", "build"], { timeoutMs: 300_000 });
        assert.equal(build.code, 0, build.stderr);
        work = fs.mkdtempSync(path.join(os.tmpdir(), "kubecache-go-"));
        project = path.join(work, "program");
        fs.mkdirSync(project);
        fs.writeFileSync(path.join(project, "Pulumi.yaml"), PROJECT);
        fs.writeFileSync(path.join(project, "go.mod"), GO_MOD);
        fs.writeFileSync(path.join(project, "main.go"), MAIN_GO);
        const backend = path.join(work, "state");
        fs.mkdirSync(backend);
        env = {
            ...pulumiEnv(backend),
            // Modules come from $GOPROXY as set; go.sum is written as they arrive. No toolchain downloads.
            GOFLAGS: [process.env.GOFLAGS, "-mod=mod"].filter(Boolean).join(" "),
            GOTOOLCHAIN: process.env.GOTOOLCHAIN ?? "local",
            GOWORK: "off",
        };
        cluster = await startCluster(2);
        kubectl = new Kubectl(cluster.kubeconfig);
        await ok(["stack", "init", STACK, "--secrets-provider", "passphrase"]);
        await ok(["config", "set", "--stack", STACK, "kubeconfigPath", cluster.kubeconfig]);
        await ok(["config", "set", "--stack", STACK, "--secret", "redisPassword", PASSWORD]);
    });

    after(async function () {
        if (deployed) await pulumi(["destroy", "--yes", "--skip-preview", "--stack", STACK]);
        if (cluster) await stopCluster(cluster);
        if (work) fs.rmSync(work, { recursive: true, force: true });
        const mine = timings.filter(t => t.step.startsWith("go: "));
        if (mine.length) {
            console.log("\n      go timings:");
            for (const t of mine) console.log(`        ${(t.ms / 1000).toFixed(1).padStart(7)} s  ${t.step.slice(4)}`);
        }
    });

    it("pulumi package add generates the Go SDK from this repository and links it into go.mod", async function () {
        const r = await ok(["package", "add", ROOT]);
        timed("go: pulumi package add <repo> (schema, Go SDK, go.mod link, go mod tidy)", r.ms);
        const sdk = path.join(project, "sdks", "kubecache");
        const sdkMod = fs.readFileSync(path.join(sdk, "go.mod"), "utf8");
        assert.match(sdkMod, new RegExp(`^module ${SDK_MODULE.replace(/\./g, "\\.")}$`, "m"), sdkMod);
        for (const f of ["redisSentinel.go", "memcachedOperator.go", "memcached.go", "pulumi-plugin.json"]) {
            assert.ok(fs.existsSync(path.join(sdk, "kubecache", f)), `sdks/kubecache/kubecache/${f}`);
        }
        const goMod = fs.readFileSync(path.join(project, "go.mod"), "utf8");
        assert.match(goMod, new RegExp(`^replace ${SDK_MODULE.replace(/\./g, "\\.")} => \\./sdks/kubecache$`, "m"), goMod);
        assert.match(goMod, new RegExp(`^\\s*github\\.com/pulumi/pulumi/sdk/v3 ${V.PULUMI_CLI_VERSION}$`, "m"), goMod);
        const projectFile = fs.readFileSync(path.join(project, "Pulumi.yaml"), "utf8");
        assert.match(projectFile, /packages:\s*\n\s+kubecache:/, projectFile);
    });

    it("the program compiles against the generated SDK", async function () {
        // Separately from `up`, whose language host builds it again (then from the build cache), so the compile
        // time of the kubernetes Go SDK's packages shows on its own.
        const r = await run("go", ["build", "-o", path.join(work, "program.bin"), "."], { cwd: project, env, timeoutMs: 1_200_000 });
        timed("go: go build (the program, the generated SDK, the kubernetes Go SDK)", r.ms);
        assert.equal(r.code, 0, `go build failed:\n${tail(r.stdout, 40)}\n${tail(r.stderr, 60)}`);
    });

    it("pulumi up creates the Sentinel set and the Memcached object through the components", async function () {
        const r = await ok(["up", "--yes", "--skip-preview", "--stack", STACK, "--diff=false"]);
        deployed = true;
        timed("go: pulumi up (create)", r.ms);
        await assertDeployed({ up: r, ok, kubectl, ns: NS, stack: STACK, password: PASSWORD });
    });

    it("pulumi destroy removes every object it created", async function () {
        const r = await ok(["destroy", "--yes", "--skip-preview", "--stack", STACK]);
        deployed = false;
        timed("go: pulumi destroy", r.ms);
        await assertDestroyed(kubectl, NS);
        const state = JSON.parse((await ok(["stack", "export", "--stack", STACK])).stdout);
        const left = (state.deployment?.resources ?? []).map((r: { urn: string }) => r.urn);
        assert.deepEqual(left, [], "the stack's state still lists resources");
    });
});

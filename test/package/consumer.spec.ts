// The package as a consumer gets it: `npm pack`, installed into an empty program that depends on nothing but
// @pulumi/pulumi and @pulumi/kubernetes, importing `kubecache/redis`; type-checked against the packed
// declarations and run under that program's own Pulumi mocks (a child process, since mocks live in its
// copy of @pulumi/pulumi).
import * as assert from "assert";
import { execFileSync, ExecFileSyncOptions } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "../..");
const EXAMPLE = path.join(ROOT, "examples", "consumer");
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";
const PEERS = ["@pulumi/pulumi", "@pulumi/kubernetes"];
const OPTIONAL_PEERS = ["@pulumi/alicloud", "@pulumi/command", "@pulumi/docker", "@pulumi/random"];

function run(cmd: string, args: string[], opts: ExecFileSyncOptions = {}): string {
    return execFileSync(cmd, args, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], ...opts }) as string;
}

/** Runs `program` (compiled JS) in the consumer under mocks; returns what it registered and exported. */
function underMocks(
    dir: string,
    program: string,
): { recorded: { type: string; name: string; inputs: any }[]; outputs: any; error?: string } {
    const runner = path.join(dir, "run-under-mocks.js");
    fs.writeFileSync(
        runner,
        `"use strict";
const pulumi = require("@pulumi/pulumi");
const recorded = [];
pulumi.runtime.setMocks({
    newResource(a) { recorded.push({ type: a.type, name: a.name, inputs: a.inputs }); return { id: a.name + "-id", state: a.inputs }; },
    call(a) { throw new Error("unexpected invoke " + a.token); },
}, "kubecache-consumer", "dev", false);
pulumi.runtime.setAllConfig({ "kubecache-consumer:redisPassword": "consumer-pw" }, ["kubecache-consumer:redisPassword"]);
let error;
let exported = {};
try { exported = require(process.argv[2]); } catch (e) { error = e.message; }
const names = Object.keys(exported);
Promise.all(names.map(k => new Promise(r => pulumi.output(exported[k]).apply(v => r(v)))))
    .then(values => new Promise(r => setTimeout(() => r(values), 500)))
    .then(values => console.log(JSON.stringify({ recorded, error, outputs: Object.fromEntries(names.map((k, i) => [k, values[i]])) })));
`,
    );
    return JSON.parse(run(process.execPath, [runner, program], { cwd: dir }).trim().split("\n").pop()!);
}

describe("the packed kubecache in a consumer that installs only @pulumi/pulumi and @pulumi/kubernetes", function () {
    this.timeout(300_000);
    let work: string;
    let consumer: string;
    let files: string[];

    before(() => {
        work = fs.mkdtempSync(path.join(os.tmpdir(), "kubecache-consumer-"));
        run(NPM, ["run", "--silent", "build"]);
        const dry = JSON.parse(run(NPM, ["pack", "--dry-run", "--json", "--ignore-scripts"]));
        files = dry[0].files.map((f: { path: string }) => f.path);
        const packed = JSON.parse(run(NPM, ["pack", "--json", "--ignore-scripts", "--pack-destination", work]));
        const tarball = path.join(work, packed[0].filename);

        consumer = path.join(work, "consumer");
        fs.mkdirSync(consumer);
        const example = JSON.parse(fs.readFileSync(path.join(EXAMPLE, "package.json"), "utf8"));
        const deps = { ...example.dependencies, kubecache: `file:${tarball}` };
        assert.deepStrictEqual(
            Object.keys(deps).sort(),
            [...PEERS, "kubecache"].sort(),
            "the example depends on the two peers and kubecache only",
        );
        fs.writeFileSync(
            path.join(consumer, "package.json"),
            JSON.stringify({ name: "kubecache-consumer", private: true, dependencies: deps }, null, 2),
        );
        fs.copyFileSync(path.join(EXAMPLE, "index.ts"), path.join(consumer, "index.ts"));
        // The registry's packages come from npm's cache when `npm ci` already fetched them; scripts stay off
        // (the SDKs' install scripts would try to download provider plugins).
        run(NPM, ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"], { cwd: consumer });
    });

    after(() => {
        if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    it("packs the compiled library, its declarations, scripts and dashboards, the operator manifests, and nothing of the program or tests", () => {
        for (const entry of ["redis", "memcached", "cluster", "image"]) {
            assert.ok(files.includes(`bin/components/${entry}/index.js`), `${entry} entry point packed`);
            assert.ok(files.includes(`bin/components/${entry}/index.d.ts`), `${entry} declarations packed`);
        }
        for (const f of [
            "bin/components/index.js",
            "bin/components/redis/dashboards/sentinel.json",
            "bin/components/redis/sentinel/scripts/prestop.sh",
            "operator/config/crd/bases/cache.kubecache.io_memcacheds.yaml",
            "operator/config/rbac/role.yaml",
            "operator/config/rbac/leader_election_role.yaml",
            "package.json",
            "README.md",
            "LICENSE",
        ]) {
            assert.ok(files.includes(f), `${f} packed`);
        }
        const stray = files.filter(f =>
            /^(stack|test|policy|bench|scripts|examples)\/|^index\.ts$|^Pulumi\.|\.go$|^operator\/(?!config\/)/.test(f),
        );
        assert.deepStrictEqual(stray, []);
    });

    it("installs none of the optional peers: no Alibaba Cloud, Docker, command or random SDK", () => {
        const present = [...PEERS, ...OPTIONAL_PEERS].filter(p => fs.existsSync(path.join(consumer, "node_modules", p, "package.json")));
        assert.deepStrictEqual(present, PEERS);
        const pkg = JSON.parse(fs.readFileSync(path.join(consumer, "node_modules", "kubecache", "package.json"), "utf8"));
        assert.deepStrictEqual(Object.keys(pkg.dependencies ?? {}), ["js-yaml"]);
        for (const p of OPTIONAL_PEERS) assert.strictEqual(pkg.peerDependenciesMeta?.[p]?.optional, true, `${p} is an optional peer`);
        for (const p of PEERS) assert.match(pkg.peerDependencies[p], /^\^\d+\.\d+\.\d+$/, `${p} is a caret-range peer`);
    });

    it("type-checks an import of kubecache/redis against the packed declarations", () => {
        fs.writeFileSync(
            path.join(consumer, "tsconfig.json"),
            JSON.stringify({
                compilerOptions: {
                    target: "ES2022",
                    module: "commonjs",
                    moduleResolution: "node",
                    strict: true,
                    esModuleInterop: true,
                    outDir: "bin",
                    types: ["node"],
                    typeRoots: [path.join(ROOT, "node_modules", "@types")],
                },
                files: ["index.ts"],
            }),
        );
        run(path.join(ROOT, "node_modules", ".bin", "tsc"), ["-p", consumer]);
        assert.ok(fs.existsSync(path.join(consumer, "bin", "index.js")));
    });

    it("runs under mocks and creates the components it asked for, on its provider", () => {
        const r = underMocks(consumer, path.join(consumer, "bin", "index.js"));
        assert.strictEqual(r.error, undefined);
        const sts = r.recorded.find(x => x.type === "kubernetes:apps/v1:StatefulSet" && x.name === "sessions");
        assert.ok(sts, `recorded: ${r.recorded.map(x => x.name).join(", ")}`);
        assert.strictEqual(sts.inputs.spec.replicas, 3);
        assert.strictEqual(sts.inputs.metadata.namespace, "team-a");
        assert.deepStrictEqual(
            r.recorded.filter(x => x.type.startsWith("random:")),
            [],
        );
        const dashboard = r.recorded.find(x => x.type === "kubernetes:core/v1:ConfigMap" && x.name === "sessions-dashboard");
        assert.ok(dashboard, "the dashboard ConfigMap, rendered from the packed JSON file");
        assert.match(
            dashboard.inputs.data["kubecache-redis-team-a-sessions.json"],
            /"title": "kubecache: Redis replicated \(team-a\/sessions\)"/,
        );
        assert.strictEqual(r.outputs.sessionsWrite, "sessions-master.team-a.svc.cluster.local:6379");
        assert.strictEqual(r.outputs.scratchEndpoint, "scratch.team-a.svc.cluster.local:6379");
    });

    it("says which optional peer to install when asked to generate a password without @pulumi/random", () => {
        const program = path.join(consumer, "generated.js");
        fs.writeFileSync(program, `const { RedisStandalone } = require("kubecache/redis");\nnew RedisStandalone("gen");\n`);
        const r = underMocks(consumer, program);
        assert.match(
            r.error ?? "",
            /RedisStandalone: `auth.password` is not set, and generating a password needs the optional peer dependency @pulumi\/random/,
        );
        assert.deepStrictEqual(
            r.recorded.filter(x => x.type.startsWith("kubernetes:")),
            [],
        );
    });
});

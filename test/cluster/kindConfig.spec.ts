import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { load } from "js-yaml";
import {
    CERTS_DIR,
    configHash,
    DEFAULT_NODE_IMAGE,
    localRegistryHostingData,
    LocalRegistry,
    registryCreateScript,
    registryDeleteScript,
    registryWireScript,
    renderHostsToml,
    renderKindConfig,
} from "../../components/cluster/kindConfig";

const tempDirs: string[] = [];
after(() => tempDirs.forEach(d => fs.rmSync(d, { recursive: true, force: true })));

const REGISTRY: LocalRegistry = { name: "kind-registry", port: 5001, image: "registry:2", owner: "kubecache" };

/**
 * Fake `docker` and `kind` on PATH: they log every call and answer `inspect` from FAKE_* variables,
 * so the scripts run for real without a Docker daemon.
 */
function runWithFakes(
    script: string,
    fake: Record<string, string>,
): { status: number | null; calls: string[]; stderr: string; stdout: string; dir: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubecache-kind-"));
    tempDirs.push(dir);
    fs.writeFileSync(
        path.join(dir, "docker"),
        `#!/bin/sh
echo "docker $*" >> "$FAKE_DIR/calls"
case "$1" in
  inspect)
    [ "$FAKE_STATE" = absent ] && [ ! -f "$FAKE_DIR/started" ] && exit 1
    case "$*" in
      *State.Running*) echo "$FAKE_STATE" ;;
      *NetworkSettings.Ports*) echo "$FAKE_PORT" ;;
      *Config.Labels*) echo "$FAKE_OWNER" ;;
      *Networks.kind*) echo "$FAKE_NETWORK" ;;
    esac ;;
  run) touch "$FAKE_DIR/started" ;;
  exec) [ "$2" = -i ] && cat > "$FAKE_DIR/stdin-$3" ;;
esac
exit 0
`,
        { mode: 0o755 },
    );
    fs.writeFileSync(
        path.join(dir, "kind"),
        `#!/bin/sh
echo "kind $*" >> "$FAKE_DIR/calls"
[ "$1 $2" = "get nodes" ] && printf 'kubecache-control-plane\\nkubecache-worker\\n'
exit 0
`,
        { mode: 0o755 },
    );
    const result = spawnSync("sh", ["-c", script], {
        env: {
            PATH: `${dir}:/usr/bin:/bin`,
            FAKE_DIR: dir,
            FAKE_STATE: "absent",
            FAKE_PORT: "5001",
            FAKE_OWNER: "",
            FAKE_NETWORK: "null",
            ...fake,
        },
        encoding: "utf8",
        timeout: 10_000,
    });
    const log = path.join(dir, "calls");
    const calls = fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : [];
    return { status: result.status, calls, stderr: result.stderr, stdout: result.stdout, dir };
}

describe("kind config renderers", () => {
    it("renders a kind config with pinned nodes, workers and the containerd 2.x registry patch", () => {
        const text = renderKindConfig({ clusterName: "kubecache", nodeImage: DEFAULT_NODE_IMAGE, workers: 2 });
        const doc = load(text) as any;
        assert.strictEqual(doc.kind, "Cluster");
        assert.strictEqual(doc.apiVersion, "kind.x-k8s.io/v1alpha4");
        assert.strictEqual(doc.name, "kubecache");
        assert.deepStrictEqual(
            doc.nodes.map((n: any) => n.role),
            ["control-plane", "worker", "worker"],
        );
        for (const node of doc.nodes) assert.match(node.image, /^kindest\/node:v1\.\d+\.\d+@sha256:[0-9a-f]{64}$/);
        assert.strictEqual(doc.containerdConfigPatches.length, 1);
        assert.match(
            doc.containerdConfigPatches[0],
            /^\[plugins\."io\.containerd\.cri\.v1\.images"\.registry\]\n\s+config_path = "\/etc\/containerd\/certs\.d"$/,
        );
        assert.doesNotMatch(text, /mirrors/, "the containerd 1.x mirrors patch is ignored by containerd 2.x");
    });

    it("maps localhost:<port> to the registry container in hosts.toml and publishes it for KEP-1755", () => {
        assert.strictEqual(renderHostsToml(REGISTRY), `[host."http://kind-registry:5000"]\n  capabilities = ["pull", "resolve"]\n`);
        const hosting = load(localRegistryHostingData(REGISTRY)["localRegistryHosting.v1"]) as any;
        assert.deepStrictEqual(hosting, { host: "localhost:5001", help: "https://kind.sigs.k8s.io/docs/user/local-registry/" });
    });

    it("hashes config content, so only a real change replaces the cluster", () => {
        const a = renderKindConfig({ clusterName: "kubecache", nodeImage: DEFAULT_NODE_IMAGE, workers: 1 });
        const b = renderKindConfig({ clusterName: "kubecache", nodeImage: DEFAULT_NODE_IMAGE, workers: 2 });
        assert.strictEqual(configHash(a), configHash(a));
        assert.notStrictEqual(configHash(a), configHash(b));
        assert.match(configHash(a), /^[0-9a-f]{16}$/);
    });
});

describe("local registry scripts (fake docker/kind)", () => {
    it("starts registry:2 on 127.0.0.1 with the owner label when no container exists", () => {
        const r = runWithFakes(registryCreateScript(REGISTRY), { FAKE_STATE: "absent" });
        assert.strictEqual(r.status, 0, r.stderr);
        const run = r.calls.find(c => c.startsWith("docker run"));
        assert.ok(run, r.calls.join("\n"));
        assert.match(run, /-p 127\.0\.0\.1:5001:5000 .*--label io\.kubecache\.owner=kubecache --name kind-registry registry:2$/);
        assert.strictEqual(r.stdout.trim(), "localhost:5001");
    });

    it("reuses a running registry container instead of failing", () => {
        const r = runWithFakes(registryCreateScript(REGISTRY), { FAKE_STATE: "true" });
        assert.strictEqual(r.status, 0, r.stderr);
        assert.ok(!r.calls.some(c => /docker (run|start)/.test(c)), r.calls.join("\n"));
        assert.match(r.stderr, /reusing running registry container kind-registry/);
    });

    it("restarts a stopped one and fails when a reused container publishes another port", () => {
        const stopped = runWithFakes(registryCreateScript(REGISTRY), { FAKE_STATE: "false" });
        assert.strictEqual(stopped.status, 0, stopped.stderr);
        assert.ok(stopped.calls.includes("docker start kind-registry"));
        const wrong = runWithFakes(registryCreateScript(REGISTRY), { FAKE_STATE: "true", FAKE_PORT: "5000" });
        assert.strictEqual(wrong.status, 1);
        assert.match(wrong.stderr, /publishes port '5000', expected 5001/);
    });

    it("deletes only a container this cluster created", () => {
        const mine = runWithFakes(registryDeleteScript(REGISTRY), { FAKE_STATE: "true", FAKE_OWNER: "kubecache" });
        assert.ok(mine.calls.includes("docker rm -f kind-registry"), mine.calls.join("\n"));
        const theirs = runWithFakes(registryDeleteScript(REGISTRY), { FAKE_STATE: "true", FAKE_OWNER: "other" });
        assert.strictEqual(theirs.status, 0);
        assert.ok(!theirs.calls.some(c => c.startsWith("docker rm")), theirs.calls.join("\n"));
    });

    it("writes hosts.toml into every node and joins the kind network once", () => {
        const r = runWithFakes(registryWireScript("kubecache", REGISTRY), { FAKE_STATE: "true", FAKE_NETWORK: "null" });
        assert.strictEqual(r.status, 0, r.stderr);
        const dir = `${CERTS_DIR}/localhost:5001`;
        for (const node of ["kubecache-control-plane", "kubecache-worker"]) {
            assert.ok(r.calls.includes(`docker exec ${node} mkdir -p ${dir}`), r.calls.join("\n"));
            assert.strictEqual(fs.readFileSync(path.join(r.dir, `stdin-${node}`), "utf8"), renderHostsToml(REGISTRY));
        }
        assert.ok(r.calls.includes("docker network connect kind kind-registry"));
        const again = runWithFakes(registryWireScript("kubecache", REGISTRY), { FAKE_STATE: "true", FAKE_NETWORK: '{"NetworkID":"x"}' });
        assert.ok(!again.calls.some(c => c.startsWith("docker network connect")), "already connected: no second connect");
    });
});

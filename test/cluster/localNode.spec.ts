// The real-node mode of scripts/local-cluster renders its kubelet, kube-proxy, containerd and CNI configs from
// shell functions (scripts/local-node.sh); these tests render them into a temp folder, without starting anything,
// and check the settings this machine's constraints require. scripts/images.sh's reading of operator/Dockerfile
// is checked the same way.
import { strict as assert } from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "../..");
const LIB = path.join(ROOT, "scripts", "local-node.sh");

/** Sources local-node.sh with DIR set to a temp folder and runs `body`; returns that folder. */
function render(body: string, env: Record<string, string> = {}): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kc-node-render-"));
    execFileSync("bash", ["-c", `set -euo pipefail; source "${LIB}"; ${body}`], {
        env: {
            ...process.env,
            DIR: dir,
            CGROUP_PREFIX: "kubecache-test",
            nodes: "2",
            KUBECACHE_IMAGE_PAUSE: "127.0.0.1:5001/kubecache/pause@sha256:" + "0".repeat(64),
            ...env,
        },
    });
    return dir;
}

describe("local-cluster --real: rendered node configs", () => {
    const dirs: string[] = [];
    after(() => {
        for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    });

    it("the kubelet runs on cgroup v1 with cgroupfs, OOM score 0, a private cgroup root, and checks kernel defaults instead of writing them", () => {
        const dir = render('mkdir -p "$DIR/n"; kubelet_config "$DIR/n" kc-node-1 1 10250 10248');
        dirs.push(dir);
        const c = yaml.load(fs.readFileSync(path.join(dir, "n", "kubelet.yaml"), "utf8")) as Record<string, any>;
        assert.equal(c.failCgroupV1, false);
        assert.equal(c.cgroupDriver, "cgroupfs");
        assert.equal(c.oomScoreAdj, 0);
        assert.equal(c.protectKernelDefaults, true);
        assert.equal(c.cgroupRoot, "/kubecache-test-kc-node-1");
        assert.equal(c.address, "10.217.0.12", "node 1 answers on its own bridge address");
        assert.deepEqual(c.clusterDNS, ["10.218.0.10"]);
        assert.equal(c.resolvConf, path.join(dir, "resolv.conf"), "pods learn no upstream resolver");
        assert.equal(c.readOnlyPort, 0);
        assert.equal(c.authentication.anonymous.enabled, false);
        assert.equal(c.containerRuntimeEndpoint, `unix://${dir}/n/containerd/containerd.sock`);
    });

    it("kube-proxy uses iptables, leaves OOM score and conntrack sizing alone, and needs no route_localnet", () => {
        const dir = render("kube_proxy_config 10256 10249");
        dirs.push(dir);
        const c = yaml.load(fs.readFileSync(path.join(dir, "kube-proxy.yaml"), "utf8")) as Record<string, any>;
        assert.equal(c.mode, "iptables");
        assert.equal(c.oomScoreAdj, 0);
        assert.equal(c.conntrack.maxPerCore, 0);
        assert.equal(c.iptables.localhostNodePorts, false);
        assert.equal(c.clusterCIDR, "10.217.0.0/16");
        assert.equal(c.healthzBindAddress, "127.0.0.1:10256");
    });

    it("containerd restricts OOM scores, keeps its state, runc root and netns under the node folder, pulls the local registry over HTTP", () => {
        const dir = render('containerd_config "$DIR/kc-node-0" 0');
        dirs.push(dir);
        const n = path.join(dir, "kc-node-0");
        const toml = fs.readFileSync(path.join(n, "containerd", "config.toml"), "utf8");
        assert.match(toml, /^\s*restrict_oom_score_adj = true$/m);
        assert.match(toml, /^\s*netns_mounts_under_state_dir = true$/m);
        assert.match(toml, /\[plugins\.'io\.containerd\.nri\.v1\.nri'\]\s+disable = true/);
        assert.match(toml, /^\s*SystemdCgroup = false$/m);
        for (const key of ["root", "state", "Root"]) {
            const m = new RegExp(`^\\s*${key} = "([^"]+)"$`, "m").exec(toml);
            assert.ok(m?.[1].startsWith(n), `${key} under the node folder: ${m?.[1]}`);
        }
        assert.match(toml, /sandbox = "127\.0\.0\.1:5001\/kubecache\/pause@sha256:0{64}"/);
        const hosts = fs.readFileSync(path.join(n, "containerd", "certs.d", "127.0.0.1:5001", "hosts.toml"), "utf8");
        assert.match(hosts, /^server = "http:\/\/127\.0\.0\.1:5001"$/m);
        const cni = JSON.parse(fs.readFileSync(path.join(n, "cni", "conf", "10-kubecache.conflist"), "utf8"));
        const bridge = cni.plugins[0];
        assert.equal(bridge.bridge, "kcbr0");
        assert.equal(bridge.ipMasq, false, "no SNAT: pod traffic never leaves the machine");
        assert.deepEqual(bridge.ipam.ranges[0][0], {
            subnet: "10.217.0.0/17",
            rangeStart: "10.217.1.2",
            rangeEnd: "10.217.1.254",
            gateway: "10.217.0.1",
        });
    });

    it("the ranges and bridge names can be moved off the defaults", () => {
        const dir = render('containerd_config "$DIR/kc-node-1" 1; kubelet_config "$DIR/kc-node-1" kc-node-1 1 1 2', {
            KUBECACHE_POD_CIDR: "10.231.0.0/16",
            KUBECACHE_SERVICE_CIDR: "10.232.0.0/16",
            KUBECACHE_BRIDGE: "kcbrx",
        });
        dirs.push(dir);
        const cni = JSON.parse(fs.readFileSync(path.join(dir, "kc-node-1", "cni", "conf", "10-kubecache.conflist"), "utf8"));
        assert.equal(cni.plugins[0].bridge, "kcbrx");
        assert.equal(cni.plugins[0].ipam.ranges[0][0].rangeStart, "10.231.2.2");
        const c = yaml.load(fs.readFileSync(path.join(dir, "kc-node-1", "kubelet.yaml"), "utf8")) as Record<string, any>;
        assert.deepEqual(c.clusterDNS, ["10.232.0.10"]);
    });

    it("CoreDNS answers cluster.local itself and forwards nothing off the machine", () => {
        const out = execFileSync("bash", [
            "-c",
            `source "${LIB}"; KUBECACHE_IMAGE_COREDNS=img@sha256:${"1".repeat(64)} coredns_manifest`,
        ]).toString();
        const docs = yaml.loadAll(out) as any[];
        const corefile: string = docs.find(d => d.kind === "ConfigMap").data.Corefile;
        assert.doesNotMatch(corefile, /\bforward\b/);
        assert.match(corefile, /kubernetes cluster\.local/);
        assert.match(corefile, /rcode NXDOMAIN/);
        assert.equal(docs.find(d => d.kind === "Service").spec.clusterIP, "10.218.0.10");
        assert.equal(docs.find(d => d.kind === "Deployment").spec.template.spec.dnsPolicy, "Default");
    });

    it("the default StorageClass is local-path on the cluster dir, its helper pods on the local image", () => {
        const img = `127.0.0.1:5001/kubecache/local-path-provisioner@sha256:${"2".repeat(64)}`;
        const out = execFileSync("bash", [
            "-c",
            `source "${LIB}"; DIR=/tmp/kc-x KUBECACHE_IMAGE_LOCALPATH=${img} local_path_manifest`,
        ]).toString();
        const docs = yaml.loadAll(out) as any[];
        const sc = docs.find(d => d.kind === "StorageClass");
        assert.equal(sc.metadata.annotations["storageclass.kubernetes.io/is-default-class"], "true");
        assert.equal(sc.provisioner, "rancher.io/local-path");
        assert.equal(sc.reclaimPolicy, "Delete");
        assert.equal(sc.volumeBindingMode, "WaitForFirstConsumer");
        const cm = docs.find(d => d.kind === "ConfigMap");
        assert.deepEqual(JSON.parse(cm.data["config.json"]).nodePathMap[0].paths, ["/tmp/kc-x/local-path"]);
        assert.match(cm.data.setup, /mkdir -m 0777 -p "\$VOL_DIR"/);
        assert.equal((yaml.load(cm.data["helperPod.yaml"]) as any).spec.containers[0].image, img);
        const dep = docs.find(d => d.kind === "Deployment").spec.template.spec;
        assert.equal(dep.containers[0].image, img);
        const sa = docs.find(d => d.kind === "ServiceAccount").metadata.name;
        assert.equal(dep.serviceAccountName, sa);
        // The helper pods run under the account the provisioner names; it must be the one that exists.
        const args: string[] = dep.containers[0].command;
        assert.equal(args[args.indexOf("--service-account-name") + 1], sa);
    });
});

describe("scripts/images.sh reproduces operator/Dockerfile", () => {
    it("reads USER from the committed Dockerfile", () => {
        const r = spawnSync("bash", [path.join(ROOT, "scripts", "images.sh"), "dockerfile"]);
        assert.equal(r.status, 0, r.stderr.toString());
        assert.equal(r.stdout.toString().trim(), "65532:65532");
    });

    it("refuses a Dockerfile instruction it would not reproduce", () => {
        const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "kc-df-")), "Dockerfile");
        fs.writeFileSync(f, 'FROM scratch\nCOPY bin/manager /manager\nRUN chmod 0755 /manager\nENTRYPOINT ["/manager"]\n');
        const r = spawnSync("bash", [path.join(ROOT, "scripts", "images.sh"), "dockerfile", f]);
        assert.notEqual(r.status, 0);
        assert.match(r.stderr.toString(), /not reproduced by this script: RUN chmod 0755 \/manager/);
        fs.rmSync(path.dirname(f), { recursive: true });
    });
});

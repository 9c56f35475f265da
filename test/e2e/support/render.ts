// The comparison the bench table needs: the same program rendered to YAML by the provider
// (renderYamlToDirectory), then `kubectl apply` of those files against the same API server, waited to ready.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Kubectl } from "./cluster";
import { Stack } from "./pulumi";

export interface RenderBench {
    renderMs: number;
    applyMs: number;
    deleteMs: number;
    files: number;
    objects: number;
}

function yamlFiles(dir: string): string[] {
    if (!fs.existsSync(dir)) return [];
    return fs
        .readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter(e => e.isFile() && e.name.endsWith(".yaml"))
        .map(e => path.join(e.parentPath, e.name))
        .sort();
}

export async function renderAndApply(
    project: string,
    kubectl: Kubectl,
    secrets: Record<string, string>,
    namespaces: string[],
    config: Record<string, string | number> = {},
): Promise<RenderBench> {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "kubecache-render-"));
    const stack = new Stack(project, "render");
    try {
        await stack.init();
        await stack.setConfig({ ...config, renderDir: out }, secrets);
        const r = await stack.up();
        if (r.code !== 0) throw new Error(`render up failed:\n${r.stdout.slice(-3000)}`);
        // The provider writes CRDs to 0-crd/ and everything else to 1-manifest/; Namespaces go first so
        // namespaced objects in the same apply find them.
        const crds = yamlFiles(path.join(out, "0-crd"));
        const rest = yamlFiles(path.join(out, "1-manifest"));
        const isNs = (f: string) => /^kind: Namespace$/m.test(fs.readFileSync(f, "utf8"));
        const first = [...crds, ...rest.filter(isNs)],
            second = rest.filter(f => !isNs(f));
        const objects = first.length + second.length;

        const t0 = Date.now();
        await kubectl.ok(["apply", ...first.flatMap(f => ["-f", f])]);
        await kubectl.ok(["wait", "--for=condition=Established", "crd", "--all", "--timeout=60s"]);
        await kubectl.ok(["apply", ...second.flatMap(f => ["-f", f])]);
        for (const ns of namespaces) {
            for (const kind of ["deployment", "statefulset"]) {
                const names = (await kubectl.list(kind, ns)).map(o => `${kind}/${o.metadata.name}`);
                for (const n of names) await kubectl.ok(["rollout", "status", n, "-n", ns, "--timeout=180s"], undefined, 200_000);
            }
        }
        const applyMs = Date.now() - t0;

        const t1 = Date.now();
        await kubectl.ok(["delete", "--wait", "--timeout=180s", ...[...second, ...first].flatMap(f => ["-f", f])], undefined, 200_000);
        return { renderMs: r.ms, applyMs, deleteMs: Date.now() - t1, files: objects, objects };
    } finally {
        await stack.remove();
        // The rendered Secrets hold the password in plaintext: never leave them behind.
        fs.rmSync(out, { recursive: true, force: true });
    }
}

/**
 * Text the KindCluster component hands to `kind` and `docker`: the cluster config, the containerd
 * `hosts.toml` that maps the local registry, the registry scripts and the KEP-1755 ConfigMap data.
 * Pure functions, so tests run them for real; every name they interpolate is validated as a
 * DNS-1123 label by the component first, which keeps the shell free of quoting surprises.
 */
import { createHash } from "crypto";

/** Node image for kind v0.29 (Kubernetes 1.33.1, containerd 2.1), pinned by digest as kind's release notes require. */
export const DEFAULT_NODE_IMAGE = "kindest/node:v1.33.1@sha256:050072256b9a903bd914c0b2866828150cb229cea0efe5892e2b644d5dd3b34f";
export const DEFAULT_REGISTRY_IMAGE = "registry:2";
export const DEFAULT_REGISTRY_PORT = 5001;
/** Directory containerd 2.x reads per-registry `hosts.toml` files from (the old `mirrors` patch is gone). */
export const CERTS_DIR = "/etc/containerd/certs.d";
/** Label marking a registry container this stack started, so `delete` never removes someone else's. */
export const OWNER_LABEL = "io.kubecache.owner";

export interface KindLayout {
    clusterName: string;
    nodeImage: string;
    workers: number;
}

export interface LocalRegistry {
    /** Container name, also its host name on the `kind` network. */
    name: string;
    /** Host port bound on 127.0.0.1. */
    port: number;
    image: string;
    /** Value of {@link OWNER_LABEL}: the kind cluster name. */
    owner: string;
}

/**
 * The kind config for `kind create cluster --config -`. The containerd patch points the CRI image
 * service (containerd 2.x plugin id) at {@link CERTS_DIR}; kind merges it into each node's config.
 * kind v0.29's node config is still `version = 2`: containerd 2.1 migrates it by merging the old
 * CRI section into this plugin's table, and kind's base config sets no registry there, so the key
 * survives (checked against the kind v0.29.0 and containerd v2.1.1 sources).
 */
export function renderKindConfig(layout: KindLayout): string {
    const node = (role: string) => `  - role: ${role}\n    image: ${layout.nodeImage}\n`;
    return [
        "kind: Cluster\n",
        "apiVersion: kind.x-k8s.io/v1alpha4\n",
        `name: ${layout.clusterName}\n`,
        "nodes:\n",
        node("control-plane"),
        ...Array.from({ length: layout.workers }, () => node("worker")),
        "containerdConfigPatches:\n",
        "  - |-\n",
        '    [plugins."io.containerd.cri.v1.images".registry]\n',
        `      config_path = "${CERTS_DIR}"\n`,
    ].join("");
}

/** `hosts.toml` for `localhost:<port>`: inside a node, localhost is the node itself, so pulls go to the registry container. */
export function renderHostsToml(registry: LocalRegistry): string {
    return `[host."http://${registry.name}:5000"]\n  capabilities = ["pull", "resolve"]\n`;
}

/** The registry as both the workstation and the nodes name it. */
export function registryHost(registry: Pick<LocalRegistry, "port">): string {
    return `localhost:${registry.port}`;
}

const PORT_OF = `{{range $p, $b := .NetworkSettings.Ports}}{{if eq $p "5000/tcp"}}{{range $b}}{{.HostPort}}{{end}}{{end}}{{end}}`;

/**
 * Starts the registry container unless it already runs (reused, not an error), then checks that it
 * publishes the expected port, so a reused container on another port fails loudly.
 */
export function registryCreateScript(r: LocalRegistry): string {
    return `set -eu
name='${r.name}'
if [ "$(docker inspect -f '{{.State.Running}}' "$name" 2>/dev/null || true)" = true ]; then
  echo "kubecache: reusing running registry container $name" >&2
elif docker inspect "$name" >/dev/null 2>&1; then
  docker start "$name" >/dev/null
else
  docker run -d --restart=always -p '127.0.0.1:${r.port}:5000' --network bridge \\
    --label '${OWNER_LABEL}=${r.owner}' --name "$name" '${r.image}' >/dev/null
fi
port="$(docker inspect -f '${PORT_OF}' "$name")"
if [ "$port" != '${r.port}' ]; then
  echo "kubecache: registry container $name publishes port '$port', expected ${r.port}; remove it or set the registry port" >&2
  exit 1
fi
echo "${registryHost(r)}"
`;
}

/** Removes the registry container only when this stack created it. */
export function registryDeleteScript(r: LocalRegistry): string {
    return `set -eu
name='${r.name}'
owner="$(docker inspect -f '{{index .Config.Labels "${OWNER_LABEL}"}}' "$name" 2>/dev/null || true)"
if [ "$owner" = '${r.owner}' ]; then
  docker rm -f "$name" >/dev/null
else
  echo "kubecache: leaving registry container $name in place (not created by cluster ${r.owner})" >&2
fi
`;
}

/** Writes `hosts.toml` into every node and joins the registry to the `kind` network (both idempotent). */
export function registryWireScript(clusterName: string, r: LocalRegistry): string {
    const dir = `${CERTS_DIR}/${registryHost(r)}`;
    return `set -eu
for node in $(kind get nodes --name '${clusterName}'); do
  docker exec "$node" mkdir -p '${dir}'
  docker exec -i "$node" sh -c 'cat > "$1"' _ '${dir}/hosts.toml' <<'HOSTS_TOML'
${renderHostsToml(r)}HOSTS_TOML
done
if [ "$(docker inspect -f '{{json .NetworkSettings.Networks.kind}}' '${r.name}')" = null ]; then
  docker network connect kind '${r.name}'
fi
`;
}

/** `data` of the `kube-public/local-registry-hosting` ConfigMap (KEP-1755), so tools discover the registry. */
export function localRegistryHostingData(r: Pick<LocalRegistry, "port">): Record<string, string> {
    return {
        "localRegistryHosting.v1": `host: "${registryHost(r)}"\nhelp: "https://kind.sigs.k8s.io/docs/user/local-registry/"\n`,
    };
}

/** Short content hash: a change replaces the cluster (and with it the provider identity). */
export function configHash(...parts: string[]): string {
    return createHash("sha256").update(parts.join("\0")).digest("hex").slice(0, 16);
}

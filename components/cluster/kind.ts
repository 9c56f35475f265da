import * as command from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { requirePinnedImage } from "../common/image";
import { recommendedLabels } from "../common/labels";
import { requireDnsLabel } from "../common/names";
import { Registry } from "../common/types";
import { ArgumentError, checked, requireInteger } from "../common/validate";
import {
    configHash,
    DEFAULT_NODE_IMAGE,
    DEFAULT_REGISTRY_IMAGE,
    DEFAULT_REGISTRY_PORT,
    localRegistryHostingData,
    LocalRegistry,
    registryCreateScript,
    registryDeleteScript,
    registryHost,
    registryWireScript,
    renderKindConfig,
} from "./kindConfig";
import { KubecacheCluster } from "./types";

const COMPONENT = "KindCluster";

/** Arguments for {@link KindCluster}. Plain values: they are rendered into the kind config before anything runs. */
export interface KindClusterArgs {
    /** kind cluster name (`kind get clusters`); the kubectl context becomes `kind-<name>`. Defaults to `kubecache`. */
    clusterName?: string;
    /**
     * Node image, pinned by digest (kind's node images change format between releases). Defaults to the kind
     * v0.29 image for Kubernetes 1.33.1. A plain value is checked before anything runs, an Output once it resolves.
     */
    nodeImage?: pulumi.Input<string>;
    /** Worker nodes besides the control plane, 0 to 5. Defaults to 1. */
    workers?: number;
    /** Local registry; `false` for none. Defaults to `kind-registry` on 127.0.0.1:5001. */
    registry?:
        | false
        | {
              /** Container name, also its host name on the `kind` network. Defaults to `kind-registry`. */
              name?: string;
              /** Port bound on 127.0.0.1. Defaults to 5001 (macOS uses 5000 for AirPlay). */
              port?: number;
              /** Registry image, pinned to a tag or digest. Defaults to `registry:2`. */
              image?: pulumi.Input<string>;
          };
    /** Seconds `kind create cluster` waits for the control plane to be ready. Defaults to 120. */
    waitSeconds?: number;
}

/**
 * A local kind cluster driven through the `kind` and `docker` CLIs (there is no kind provider), with
 * a `registry:2` container the nodes pull from as `localhost:<port>`, mapped by containerd `hosts.toml`.
 */
export class KindCluster extends pulumi.ComponentResource implements KubecacheCluster {
    /** Admin kubeconfig of the cluster (`kind get kubeconfig`), always a secret. */
    public readonly kubeconfig: pulumi.Output<string>;
    /** A Kubernetes provider for the cluster, to pass to every component as `{ provider }`. */
    public readonly provider: k8s.Provider;
    /** The local registry (`localhost:<port>` for pushes and pulls); undefined when `registry` is false. */
    public readonly registry?: Registry;
    /** The rendered kind config, as passed on stdin. */
    public readonly config: pulumi.Output<string>;

    constructor(name: string, args: KindClusterArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        super("kubecache:index:KindCluster", name, {}, opts);
        const clusterName = args.clusterName ?? "kubecache";
        requireDnsLabel(COMPONENT, "clusterName", clusterName, 40);
        const nodeImage = checked(args.nodeImage ?? DEFAULT_NODE_IMAGE, image => {
            requirePinnedImage(COMPONENT, "nodeImage", image);
            if (!/@sha256:[0-9a-f]{64}$/.test(image)) {
                throw new ArgumentError(
                    COMPONENT,
                    "nodeImage",
                    `must be pinned by digest (kindest/node:<version>@sha256:<digest>, from the kind release notes); got ${JSON.stringify(image)}.`,
                );
            }
        });
        requireInteger(COMPONENT, "workers", args.workers, 0, 5);
        requireInteger(COMPONENT, "waitSeconds", args.waitSeconds, 0, 3600);
        const registryArgs =
            args.registry === false
                ? undefined
                : {
                      name: args.registry?.name ?? "kind-registry",
                      port: args.registry?.port ?? DEFAULT_REGISTRY_PORT,
                      image: checked(args.registry?.image ?? DEFAULT_REGISTRY_IMAGE, image =>
                          requirePinnedImage(COMPONENT, "registry.image", image),
                      ),
                      owner: clusterName,
                  };
        if (registryArgs) {
            requireDnsLabel(COMPONENT, "registry.name", registryArgs.name);
            requireInteger(COMPONENT, "registry.port", registryArgs.port, 1024, 65535);
        }

        this.config = nodeImage.apply(image => renderKindConfig({ clusterName, nodeImage: image, workers: args.workers ?? 1 }));
        const hash = this.config.apply(configHash);
        const child = { parent: this };

        const cluster = new command.local.Command(
            `${name}-cluster`,
            {
                create: `kind create cluster --name '${clusterName}' --config - --wait ${args.waitSeconds ?? 120}s`,
                stdin: this.config,
                delete: `kind delete cluster --name '${clusterName}'`,
                triggers: [hash],
            },
            { ...child, deleteBeforeReplace: true, replaceOnChanges: ["*"] },
        ); // re-running create on a live cluster fails

        // Re-read whenever the cluster is recreated; stdout is the admin kubeconfig, so keep it out of logs and state.
        const read = new command.local.Command(
            `${name}-kubeconfig`,
            {
                create: `kind get kubeconfig --name '${clusterName}'`,
                triggers: [hash],
                logging: "stderr",
            },
            { ...child, dependsOn: [cluster], additionalSecretOutputs: ["stdout"] },
        );
        this.kubeconfig = pulumi.secret(read.stdout);

        const providerDeps: pulumi.Resource[] = [cluster];
        if (registryArgs) {
            const registry = registryArgs.image.apply((image): LocalRegistry => ({ ...registryArgs, image }));
            const container = new command.local.Command(
                `${name}-registry`,
                {
                    create: registry.apply(registryCreateScript),
                    delete: registry.apply(registryDeleteScript),
                    triggers: [registryArgs.name, registryArgs.port, registryArgs.image],
                },
                { ...child, deleteBeforeReplace: true, replaceOnChanges: ["*"] },
            );
            const wiring = new command.local.Command(
                `${name}-registry-hosts`,
                {
                    create: registry.apply(r => registryWireScript(clusterName, r)),
                    triggers: [hash, registryArgs.name, registryArgs.port],
                },
                { ...child, dependsOn: [cluster, container] },
            );
            providerDeps.push(wiring);
            const host = pulumi.output(registryHost(registryArgs));
            this.registry = { pushServer: host, pullServer: host };
        }

        // The identity changes only when the cluster is recreated (new config hash): then every
        // Kubernetes resource must be recreated in it, which a replaced provider achieves.
        this.provider = new k8s.Provider(
            `${name}-k8s`,
            {
                kubeconfig: this.kubeconfig,
                clusterIdentifier: pulumi.interpolate`kind-${clusterName}-${hash}`,
                enableServerSideApply: true,
            },
            { ...child, dependsOn: providerDeps },
        );

        if (registryArgs) {
            new k8s.core.v1.ConfigMap(
                `${name}-local-registry-hosting`,
                {
                    metadata: {
                        name: "local-registry-hosting",
                        namespace: "kube-public",
                        labels: recommendedLabels("local-registry", clusterName, "registry"),
                    },
                    data: localRegistryHostingData(registryArgs),
                },
                { ...child, provider: this.provider },
            );
        }
        this.registerOutputs({ kubeconfig: this.kubeconfig, registry: this.registry, config: this.config });
    }
}

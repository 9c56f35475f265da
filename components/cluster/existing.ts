import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ArgumentError, known } from "../common/validate";
import { inspectKubeconfig, KubeconfigSummary } from "./kubeconfig";
import { ClusterRegistry, KubecacheCluster } from "./types";

const COMPONENT = "ExistingCluster";

/** Arguments for {@link ExistingCluster}: exactly one of `kubeconfig` and `kubeconfigPath`. */
export interface ExistingClusterArgs {
    /** Kubeconfig document (YAML or JSON), e.g. from `pulumi config set --secret kubeconfig < file`. Kept secret. */
    kubeconfig?: pulumi.Input<string>;
    /** Path to a kubeconfig file (`~` expands to the home directory); read once, at program start. */
    kubeconfigPath?: string;
    /** Context to use; the kubeconfig's `current-context` when omitted. */
    context?: string;
    /** Provider identity; defaults to `existing-<context>`, so a rotated credential updates the provider in place. */
    clusterIdentifier?: string;
    /** Registry the cluster can pull from, for the operator image; none when omitted. */
    registry?: {
        /** Host (and port) `docker push` reaches, e.g. `registry.example.com`. */
        pushServer: string;
        /** Host the nodes pull from. Defaults to `pushServer`. */
        pullServer?: string;
        /** Push user name. */
        username?: pulumi.Input<string>;
        /** Push password or token; wrapped as a secret. */
        password?: pulumi.Input<string>;
    };
}

/** Adopts a cluster the stack does not manage: only a provider and registry settings, no cluster resources. */
export class ExistingCluster extends pulumi.ComponentResource implements KubecacheCluster {
    public readonly kubeconfig: pulumi.Output<string>;
    public readonly provider: k8s.Provider;
    public readonly registry?: ClusterRegistry;
    /** The context the provider uses. */
    public readonly context: pulumi.Output<string>;

    constructor(name: string, args: ExistingClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubecache:index:ExistingCluster", name, {}, opts);
        if ((args.kubeconfig === undefined) === (args.kubeconfigPath === undefined)) {
            throw new ArgumentError(COMPONENT, "kubeconfig", "or `kubeconfigPath` must be set, and not both.");
        }
        if (args.context !== undefined && (typeof args.context !== "string" || args.context === "")) {
            throw new ArgumentError(COMPONENT, "context", `must be a non-empty context name; got ${JSON.stringify(args.context)}.`);
        }
        const field = args.kubeconfigPath !== undefined ? "kubeconfigPath" : "kubeconfig";
        const inspect = (text: string): KubeconfigSummary => {
            try {
                return inspectKubeconfig(text, args.context);
            } catch (e) {
                throw new ArgumentError(COMPONENT, field, `${(e as Error).message}.`);
            }
        };
        let text: pulumi.Input<string>;
        if (args.kubeconfigPath !== undefined) {
            const file = args.kubeconfigPath.replace(/^~(?=$|\/)/, os.homedir());
            try {
                text = fs.readFileSync(path.resolve(file), "utf8");
            } catch (e) {
                throw new ArgumentError(COMPONENT, "kubeconfigPath", `must name a readable file; ${(e as NodeJS.ErrnoException).code ?? "error"} reading ${JSON.stringify(file)}.`);
            }
        } else {
            text = args.kubeconfig!;
        }
        // A plain document is checked now; a secret Output is checked as soon as it resolves, before the provider uses it.
        const now = known(text);
        const summary = now !== undefined ? pulumi.output(inspect(now)) : pulumi.unsecret(pulumi.output(text).apply(inspect));
        if (args.registry !== undefined && !/^[a-z0-9.-]+(:\d+)?$/i.test(args.registry.pushServer ?? "")) {
            throw new ArgumentError(COMPONENT, "registry.pushServer", `must be a registry host[:port]; got ${JSON.stringify(args.registry.pushServer)}.`);
        }

        this.kubeconfig = pulumi.secret(pulumi.all([text, summary]).apply(([t]) => t));
        this.context = summary.apply(s => s.context);
        this.provider = new k8s.Provider(`${name}-k8s`, {
            kubeconfig: this.kubeconfig,
            context: this.context,
            clusterIdentifier: args.clusterIdentifier ?? pulumi.interpolate`existing-${this.context}`,
            enableServerSideApply: true,
        }, { parent: this });
        if (args.registry) {
            const r = args.registry;
            this.registry = {
                pushServer: pulumi.output(r.pushServer),
                pullServer: pulumi.output(r.pullServer ?? r.pushServer),
                ...(r.username !== undefined ? { username: pulumi.output(r.username) } : {}),
                ...(r.password !== undefined ? { password: pulumi.secret(r.password) } : {}),
            };
        }
        this.registerOutputs({ kubeconfig: this.kubeconfig, context: this.context, registry: this.registry });
    }
}

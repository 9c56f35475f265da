import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ArgumentError, checked, known } from "../common/validate";
import { inspectKubeconfig, KubeconfigSummary } from "./kubeconfig";
import { Registry } from "../common/types";
import { KubecacheCluster } from "./types";

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
    registry?: Registry;
}

/** Adopts a cluster the stack does not manage: only a provider and registry settings, no cluster resources. */
export class ExistingCluster extends pulumi.ComponentResource implements KubecacheCluster {
    /** The kubeconfig document, always a secret. */
    public readonly kubeconfig: pulumi.Output<string>;
    /** A Kubernetes provider for the context, to pass to every component as `{ provider }`. */
    public readonly provider: k8s.Provider;
    /** The `registry` argument, with the password as a secret; undefined when none was given. */
    public readonly registry?: Registry;
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
                throw new ArgumentError(
                    COMPONENT,
                    "kubeconfigPath",
                    `must name a readable file; ${(e as NodeJS.ErrnoException).code ?? "error"} reading ${JSON.stringify(file)}.`,
                );
            }
        } else {
            text = args.kubeconfig!;
        }
        // A plain document is checked now; a secret Output is checked as soon as it resolves, before the provider uses it.
        const now = known(text);
        const summary = now !== undefined ? pulumi.output(inspect(now)) : pulumi.unsecret(pulumi.output(text).apply(inspect));
        const checkServer = (field: string) => (server: string) => {
            if (!/^[a-z0-9.-]+(:\d+)?$/i.test(server ?? "")) {
                throw new ArgumentError(COMPONENT, field, `must be a registry host[:port]; got ${JSON.stringify(server)}.`);
            }
        };
        if (args.registry !== undefined && (args.registry.pushServer === undefined || args.registry.pushServer === null)) {
            checkServer("registry.pushServer")(args.registry.pushServer);
        }
        const pushServer = args.registry && checked(args.registry.pushServer, checkServer("registry.pushServer"));
        const pullServer =
            args.registry?.pullServer === undefined ? pushServer : checked(args.registry.pullServer, checkServer("registry.pullServer"));

        this.kubeconfig = pulumi.secret(pulumi.all([text, summary]).apply(([t]) => t));
        this.context = summary.apply(s => s.context);
        this.provider = new k8s.Provider(
            `${name}-k8s`,
            {
                kubeconfig: this.kubeconfig,
                context: this.context,
                clusterIdentifier: args.clusterIdentifier ?? pulumi.interpolate`existing-${this.context}`,
                enableServerSideApply: true,
            },
            { parent: this },
        );
        if (args.registry) {
            const r = args.registry;
            this.registry = {
                pushServer: pushServer!,
                pullServer: pullServer!,
                ...(r.username !== undefined ? { username: pulumi.output(r.username) } : {}),
                ...(r.password !== undefined ? { password: pulumi.secret(r.password) } : {}),
            };
        }
        this.registerOutputs({ kubeconfig: this.kubeconfig, context: this.context, registry: this.registry });
    }
}

import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ArgumentError, known, recommendedLabels, requireDnsLabel, serviceHost } from "../common";
import { MEMCACHED_API_VERSION, MEMCACHED_CLIENT_LABEL, MEMCACHED_DEFAULTS, MEMCACHED_KIND, MemcachedStatus } from "./types";
import { MemcachedSpecInputs, validatedSpec } from "./validate";

const COMPONENT = "Memcached";

/**
 * What a {@link Memcached} needs from its operator: a `MemcachedOperator` is one. The custom resource
 * is created once both exist (a ready manager) and deleted while the manager still runs.
 */
export interface MemcachedOperatorRef {
    /** The Memcached CRD. */
    crd: k8s.apiextensions.v1.CustomResourceDefinition;
    /** The manager Deployment that reconciles the custom resources. */
    manager: k8s.apps.v1.Deployment;
}

export interface MemcachedArgs extends MemcachedSpecInputs {
    /** The installed operator (a `MemcachedOperator`); the custom resource waits for it and is deleted before it. Give this or `crd`. */
    operator?: MemcachedOperatorRef;
    /** The Memcached CRD, when the operator is installed elsewhere; the custom resource is ordered after it. */
    crd?: k8s.apiextensions.v1.CustomResourceDefinition;
    /** Namespace of the custom resource and of the Deployment and headless Service the operator creates; default `default`. */
    namespace?: pulumi.Input<string>;
    /** `metadata.name` of the custom resource (and so of its Service); default the component name. */
    resourceName?: string;
    /** Cluster DNS domain used in `endpoint`; default `cluster.local`. */
    clusterDomain?: string;
    // Inherited from MemcachedSpecInputs, checked against the CRD's bounds before anything is created:
    // size (0–100, default 1), port (1–65535, default 11211), memoryMB (64–65536, default 64),
    // image (explicit tag or digest), resources (memory limit ≥ memoryMB), extraArgs, topologySpread
    // (none|preferred|required), nodeSelector, tolerations, priorityClassName, metrics, auth, networkPolicy.
}

/** A memcached cluster managed by the operator: a typed `cache.kubecache.io/v1alpha1` `Memcached` object. */
export class Memcached extends pulumi.ComponentResource {
    /** `metadata.name` of the custom resource, also the name of its headless Service. */
    public readonly name: pulumi.Output<string>;
    /** Namespace of the custom resource, its Deployment and its Service. */
    public readonly namespace: pulumi.Output<string>;
    /** `host:port` of the headless Service; its DNS name resolves to every ready node. */
    public readonly endpoint: pulumi.Output<string>;
    /** The port memcached listens on. */
    public readonly port: pulumi.Output<number>;
    /** Pod names from `.status.nodes`; empty until the operator has reported them. */
    public readonly nodes: pulumi.Output<string[]>;
    /**
     * Labels a client pod needs when `networkPolicy.enabled`: `kubecache.io/memcached-client: <name>`
     * (the policy admits clients of the same namespace only).
     */
    public readonly clientLabels: Record<string, string>;

    constructor(name: string, args: MemcachedArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubecache:index:Memcached", name, {}, opts);
        if (!args?.operator === !args?.crd) {
            throw new ArgumentError(
                COMPONENT,
                "operator",
                "or `crd` must be given (exactly one), so the custom resource is created after its CRD.",
            );
        }
        const resourceName = args.resourceName ?? name;
        const spec = checkMemcachedArgs(resourceName, args);
        const clusterDomain = args.clusterDomain ?? "cluster.local";

        // Depending on the whole operator (not only its CRD) means the object is created once the manager
        // is ready, and deleted while the manager still runs to clean up after it. An operator given by its
        // parts (a package consumer in another language) is waited for through its CRD and manager.
        const op = args.operator;
        const dependsOn: pulumi.Input<pulumi.Resource>[] =
            op === undefined ? [args.crd!] : op instanceof pulumi.Resource ? [op] : [op.crd, op.manager];
        const cr = new k8s.apiextensions.CustomResource(
            name,
            {
                apiVersion: MEMCACHED_API_VERSION,
                kind: MEMCACHED_KIND,
                metadata: {
                    name: resourceName,
                    namespace: args.namespace ?? "default",
                    labels: recommendedLabels("memcached", resourceName),
                },
                spec,
                // Declared so the provider's state exposes `.status` as an output.
                status: undefined,
            },
            { parent: this, dependsOn },
        );

        const status = (cr as unknown as { status: pulumi.Output<MemcachedStatus | undefined> }).status;
        this.name = cr.metadata.name;
        this.namespace = cr.metadata.namespace;
        this.port = pulumi.output(args.port ?? MEMCACHED_DEFAULTS.port);
        this.endpoint = pulumi
            .all([this.name, this.namespace, this.port])
            .apply(([n, ns, p]) => `${serviceHost(n, ns, clusterDomain)}:${p}`);
        this.nodes = status.apply(s => s?.nodes ?? []);
        this.clientLabels = { [MEMCACHED_CLIENT_LABEL]: resourceName };
        this.registerOutputs({
            name: this.name,
            namespace: this.namespace,
            endpoint: this.endpoint,
            port: this.port,
            nodes: this.nodes,
            clientLabels: this.clientLabels,
        });
    }
}

/**
 * Every check `Memcached` makes on its own fields, without creating anything: callers that build
 * several resources first (the stack wiring) run it for each instance up front. Returns the spec.
 */
export function checkMemcachedArgs(
    resourceName: string,
    args: Omit<MemcachedArgs, "operator" | "crd">,
): Record<string, pulumi.Input<unknown>> {
    requireMemcachedName("resourceName", resourceName);
    requireDnsLabel(COMPONENT, "namespace", known(args.namespace));
    return validatedSpec(args);
}

/** The controller names the Deployment and the headless Service after the object, so the name must be a DNS-1035 label. */
function requireMemcachedName(field: string, value: string): void {
    requireDnsLabel(COMPONENT, field, value);
    if (!/^[a-z]/.test(value)) {
        throw new ArgumentError(COMPONENT, field, `must start with a letter, because it names a Service; got ${JSON.stringify(value)}.`);
    }
}

/**
 * The stack's Memcached wiring: build and push the operator image once, install the operator, then
 * one `Memcached` per configured instance.
 */
import * as pulumi from "@pulumi/pulumi";
import { Registry } from "../components/common/types";
import { ArgumentError } from "../components/common/validate";
import { OperatorImage, OperatorImageArgs } from "../components/image/operatorImage";
import { checkMemcachedArgs, Memcached } from "../components/memcached/memcached";
import { MemcachedOperator } from "../components/memcached/operator";
import { DEFAULT_MEMCACHED_INSTANCES, MemcachedInstanceConfig } from "./config";

export interface MemcachedStackArgs {
    /** The cluster's registry; the operator image is built and pushed there. */
    registry?: Registry;
    /** A prebuilt operator image (pinned), used instead of building one; required when there is no registry. */
    operatorImage?: string;
    /** Passed to OperatorImage (platform, skipPush, tag, ...). */
    image?: Omit<OperatorImageArgs, "registry">;
    operatorNamespace?: string;
    operatorReplicas?: number;
    /** Namespace of the Memcached objects (the stack's cache namespace). */
    namespace?: pulumi.Input<string>;
    instances?: MemcachedInstanceConfig[];
}

export interface MemcachedStack {
    /** The image the operator runs: digest-pinned when built here. */
    operatorImage: pulumi.Output<string>;
    operator: MemcachedOperator;
    instances: Record<string, Memcached>;
    /** `host:port` of each instance's headless Service, by instance name. */
    endpoints: Record<string, pulumi.Output<string>>;
}

export function deployMemcached(args: MemcachedStackArgs, opts: pulumi.ComponentResourceOptions = {}): MemcachedStack {
    const instances = args.instances ?? DEFAULT_MEMCACHED_INSTANCES;
    if (!Array.isArray(instances) || instances.some(i => typeof i?.name !== "string")) {
        throw new ArgumentError(
            "memcached",
            "memcachedInstances",
            `must be a list of objects with a \`name\`; got ${JSON.stringify(instances)}.`,
        );
    }
    const names = instances.map(i => i.name);
    const duplicate = names.find((n, i) => names.indexOf(n) !== i);
    if (duplicate) throw new ArgumentError("memcached", "memcachedInstances", `names must be unique; "${duplicate}" appears twice.`);
    if (!args.registry && !args.operatorImage && !args.image?.skipPush) {
        throw new ArgumentError(
            "memcached",
            "operatorImage",
            "is required when the cluster has no registry to push the operator image to (or turn Memcached off with `memcached: false`).",
        );
    }

    for (const i of instances) checkMemcachedArgs(i.name, { ...i, namespace: args.namespace });

    const image =
        args.operatorImage === undefined
            ? new OperatorImage("memcached-operator-image", { ...args.image, registry: args.registry }, opts).imageRef
            : pulumi.output(args.operatorImage);
    const operator = new MemcachedOperator(
        "memcached-operator",
        {
            image,
            namespace: args.operatorNamespace,
            replicas: args.operatorReplicas,
        },
        opts,
    );
    const created: Record<string, Memcached> = {};
    const endpoints: Record<string, pulumi.Output<string>> = {};
    for (const i of instances) {
        created[i.name] = new Memcached(
            i.name,
            {
                operator,
                namespace: args.namespace,
                size: i.size,
                memoryMB: i.memoryMB,
                port: i.port,
                image: i.image,
                extraArgs: i.extraArgs,
            },
            opts,
        );
        endpoints[i.name] = created[i.name].endpoint;
    }
    return { operatorImage: image, operator, instances: created, endpoints };
}

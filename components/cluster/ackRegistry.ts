import * as alicloud from "@pulumi/alicloud";
import * as pulumi from "@pulumi/pulumi";
import { ArgumentError, requireOneOf } from "../common/validate";
import { parseCidr } from "./cidr";
import { Registry } from "../common/types";

/** ACR Enterprise Edition settings for the images the stack builds (the Memcached operator). */
export interface AcrRegistryArgs {
    /** Instance name, 3-30 lower-case letters, digits and '-'; part of the registry host name. Defaults to the cluster name. */
    instanceName?: string;
    /** Edition: `Basic` is enough for one operator image. Defaults to `Basic`. */
    instanceType?: "Basic" | "Standard" | "Advanced";
    /** Namespace the repository lives in. Defaults to `kubecache`. */
    namespace?: string;
    /** Repository for the operator image. Defaults to `memcached-operator`. */
    repository?: string;
    /**
     * CIDRs allowed to push over the internet (your workstation or CI egress). Empty: no internet
     * endpoint, pushes must come from inside the VPC. Never `0.0.0.0/0` by default.
     */
    pushAllowedCidrs?: string[];
    /**
     * Renew the monthly subscription automatically. Defaults to true (a lapsed registry breaks image
     * pulls). `pulumi destroy` does not end a subscription: turn renewal off first (README "Clusters").
     */
    autoRenew?: boolean;
}

export const ACR_INSTANCE_TYPES = ["Basic", "Standard", "Advanced"] as const;

const NAME = /^[a-z0-9]([a-z0-9-]{1,28})[a-z0-9]$/;
const REPO_NAME = /^[a-z0-9]([a-z0-9._-]{0,62}[a-z0-9])?$/;

export function checkAcrArgs(component: string, args: AcrRegistryArgs, defaultName: string): void {
    const instanceName = args.instanceName ?? defaultName;
    if (!NAME.test(instanceName)) {
        throw new ArgumentError(
            component,
            "registry.instanceName",
            `must be 3 to 30 lower-case letters, digits or '-', not starting or ending with '-'; got ${JSON.stringify(instanceName)}.`,
        );
    }
    requireOneOf(component, "registry.instanceType", args.instanceType, ACR_INSTANCE_TYPES);
    for (const [field, value] of [
        ["registry.namespace", args.namespace],
        ["registry.repository", args.repository],
    ] as const) {
        if (value !== undefined && !REPO_NAME.test(value)) {
            throw new ArgumentError(component, field, `must be lower-case letters, digits, '.', '_' or '-'; got ${JSON.stringify(value)}.`);
        }
    }
    for (const cidr of args.pushAllowedCidrs ?? []) {
        if (!parseCidr(cidr))
            throw new ArgumentError(component, "registry.pushAllowedCidrs", `must hold IPv4 CIDR blocks; got ${JSON.stringify(cidr)}.`);
    }
}

export interface AcrRegistry extends Registry {
    instance: alicloud.cr.RegistryEnterpriseInstance;
    /** `<host>/<namespace>/<repository>` as the nodes pull it. */
    imageRepository: pulumi.Output<string>;
}

/**
 * An ACR Enterprise instance linked to the cluster VPC, with a namespace and a private repository.
 * Nodes pull over the VPC endpoint; push credentials are the temporary token ACR issues for the
 * deploying account, fetched on every run and kept secret.
 */
export function createAcrRegistry(
    name: string,
    region: string,
    args: AcrRegistryArgs,
    vpcId: pulumi.Input<string>,
    vswitchId: pulumi.Input<string>,
    opts: pulumi.CustomResourceOptions,
): AcrRegistry {
    const instanceName = args.instanceName ?? name;
    const namespaceName = args.namespace ?? "kubecache";
    const repositoryName = args.repository ?? "memcached-operator";
    const instance = new alicloud.cr.RegistryEnterpriseInstance(
        `${name}-acr`,
        {
            instanceName,
            instanceType: args.instanceType ?? "Basic",
            paymentType: "Subscription",
            period: 1,
            renewalStatus: args.autoRenew === false ? "ManualRenewal" : "AutoRenewal",
            renewPeriod: args.autoRenew === false ? undefined : 1,
            imageScanner: "ACR",
        },
        opts,
    );
    const namespace = new alicloud.cs.RegistryEnterpriseNamespace(
        `${name}-acr-ns`,
        {
            instanceId: instance.id,
            name: namespaceName,
            autoCreate: false,
            defaultVisibility: "PRIVATE",
        },
        opts,
    );
    new alicloud.cs.RegistryEnterpriseRepo(
        `${name}-acr-repo`,
        {
            instanceId: instance.id,
            namespace: namespace.name.apply(n => n ?? namespaceName),
            name: repositoryName,
            repoType: "PRIVATE",
            summary: "kubecache Memcached operator image",
            tagImmutability: true,
        },
        opts,
    );
    const link = new alicloud.cr.VpcEndpointLinkedVpc(
        `${name}-acr-vpc`,
        {
            instanceId: instance.id,
            moduleName: "Registry",
            vpcId,
            vswitchId,
            enableCreateDnsRecordInPvzt: true,
        },
        opts,
    );
    const allowed = args.pushAllowedCidrs ?? [];
    const internet =
        allowed.length === 0
            ? undefined
            : new alicloud.cr.InternetEndpoint(
                  `${name}-acr-internet`,
                  {
                      instanceId: instance.id,
                      entries: allowed.map((entry, i) => ({ entry, comment: `kubecache-push-${i}` })),
                  },
                  opts,
              );

    const details = alicloud.cs.getRegistryEnterpriseInstancesOutput(
        {
            ids: [instance.id],
            enableDetails: true,
        },
        { provider: opts.provider, parent: opts.parent, dependsOn: internet ? [link, internet] : [link] },
    );
    const first = details.instances.apply(list => {
        if (!list?.length) throw new Error(`AckCluster: ACR instance ${instanceName} was not found after creation.`);
        return list[0];
    });
    const pullServer = pulumi
        .all([first, link.id])
        .apply(([i]) => i.vpcEndpoints?.[0] ?? `${instanceName}-registry-vpc.${region}.cr.aliyuncs.com`);
    const pushServer = internet
        ? first.apply(i => i.publicEndpoints?.[0] ?? `${instanceName}-registry.${region}.cr.aliyuncs.com`)
        : pullServer;
    return {
        instance,
        pushServer,
        pullServer,
        username: pulumi.secret(first.apply(i => i.tempUsername)),
        password: pulumi.secret(first.apply(i => i.authorizationToken)),
        imageRepository: pulumi.interpolate`${pullServer}/${namespaceName}/${repositoryName}`,
    };
}

import * as alicloud from "@pulumi/alicloud";
import * as pulumi from "@pulumi/pulumi";
import { AckNetworkPlan } from "./ackPlan";

export interface AckNetwork {
    vpc: alicloud.vpc.Network;
    /** One per zone, in plan order: where the nodes live. */
    nodeSwitches: alicloud.vpc.Switch[];
    /** Terway only, one per zone: where pods take their addresses from. */
    podSwitches: alicloud.vpc.Switch[];
    natGateway: alicloud.vpc.NatGateway;
    eip: alicloud.ecs.EipAddress;
    snatEntries: alicloud.vpc.SnatEntry[];
}

export interface AckNetworkOptions {
    /** Parent and provider for every resource. */
    opts: pulumi.CustomResourceOptions;
    tags: Record<string, string>;
    /** Refuse to delete the NAT gateway and its EIP (production). */
    deletionProtection: boolean;
    /** Outbound bandwidth of the NAT EIP in Mbit/s. */
    eipBandwidth: number;
}

/**
 * The VPC, a vSwitch per zone (two with Terway), one Enhanced NAT gateway with an EIP, and an SNAT
 * entry per vSwitch so nodes and pods without public addresses reach the internet (image pulls,
 * OS updates). One NAT gateway rather than one per zone: it is a regional, highly available service.
 */
export function createAckNetwork(name: string, plan: AckNetworkPlan, o: AckNetworkOptions): AckNetwork {
    const { opts, tags } = o;
    const vpc = new alicloud.vpc.Network(
        `${name}-vpc`,
        {
            vpcName: name,
            cidrBlock: plan.vpcCidr,
            description: "kubecache cluster network",
            tags,
        },
        opts,
    );

    // A replacement vSwitch keeps its CIDR, which the old one still holds: delete first.
    const switchOpts = { ...opts, deleteBeforeReplace: true };
    const nodeSwitches = plan.zones.map(
        z =>
            new alicloud.vpc.Switch(
                `${name}-nodes-${z.zone}`,
                {
                    vpcId: vpc.id,
                    zoneId: z.zone,
                    cidrBlock: z.nodeCidr,
                    vswitchName: `${name}-nodes-${z.zone}`,
                    tags,
                },
                switchOpts,
            ),
    );
    const podSwitches = plan.zones
        .filter(z => z.podCidr)
        .map(
            z =>
                new alicloud.vpc.Switch(
                    `${name}-pods-${z.zone}`,
                    {
                        vpcId: vpc.id,
                        zoneId: z.zone,
                        cidrBlock: z.podCidr,
                        vswitchName: `${name}-pods-${z.zone}`,
                        tags,
                    },
                    switchOpts,
                ),
        );

    const natGateway = new alicloud.vpc.NatGateway(
        `${name}-nat`,
        {
            vpcId: vpc.id,
            vswitchId: nodeSwitches[0].id,
            natGatewayName: name,
            natType: "Enhanced",
            paymentType: "PayAsYouGo",
            internetChargeType: "PayByLcu",
            networkType: "internet",
            deletionProtection: o.deletionProtection,
            tags,
        },
        opts,
    );
    const eip = new alicloud.ecs.EipAddress(
        `${name}-nat-eip`,
        {
            addressName: `${name}-nat`,
            bandwidth: String(o.eipBandwidth),
            internetChargeType: "PayByTraffic",
            paymentType: "PayAsYouGo",
            deletionProtection: o.deletionProtection,
            tags,
        },
        opts,
    );
    const association = new alicloud.ecs.EipAssociation(
        `${name}-nat-eip`,
        {
            allocationId: eip.id,
            instanceId: natGateway.id,
            instanceType: "Nat",
        },
        opts,
    );

    const snatEntries = [...nodeSwitches, ...podSwitches].map(
        (vswitch, i) =>
            new alicloud.vpc.SnatEntry(
                `${name}-snat-${snatSuffix(plan, i)}`,
                {
                    snatTableId: natGateway.snatTableIds,
                    sourceVswitchId: vswitch.id,
                    snatIp: eip.ipAddress,
                },
                { ...opts, dependsOn: [association] },
            ),
    );

    return { vpc, nodeSwitches, podSwitches, natGateway, eip, snatEntries };
}

/** `nodes-<zone>` / `pods-<zone>`, matching the vSwitch the entry serves. */
function snatSuffix(plan: AckNetworkPlan, index: number): string {
    const n = plan.zones.length;
    return index < n ? `nodes-${plan.zones[index].zone}` : `pods-${plan.zones[index - n].zone}`;
}

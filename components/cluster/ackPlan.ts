import { ArgumentError, requireInteger, requireOneOf } from "../common/validate";
import { Cidr, contains, firstOverlap, formatCidr, parseCidr, subnet } from "./cidr";

const COMPONENT = "AckCluster";

/** Region ids look like `cn-hangzhou`, `ap-southeast-1`, `eu-central-1`. */
export const REGION = /^[a-z]{2,3}(-[a-z]+)+(-\d{1,2})?$/;

export type NetworkPlugin = "terway" | "flannel";
export const NETWORK_PLUGINS: readonly NetworkPlugin[] = ["terway", "flannel"];

/** The network inputs the plan is computed from (a subset of AckClusterArgs, all plain values). */
export interface AckNetworkInputs {
    region: string;
    zones: string[];
    vpcCidr?: string;
    nodeVswitchCidrs?: string[];
    podVswitchCidrs?: string[];
    podCidr?: string;
    serviceCidr?: string;
    networkPlugin?: NetworkPlugin;
    requireMultiZone?: boolean;
}

export interface ZonePlan {
    zone: string;
    nodeCidr: string;
    /** Terway only: the vSwitch pods take their ENI addresses from. */
    podCidr?: string;
}

export interface AckNetworkPlan {
    region: string;
    vpcCidr: string;
    zones: ZonePlan[];
    networkPlugin: NetworkPlugin;
    /** Flannel only: the overlay range, outside the VPC. */
    podCidr?: string;
    serviceCidr: string;
}

export const DEFAULT_VPC_CIDR = "10.0.0.0/16";
export const DEFAULT_POD_CIDR = "172.20.0.0/16";
export const DEFAULT_SERVICE_CIDR = "172.21.0.0/20";

function fail(field: string, message: string): never {
    throw new ArgumentError(COMPONENT, field, message);
}

function cidrOf(field: string, text: string): Cidr {
    const c = parseCidr(text);
    if (!c || c.prefix < 8 || c.prefix > 29) {
        fail(field, `must be an IPv4 CIDR block such as "10.0.0.0/16" (prefix 8 to 29, no host bits set); got ${JSON.stringify(text)}.`);
    }
    return c;
}

/** A zone id is its region plus a letter: `cn-hangzhou-h`, `ap-southeast-1a`. */
export function isZoneOf(region: string, zone: string): boolean {
    return typeof zone === "string" && new RegExp(`^${region.replace(/-/g, "\\-")}-?[a-z]$`).test(zone);
}

/**
 * Validates the region, zones and every CIDR, and fills in the vSwitch ranges: the VPC is cut into
 * /20s, node vSwitches from the bottom and Terway pod vSwitches from the top half, so the defaults
 * never collide. Throws an ArgumentError naming the field otherwise.
 */
export function planAckNetwork(inputs: AckNetworkInputs): AckNetworkPlan {
    const { region, zones } = inputs;
    if (typeof region !== "string" || !REGION.test(region)) {
        fail("region", `must be an Alibaba Cloud region id such as "cn-hangzhou" or "ap-southeast-1"; got ${JSON.stringify(region)}.`);
    }
    if (!Array.isArray(zones) || zones.length === 0)
        fail("zones", `must list at least one zone of ${region}; got ${JSON.stringify(zones)}.`);
    for (const zone of zones) {
        if (!isZoneOf(region, zone)) {
            fail(
                "zones",
                `must hold zone ids of region ${region} (e.g. "${region}${/\d$/.test(region) ? "a" : "-h"}"); got ${JSON.stringify(zone)}.`,
            );
        }
    }
    if (new Set(zones).size !== zones.length) fail("zones", `must not repeat a zone; got ${JSON.stringify(zones)}.`);
    if (inputs.requireMultiZone && zones.length < 2) {
        fail(
            "zones",
            `must list at least 2 zones in a production stack, so a zone outage leaves nodes running; got ${JSON.stringify(zones)}.`,
        );
    }
    const plugin = inputs.networkPlugin ?? "terway";
    requireOneOf(COMPONENT, "networkPlugin", plugin, NETWORK_PLUGINS);

    const vpc = cidrOf("vpcCidr", inputs.vpcCidr ?? DEFAULT_VPC_CIDR);
    const service = cidrOf("serviceCidr", inputs.serviceCidr ?? DEFAULT_SERVICE_CIDR);
    const vswitchPrefix = Math.max(vpc.prefix + 2, 20);
    const slots = 2 ** (vswitchPrefix - vpc.prefix);
    const generated = (offset: number) => zones.map((_, i) => formatCidr(subnet(vpc, vswitchPrefix, offset + i)));
    if (zones.length > slots / 2 && (!inputs.nodeVswitchCidrs || (plugin === "terway" && !inputs.podVswitchCidrs))) {
        fail("vpcCidr", `is too small to hold ${zones.length} zones; use a larger block or set the vSwitch CIDRs.`);
    }
    const nodeTexts = inputs.nodeVswitchCidrs ?? generated(0);
    const podTexts = plugin === "terway" ? (inputs.podVswitchCidrs ?? generated(slots / 2)) : undefined;
    for (const [field, list] of [
        ["nodeVswitchCidrs", nodeTexts],
        ["podVswitchCidrs", podTexts],
    ] as const) {
        if (list && list.length !== zones.length) fail(field, `must hold one CIDR per zone (${zones.length}); got ${list.length}.`);
    }
    if (plugin === "flannel" && inputs.podVswitchCidrs) fail("podVswitchCidrs", "applies to Terway only; Flannel pods use `podCidr`.");
    if (plugin === "terway" && inputs.podCidr)
        fail("podCidr", "applies to Flannel only; Terway pods use `podVswitchCidrs` inside the VPC.");

    const named: Array<[string, Cidr]> = [];
    nodeTexts.forEach((text, i) => named.push([`nodeVswitchCidrs[${i}]`, cidrOf("nodeVswitchCidrs", text)]));
    (podTexts ?? []).forEach((text, i) => named.push([`podVswitchCidrs[${i}]`, cidrOf("podVswitchCidrs", text)]));
    for (const [field, c] of named) {
        if (!contains(vpc, c))
            fail(field.replace(/\[\d+\]$/, ""), `must lie inside \`vpcCidr\` ${formatCidr(vpc)}; got ${formatCidr(c)} at ${field}.`);
    }
    const clash = firstOverlap(named);
    if (clash) fail(clash[1].replace(/\[\d+\]$/, ""), `must not overlap: ${clash[0]} and ${clash[1]} share addresses.`);

    const outside: Array<[string, Cidr]> = [
        ["vpcCidr", vpc],
        ["serviceCidr", service],
    ];
    const pod = plugin === "flannel" ? cidrOf("podCidr", inputs.podCidr ?? DEFAULT_POD_CIDR) : undefined;
    if (pod) outside.push(["podCidr", pod]);
    const overlap = firstOverlap(outside);
    if (overlap) {
        fail(
            overlap[1],
            `must not overlap \`${overlap[0]}\`: ${formatCidr(outside.find(o => o[0] === overlap[1])![1])} ` +
                `and ${formatCidr(outside.find(o => o[0] === overlap[0])![1])} share addresses.`,
        );
    }
    return {
        region,
        vpcCidr: formatCidr(vpc),
        zones: zones.map((zone, i) => ({ zone, nodeCidr: nodeTexts[i], ...(podTexts ? { podCidr: podTexts[i] } : {}) })),
        networkPlugin: plugin,
        ...(pod ? { podCidr: formatCidr(pod) } : {}),
        serviceCidr: formatCidr(service),
    };
}

/** Node pool inputs checked before anything is created. */
export interface NodePoolInputs {
    instanceTypes: string[];
    desiredSize?: number;
    maxSize?: number;
    systemDiskSize?: number;
}

export const DEFAULT_DESIRED_SIZE = 2;
export const DEFAULT_MAX_SIZE = 10;

export function checkNodePool(inputs: NodePoolInputs): void {
    const types = inputs.instanceTypes;
    if (!Array.isArray(types) || types.length === 0 || types.some(t => typeof t !== "string" || !/^ecs\.[a-z0-9-]+\.[a-z0-9]+$/.test(t))) {
        fail("instanceTypes", `must list at least one ECS instance type such as "ecs.g7.xlarge"; got ${JSON.stringify(types)}.`);
    }
    requireInteger(COMPONENT, "maxSize", inputs.maxSize, 1, 100);
    requireInteger(COMPONENT, "desiredSize", inputs.desiredSize, 1, inputs.maxSize ?? DEFAULT_MAX_SIZE);
    requireInteger(COMPONENT, "systemDiskSize", inputs.systemDiskSize, 40, 2048);
}

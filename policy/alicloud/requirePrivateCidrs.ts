import * as alicloud from "@pulumi/alicloud";
import { ReportViolation, ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { isPrivateCidr } from "../common/cidr";

function check(what: string, field: string, cidr: string | undefined, reportViolation: ReportViolation): void {
    if (cidr === undefined || isPrivateCidr(cidr)) return;
    reportViolation(
        `${what} has \`${field}\` ${JSON.stringify(cidr)}, which is not inside a private range, so it can collide with internet addresses its nodes must reach. ` +
            "Use a block inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16.",
    );
}

export const requirePrivateCidrs: ResourceValidationPolicy = {
    name: "alicloud-vpc-require-private-cidr",
    description: "VPC and vSwitch CIDR blocks lie inside the RFC 1918 private ranges.",
    enforcementLevel: "mandatory",
    severity: "medium",
    validateResource: [
        validateResourceOfType(alicloud.vpc.Network, (vpc, args, reportViolation) => {
            const what = `VPC "${vpc.vpcName ?? vpc.name ?? args.name}"`;
            check(what, "cidrBlock", vpc.cidrBlock, reportViolation);
            (vpc.secondaryCidrBlocks ?? []).forEach((c, i) => check(what, `secondaryCidrBlocks[${i}]`, c, reportViolation));
        }),
        validateResourceOfType(alicloud.vpc.Switch, (sw, args, reportViolation) => {
            check(`vSwitch "${sw.vswitchName ?? sw.name ?? args.name}"`, "cidrBlock", sw.cidrBlock, reportViolation);
        }),
    ],
};

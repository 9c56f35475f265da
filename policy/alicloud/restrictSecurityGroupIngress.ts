import * as alicloud from "@pulumi/alicloud";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

/** SSH, the Kubernetes API, Redis and Memcached (also a UDP amplification vector). */
export const DEFAULT_RESTRICTED_PORTS = [22, 6443, 6379, 11211];
const ANYWHERE = ["0.0.0.0/0", "::/0"];

/** `"6379/6379"` → [6379, 6379]; `"-1/-1"` (all ports, used with protocol `all`) → [1, 65535]. */
function portRange(text: string | undefined): [number, number] {
    const m = /^(-?\d+)\/(-?\d+)$/.exec(text ?? "-1/-1");
    if (!m || Number(m[1]) < 0) return [1, 65535];
    return [Number(m[1]), Number(m[2])];
}

export const restrictSecurityGroupIngress: ResourceValidationPolicy = {
    name: "alicloud-ecs-securitygroup-restrict-sensitive-ports",
    description: "Security group rules do not accept traffic from 0.0.0.0/0 (or ::/0) to SSH, the API server, Redis or Memcached.",
    enforcementLevel: "mandatory",
    severity: "critical",
    configSchema: {
        properties: {
            restrictedPorts: {
                type: "array",
                items: { type: "integer", minimum: 1, maximum: 65535 },
                default: DEFAULT_RESTRICTED_PORTS,
                description: "Ports that must never be open to the whole internet.",
            },
        },
    },
    validateResource: validateResourceOfType(alicloud.ecs.SecurityGroupRule, (rule, args, reportViolation) => {
        if (rule.type !== "ingress" || rule.policy === "drop") return;
        if (!["tcp", "udp", "all"].includes(rule.ipProtocol)) return;
        const source = [rule.cidrIp, rule.ipv6CidrIp].find(c => c !== undefined && ANYWHERE.includes(c));
        if (!source) return;
        const { restrictedPorts = DEFAULT_RESTRICTED_PORTS } = args.getConfig<{ restrictedPorts?: number[] }>();
        const [from, to] = portRange(rule.portRange);
        const exposed = restrictedPorts.filter(p => p >= from && p <= to);
        if (exposed.length > 0) {
            reportViolation(
                `Security group rule "${args.name}" accepts ${rule.ipProtocol} from ${source} on port(s) ${exposed.join(", ")}, exposing them to the whole internet. ` +
                    "Restrict `cidrIp` to your VPC or office ranges, or use `sourceSecurityGroupId`.",
            );
        }
    }),
};

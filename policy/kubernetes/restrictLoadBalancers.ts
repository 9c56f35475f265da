import * as k8s from "@pulumi/kubernetes";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { environmentOf, environmentProperty } from "../common/environment";

/** The annotation that makes Alibaba Cloud's CCM create an internal (VPC-only) SLB. */
export const INTERNAL_SLB_ANNOTATION = "service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type";

/**
 * Annotations that make a cloud's load balancer internal (reachable from its private network only), with the value
 * that does it: Alibaba Cloud's first, then AWS, Google Cloud and Azure, for `existing` clusters on those clouds.
 */
export const INTERNAL_LOAD_BALANCER_ANNOTATIONS: ReadonlyArray<readonly [string, string]> = [
    [INTERNAL_SLB_ANNOTATION, "intranet"],
    ["service.beta.kubernetes.io/aws-load-balancer-internal", "true"],
    ["service.beta.kubernetes.io/aws-load-balancer-scheme", "internal"],
    ["networking.gke.io/load-balancer-type", "Internal"],
    ["cloud.google.com/load-balancer-type", "Internal"],
    ["service.beta.kubernetes.io/azure-load-balancer-internal", "true"],
];

const OPEN_TO_ALL = ["0.0.0.0/0", "::/0"];

/**
 * kind has no load-balancer controller (the Service stays Pending forever); in prod a public load balancer open to
 * every address would expose Redis or Memcached to the internet.
 */
export const restrictLoadBalancers: ResourceValidationPolicy = {
    name: "kubernetes-core-v1-service-restrict-load-balancer",
    description:
        "No LoadBalancer Services on kind; in prod a LoadBalancer is internal (e.g. an Alibaba Cloud SLB of address type " +
        "`intranet`) or lists the client ranges it lets through (`loadBalancerSourceRanges`, none open to all).",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: {
        properties: {
            environment: environmentProperty,
            cluster: {
                type: "string",
                enum: ["kind", "ack", "existing"],
                default: "ack",
                description: "The cluster the stack deploys to (the stack's `kubecache:cluster` setting).",
            },
        },
    },
    validateResource: validateResourceOfType(k8s.core.v1.Service, (service, args, reportViolation) => {
        if (service.spec?.type !== "LoadBalancer") return;
        const { cluster = "ack" } = args.getConfig<{ cluster?: string }>();
        const name = service.metadata?.name ?? args.name;
        if (cluster === "kind") {
            reportViolation(
                `Service "${name}" is of type LoadBalancer, which kind cannot provision, so it stays Pending. ` +
                    "Use a ClusterIP Service and `kubectl port-forward`, or a NodePort mapped through the kind config.",
            );
            return;
        }
        if (environmentOf(args) !== "prod") return;
        const annotations = service.metadata?.annotations ?? {};
        if (INTERNAL_LOAD_BALANCER_ANNOTATIONS.some(([k, v]) => annotations[k] === v)) return;
        const ranges = service.spec?.loadBalancerSourceRanges ?? [];
        const open = ranges.filter(r => OPEN_TO_ALL.includes(r.trim()));
        if (ranges.length === 0 || open.length > 0) {
            reportViolation(
                `Service "${name}" is a public LoadBalancer ` +
                    (open.length ? `open to every address (${open.join(", ")})` : "without `loadBalancerSourceRanges`") +
                    ", so anyone on the internet can reach it. " +
                    `Make it internal ("${INTERNAL_SLB_ANNOTATION}: intranet" on Alibaba Cloud), ` +
                    "list the client CIDRs it serves in `loadBalancerSourceRanges`, or use a ClusterIP Service.",
            );
        }
    }),
};

import * as k8s from "@pulumi/kubernetes";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { environmentOf, environmentProperty } from "../common/environment";

/** The annotation that makes Alibaba Cloud's CCM create an internal (VPC-only) SLB. */
export const INTERNAL_SLB_ANNOTATION = "service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type";

/**
 * kind has no load-balancer controller (the Service stays Pending forever); in prod a public SLB
 * would expose Redis or Memcached to the internet.
 */
export const restrictLoadBalancers: ResourceValidationPolicy = {
    name: "kubernetes-core-v1-service-restrict-load-balancer",
    description: "No LoadBalancer Services on kind; in prod only internal Alibaba Cloud SLBs (address type `intranet`).",
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
        if (environmentOf(args) === "prod" && service.metadata?.annotations?.[INTERNAL_SLB_ANNOTATION] !== "intranet") {
            reportViolation(
                `Service "${name}" is a LoadBalancer without an internal-SLB annotation, so Alibaba Cloud gives it a public address. ` +
                    `Annotate it with "${INTERNAL_SLB_ANNOTATION}: intranet", or use a ClusterIP Service.`,
            );
        }
    }),
};

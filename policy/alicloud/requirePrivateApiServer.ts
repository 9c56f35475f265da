import * as alicloud from "@pulumi/alicloud";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

/** ACK creates a public SLB for the API server unless told otherwise (`slbInternetEnabled` defaults to true). */
export const requirePrivateApiServer: ResourceValidationPolicy = {
    name: "alicloud-cs-managedkubernetes-private-api-server",
    description: "The ACK API server endpoint is private unless the config explicitly allows a public one.",
    enforcementLevel: "mandatory",
    severity: "critical",
    configSchema: {
        properties: {
            allowPublicApiServer: {
                type: "boolean",
                default: false,
                description: "Allow an internet-facing API server endpoint (the stack's `publicApiServer: true`).",
            },
        },
    },
    validateResource: validateResourceOfType(alicloud.cs.ManagedKubernetes, (cluster, args, reportViolation) => {
        if (args.getConfig<{ allowPublicApiServer?: boolean }>().allowPublicApiServer === true) return;
        const publicEndpoint = (cluster.controlPlaneEndpointsConfig?.loadBalancersConfigs ?? []).some(lb => lb.endpointType === "public");
        if (cluster.slbInternetEnabled !== false || publicEndpoint) {
            reportViolation(
                `ACK cluster "${cluster.name ?? args.name}" exposes its API server on the internet ` +
                    `(${publicEndpoint ? "a public endpoint in `controlPlaneEndpointsConfig`" : "`slbInternetEnabled` is not false"}). ` +
                    "Set `slbInternetEnabled: false` and reach it through the VPC, or set `allowPublicApiServer: true` in this policy's config if a public endpoint is intended.",
            );
        }
    }),
};

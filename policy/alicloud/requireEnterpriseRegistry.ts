import * as alicloud from "@pulumi/alicloud";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

const MESSAGE =
    "uses Container Registry Personal Edition, which Alibaba Cloud has deprecated and which has no SLA, VPC access control or image scanning. " +
    "Use ACR Enterprise Edition instead: `alicloud.cr.RegistryEnterpriseInstance` with `alicloud.cs.RegistryEnterpriseNamespace` and `RegistryEnterpriseRepo`.";

export const requireEnterpriseRegistry: ResourceValidationPolicy = {
    name: "alicloud-cr-require-enterprise-edition",
    description: "Images live in ACR Enterprise Edition, never in the deprecated Personal Edition (cr.Namespace, cr.Repo).",
    enforcementLevel: "mandatory",
    severity: "medium",
    validateResource: [
        validateResourceOfType(alicloud.cr.Namespace, (ns, args, reportViolation) => {
            reportViolation(`Registry namespace "${ns.name ?? args.name}" ${MESSAGE}`);
        }),
        validateResourceOfType(alicloud.cr.Repo, (repo, args, reportViolation) => {
            reportViolation(`Registry repository "${repo.name ?? args.name}" ${MESSAGE}`);
        }),
    ],
};

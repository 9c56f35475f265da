import * as alicloud from "@pulumi/alicloud";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

/** The operator image is ours to pull; a public repository lets anyone pull (and study) it. */
export const disallowPublicRepositories: ResourceValidationPolicy = {
    name: "alicloud-cr-disallow-public-repository",
    description: "ACR Enterprise repositories and namespaces are private.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: [
        validateResourceOfType(alicloud.cs.RegistryEnterpriseRepo, (repo, args, reportViolation) => {
            if (String(repo.repoType).toUpperCase() !== "PRIVATE") {
                reportViolation(
                    `Registry repository "${repo.name ?? args.name}" has repoType ${JSON.stringify(repo.repoType)}, so anyone can pull its images. ` +
                        'Set `repoType: "PRIVATE"` and give the cluster pull access (acr-credential-helper or an image pull secret).',
                );
            }
        }),
        validateResourceOfType(alicloud.cs.RegistryEnterpriseNamespace, (ns, args, reportViolation) => {
            if (ns.defaultVisibility !== undefined && String(ns.defaultVisibility).toUpperCase() !== "PRIVATE") {
                reportViolation(
                    `Registry namespace "${ns.name ?? args.name}" makes new repositories ${ns.defaultVisibility} by default, so a push can publish an image. ` +
                        'Set `defaultVisibility: "PRIVATE"`.',
                );
            }
        }),
    ],
};

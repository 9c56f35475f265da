import { Policies } from "@pulumi/policy";
import { disallowBarePods } from "./disallowBarePods";
import { disallowDeprecatedApiVersions } from "./disallowDeprecatedApiVersions";
import { disallowZeroDisruptionBudget } from "./disallowZeroDisruptionBudget";
import { requireHeadlessService } from "./requireHeadlessService";
import { requireMinimumReplicas } from "./requireMinimumReplicas";
import { requirePinnedImages } from "./requirePinnedImages";
import { requirePodDisruptionBudget } from "./requirePodDisruptionBudget";
import { requireProbes } from "./requireProbes";
import { requireReadOnlyRootFilesystem } from "./requireReadOnlyRootFilesystem";
import { requireRecommendedLabels } from "./requireRecommendedLabels";
import { requireRedisAuth } from "./requireRedisAuth";
import { requireResourceLimits } from "./requireResourceLimits";
import { requireRestrictedSecurityContext } from "./requireRestrictedSecurityContext";
import { restrictLoadBalancers } from "./restrictLoadBalancers";

export {
    disallowBarePods,
    disallowDeprecatedApiVersions,
    disallowZeroDisruptionBudget,
    requireHeadlessService,
    requireMinimumReplicas,
    requirePinnedImages,
    requirePodDisruptionBudget,
    requireProbes,
    requireReadOnlyRootFilesystem,
    requireRecommendedLabels,
    requireRedisAuth,
    requireResourceLimits,
    requireRestrictedSecurityContext,
    restrictLoadBalancers,
};

/** Every Kubernetes policy, for a PolicyPack (ours in policy/index.ts, or another project's). */
export const kubernetesPolicies: Policies = [
    disallowBarePods,
    requirePinnedImages,
    requireHeadlessService,
    requireResourceLimits,
    requireProbes,
    requireRestrictedSecurityContext,
    requireReadOnlyRootFilesystem,
    requireRedisAuth,
    requireMinimumReplicas,
    requirePodDisruptionBudget,
    disallowZeroDisruptionBudget,
    restrictLoadBalancers,
    requireRecommendedLabels,
    disallowDeprecatedApiVersions,
];

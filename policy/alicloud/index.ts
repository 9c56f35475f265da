import { Policies } from "@pulumi/policy";
import { disallowPublicRepositories } from "./disallowPublicRepositories";
import { requireClusterDeletionProtection } from "./requireClusterDeletionProtection";
import { requireControlPlaneLogs } from "./requireControlPlaneLogs";
import { requireEncryptedSystemDisk } from "./requireEncryptedSystemDisk";
import { requireEnterpriseRegistry } from "./requireEnterpriseRegistry";
import { requireMultiZoneCluster } from "./requireMultiZoneCluster";
import { requireNodePoolMinimumSize } from "./requireNodePoolMinimumSize";
import { requirePrivateApiServer } from "./requirePrivateApiServer";
import { requirePrivateCidrs } from "./requirePrivateCidrs";
import { requireSupportedKubernetesVersion } from "./requireSupportedKubernetesVersion";
import { restrictNodePoolInstanceTypes } from "./restrictNodePoolInstanceTypes";
import { restrictSecurityGroupIngress } from "./restrictSecurityGroupIngress";

export {
    disallowPublicRepositories,
    requireClusterDeletionProtection,
    requireControlPlaneLogs,
    requireEncryptedSystemDisk,
    requireEnterpriseRegistry,
    requireMultiZoneCluster,
    requireNodePoolMinimumSize,
    requirePrivateApiServer,
    requirePrivateCidrs,
    requireSupportedKubernetesVersion,
    restrictNodePoolInstanceTypes,
    restrictSecurityGroupIngress,
};

/** Every Alibaba Cloud policy, for a PolicyPack (ours in policy/index.ts, or another project's). */
export const alicloudPolicies: Policies = [
    requireClusterDeletionProtection,
    requireMultiZoneCluster,
    requirePrivateApiServer,
    requireControlPlaneLogs,
    requireSupportedKubernetesVersion,
    requireEncryptedSystemDisk,
    restrictNodePoolInstanceTypes,
    requireNodePoolMinimumSize,
    restrictSecurityGroupIngress,
    requireEnterpriseRegistry,
    disallowPublicRepositories,
    requirePrivateCidrs,
];

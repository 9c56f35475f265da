import * as alicloud from "@pulumi/alicloud";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

/** Minor versions ACK currently supports; update with ACK's release calendar (or per stack in the config). */
export const DEFAULT_SUPPORTED_VERSIONS = ["1.31", "1.32", "1.33", "1.34"];

function minorOf(version: string): string | undefined {
    return /^v?(\d+\.\d+)(\.|-|$)/.exec(version)?.[1];
}

/** ACK stops patching old minors and then force-upgrades them; creating one is a dead end. */
export const requireSupportedKubernetesVersion: ResourceValidationPolicy = {
    name: "alicloud-cs-managedkubernetes-supported-version",
    description: "ACK clusters pin a Kubernetes version from the supported list, or enable automatic upgrades.",
    enforcementLevel: "mandatory",
    severity: "medium",
    configSchema: {
        properties: {
            supportedVersions: {
                type: "array",
                items: { type: "string", pattern: "^\\d+\\.\\d+$" },
                default: DEFAULT_SUPPORTED_VERSIONS,
                description: 'Supported Kubernetes minor versions, e.g. "1.33".',
            },
        },
    },
    validateResource: validateResourceOfType(alicloud.cs.ManagedKubernetes, (cluster, args, reportViolation) => {
        const { supportedVersions = DEFAULT_SUPPORTED_VERSIONS } = args.getConfig<{ supportedVersions?: string[] }>();
        const name = cluster.name ?? args.name;
        if (cluster.version === undefined || cluster.version === "") {
            if (cluster.operationPolicy?.clusterAutoUpgrade?.enabled === true) return;
            reportViolation(
                `ACK cluster "${name}" pins no Kubernetes version and has no automatic upgrade, so it is created at whatever is newest and then left behind. ` +
                    `Set \`version\` to a supported release (${supportedVersions.join(", ")}) or enable \`operationPolicy.clusterAutoUpgrade\`.`,
            );
            return;
        }
        const minor = minorOf(cluster.version);
        if (!minor || !supportedVersions.includes(minor)) {
            reportViolation(
                `ACK cluster "${name}" requests Kubernetes ${cluster.version}, which is not a supported version (${supportedVersions.join(", ")}). ` +
                    "Choose a supported version, e.g. the newest returned by the `alicloud.cs.getKubernetesVersion` data source.",
            );
        }
    }),
};

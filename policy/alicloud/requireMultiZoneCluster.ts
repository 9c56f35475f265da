import * as alicloud from "@pulumi/alicloud";
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";

/** The vSwitch resources a cluster property refers to, found through the engine's property dependencies. */
function vswitchesBehind(cluster: PolicyResource, property: string): PolicyResource[] {
    return (cluster.propertyDependencies[property] ?? []).filter(r => r.isType(alicloud.vpc.Switch));
}

/**
 * One zone is one failure domain. Zones are read from the vSwitch resources the cluster's
 * `vswitchIds` come from; vSwitches created outside the stack only count by number.
 */
export const requireMultiZoneCluster: StackValidationPolicy = {
    name: "alicloud-cs-managedkubernetes-require-multi-zone",
    description: "ACK managed clusters use at least 2 vSwitches in distinct zones.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateStack: (args, reportViolation) => {
        for (const cluster of args.resources.filter(r => r.isType(alicloud.cs.ManagedKubernetes))) {
            const name = cluster.props.name ?? cluster.name;
            const property = cluster.props.vswitchIds !== undefined ? "vswitchIds" : "workerVswitchIds";
            const ids: unknown[] = cluster.props[property] ?? [];
            const zoneIds: unknown[] = cluster.props.zoneIds ?? [];
            const switches = vswitchesBehind(cluster, property);
            const zones = new Set(switches.map(s => s.props.zoneId ?? s.props.availabilityZone));
            if (ids.length === 0 && zoneIds.length > 0) {
                if (new Set(zoneIds).size < 2) {
                    reportViolation(
                        `ACK cluster "${name}" is placed in ${new Set(zoneIds).size} zone, so a zone outage takes the control plane's endpoint and all nodes down. ` +
                            "List at least 2 distinct zones in `zoneIds`.",
                        cluster.urn,
                    );
                }
            } else if (ids.length < 2) {
                reportViolation(
                    `ACK cluster "${name}" has ${ids.length} vSwitch(es) in \`${property}\`, so a zone outage takes it down. ` +
                        "Give it at least 2 vSwitches in different zones.",
                    cluster.urn,
                );
            } else if (switches.length > 0 && zones.size < 2) {
                reportViolation(
                    `ACK cluster "${name}" has ${ids.length} vSwitches but all in zone ${[...zones].join(", ")}, so a zone outage takes it down. ` +
                        "Create the vSwitches in at least 2 different zones.",
                    cluster.urn,
                );
            }
        }
    },
};

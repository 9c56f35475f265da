/**
 * What guards RedisSentinel's pods: a PodDisruptionBudget per set (one pod at a time, so a drain never takes the
 * sentinel majority or two data pods at once) and, with `networkPolicy`, a NetworkPolicy per set.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { oneDisruptionBudget } from "../../common";
import { REDIS_PORT, SENTINEL_PORT } from "../defaults";
import { EXPORTER_PORT, HAPROXY_METRICS_PORT } from "../metrics";
import { ResolvedSentinel } from "./args";
import { HAPROXY_HEALTH_PORT, READ_PORT } from "./defaults";
import { SentinelNames } from "./files";
import { networkPolicySpecs } from "./objects";
import { SentinelPart } from "./templates";

export function createSentinelGuards(o: {
    namespace: pulumi.Input<string>;
    names: SentinelNames;
    r: ResolvedSentinel;
    labels: (part: SentinelPart) => Record<string, string>;
    selectors: Record<SentinelPart, Record<string, string>>;
    /** The three workloads: the budgets are created after them. */
    workloads: pulumi.Resource[];
    parent: pulumi.Resource;
}): void {
    const parts: [SentinelPart, string][] = [
        ["data", o.names.data],
        ["sentinel", o.names.sentinel],
        ["proxy", o.names.proxy],
    ];
    for (const [part, pdbName] of parts) {
        new k8s.policy.v1.PodDisruptionBudget(
            pdbName,
            { metadata: { name: pdbName, namespace: o.namespace, labels: o.labels(part) }, spec: oneDisruptionBudget(o.selectors[part]) },
            { parent: o.parent, dependsOn: o.workloads },
        );
    }
    if (!o.r.networkPolicy) return;
    const specs = networkPolicySpecs(
        { ...o.selectors, clients: o.r.networkPolicy.clientLabels },
        REDIS_PORT,
        SENTINEL_PORT,
        HAPROXY_HEALTH_PORT,
        READ_PORT,
        o.r.common.metrics ? { exporter: EXPORTER_PORT, proxy: HAPROXY_METRICS_PORT } : undefined,
        o.r.service.type !== "ClusterIP",
    );
    for (const [part, npName] of parts) {
        new k8s.networking.v1.NetworkPolicy(
            npName,
            { metadata: { name: npName, namespace: o.namespace, labels: o.labels(part) }, spec: specs[part] },
            { parent: o.parent },
        );
    }
}

/**
 * Where the Redis components' pods run (`scheduling`): node selection, tolerations, priority and
 * spreading over zones, applied to every pod template a component creates (data, sentinel and
 * HAProxy pods alike). Multi-zone clusters (ACK across vSwitches in several zones) are where zone
 * spreading matters: a zone outage then takes at most its share of each set.
 */
import * as k8s from "@pulumi/kubernetes";
import { ArgumentError, requireOneOf } from "../common";

type Labels = Record<string, string>;

/** How a set's pods spread over `topology.kubernetes.io/zone`. */
export const ZoneSpread = { None: "none", Preferred: "preferred", Required: "required" } as const;
export type ZoneSpread = (typeof ZoneSpread)[keyof typeof ZoneSpread];

/** Placement of every pod the component creates. */
export interface RedisSchedulingArgs {
    /** Node labels every pod requires (`nodeSelector`). */
    nodeSelector?: Record<string, string>;
    /** Taints every pod tolerates. */
    tolerations?: k8s.types.input.core.v1.Toleration[];
    /** PriorityClass of every pod, e.g. one that outranks batch work so caches are not evicted first. */
    priorityClassName?: string;
    /**
     * Spread each set over zones (at most one pod of difference between zones): `preferred` schedules
     * anyway when zones are short, `required` leaves a pod Pending instead. Default `preferred` for
     * RedisSentinel, `none` for the other components.
     */
    zoneSpread?: ZoneSpread;
}

export interface ResolvedScheduling {
    nodeSelector?: Record<string, string>;
    tolerations?: k8s.types.input.core.v1.Toleration[];
    priorityClassName?: string;
    zoneSpread: ZoneSpread;
}

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function resolveScheduling(
    component: string,
    s: RedisSchedulingArgs | undefined,
    defaultZoneSpread: ZoneSpread,
): ResolvedScheduling {
    const zoneSpread = s?.zoneSpread ?? defaultZoneSpread;
    requireOneOf(component, "scheduling.zoneSpread", zoneSpread, Object.values(ZoneSpread));
    if (s?.nodeSelector !== undefined) {
        if (
            typeof s.nodeSelector !== "object" ||
            Array.isArray(s.nodeSelector) ||
            Object.values(s.nodeSelector).some(v => typeof v !== "string")
        ) {
            throw new ArgumentError(component, "scheduling.nodeSelector", "must map node label names to values.");
        }
    }
    if (s?.tolerations !== undefined && !Array.isArray(s.tolerations)) {
        throw new ArgumentError(component, "scheduling.tolerations", "must be a list of tolerations.");
    }
    if (
        s?.priorityClassName !== undefined &&
        (typeof s.priorityClassName !== "string" || !SUBDOMAIN.test(s.priorityClassName) || s.priorityClassName.length > 253)
    ) {
        throw new ArgumentError(
            component,
            "scheduling.priorityClassName",
            `must name a PriorityClass (a DNS subdomain); got ${JSON.stringify(s.priorityClassName)}.`,
        );
    }
    return { nodeSelector: s?.nodeSelector, tolerations: s?.tolerations, priorityClassName: s?.priorityClassName, zoneSpread };
}

/** The pod-spec fields for one set (the pods `selector` matches). */
export function schedulingSpec(s: ResolvedScheduling, selector: Labels): Partial<k8s.types.input.core.v1.PodSpec> {
    const out: Partial<k8s.types.input.core.v1.PodSpec> = {};
    if (s.nodeSelector) out.nodeSelector = s.nodeSelector;
    if (s.tolerations) out.tolerations = s.tolerations;
    if (s.priorityClassName) out.priorityClassName = s.priorityClassName;
    if (s.zoneSpread !== "none") {
        out.topologySpreadConstraints = [
            {
                maxSkew: 1,
                topologyKey: "topology.kubernetes.io/zone",
                whenUnsatisfiable: s.zoneSpread === "required" ? "DoNotSchedule" : "ScheduleAnyway",
                labelSelector: { matchLabels: selector },
            },
        ];
    }
    return out;
}

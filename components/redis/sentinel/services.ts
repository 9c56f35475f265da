/**
 * RedisSentinel's four Services: the headless ones that give data and sentinel pods their stable names, the one
 * endpoint `<name>` (write and read ports, exposed as `service` says) and `<name>-sentinel` for Sentinel-aware
 * clients. Created with the component as parent, under the names they always had.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { exposedSpec, headlessSpec } from "../../common";
import { REDIS_PORT, SENTINEL_PORT } from "../defaults";
import { ResolvedSentinel } from "./args";
import { READ_PORT } from "./defaults";
import { SentinelNames } from "./files";
import { SentinelPart } from "./templates";

export interface SentinelServices {
    dataHeadless: k8s.core.v1.Service;
    sentinelHeadless: k8s.core.v1.Service;
    endpoint: k8s.core.v1.Service;
    sentinel: k8s.core.v1.Service;
}

export function createSentinelServices(o: {
    name: string;
    namespace: pulumi.Input<string>;
    names: SentinelNames;
    r: ResolvedSentinel;
    labels: (part: SentinelPart) => Record<string, string>;
    selectors: Record<SentinelPart, Record<string, string>>;
    parent: pulumi.Resource;
}): SentinelServices {
    const opts = { parent: o.parent };
    const service = (
        svcName: string,
        part: SentinelPart,
        spec: k8s.types.input.core.v1.ServiceSpec,
        annotations?: Record<string, string>,
    ) =>
        new k8s.core.v1.Service(
            svcName,
            {
                metadata: { name: svcName, namespace: o.namespace, labels: o.labels(part), annotations },
                spec: { selector: o.selectors[part], ...spec },
            },
            opts,
        );
    const headless = (svcName: string, part: "data" | "sentinel", port: number, portName: string) =>
        service(svcName, part, headlessSpec(o.selectors[part], [{ name: portName, port, targetPort: portName }]));
    // The Services wait for ready endpoints themselves: ordering them after their workloads only added that wait again.
    return {
        dataHeadless: headless(o.names.headless, "data", REDIS_PORT, "redis"),
        sentinelHeadless: headless(o.names.sentinelHeadless, "sentinel", SENTINEL_PORT, "sentinel"),
        endpoint: service(
            o.name,
            "proxy",
            exposedSpec(o.r.service, [
                { name: "redis", port: REDIS_PORT, targetPort: "redis" },
                { name: "redis-read", port: READ_PORT, targetPort: "redis-read" },
            ]),
            o.r.service.annotations,
        ),
        sentinel: service(o.names.sentinel, "sentinel", {
            type: "ClusterIP",
            ports: [{ name: "sentinel", port: SENTINEL_PORT, targetPort: "sentinel" }],
        }),
    };
}

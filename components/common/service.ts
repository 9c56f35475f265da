/**
 * How a component's client Service is reached (`service`, `readService`): inside the cluster only (ClusterIP,
 * the default), on every node's port (NodePort), or through the cloud's load balancer (LoadBalancer). Shared by
 * every topology, so a new one gets the same argument, checks and errors.
 */
import * as k8s from "@pulumi/kubernetes";
import { isIP } from "net";
import { ArgumentError, requireInteger, requireOneOf } from "./validate";

/** Kinds of Service a component's endpoint may be. */
export const ServiceType = { ClusterIP: "ClusterIP", NodePort: "NodePort", LoadBalancer: "LoadBalancer" } as const;
export type ServiceType = (typeof ServiceType)[keyof typeof ServiceType];

/** `annotations` that make a LoadBalancer on Alibaba Cloud (ACK) an internal, VPC-only SLB. */
export const ALIBABA_INTERNAL_LOAD_BALANCER = { "service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type": "intranet" } as const;

/** How external traffic reaches the pods behind a NodePort or LoadBalancer. */
export const ExternalTrafficPolicy = { Cluster: "Cluster", Local: "Local" } as const;
export type ExternalTrafficPolicy = (typeof ExternalTrafficPolicy)[keyof typeof ExternalTrafficPolicy];

/** Exposure of a component's client Service. */
export interface ServiceExposureArgs {
    /** `ClusterIP` (default: reachable inside the cluster only), `NodePort` or `LoadBalancer`. */
    type?: ServiceType;
    /**
     * Annotations of the Service, e.g. a cloud's load-balancer settings. On Alibaba Cloud
     * `service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type: intranet` makes the SLB internal.
     */
    annotations?: Record<string, string>;
    /** Client CIDRs a LoadBalancer lets through (the cloud's firewall); LoadBalancer only. */
    loadBalancerSourceRanges?: string[];
    /**
     * `Cluster` (default) or `Local`: only nodes running a selected pod take traffic, and clients' source
     * addresses are kept. NodePort and LoadBalancer only.
     */
    externalTrafficPolicy?: ExternalTrafficPolicy;
    /**
     * Fixed node ports by the Service's port name (e.g. `{ redis: 30079 }`); the cluster picks free ones for the
     * ports left out. It must lie in the API server's node-port range (30000–32767 unless configured otherwise).
     * NodePort and LoadBalancer only.
     */
    nodePorts?: Record<string, number>;
    /**
     * DNS names or IP addresses clients outside the cluster use for this Service (a DNS record of the load
     * balancer, a node's address). With `tls.issuerRef` the Certificate names them too, so those clients can
     * verify the server; with `tls.secretName` the Secret's certificate must. NodePort and LoadBalancer only.
     */
    externalNames?: string[];
}

export interface ResolvedService {
    type: ServiceType;
    annotations?: Record<string, string>;
    loadBalancerSourceRanges?: string[];
    externalTrafficPolicy?: ExternalTrafficPolicy;
    nodePorts: Record<string, number>;
    externalNames: string[];
}

const DNS_NAME = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function isCidr(text: string): boolean {
    const slash = text.indexOf("/");
    if (slash < 0) return false;
    const family = isIP(text.slice(0, slash));
    const bits = text.slice(slash + 1);
    if (!family || !/^[0-9]{1,3}$/.test(bits)) return false;
    return Number(bits) <= (family === 4 ? 32 : 128);
}

/**
 * Checks `field` (`service` or `readService`) of `component`, whose Service has the ports `portNames`, and fills
 * the default (ClusterIP). Throws ArgumentError naming the field.
 */
export function resolveService(
    component: string,
    field: string,
    given: ServiceExposureArgs | undefined,
    portNames: string[],
): ResolvedService {
    if (given === undefined || given === null) return { type: "ClusterIP", nodePorts: {}, externalNames: [] };
    if (typeof given !== "object" || Array.isArray(given)) {
        throw new ArgumentError(component, field, `must be an object such as \`{ type: "NodePort" }\`; got ${JSON.stringify(given)}.`);
    }
    const type = given.type ?? "ClusterIP";
    requireOneOf(component, `${field}.type`, type, Object.values(ServiceType));
    const external = type !== "ClusterIP";
    const onlyWith = (f: keyof ServiceExposureArgs, allowed: boolean, what: string) => {
        if (given[f] !== undefined && !allowed) {
            throw new ArgumentError(component, `${field}.${f}`, `applies to ${what} only; \`${field}.type\` is "${type}".`);
        }
    };
    onlyWith("loadBalancerSourceRanges", type === "LoadBalancer", "a LoadBalancer");
    onlyWith("externalTrafficPolicy", external, "a NodePort or LoadBalancer");
    onlyWith("nodePorts", external, "a NodePort or LoadBalancer");
    onlyWith("externalNames", external, "a NodePort or LoadBalancer");
    requireOneOf(component, `${field}.externalTrafficPolicy`, given.externalTrafficPolicy, Object.values(ExternalTrafficPolicy));

    const ranges = given.loadBalancerSourceRanges;
    if (ranges !== undefined) {
        if (!Array.isArray(ranges) || ranges.length === 0) {
            throw new ArgumentError(
                component,
                `${field}.loadBalancerSourceRanges`,
                'must be a non-empty list of CIDRs such as "10.0.0.0/8".',
            );
        }
        ranges.forEach((r, i) => {
            if (typeof r !== "string" || !isCidr(r)) {
                throw new ArgumentError(
                    component,
                    `${field}.loadBalancerSourceRanges[${i}]`,
                    `must be a CIDR such as "10.0.0.0/8"; got ${JSON.stringify(r)}.`,
                );
            }
        });
    }
    const annotations = given.annotations;
    if (annotations !== undefined) {
        if (typeof annotations !== "object" || annotations === null || Array.isArray(annotations)) {
            throw new ArgumentError(component, `${field}.annotations`, `must map names to strings; got ${JSON.stringify(annotations)}.`);
        }
        for (const [k, v] of Object.entries(annotations)) {
            if (typeof v !== "string") {
                throw new ArgumentError(
                    component,
                    `${field}.annotations["${k}"]`,
                    `must be a string (quote numbers and booleans); got ${JSON.stringify(v)}.`,
                );
            }
        }
    }
    const nodePorts = given.nodePorts ?? {};
    if (typeof nodePorts !== "object" || nodePorts === null || Array.isArray(nodePorts)) {
        throw new ArgumentError(component, `${field}.nodePorts`, `must map port names to numbers; got ${JSON.stringify(nodePorts)}.`);
    }
    const seen = new Map<number, string>();
    for (const [port, value] of Object.entries(nodePorts)) {
        if (!portNames.includes(port)) {
            throw new ArgumentError(
                component,
                `${field}.nodePorts`,
                `names port "${port}", which this Service does not have; its ports are ${portNames.map(p => `"${p}"`).join(", ")}.`,
            );
        }
        requireInteger(component, `${field}.nodePorts.${port}`, value, 1, 65535);
        const other = seen.get(value);
        if (other !== undefined) {
            throw new ArgumentError(component, `${field}.nodePorts.${port}`, `is ${value}, the node port of "${other}" too.`);
        }
        seen.set(value, port);
    }
    const externalNames = given.externalNames ?? [];
    if (!Array.isArray(externalNames)) {
        throw new ArgumentError(
            component,
            `${field}.externalNames`,
            `must be a list of DNS names or IP addresses; got ${JSON.stringify(externalNames)}.`,
        );
    }
    externalNames.forEach((n, i) => {
        if (typeof n !== "string" || !(isIP(n) || (n.length <= 253 && DNS_NAME.test(n)))) {
            throw new ArgumentError(
                component,
                `${field}.externalNames[${i}]`,
                `must be a lower-case DNS name (optionally "*.") or an IP address; got ${JSON.stringify(n)}.`,
            );
        }
    });
    return {
        type,
        annotations,
        loadBalancerSourceRanges: ranges,
        externalTrafficPolicy: given.externalTrafficPolicy,
        nodePorts,
        externalNames,
    };
}

/** `names` split as a certificate lists them: DNS names and IP addresses. */
export function subjectAltNames(names: string[]): { dnsNames: string[]; ipAddresses: string[] } {
    return { dnsNames: names.filter(n => !isIP(n)), ipAddresses: names.filter(n => isIP(n) !== 0) };
}

type ServicePort = k8s.types.input.core.v1.ServicePort & { name: string };

/** The parts of a Service's spec that `resolved` decides, around the component's own selector and ports. */
export function exposedSpec(
    resolved: ResolvedService,
    ports: ServicePort[],
): Pick<k8s.types.input.core.v1.ServiceSpec, "type" | "ports" | "loadBalancerSourceRanges" | "externalTrafficPolicy"> {
    return {
        type: resolved.type,
        ports: ports.map(p => (resolved.nodePorts[p.name] !== undefined ? { ...p, nodePort: resolved.nodePorts[p.name] } : p)),
        ...(resolved.loadBalancerSourceRanges ? { loadBalancerSourceRanges: resolved.loadBalancerSourceRanges } : {}),
        ...(resolved.externalTrafficPolicy ? { externalTrafficPolicy: resolved.externalTrafficPolicy } : {}),
    };
}

/**
 * A headless Service's spec: per-pod DNS records for a StatefulSet's `serviceName`, published while the pods are
 * still starting (a replica must resolve its master before its first sync, peers each other during a bootstrap).
 */
export function headlessSpec(selector: Record<string, string>, ports: ServicePort[]): k8s.types.input.core.v1.ServiceSpec {
    return { clusterIP: "None", publishNotReadyAddresses: true, selector, ports };
}

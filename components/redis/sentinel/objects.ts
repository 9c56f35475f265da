/**
 * Pure builders of the Kubernetes specs RedisSentinel creates (pod templates' parts, PDBs,
 * NetworkPolicies), kept apart from the class so each piece is small and testable.
 */
import * as k8s from "@pulumi/kubernetes";
import { podHost } from "../../common";
import { HostPort } from "../defaults";

type NetworkPolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;
type Labels = Record<string, string>;

/** Stable DNS names of a StatefulSet's pods, by ordinal. */
export function statefulHosts(sts: string, headless: string, count: number, namespace: string, port: number, domain: string): HostPort[] {
    return Array.from({ length: count }, (_, i) => ({ host: podHost(sts, i, headless, namespace, domain), port }));
}

export interface PolicyPeers {
    data: Labels;
    sentinel: Labels;
    proxy: Labels;
    clients: Labels;
}

/** Ingress on `ports` only from the pods whose selectors are listed. */
function ingressFrom(podSelector: Labels, ports: number[], from: Labels[]): NetworkPolicySpec {
    return {
        podSelector: { matchLabels: podSelector },
        policyTypes: ["Ingress"],
        ingress: [
            {
                from: from.map(matchLabels => ({ podSelector: { matchLabels } })),
                ports: ports.map(port => ({ protocol: "TCP", port })),
            },
        ],
    };
}

/**
 * Data pods: replication among themselves, sentinels, proxies and labelled clients.
 * Sentinels: peers, data pods (their start asks the sentinels), proxies (checks), clients.
 * Proxies: labelled clients on the write and read ports; the health port stays open for the kubelet. An endpoint
 * exposed outside the cluster (`service.type` NodePort or LoadBalancer) takes its write and read ports from any
 * source: its clients are not pods, and the node or load balancer may rewrite their addresses; the load balancer's
 * `loadBalancerSourceRanges` and the password guard it instead.
 */
export function networkPolicySpecs(
    p: PolicyPeers,
    redisPort: number,
    sentinelPort: number,
    healthPort: number,
    readPort: number,
    metrics?: { exporter: number; proxy: number },
    exposed = false,
) {
    const all = [p.data, p.sentinel, p.proxy, p.clients];
    // Metrics ports are open to any scraper (Prometheus may run in any namespace); they serve no data.
    const open = (spec: NetworkPolicySpec, ports: number[]) => {
        spec.ingress = [...(spec.ingress as object[]), { ports: ports.map(port => ({ protocol: "TCP", port })) }];
        return spec;
    };
    const proxyOnly = [healthPort, ...(metrics ? [metrics.proxy] : [])];
    const proxy = exposed
        ? open({ podSelector: { matchLabels: p.proxy }, policyTypes: ["Ingress"], ingress: [] }, [redisPort, readPort, ...proxyOnly])
        : open(ingressFrom(p.proxy, [redisPort, readPort], [p.clients]), proxyOnly);
    const data = ingressFrom(p.data, [redisPort], all);
    const sentinel = ingressFrom(p.sentinel, [sentinelPort], all);
    return {
        data: metrics ? open(data, [metrics.exporter]) : data,
        sentinel: metrics ? open(sentinel, [metrics.exporter]) : sentinel,
        proxy,
    };
}

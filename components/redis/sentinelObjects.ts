/**
 * Pure builders of the Kubernetes specs RedisSentinel creates (pod templates' parts, PDBs,
 * NetworkPolicies), kept apart from the class so each piece is small and testable.
 */
import * as k8s from "@pulumi/kubernetes";
import { createHash } from "crypto";
import { podHost } from "../common";
import { HostPort } from "./sentinelShell";

type NetworkPolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;
type Labels = Record<string, string>;

/** Stable DNS names of a StatefulSet's pods, by ordinal. */
export function statefulHosts(sts: string, headless: string, count: number, namespace: string, port: number, domain: string): HostPort[] {
    return Array.from({ length: count }, (_, i) => ({ host: podHost(sts, i, headless, namespace, domain), port }));
}

/** Short digest of rendered files, put on pod templates so a config change rolls the pods. */
export function configHash(files: Record<string, string>): string {
    const h = createHash("sha256");
    for (const key of Object.keys(files).sort()) h.update(key).update("\0").update(files[key]).update("\0");
    return h.digest("hex").slice(0, 16);
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
        ingress: [{
            from: from.map(matchLabels => ({ podSelector: { matchLabels } })),
            ports: ports.map(port => ({ protocol: "TCP", port })),
        }],
    };
}

/**
 * Data pods: replication among themselves, sentinels, proxies and labelled clients.
 * Sentinels: peers, data pods (their start asks the sentinels), proxies (checks), clients.
 * Proxies: labelled clients on the write and read ports; the health port stays open for the kubelet.
 */
export function networkPolicySpecs(p: PolicyPeers, redisPort: number, sentinelPort: number, healthPort: number, readPort: number) {
    const all = [p.data, p.sentinel, p.proxy, p.clients];
    const proxy = ingressFrom(p.proxy, [redisPort, readPort], [p.clients]);
    proxy.ingress = [...(proxy.ingress as object[]), { ports: [{ protocol: "TCP", port: healthPort }] }];
    return {
        data: ingressFrom(p.data, [redisPort], all),
        sentinel: ingressFrom(p.sentinel, [sentinelPort], all),
        proxy,
    };
}

/**
 * TLS for the Redis components (`tls`): where the certificate comes from, and what every piece
 * that talks to Redis then needs (config directives, client flags, HAProxy check options). With
 * TLS on, the plaintext port is off (`port 0`): clients, replication, sentinels, HAProxy's checks
 * and the probes all use TLS, with the CA from the same Secret.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ArgumentError, known, subjectAltNames } from "../common";

/** TLS settings every Redis component takes. */
export interface RedisTlsArgs {
    /** Serve TLS only (default false). */
    enabled?: boolean;
    /**
     * A `kubernetes.io/tls` Secret with `tls.crt`, `tls.key` and `ca.crt`. With `issuerRef`, the
     * Certificate writes this Secret (default `<name>-tls`).
     */
    secretName?: pulumi.Input<string>;
    /**
     * A cert-manager issuer: the component creates a `cert-manager.io/v1` Certificate for every pod
     * DNS name and Service name (plus `localhost` and 127.0.0.1, which the probes use).
     */
    issuerRef?: RedisTlsIssuerRef;
    /**
     * Require a client certificate signed by the CA on every port (`tls-auth-clients yes`), besides the password;
     * default false. Replication, sentinels, HAProxy's checks, the agents, probes and exporters present the pods'
     * own certificate; an application needs one from the same CA (README "TLS").
     */
    clientAuth?: boolean;
}

/** Kinds of cert-manager issuer `tls.issuerRef` may name. */
export const RedisTlsIssuerKind = { Issuer: "Issuer", ClusterIssuer: "ClusterIssuer" } as const;
export type RedisTlsIssuerKind = (typeof RedisTlsIssuerKind)[keyof typeof RedisTlsIssuerKind];

/** The cert-manager issuer that signs the component's Certificate. */
export interface RedisTlsIssuerRef {
    /** Name of the Issuer (in the component's namespace) or ClusterIssuer. */
    name: pulumi.Input<string>;
    /** `Issuer` (default) or `ClusterIssuer`. */
    kind?: RedisTlsIssuerKind;
    /** API group of the issuer; default `cert-manager.io`. */
    group?: string;
}

export interface ResolvedTls {
    /** The Secret the pods mount. */
    secretName: pulumi.Input<string>;
    issuerRef?: { name: pulumi.Input<string>; kind: RedisTlsIssuerKind; group: string };
    /** Clients must present a certificate signed by the CA. */
    clientAuth: boolean;
}

/** Where pods mount the certificate. */
export const TLS_DIR = "/etc/redis/tls";

export function resolveTls(component: string, name: string, tls: RedisTlsArgs | undefined): ResolvedTls | undefined {
    if (tls === undefined || tls.enabled === undefined || tls.enabled === false) {
        if (tls?.secretName !== undefined || tls?.issuerRef !== undefined || tls?.clientAuth !== undefined) {
            throw new ArgumentError(
                component,
                "tls.enabled",
                "must be true when `tls.secretName`, `tls.issuerRef` or `tls.clientAuth` is given.",
            );
        }
        return undefined;
    }
    if (tls.enabled !== true) throw new ArgumentError(component, "tls.enabled", `must be a boolean; got ${JSON.stringify(tls.enabled)}.`);
    if (tls.secretName === undefined && tls.issuerRef === undefined) {
        throw new ArgumentError(
            component,
            "tls.secretName",
            "or `tls.issuerRef` is required with `tls.enabled`: a Secret with tls.crt, tls.key and ca.crt, or a cert-manager issuer to make one.",
        );
    }
    if (tls.clientAuth !== undefined && typeof tls.clientAuth !== "boolean") {
        throw new ArgumentError(component, "tls.clientAuth", `must be a boolean; got ${JSON.stringify(tls.clientAuth)}.`);
    }
    const kind = tls.issuerRef?.kind ?? "Issuer";
    if (tls.issuerRef && kind !== "Issuer" && kind !== "ClusterIssuer") {
        throw new ArgumentError(component, "tls.issuerRef.kind", `must be "Issuer" or "ClusterIssuer"; got ${JSON.stringify(kind)}.`);
    }
    const issuerName = known(tls.issuerRef?.name);
    if (tls.issuerRef && issuerName !== undefined && (typeof issuerName !== "string" || !issuerName)) {
        throw new ArgumentError(component, "tls.issuerRef.name", "must name the issuer.");
    }
    return {
        secretName: tls.secretName ?? `${name}-tls`,
        issuerRef: tls.issuerRef ? { name: tls.issuerRef.name, kind, group: tls.issuerRef.group ?? "cert-manager.io" } : undefined,
        clientAuth: tls.clientAuth ?? false,
    };
}

/** redis.conf / sentinel.conf lines serving `port` over TLS only; with `clientAuth`, to clients with a certificate. */
export function tlsConfLines(port: number, dir = TLS_DIR, clientAuth = false): string[] {
    return [
        "port 0",
        `tls-port ${port}`,
        `tls-cert-file ${dir}/tls.crt`,
        `tls-key-file ${dir}/tls.key`,
        `tls-ca-cert-file ${dir}/ca.crt`,
        // Clients authenticate with passwords, and with `clientAuth` with a certificate too; the server's proves it.
        `tls-auth-clients ${clientAuth ? "yes" : "no"}`,
        "tls-replication yes",
    ];
}

/**
 * redis-cli arguments for a TLS connection verified against the CA, presenting the pod's certificate: a server with
 * `clientAuth` requires it, one without never asks for it.
 */
export function tlsCliArgs(dir = TLS_DIR): string[] {
    return ["--tls", "--cacert", `${dir}/ca.crt`, "--cert", `${dir}/tls.crt`, "--key", `${dir}/tls.key`];
}

/**
 * Options on an HAProxy server line: health checks over TLS, verified, presenting `clientCert` (its key beside it,
 * `ssl-load-extra-del-ext`) where the nodes require one; client traffic passes through untouched.
 */
export function haproxyCheckTls(caFile: string, clientCert?: string): string {
    return `check-ssl verify required ca-file ${caFile}${clientCert ? ` crt ${clientCert}` : ""}`;
}

/** `rediss://` for TLS endpoints, as clients expect; a plain `host:port` otherwise. */
export function endpointOf(hostPort: string, tls: boolean): string {
    return tls ? `rediss://${hostPort}` : hostPort;
}

/**
 * The cert-manager Certificate for `issuerRef`, naming every DNS name and address clients and peers use, plus
 * `localhost` and 127.0.0.1 (probes and the agent connect locally). The pods wait for its Secret.
 */
export function createCertificate(o: {
    name: string;
    namespace: pulumi.Input<string>;
    labels: Record<string, string>;
    tls: ResolvedTls;
    dnsNames: pulumi.Input<string[]>;
    parent: pulumi.Resource;
}): k8s.apiextensions.CustomResource | undefined {
    if (!o.tls.issuerRef) return undefined;
    return new k8s.apiextensions.CustomResource(
        `${o.name}-tls`,
        {
            apiVersion: "cert-manager.io/v1",
            kind: "Certificate",
            metadata: { name: `${o.name}-tls`, namespace: o.namespace, labels: o.labels },
            spec: {
                secretName: o.tls.secretName,
                issuerRef: o.tls.issuerRef,
                // IP addresses among the names (a Service's external address) go where a certificate lists them.
                dnsNames: pulumi.output(o.dnsNames).apply(names => [...new Set([...subjectAltNames(names).dnsNames, "localhost"])]),
                ipAddresses: pulumi.output(o.dnsNames).apply(names => [...new Set(["127.0.0.1", ...subjectAltNames(names).ipAddresses])]),
                usages: ["server auth", "client auth"],
                privateKey: { rotationPolicy: "Always" },
            },
        },
        { parent: o.parent },
    );
}

/** A Service's DNS names as clients may write them: short, with the namespace, with `svc`, fully qualified. */
export function serviceDnsNames(service: string, namespace: string, clusterDomain: string): string[] {
    return [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.${clusterDomain}`];
}

import { ArgumentError } from "./validate";

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Kubernetes object names used here become DNS labels (Services, StatefulSet pod host names), so
 * they must be RFC 1123 labels. `maxLength` leaves room for suffixes such as `-headless` or `-0`.
 */
export function requireDnsLabel(component: string, field: string, value: string | undefined, maxLength = 63): void {
    if (value === undefined) return;
    if (typeof value !== "string" || value.length > maxLength || !DNS1123_LABEL.test(value)) {
        throw new ArgumentError(
            component,
            field,
            `must be a DNS-1123 label of at most ${maxLength} characters (lower-case letters, digits and '-', ` +
                `starting and ending with a letter or digit); got ${JSON.stringify(value)}.`,
        );
    }
}

export function isDnsLabel(value: string): boolean {
    return value.length <= 63 && DNS1123_LABEL.test(value);
}

/** In-cluster DNS name of a Service. */
export function serviceHost(service: string, namespace: string, clusterDomain = "cluster.local"): string {
    return `${service}.${namespace}.svc.${clusterDomain}`;
}

/** Stable DNS name of a StatefulSet pod behind its headless Service. */
export function podHost(
    statefulSet: string,
    ordinal: number,
    headless: string,
    namespace: string,
    clusterDomain = "cluster.local",
): string {
    return `${statefulSet}-${ordinal}.${headless}.${namespace}.svc.${clusterDomain}`;
}

/**
 * Pod templates of RedisSentinel's three sets (data, sentinel, HAProxy), as pure specs built from the resolved
 * arguments: the class only creates the objects around them.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { restrictedPodSecurityContext, selectorLabels, spreadAffinity } from "../../common";
import { redisContainer, tlsVolume } from "../common";
import { REDIS_PORT, REDIS_UID, SENTINEL_PORT } from "../defaults";
import { exporterContainer } from "../metrics";
import { schedulingSpec } from "../scheduling";
import { TLS_DIR } from "../tls";
import { AUTH_MOUNT } from "../auth";
import { dataVolume, redisConfigVolumes } from "../volumes";
import { ResolvedSentinel } from "./args";
import { HAPROXY_UID, agentTiming } from "./defaults";
import { HAPROXY_DIR, sentinelStartupSeconds } from "./files";
import { agentContainer, agentResources, dataContainer, handoverBudget, proxyContainer, sentinelProbes } from "./pods";

type EnvVar = k8s.types.input.core.v1.EnvVar;
type Volume = k8s.types.input.core.v1.Volume;
type Container = k8s.types.input.core.v1.Container;
type PodTemplate = k8s.types.input.core.v1.PodTemplateSpec;
export type SentinelPart = "data" | "sentinel" | "proxy";

/** Selector labels of each set's pods. */
export function sentinelSelectors(name: string): Record<SentinelPart, Record<string, string>> {
    return {
        data: selectorLabels("redis", name, "data"),
        sentinel: selectorLabels("redis", name, "sentinel"),
        proxy: selectorLabels("redis", name, "proxy"),
    };
}

export interface SentinelPodInputs {
    r: ResolvedSentinel;
    /** Recommended labels of each part's objects. */
    labels: Record<SentinelPart, Record<string, string>>;
    /** Selector labels of each part's pods. */
    selectors: Record<SentinelPart, Record<string, string>>;
    /** The password variables every Redis and sentinel container gets. */
    env: EnvVar[];
    /** The application users' password variables (data containers only). */
    userEnv: EnvVar[];
    /** The password files of the data and sentinel pods (undefined without auth). */
    authVolume?: Volume;
    /** The password files hold the exporters' (a Secret the component made). */
    exporterPasswordFile?: boolean;
    /** The check password's file of the HAProxy pods (undefined without auth). */
    proxyAuthVolume?: Volume;
    /** Names of the three ConfigMaps (hashed: a change rolls the pods). */
    configMaps: Record<SentinelPart, pulumi.Input<string>>;
    /** The data pods keep their data on claims of the StatefulSet (an emptyDir otherwise). */
    claims: boolean;
}

const MOUNTS = [
    { name: "config", mountPath: "/etc/redis", readOnly: true },
    { name: "run", mountPath: "/run/redis" },
];

/** The three pod templates of a RedisSentinel. */
export function sentinelPodTemplates(p: SentinelPodInputs): Record<SentinelPart, PodTemplate> {
    const { r } = p;
    const c = r.common;
    const tls = c.tls !== undefined;
    const tlsVolumes = c.tls ? [tlsVolume(c.tls.secretName)] : [];
    const auth = p.authVolume ? [p.authVolume] : [];
    const authMounts = p.authVolume ? [AUTH_MOUNT] : [];
    const exporter = (port: number): Container[] =>
        c.metrics
            ? [
                  exporterContainer({
                      m: c.metrics,
                      port,
                      env: p.env,
                      tlsDir: tls ? TLS_DIR : undefined,
                      passwordFile: p.exporterPasswordFile,
                  }),
              ]
            : [];
    const redisPod = (
        part: "data" | "sentinel",
        containers: Container[],
        volumes: Volume[],
        extra: { terminationGracePeriodSeconds?: number } = {},
    ) => ({
        metadata: { labels: { ...p.labels[part], ...p.selectors[part] } },
        spec: {
            automountServiceAccountToken: false,
            securityContext: restrictedPodSecurityContext(REDIS_UID, REDIS_UID),
            affinity: spreadAffinity(p.selectors[part], r.antiAffinity),
            ...schedulingSpec(c.scheduling, p.selectors[part]),
            containers,
            volumes: [...volumes, ...auth, ...tlsVolumes],
            ...extra,
        },
    });

    const data = redisPod(
        "data",
        [
            dataContainer({
                image: c.image,
                env: [...p.env, ...p.userEnv],
                resources: c.resources,
                tls,
                volumeMounts: [...MOUNTS, ...authMounts, { name: "data", mountPath: "/data" }],
            }),
            agentContainer({
                image: c.image,
                env: p.env,
                tls,
                volumeMounts: [...MOUNTS, ...authMounts],
                resources: agentResources(r.sentinels, agentTiming(r.downAfterMilliseconds).pollMs),
            }),
            ...exporter(REDIS_PORT),
        ],
        [...redisConfigVolumes(p.configMaps.data), ...(p.claims ? [] : [dataVolume()])],
        { terminationGracePeriodSeconds: handoverBudget(r).terminationGracePeriodSeconds },
    );

    const sentinel = redisPod(
        "sentinel",
        [
            {
                ...redisContainer({
                    name: "sentinel",
                    image: c.image,
                    script: "/etc/redis/start.sh",
                    env: p.env,
                    resources: r.sentinelResources,
                    port: SENTINEL_PORT,
                    portName: "sentinel",
                    volumeMounts: [...MOUNTS, ...authMounts],
                    tls,
                }),
                ...sentinelProbes(sentinelStartupSeconds(r)),
            },
            ...exporter(SENTINEL_PORT),
        ],
        redisConfigVolumes(p.configMaps.sentinel),
    );

    const proxy = {
        metadata: { labels: { ...p.labels.proxy, ...p.selectors.proxy } },
        spec: {
            automountServiceAccountToken: false,
            securityContext: restrictedPodSecurityContext(HAPROXY_UID, HAPROXY_UID),
            affinity: spreadAffinity(p.selectors.proxy, r.antiAffinity),
            ...schedulingSpec(c.scheduling, p.selectors.proxy),
            containers: [
                proxyContainer({
                    image: r.proxy.image,
                    auth: p.proxyAuthVolume !== undefined,
                    resources: r.proxy.resources,
                    dir: HAPROXY_DIR,
                    tls,
                    metrics: c.metrics !== undefined,
                }),
            ],
            volumes: [
                { name: "config", configMap: { name: p.configMaps.proxy, defaultMode: 0o444 } },
                ...(p.proxyAuthVolume ? [p.proxyAuthVolume] : []),
                // The CA (HAProxy verifies the nodes; it serves no certificate itself), and the pods' certificate where
                // the nodes require one from clients (its checks present it).
                ...(c.tls ? [proxyTlsVolume(c.tls.secretName, c.tls.clientAuth)] : []),
            ],
        },
    };
    return { data, sentinel, proxy };
}

/** The Secret as HAProxy pods mount it: only `ca.crt`, plus the key pair with `clientAuth` (readable by the group). */
function proxyTlsVolume(secretName: pulumi.Input<string>, clientAuth: boolean): Volume {
    const items = ["ca.crt", ...(clientAuth ? ["tls.crt", "tls.key"] : [])].map(key => ({ key, path: key }));
    return { name: "tls", secret: { secretName, defaultMode: clientAuth ? 0o440 : 0o444, items } };
}

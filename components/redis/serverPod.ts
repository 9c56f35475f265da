/**
 * The pod of a plain Redis/Valkey server, shared by RedisStandalone and RedisReplicated: the server container
 * (with the exporter beside it when `metrics` is on), its config, run and data volumes, the restricted security
 * context and the scheduling arguments. RedisSentinel's data pods add an agent and a hand-over (sentinel/templates.ts).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { restrictedPodSecurityContext } from "../common";
import { AUTH_MOUNT } from "./auth";
import { ResolvedCommon, redisContainer, tlsVolume } from "./common";
import { REDIS_PORT, REDIS_UID } from "./defaults";
import { exporterContainer } from "./metrics";
import { schedulingSpec } from "./scheduling";
import { TLS_DIR } from "./tls";
import { redisConfigVolumes } from "./volumes";

type EnvVar = k8s.types.input.core.v1.EnvVar;

export function serverPodSpec(o: {
    c: ResolvedCommon;
    selector: Record<string, string>;
    /** The password variables (the exporter logs in with them too). */
    env: EnvVar[];
    /** Variables of the server container only, before `env` (e.g. the pod's namespace for its announced name). */
    serverEnv: EnvVar[];
    /** The rendered ConfigMap (hashed name). */
    configMap: pulumi.Input<string>;
    /** The `data` volume; undefined when the StatefulSet's claim templates provide it. */
    dataVolume?: k8s.types.input.core.v1.Volume;
    affinity?: k8s.types.input.core.v1.Affinity;
    /** The password files (RedisBasics.authVolume), kept current through a rotation. */
    authVolume?: k8s.types.input.core.v1.Volume;
    /** They hold the exporter's password file (the component made the Secret). */
    exporterPasswordFile?: boolean;
}): k8s.types.input.core.v1.PodSpec {
    const { c } = o;
    const tls = c.tls !== undefined;
    return {
        automountServiceAccountToken: false,
        ...(o.affinity ? { affinity: o.affinity } : {}),
        securityContext: restrictedPodSecurityContext(REDIS_UID, REDIS_UID),
        ...schedulingSpec(c.scheduling, o.selector),
        containers: [
            redisContainer({
                name: "redis",
                image: c.image,
                script: "/etc/redis/start.sh",
                resources: c.resources,
                tls,
                env: o.serverEnv,
                volumeMounts: [
                    { name: "config", mountPath: "/etc/redis", readOnly: true },
                    { name: "run", mountPath: "/run/redis" },
                    { name: "data", mountPath: "/data" },
                    ...(o.authVolume ? [AUTH_MOUNT] : []),
                ],
            }),
            ...(c.metrics
                ? [
                      exporterContainer({
                          m: c.metrics,
                          port: REDIS_PORT,
                          env: o.env,
                          tlsDir: tls ? TLS_DIR : undefined,
                          passwordFile: o.exporterPasswordFile,
                      }),
                  ]
                : []),
        ],
        volumes: [
            ...redisConfigVolumes(o.configMap),
            ...(o.authVolume ? [o.authVolume] : []),
            ...(o.dataVolume ? [o.dataVolume] : []),
            ...(c.tls ? [tlsVolume(c.tls.secretName)] : []),
        ],
    };
}

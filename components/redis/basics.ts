/**
 * What RedisStandalone and RedisReplicated create first, in the same way: the password Secret, the application
 * users' Secrets, the ConfigMap of the data node's rendered files (named after their hash, so a change rolls the
 * pods: configName.ts) and, with cert-manager TLS, the Certificate. RedisSentinel renders three sets of files and
 * labels each of its parts apart, so it builds its own.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { RedisAuth, RedisAuthArgs, UserSecrets, authVolume, createRedisAuth, createUserSecrets, passwordEnv } from "./auth";
import { ResolvedCommon } from "./common";
import { configMapName } from "./configName";
import { createCertificate } from "./tls";

export interface RedisBasics {
    auth: RedisAuth;
    users: UserSecrets;
    /** The password files the pods mount (undefined without auth). */
    authVolume?: k8s.types.input.core.v1.Volume;
    /** `REDIS_PASSWORD`/`REDISCLI_AUTH` from the password Secret (empty when auth is off). */
    env: k8s.types.input.core.v1.EnvVar[];
    config: k8s.core.v1.ConfigMap;
    /** The cert-manager Certificate the pods wait for; undefined without TLS or with an existing Secret. */
    certificate?: k8s.apiextensions.CustomResource;
}

export function createRedisBasics(o: {
    component: string;
    name: string;
    c: ResolvedCommon;
    auth: RedisAuthArgs | undefined;
    labels: Record<string, string>;
    /** The data node's rendered files (podNodeFiles). */
    files: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** Every DNS name the Certificate must carry (Services, pods). */
    dnsNames: pulumi.Input<string[]>;
    parent: pulumi.ComponentResource;
}): RedisBasics {
    const { c, name, labels, parent } = o;
    const auth = createRedisAuth(name, c.namespace, labels, o.auth, parent, o.component);
    const users = createUserSecrets(name, c.namespace, labels, c.users, parent, o.component);
    const config = new k8s.core.v1.ConfigMap(
        `${name}-config`,
        { metadata: { name: configMapName(`${name}-config`, o.files), namespace: c.namespace, labels }, data: o.files },
        { parent },
    );
    const certificate = c.tls
        ? createCertificate({ name, namespace: c.namespace, labels, tls: c.tls, parent, dnsNames: o.dnsNames })
        : undefined;
    return { auth, users, env: passwordEnv(auth), authVolume: authVolume(auth, users), config, certificate };
}

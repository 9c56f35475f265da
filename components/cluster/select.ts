import * as pulumi from "@pulumi/pulumi";
import { autoBoolean, optionalList, optionalSecret, optionalString } from "../common/config";
import { ArgumentError } from "../common/validate";
import { AckCluster } from "./ack";
import { NetworkPlugin } from "./ackPlan";
import { ExistingCluster } from "./existing";
import { KindCluster } from "./kind";
import { KubecacheCluster } from "./types";

export type ClusterKind = "kind" | "ack" | "existing";
export const CLUSTER_KINDS: readonly ClusterKind[] = ["kind", "ack", "existing"];

/**
 * Builds the cluster the stack config asks for, from the flat `kubecache:` keys documented in
 * Pulumi.yaml (`kind*`, `ack*`, `kubeconfig*`, `registry*`). The only place that knows the keys, so
 * index.ts stays a few lines and tests can drive each kind with `setAllConfig`.
 */
export function createCluster(kind: string, config: pulumi.Config = new pulumi.Config(), name = "cluster",
    opts?: pulumi.ComponentResourceOptions): KubecacheCluster {
    switch (kind) {
        case "kind":
            return new KindCluster(name, {
                clusterName: config.get("kindClusterName"),
                nodeImage: optionalString(config, "kindNodeImage"),
                workers: config.getNumber("kindWorkers"),
                registry: config.getBoolean("kindRegistry") === false ? false : { port: config.getNumber("kindRegistryPort") },
            }, opts);
        case "ack": {
            const production = autoBoolean(config, "ackProduction") ?? /^prod/.test(pulumi.getStack());
            // The component's provider is explicit (pinned to ackRegion), so it does not read the
            // `alicloud:` stack config by itself: pass the keys on when they are set there.
            const cloud = new pulumi.Config("alicloud");
            const accessKey = cloud.get("accessKey");
            return new AckCluster(name, {
                region: config.require("ackRegion"),
                zones: config.requireObject<string[]>("ackZones"),
                production,
                credentials: accessKey === undefined ? undefined : { accessKey, secretKey: cloud.requireSecret("secretKey") },
                deletionProtection: autoBoolean(config, "ackDeletionProtection"),
                // Also the ACR instance name, which is part of a region-wide host name: never just "cluster".
                clusterName: optionalString(config, "ackClusterName") ?? `kubecache-${pulumi.getStack()}`,
                clusterSpec: config.get("ackClusterSpec"),
                kubernetesVersion: optionalString(config, "ackKubernetesVersion"),
                networkPlugin: config.get("ackNetworkPlugin") as NetworkPlugin | undefined,
                vpcCidr: config.get("ackVpcCidr"),
                podCidr: optionalString(config, "ackPodCidr"),
                serviceCidr: config.get("ackServiceCidr"),
                publicApiServer: config.getBoolean("ackPublicApiServer"),
                instanceTypes: config.requireObject<string[]>("ackInstanceTypes"),
                desiredSize: config.getNumber("ackDesiredSize"),
                maxSize: config.getNumber("ackMaxSize"),
                systemDiskSize: config.getNumber("ackSystemDiskSize"),
                registry: config.getBoolean("ackRegistry") === false ? false : {
                    pushAllowedCidrs: optionalList(config, "ackRegistryPushCidrs"),
                },
            }, opts);
        }
        case "existing": {
            const server = optionalString(config, "registryServer");
            return new ExistingCluster(name, {
                // Read as plain text so the document is validated before any resource exists;
                // ExistingCluster wraps it as a secret straight away.
                kubeconfig: optionalString(config, "kubeconfig"),
                kubeconfigPath: optionalString(config, "kubeconfigPath"),
                context: optionalString(config, "kubeconfigContext"),
                registry: server === undefined ? undefined : {
                    pushServer: server,
                    pullServer: optionalString(config, "registryPullServer"),
                    username: optionalString(config, "registryUsername"),
                    password: optionalSecret(config, "registryPassword"),
                },
            }, opts);
        }
        default:
            throw new ArgumentError("createCluster", "cluster",
                `must be one of ${CLUSTER_KINDS.map(k => `"${k}"`).join(", ")}; got ${JSON.stringify(kind)}.`);
    }
}

// Sentinel HA Redis on a cluster the stack does not manage: ExistingCluster (kubecache/cluster) checks the
// kubeconfig and context before anything is created and hands back a provider pinned to that context, so no
// resource falls back to an ambient kubeconfig. kubecache/cluster also needs @pulumi/command and
// @pulumi/alicloud installed (the kind and ACK components live beside ExistingCluster).
import * as pulumi from "@pulumi/pulumi";
import { ExistingCluster } from "kubecache/cluster";
import { RedisSentinel } from "kubecache/redis";

const config = new pulumi.Config();
const context = config.get("kubeconfigContext");
const cluster = new ExistingCluster("cluster", {
    kubeconfigPath: config.require("kubeconfigPath"),
    context: context === "" ? undefined : context,
});

// The password is generated (needs @pulumi/random) and stays a secret output.
const ha = new RedisSentinel("sessions", { namespace: "default", replicas: 3, antiAffinity: "required" }, { provider: cluster.provider });

export const endpoint = ha.endpoint;
export const password = ha.password;
export const clusterContext = cluster.context;

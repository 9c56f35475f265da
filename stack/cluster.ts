import * as pulumi from "@pulumi/pulumi";
import { AckCluster } from "../components/cluster/ack";
import { ExistingCluster } from "../components/cluster/existing";
import { KindCluster } from "../components/cluster/kind";
import { KubecacheCluster } from "../components/cluster/types";
import { ClusterConfig } from "./config";

/**
 * The cluster the stack config asks for (`cluster`: kind | ack | existing). Its `provider` goes to
 * every component, so nothing falls back to an ambient kubeconfig.
 */
export function createCluster(cluster: ClusterConfig, name = "cluster", opts?: pulumi.ComponentResourceOptions): KubecacheCluster {
    switch (cluster.kind) {
        case "kind":
            return new KindCluster(name, cluster.args, opts);
        case "ack":
            return new AckCluster(name, cluster.args, opts);
        case "existing":
            return new ExistingCluster(name, cluster.args, opts);
    }
}

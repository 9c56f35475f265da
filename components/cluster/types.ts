import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** Where the operator image is pushed from the deploying machine and pulled from by the nodes. */
export interface ClusterRegistry {
    /** Registry host (and port) that `docker push` reaches, e.g. `localhost:5001`. */
    pushServer: pulumi.Output<string>;
    /** Registry host that the cluster's nodes pull from (may differ from pushServer, e.g. inside kind). */
    pullServer: pulumi.Output<string>;
    /** Optional push credentials; the password is always a secret Output. */
    username?: pulumi.Output<string>;
    password?: pulumi.Output<string>;
}

/** The shape every cluster component (kind, ACK, existing) exposes, so downstream code is cluster-agnostic. */
export interface KubecacheCluster {
    /** Admin kubeconfig, always a secret Output. */
    readonly kubeconfig: pulumi.Output<string>;
    /** A Kubernetes provider built from the kubeconfig, to pass to every component as `{ provider }`. */
    readonly provider: k8s.Provider;
    /** Registry for images built by the stack (the Memcached operator image); undefined when none is configured. */
    readonly registry?: ClusterRegistry;
}

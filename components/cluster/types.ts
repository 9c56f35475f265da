import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Registry } from "../common/types";

/** The shape every cluster component (kind, ACK, existing) exposes, so downstream code is cluster-agnostic. */
export interface KubecacheCluster {
    /** Admin kubeconfig, always a secret Output. */
    readonly kubeconfig: pulumi.Output<string>;
    /** A Kubernetes provider built from the kubeconfig, to pass to every component as `{ provider }`. */
    readonly provider: k8s.Provider;
    /** Registry for images built by the stack (the Memcached operator image); undefined when none is configured. */
    readonly registry?: Registry;
}

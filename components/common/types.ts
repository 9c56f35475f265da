/**
 * Argument types every component shares, so the same value fits each of them (and a package schema
 * has one definition of each).
 */
import * as pulumi from "@pulumi/pulumi";

/** CPU and memory of a container, as Kubernetes quantities. */
export interface Resources {
    /** What the scheduler reserves for the container, e.g. `{ cpu: "100m", memory: "128Mi" }`. */
    requests?: Record<string, string>;
    /** Hard caps, e.g. `{ memory: "256Mi" }`: a container above its memory limit is OOM-killed. */
    limits?: Record<string, string>;
}

/**
 * A container registry: where the deploying machine pushes images and where the cluster's nodes pull
 * them from. Every cluster component outputs one (`registry`); `OperatorImage` takes one.
 */
export interface Registry {
    /** Host[:port] the deploying machine pushes to, e.g. `localhost:5001`. */
    pushServer: pulumi.Input<string>;
    /** Host[:port] the nodes pull from (inside kind it differs from `pushServer`); default `pushServer`. */
    pullServer?: pulumi.Input<string>;
    /** Push user name; give it together with `password`. */
    username?: pulumi.Input<string>;
    /** Push password or token; always handled as a secret. */
    password?: pulumi.Input<string>;
}

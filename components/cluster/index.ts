// `kubecache/cluster`: kind, Alibaba Cloud ACK or an existing kubeconfig. Needs @pulumi/command (kind) and
// @pulumi/alicloud (ACK) besides the required peers.
export { KubecacheCluster } from "./types";
export { KindCluster, KindClusterArgs } from "./kind";
export { AckCluster, AckClusterArgs, AckAddon } from "./ack";
export { AcrRegistryArgs } from "./ackRegistry";
export { NetworkPlugin } from "./ackPlan";
export { ExistingCluster, ExistingClusterArgs } from "./existing";
export { ArgumentError, Registry } from "../common";

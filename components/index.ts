// The root of the kubecache package: everything that loads with the required peers (@pulumi/pulumi and
// @pulumi/kubernetes) alone. The cluster components and the operator image build need optional peers, so
// they live only at their subpaths: `kubecache/cluster` and `kubecache/image`.
export * from "./redis";
export * from "./memcached";
export { AntiAffinity, ArgumentError, Registry, Resources } from "./common";

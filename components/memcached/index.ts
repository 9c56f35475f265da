// `kubecache/memcached`: the Memcached operator and its instances. Needs @pulumi/pulumi and @pulumi/kubernetes.
export { MemcachedOperator, MemcachedOperatorArgs, MemcachedPodMonitorArgs } from "./operator";
export { Memcached, MemcachedArgs, MemcachedOperatorRef } from "./memcached";
export { MemcachedSpecInputs } from "./validate";
export { MemcachedCondition, MemcachedSpec, MemcachedStatus } from "./types";
export { ArgumentError, Resources } from "../common";

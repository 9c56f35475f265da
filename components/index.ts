// Public API of the kubecache package: every component and its Args type.
export * from "./redis/standalone";
export * from "./redis/replicated";
export * from "./redis/sentinel";
export { RedisAuthArgs } from "./redis/auth";
export { RedisCommonArgs } from "./redis/common";
export { renderRedisConf, renderStartScript, RedisConfOptions, StartScriptOptions } from "./redis/config";
export { REDIS_IMAGE } from "./redis/defaults";
export { OperatorImage, OperatorImageArgs, OperatorPlatform } from "./image/operatorImage";
export { MemcachedOperator, MemcachedOperatorArgs } from "./memcached/operator";
export { Memcached, MemcachedArgs } from "./memcached/memcached";
export * from "./memcached/types";
export { KubecacheCluster } from "./cluster/types";
export { KindCluster, KindClusterArgs } from "./cluster/kind";
export { AckCluster, AckClusterArgs, AckAddon } from "./cluster/ack";
export { AcrRegistryArgs } from "./cluster/ackRegistry";
export { ExistingCluster, ExistingClusterArgs } from "./cluster/existing";
export { ArgumentError } from "./common/validate";

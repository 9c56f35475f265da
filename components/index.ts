// Public API of the kubecache package: every component and its Args type.
export * from "./redis/standalone";
export * from "./redis/replicated";
export * from "./redis/sentinel";
export { RedisAuthArgs } from "./redis/auth";
export { RedisCommonArgs } from "./redis/common";
export { renderRedisConf, renderStartScript, RedisConfOptions, StartScriptOptions } from "./redis/config";
export { REDIS_IMAGE } from "./redis/defaults";
export { ClusterRegistry, KubecacheCluster } from "./cluster/types";
export { ArgumentError } from "./common/validate";

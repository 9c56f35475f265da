// `kubecache/redis`: Redis in every topology. Needs @pulumi/pulumi and @pulumi/kubernetes only;
// generating a password (no `auth.password` or `auth.existingSecret`) also needs @pulumi/random.
export { RedisStandalone, RedisStandaloneArgs, RedisWorkloadKind } from "./standalone";
export { RedisReplicated, RedisReplicatedArgs } from "./replicated";
export { RedisSentinel } from "./sentinel";
export { RedisNetworkPolicyArgs, RedisSentinelArgs, RedisSentinelProxyArgs } from "./sentinel/args";
export { RedisAuthArgs } from "./auth";
export { RedisCommonArgs, RedisPersistenceArgs } from "./common";
export { REDIS_IMAGE, RedisEngine, VALKEY_IMAGE } from "./defaults";
export { RedisTlsArgs, RedisTlsIssuerKind, RedisTlsIssuerRef } from "./tls";
export { RedisUserArgs, RedisUserPasswordSecret } from "./acl";
export { RedisMetricsArgs, RedisMonitorArgs, RedisPrometheusRuleArgs } from "./metrics";
export { RedisSchedulingArgs, ZoneSpread } from "./scheduling";
export { AntiAffinity, ArgumentError, Resources } from "../common";

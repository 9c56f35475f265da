/**
 * The server the Redis components run. Valkey is the BSD-licensed fork of Redis 7.2 (Linux Foundation),
 * wire-compatible, which the large clouds and Bitnami moved to; Redis 7.4 is RSALv2/SSPLv1.
 */
export const RedisEngine = { Valkey: "valkey", Redis: "redis" } as const;
export type RedisEngine = (typeof RedisEngine)[keyof typeof RedisEngine];
/** Valkey pinned by tag; the Debian (trixie) variant runs as uid/gid 999 (`valkey`) and ships redis-* names too. */
export const VALKEY_IMAGE = "valkey/valkey:9.1.4-trixie";
/** Redis 7 image pinned by tag; the Debian variant runs as uid/gid 999 (`redis`). */
export const REDIS_IMAGE = "redis:7.4.2-bookworm";
export const REDIS_UID = 999;
export const REDIS_PORT = 6379;
export const SENTINEL_PORT = 26379;
/**
 * Key HAProxy's write check deletes on the master: a write command that changes nothing (the key
 * never exists), refused with NOREPLICAS by a fenced master and READONLY by a replica. The ACL user
 * `haproxy` may touch this key only.
 */
export const WRITE_PROBE_KEY = "kubecache:write-probe";
/** One Redis or Sentinel instance as scripts and HAProxy reach it; in arrays the index is the StatefulSet ordinal. */
export interface HostPort {
    host: string;
    port: number;
}
/** Key in the password Secret (the name Bitnami's chart uses, so existing Secrets can be reused). */
export const PASSWORD_KEY = "redis-password";

export const DEFAULT_RESOURCES = {
    requests: { cpu: "100m", memory: "128Mi" },
    limits: { memory: "256Mi" },
};
/** Share of the memory limit given to `maxmemory` when it is not set: room for buffers and forks. */
export const MAXMEMORY_SHARE = 0.75;

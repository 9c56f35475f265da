/**
 * POSIX-sh building blocks shared by the Sentinel topology's scripts (data start, sentinel start,
 * agent, preStop). Every network call is bounded by `timeout`, so no script hangs on a dead peer;
 * the client binary is found at run time, so the official Redis and Valkey images both work.
 */

/** One Redis or Sentinel instance; the array index is the StatefulSet ordinal. */
export interface HostPort {
    host: string;
    port: number;
}

export interface ShellTopology {
    /** Data nodes by ordinal. */
    nodes: HostPort[];
    /** Sentinels by ordinal. */
    sentinels: HostPort[];
    masterName: string;
    /** Seconds each one-shot call to a peer may take. */
    probeTimeoutSeconds?: number;
    /** Extra `redis-cli` arguments for every connection (TLS flags). */
    cliArgs?: string[];
}

/** `"h1 p1" "h2 p2"` for a `for` loop. */
export function hostList(list: HostPort[]): string {
    return list.map(n => `"${n.host} ${n.port}"`).join(" ");
}

export function majorityOf(count: number): number {
    return Math.floor(count / 2) + 1;
}

/** Lines that set `self_host`, `self_port` and `ordinal` from the ordinal expression. */
export function selfCase(list: HostPort[], ordinalExpr: string): string[] {
    return [
        `ordinal="${ordinalExpr}"`,
        'case "$ordinal" in',
        ...list.map((n, i) => `  ${i}) self_host="${n.host}"; self_port=${n.port} ;;`),
        '  *) echo "no address for ordinal $ordinal" >&2; exit 1 ;;',
        "esac",
    ];
}

/** Finds `redis-cli` (or Valkey's `valkey-cli`) and defines `cli`, a bounded one-shot call. */
export function cliPrelude(o: ShellTopology): string[] {
    const t = o.probeTimeoutSeconds ?? 2;
    const extra = (o.cliArgs ?? []).map(a => ` ${a}`).join("");
    return [
        "CLI=$(command -v redis-cli || command -v valkey-cli || echo redis-cli)",
        `cli() { timeout ${t} "$CLI" --no-auth-warning${extra} "$@" 2>/dev/null; }`,
        // Long-lived streams (the agent's) must not be killed by `timeout`.
        `cli_stream() { "$CLI" --no-auth-warning${extra} "$@" 2>/dev/null; }`,
    ];
}

/**
 * Probes of sentinels and data nodes:
 * - `ask_sentinel h p`: the master that sentinel names, as `host port`;
 * - `ask_sentinels [self_h self_p]`: the first answer of any other sentinel;
 * - `sentinel_majority`: the master a majority of all sentinels name, or nothing;
 * - `node_state h p`: `role offset keys` of a data node (its replication offset, kept while its link is down);
 * - `find_master_node [self_h self_p]`: a data node reporting role:master.
 */
export function probeLib(o: ShellTopology): string[] {
    const majority = majorityOf(o.sentinels.length);
    return [
        ...cliPrelude(o),
        "ask_sentinel() {",
        `  reply=$(cli -h "$1" -p "$2" --raw SENTINEL get-master-addr-by-name ${o.masterName}) || return 1`,
        "  h=$(printf '%s\\n' \"$reply\" | sed -n 1p)",
        "  p=$(printf '%s\\n' \"$reply\" | sed -n 2p)",
        '  case "$p" in ""|*[!0-9]*) return 1 ;; esac',
        '  [ -n "$h" ] || return 1',
        '  echo "$h $p"',
        "}",
        "ask_sentinels() {",
        `  for s in ${hostList(o.sentinels)}; do`,
        '    [ "$s" = "${1:-} ${2:-}" ] && continue',
        "    ask_sentinel $s && return 0",
        "  done",
        "  return 1",
        "}",
        "sentinel_majority() {",
        '  answers=""',
        `  for s in ${hostList(o.sentinels)}; do`,
        '    a=$(ask_sentinel $s) && answers="$answers$a\n"',
        "  done",
        `  printf '%s' "$answers" | sort | uniq -c | awk '$1 >= ${majority} { print $2, $3; exit }'`,
        "}",
        "node_state() {",
        '  r=$(cli -h "$1" -p "$2" INFO replication keyspace | tr -d \'\\r\') || return 1',
        "  role=$(printf '%s\\n' \"$r\" | sed -n 's/^role://p')",
        '  case "$role" in master|slave) ;; *) return 1 ;; esac',
        "  off=$(printf '%s\\n' \"$r\" | sed -n 's/^master_repl_offset://p')",
        '  case "$off" in ""|*[!0-9-]*) off=0 ;; esac',
        "  keys=$(printf '%s\\n' \"$r\" | sed -n 's/^db[0-9]*:keys=\\([0-9]*\\).*/\\1/p' | awk '{ s += $1 } END { print s + 0 }')",
        '  echo "$role $off $keys"',
        "}",
        "find_master_node() {",
        `  for n in ${hostList(o.nodes)}; do`,
        '    [ "$n" = "${1:-} ${2:-}" ] && continue',
        "    st=$(node_state $n) || continue",
        '    case "$st" in master\\ *) echo "$n"; return 0 ;; esac',
        "  done",
        "  return 1",
        "}",
    ];
}

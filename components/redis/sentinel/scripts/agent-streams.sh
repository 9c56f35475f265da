#!/bin/sh
# Sourced by agent.sh: the readers that feed its decision loop. Each keeps one long-lived `redis-cli -r` stream open
# (to a sentinel, or to the local node) and writes the newest answer, stamped with /proc/uptime, to a file under
# $state that the loop reads; each answer may wake the loop through the FIFO on fd 3. A stream that ends is
# restarted after 0.2 s; the loop kills one that stays silent (see KC_RESTART_CS in agent.sh). A stream refused for
# its password is restarted too: `redis-cli -r` reconnects by itself when its connection is cut (Sentinel kills the
# normal clients of a node it reconfigures) but with the password it started with, which a rotation may have
# dropped since (auth-reload.sh); a new stream presents the current one.
# shellcheck shell=sh disable=SC2154 # state and the KC_* values are the agent's

watch_sentinel() { # index host port
  while :; do
    cli_stream -h "$2" -p "$3" --raw -d '|' -r -1 -i "$KC_POLL_SECONDS" SENTINEL MASTER "$KC_MASTER_NAME" </dev/null &
    echo $! >"$state/s$1.pid"
    wait $!
    sleep 0.2
  done 2>/dev/null | while IFS='|' read -r head _ _ ip _ port _ _ _ flags _; do
    case $head in NOAUTH* | WRONGPASS*)
      kill "$(cat "$state/s$1.pid")" 2>/dev/null
      continue
      ;;
    esac
    now
    echo "$_now $ip $port $flags" >"$state/s$1"
    wake "$ip $port $flags"
  done
}
# Wakes the decision loop for an answer: every answer while this node is or may be the master (its lease counts
# them; the loop keeps $state/eager then), else only one that differs from the stream's last, since a replica has
# no lease and each run of the loop costs CPU on a node that may be short of it. The ticker covers the rest.
_last=""
wake() {
  if [ -e "$state/eager" ] || [ "$1" != "$_last" ]; then echo >&3; fi
  _last=$1
}
watch_local() {
  while :; do
    cli_stream -h "$KC_LOCAL_HOST" -p "$self_port" --raw -d '|' -r -1 -i "$KC_POLL_SECONDS" ROLE </dev/null &
    echo $! >"$state/local.pid"
    wait $!
    now
    echo "$_now" >"$state/local.restarted"
    sleep 0.2
  done 2>/dev/null | while IFS='|' read -r r a b c d _; do
    case $r in NOAUTH* | WRONGPASS*)
      kill "$(cat "$state/local.pid")" 2>/dev/null
      continue
      ;;
    esac
    now
    echo "$_now $r $a $b $c $d" >"$state/local"
    # A replica's offset ($d) moves with every write: no reason to wake.
    wake "$r $a $b $c"
  done
}

# Whether a connected replica's upstream is itself a replica, asked every CHAIN seconds beside the decision loop: the
# question costs a connection and a few processes, which on a starved node would make the loop late (and a late
# loop delays the lease). The loop acts on the answer while it names the upstream it still has.
watch_upstream() {
  while :; do
    sleep "$CHAIN"
    # shellcheck disable=SC2034 # _t, _o: time and offset
    read -r _t _r _a _b _c _o <"$state/local" 2>/dev/null || continue
    [ "$_r" = slave ] && [ "$_c" = connected ] || continue
    _up=$(node_state "$_a" "$_b" | cut -d' ' -f1)
    echo "$_a $_b ${_up:-unknown}" >"$state/upstream.tmp" && mv "$state/upstream.tmp" "$state/upstream"
  done
}

#!/bin/sh
# Sourced by agent.sh: the rules by which the fencing agent repairs the set's replication where Sentinel does not
# (a replica the sentinels left behind, a detached node, no sentinel majority at all). They run inside the agent's
# decision loop and use its state (answers, role, la/lb, MAJ, NODE_MAJ) and helpers (lcli, say).
# shellcheck shell=sh disable=SC2154 # the variables are the agent's

# The sentinels switched to another master without reconfiguring this replica: it was down in their view when the
# failover ended (a restarted pod they had not reconnected to yet), so the failover did not wait for it, and their
# repair (+fix-slave-config) waits a failover timeout. Meanwhile the new master has one replica fewer, or none: it
# refuses writes.
moved_on() {
  [ -n "$la" ] && [ -n "$lb" ] || return
  named_master=$(printf '%s' "$answers" | tr '|' '\n' | most_named "$MAJ")
  [ -n "$named_master" ] && [ "$named_master" != "$la $lb" ] || return
  # Another name for the same node (an address, not its DNS name) is no move.
  # shellcheck disable=SC2086
  named_id=$(run_id_of $named_master) || return
  [ -n "$named_id" ] && [ "$named_id" != "$(run_id_of "$la" "$lb")" ] || return
  say "replicating from $la:$lb while every answering sentinel names $named_master"
  follow_named
}
# A detached node is in no sentinel's list of replicas, so none will point it anywhere: it follows the master a
# majority of them name, unless that master is empty and it is not.
follow_named() {
  named_master=$(printf '%s' "$answers" | tr '|' '\n' | most_named "$MAJ")
  [ -n "$named_master" ] && [ "$named_master" != "$self_host $self_port" ] || return
  # shellcheck disable=SC2086
  st=$(node_state $named_master) || return
  # shellcheck disable=SC2086
  set -- $st
  [ "$1" = master ] || return
  mine=$(node_state "$KC_LOCAL_HOST" "$self_port" | cut -d' ' -f3)
  if [ "$3" -eq 0 ] && [ "${mine:-0}" -gt 0 ]; then
    say "the sentinels' master $named_master is empty and this node is not: staying detached"
    return
  fi
  say "following $named_master, the master a majority of sentinels name"
  # shellcheck disable=SC2086
  lcli REPLICAOF $named_master >/dev/null
}
# Rules for when fewer than a majority of sentinels have answered for a whole failover window: no failover can
# happen, so the agents keep the data set whole themselves.
resolve_alone() {
  best="" best_off=-2 reachable=0 master_peer="" master_keys=0 holders=0 my_keys=0
  for _n in $KC_NODES; do
    n=$(hp "$_n")
    # shellcheck disable=SC2086
    if [ "$n" = "$self_host $self_port" ]; then st=$(node_state "$KC_LOCAL_HOST" "$self_port"); else st=$(node_state $n); fi || continue
    reachable=$((reachable + 1))
    # shellcheck disable=SC2086
    set -- $st
    [ "$n" = "$self_host $self_port" ] && my_keys=$3
    if [ "$1" = master ] && [ "$n" != "$self_host $self_port" ]; then master_peer="$n" master_keys=$3; fi
    if [ "$3" -gt 0 ]; then
      holders=$((holders + 1))
      if [ "$2" -gt "$best_off" ]; then best="$n" best_off=$2; fi
    fi
  done
  if [ "$role" = master ]; then
    # An empty master no sentinel confirms must not hide a copy that exists elsewhere.
    if [ "$my_keys" -eq 0 ] && [ "$holders" -gt 0 ]; then
      say "no sentinel majority answers, this master is empty and $holders peer(s) hold data: detaching"
      # shellcheck disable=SC2086
      lcli REPLICAOF $KC_ORPHAN_MASTER >/dev/null
    fi
    return
  fi
  if [ -n "$master_peer" ]; then
    if [ "$master_keys" -gt 0 ] || [ "$holders" -eq 0 ]; then
      say "no sentinel majority answers: following master $master_peer"
      # shellcheck disable=SC2086
      lcli REPLICAOF $master_peer >/dev/null
    fi
    return
  fi
  if [ "$reachable" -lt "$NODE_MAJ" ]; then
    say "no sentinel majority answers and only $reachable data node(s) reachable: waiting"
    return
  fi
  [ "$best" = "$self_host $self_port" ] || return
  say "no sentinel majority and no master answers: promoting this node, the highest offset ($best_off) of $holders copies"
  lcli REPLICAOF NO ONE >/dev/null
}

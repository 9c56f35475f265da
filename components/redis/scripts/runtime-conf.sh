# shellcheck shell=sh
# First step of every Redis and Valkey start script: a private runtime copy of the read-only redis.conf and, when
# $REDIS_PASSWORD is set, an ACL file beside it (passwords only as SHA-256 hashes) built from users.list, one line
# per user: `<name> <source> <rules...>`, where source is `@password` ($REDIS_PASSWORD: the `default` user),
# `@derived` (sha256 of `$REDIS_PASSWORD:<name>`: the component's internal users) or the environment variable that
# holds the user's password (an application user, from its Secret); then `aclfile` and the replication user.

# The password of internal user $1, derived from the component's.
derive() { printf '%s:%s' "$REDIS_PASSWORD" "$1" | sha256sum | cut -d' ' -f1; }

# Sets $conf to the runtime copy of template $1 in directory $2, with the users of list $3.
runtime_conf() {
  conf=$2/redis.conf
  mkdir -p "$2"
  cp "$1" "$conf"
  chmod 600 "$conf"
  [ -n "${REDIS_PASSWORD:-}" ] || return 0
  _acl=$2/users.acl
  while read -r _user _source _rules; do
    case $_source in
      @password) _pw=$REDIS_PASSWORD ;;
      @derived) _pw=$(derive "$_user") ;;
      *) eval "_pw=\${$_source:-}" ;;
    esac
    echo "user $_user on #$(printf '%s' "$_pw" | sha256sum | cut -d' ' -f1) $_rules"
  done <"$3" >"$_acl"
  chmod 600 "$_acl"
  printf 'aclfile %s\nmasteruser replication\nmasterauth %s\n' "$_acl" "$(derive replication)" >>"$conf"
}

# The server binary of the image: Redis's, or Valkey's where only that exists.
# shellcheck disable=SC2034 # read by the scripts that source this
SERVER=${KC_SERVER:-$(command -v redis-server || command -v valkey-server || echo redis-server)}

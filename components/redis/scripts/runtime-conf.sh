# shellcheck shell=sh
# First step of every Redis and Valkey start script: a private runtime copy of the read-only redis.conf and, when a
# password is set, an ACL file beside it (passwords only as SHA-256 hashes) built from users.list, one line per user:
# `<name> <source> <rules...>`, where source is `@password` (the component's password: the `default` user),
# `@derived` (sha256 of `<password>:<name>`: the component's internal users) or the name of the mounted file (else
# the environment variable) that holds an application user's password; then `aclfile` and the replication user.
# Passwords come from auth-reload.sh's auth_creds (the mounted Secret, else the environment), which the start
# script sources first; during a rotation the old passwords are accepted too (auth_acl_extra).

# Sets $conf to the runtime copy of template $1 in directory $2, with the users of list $3.
runtime_conf() {
  conf=$2/redis.conf
  mkdir -p "$2"
  cp "$1" "$conf"
  chmod 600 "$conf"
  [ -n "$(auth_password)" ] || return 0
  _acl=$2/users.acl
  _creds=$2/creds.now
  auth_creds "$3" >"$_creds"
  while read -r _user _source _rules; do
    _pw=$(auth_of "$_user" "$_creds")
    echo "user $_user on #$(printf '%s' "$_pw" | sha256sum | cut -d' ' -f1)$(auth_acl_extra "$_user" "$_pw") $_rules"
  done <"$3" >"$_acl"
  rm -f "$_creds"
  chmod 600 "$_acl"
  printf 'aclfile %s\nmasteruser replication\nmasterauth %s\n' "$_acl" "$(auth_outgoing replication)" >>"$conf"
}

# The server binary of the image: Redis's, or Valkey's where only that exists.
# shellcheck disable=SC2034 # read by the scripts that source this
SERVER=${KC_SERVER:-$(command -v redis-server || command -v valkey-server || echo redis-server)}

# shellcheck shell=bash disable=SC2034,SC2154 # sourced by local-cluster: it sets root and nodes, and reads what this sets
# Real worker nodes for scripts/local-cluster (`start --real`), sourced by it: containerd 2 + runc + a CNI bridge
# per node, a kubelet per node with its own root, cgroup root and containerd, one kube-proxy (the nodes share
# the host's network stack, so one set of Service rules serves both), and CoreDNS as a Deployment in
# kube-system. Binaries: scripts/toolchain/node.sh; images: scripts/images.sh (local registry 127.0.0.1:5001).
#
# Nothing may leave the machine. Before anything starts: blackhole routes for the pod and Service ranges (their
# own, more specific or lower-metric routes win while the cluster runs), a FORWARD rule dropping pod traffic
# that would leave through any interface but the bridge, and counting rules on the default interface for both
# ranges (`local-cluster leaks DIR` prints them; the real-pods tier asserts zero). The Service range is routed to
# a bridge with no ports, so the host's own connections to ClusterIPs get a route (a blackhole route fails
# connect() before kube-proxy's DNAT runs) and un-NATed packets are dropped there.
#
# Every change to the host is recorded, as the command that undoes it, in DIR/undo; `stop` replays that file in
# reverse, then compares iptables, routes, links and mounts with the snapshot taken before the start.
#
# The contract with scripts/local-cluster, which sources this file:
#   it sets   root (the repository), CACHE and BIN (the toolchain cache and its bin/), DIR (this cluster's
#             directory), nodes (how many), API_PORT (the API server's port), CGROUP_PREFIX (kubecache-<hash of DIR>,
#             kept in DIR/real so `stop` finds the same cgroups), and log();
#   it calls  real_preflight, real_host_setup, real_nodes_start, real_dns_start (start, in that order),
#             real_stop and real_cleanup_host (stop), real_leaks (its `leaks`);
#   it reads  POD_CIDR, SERVICE_CIDR and GATEWAY (the API server binds there), set below.
# KUBECACHE_POD_CIDR, KUBECACHE_SERVICE_CIDR, KUBECACHE_BRIDGE, KUBECACHE_SINK_BRIDGE, KUBECACHE_REGISTRY and
# KUBECACHE_IMAGE_{PAUSE,COREDNS,LOCALPATH} override the defaults below and the images scripts/images.sh built.

# Ranges nothing else on this machine uses (README "Local cluster"). Node i's pods get 10.217.(i+1).0/24 out of
# the bridge's /17; the node itself answers on 10.217.0.(11+i), the API server on the bridge gateway.
POD_CIDR=${KUBECACHE_POD_CIDR:-10.217.0.0/16}
SERVICE_CIDR=${KUBECACHE_SERVICE_CIDR:-10.218.0.0/16}
POD_NET=${POD_CIDR%.*.*/*}     # 10.217
SVC_NET=${SERVICE_CIDR%.*.*/*} # 10.218
BRIDGE=${KUBECACHE_BRIDGE:-kcbr0}
SINK=${KUBECACHE_SINK_BRIDGE:-kcsvc0}
GATEWAY=$POD_NET.0.1
API_SERVICE_IP=$SVC_NET.0.1
DNS_IP=$SVC_NET.0.10
REGISTRY=${KUBECACHE_REGISTRY:-127.0.0.1:5001}
LOCK=/run/kubecache-real-cluster
CNI_BIN=/usr/lib/cni
node_ip() { echo "$POD_NET.0.$((11 + $1))"; }

undo() { echo "$*" >>"$DIR/undo"; }
ipt() { iptables -w 5 "$@"; }

real_preflight() {
  local b missing=()
  for b in kubelet kube-proxy containerd containerd-shim-runc-v2 ctr crictl coredns crane local-path-provisioner; do
    [ -x "$BIN/$b" ] || missing+=("$b")
  done
  [ ${#missing[@]} -eq 0 ] || die "${missing[*]} missing in $BIN: run scripts/toolchain/node.sh"
  for b in runc iptables iptables-save conntrack ip; do command -v "$b" >/dev/null || missing+=("$b"); done
  for b in bridge host-local loopback; do [ -x "$CNI_BIN/$b" ] || missing+=("$CNI_BIN/$b"); done
  [ ${#missing[@]} -eq 0 ] || die "${missing[*]} missing: apt-get install runc containernetworking-plugins iptables conntrack iproute2"
  [ "$(id -u)" = 0 ] || die "real nodes need root (bridges, iptables, cgroups, mounts)"
  bash "$root/scripts/images.sh" --check || die "images missing or stale in the local registry: run scripts/images.sh"
  # shellcheck disable=SC1091
  source "$CACHE/images/images.env"
  if [ -e "$LOCK" ]; then
    local other
    other=$(cat "$LOCK")
    if [ -d "$other/pids" ] && ls "$other"/pids/* >/dev/null 2>&1; then
      die "a real-node cluster already runs in $other (one per machine: the bridge, ranges and registry port are fixed); stop it with: scripts/local-cluster stop $other"
    fi
    rm -f "$LOCK"
  fi
  ip link show "$BRIDGE" >/dev/null 2>&1 && die "bridge $BRIDGE exists but no cluster owns it; remove it (ip link del $BRIDGE) or set KUBECACHE_BRIDGE"
  ip route show "$POD_CIDR" | grep -q . && die "a route for $POD_CIDR exists already; pick another KUBECACHE_POD_CIDR"
  ip route show "$SERVICE_CIDR" | grep -q . && die "a route for $SERVICE_CIDR exists already; pick another KUBECACHE_SERVICE_CIDR"
  return 0
}

default_if() { ip -4 route show default | awk '{for (i = 1; i < NF; i++) if ($i == "dev") { print $(i + 1); exit }}'; }

# Sysctls the kubelet insists on with protectKernelDefaults (it fails rather than change them itself), plus what
# the bridge and Services need. Set here, so every change is recorded and restored on stop.
REAL_SYSCTLS=(
  net.ipv4.ip_forward=1
  net.bridge.bridge-nf-call-iptables=1
  vm.overcommit_memory=1
  vm.panic_on_oom=0
  kernel.panic=10
  kernel.panic_on_oops=1
  kernel.keys.root_maxkeys=1000000
  kernel.keys.root_maxbytes=25000000
)

real_host_setup() {
  local dev kv key want was
  : >"$DIR/undo"
  echo "$DIR" >"$LOCK"
  undo "rm -f $LOCK"
  mkdir -p "$DIR/host"
  iptables-save >"$DIR/host/iptables.before" 2>/dev/null || true
  ip6tables-save >"$DIR/host/ip6tables.before" 2>/dev/null || true
  nft list tables >"$DIR/host/nft.before" 2>/dev/null || true
  ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort >"$DIR/host/links.before"
  ip route show table all >"$DIR/host/routes.before"
  sysctl -a 2>/dev/null | sort >"$DIR/host/sysctl.before"
  dev=$(default_if)
  echo "$dev" >"$DIR/host/default-if"

  # 1. Nothing to those ranges leaves, whatever starts later.
  ip route add blackhole "$POD_CIDR" metric 4000
  undo "ip route del blackhole $POD_CIDR metric 4000"
  ip route add blackhole "$SERVICE_CIDR" metric 4000
  undo "ip route del blackhole $SERVICE_CIDR metric 4000"
  if [ -n "$dev" ]; then
    ipt -t mangle -N KUBECACHE-LEAKS
    undo "iptables -w 5 -t mangle -X KUBECACHE-LEAKS"
    undo "iptables -w 5 -t mangle -F KUBECACHE-LEAKS"
    ipt -t mangle -A KUBECACHE-LEAKS -o "$dev" -d "$POD_CIDR" -m comment --comment "to pods via $dev"
    ipt -t mangle -A KUBECACHE-LEAKS -o "$dev" -d "$SERVICE_CIDR" -m comment --comment "to services via $dev"
    ipt -t mangle -A KUBECACHE-LEAKS -o "$dev" -s "$POD_CIDR" -m comment --comment "from pods via $dev"
    ipt -t mangle -I POSTROUTING -j KUBECACHE-LEAKS
    undo "iptables -w 5 -t mangle -D POSTROUTING -j KUBECACHE-LEAKS"
  fi
  # Pods talk to each other and to this host, never beyond: forwarded pod traffic may only leave by the bridge.
  ipt -I FORWARD -i "$BRIDGE" ! -o "$BRIDGE" -j DROP -m comment --comment "kubecache: pods stay on this machine"
  undo "iptables -w 5 -D FORWARD -i $BRIDGE ! -o $BRIDGE -j DROP -m comment --comment 'kubecache: pods stay on this machine'"
  # The cluster needs net.ipv4.ip_forward=1. If it was 0, nothing else on this host forwarded before, and nothing
  # else may start to now (another namespace's default route through this host would reach the network).
  if [ "$(sysctl -n net.ipv4.ip_forward)" = 0 ]; then
    # Only routed packets: with bridge-nf-call-iptables on, frames switched inside another bridge of this host (a
    # test's private network) pass FORWARD too, and never reach a physical interface.
    ipt -I FORWARD ! -i "$BRIDGE" ! -o "$BRIDGE" -m physdev ! --physdev-is-bridged -j DROP -m comment --comment "kubecache: forwarding is for the cluster bridge only"
    undo "iptables -w 5 -D FORWARD ! -i $BRIDGE ! -o $BRIDGE -m physdev ! --physdev-is-bridged -j DROP -m comment --comment 'kubecache: forwarding is for the cluster bridge only'"
  fi

  # 2. The pod bridge (the API server and kubelets listen on its addresses) and the Service sink.
  ip link add "$BRIDGE" type bridge
  undo "ip link del $BRIDGE"
  ip addr add "$GATEWAY/17" dev "$BRIDGE"
  local i
  for i in $(seq 0 $((nodes - 1))); do ip addr add "$(node_ip "$i")/17" dev "$BRIDGE"; done
  ip link set "$BRIDGE" up
  ip link add "$SINK" type bridge
  undo "ip link del $SINK"
  ip link set "$SINK" up
  ip route add "$SERVICE_CIDR" dev "$SINK"

  # 3. Sysctls, each restored to what it was.
  for kv in "${REAL_SYSCTLS[@]}"; do
    key=${kv%%=*} want=${kv#*=}
    was=$(sysctl -n "$key")
    [ "$was" = "$want" ] && continue
    sysctl -qw "$key=$want"
    undo "sysctl -qw $key=$was"
    echo "sysctl $key: $was -> $want" >>"$DIR/host/changes"
  done

  # 4. Host paths the runtime or kubelet create outside DIR no matter what their config says.
  for p in /run/containerd /var/log/containers /var/lib/cni /var/run/netns; do
    [ -e "$p" ] || undo "rm -rf $p"
  done
  [ -e /var/lib/cni ] && undo "rm -f /var/lib/cni/results/kubecache-*"
  return 0
}

# cgroup v1: every hierarchy gets the node's root (the kubelet checks that its cgroupRoot exists); cpuset needs
# its cpus/mems filled before a child can hold tasks.
cgroup_root_create() { # name
  local m
  # shellcheck disable=SC2013 # mount points of cgroup hierarchies have no spaces
  for m in $(awk '$3 == "cgroup" || $3 == "cgroup2" {print $2}' /proc/mounts); do
    [ -d "$m/$1" ] && continue
    mkdir "$m/$1"
    undo "find $m/$1 -depth -type d -exec rmdir {} + 2>/dev/null || true"
    if [ -f "$m/cpuset.cpus" ] && [ -f "$m/$1/cpuset.cpus" ]; then
      cat "$m/cpuset.cpus" >"$m/$1/cpuset.cpus"
      cat "$m/cpuset.mems" >"$m/$1/cpuset.mems"
    fi
  done
}

# CPU weights as on a systemd node: the cluster's daemons (control plane, containerd with its shims and every exec
# probe's runc, kubelets, kube-proxy) share one group of weight 1024, like system.slice, and each node's pods one of
# 1024 per CPU, like kubepods.slice. Left in the root group, every busy daemon thread weighs as much as all of a
# node's pods together, and a busy control plane starves them for seconds (Sentinel enters TILT, the fencing agents'
# answers come late): a node no kubelet deployment has. cgroup v1's cpu hierarchy, as on this machine; elsewhere the
# weights stay as they are.
cpu_hierarchies() { awk '$3 == "cgroup" && ("," $4 ",") ~ /,(cpu|cpuacct),/ {print $2}' /proc/mounts; }
cpu_shares() { # cgroup shares
  local m
  for m in $(cpu_hierarchies); do [ ! -f "$m/$1/cpu.shares" ] || echo "$2" >"$m/$1/cpu.shares"; done
}
system_cgroup_create() {
  SYSTEM_CGROUP=$CGROUP_PREFIX-system
  cgroup_root_create "$SYSTEM_CGROUP"
  cpu_shares "$SYSTEM_CGROUP" 1024
}
system_cgroup_join() { # pid (all its threads move; what it forks later starts there)
  local m
  for m in $(cpu_hierarchies); do [ ! -d "$m/$SYSTEM_CGROUP" ] || echo "$1" >"$m/$SYSTEM_CGROUP/cgroup.procs" 2>/dev/null || true; done
}

gen_node_certs() { # name group -> pki/<name>.crt/.key signed by the cluster CA
  (cd "$DIR/pki" &&
    openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "/O=$2/CN=$3" 2>/dev/null &&
    openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -out "$1.crt" -days 2 -extfile client.ext 2>/dev/null)
}

client_kubeconfig() { # file cert-name
  b64() { base64 -w0 <"$1"; }
  cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster: {server: "https://$GATEWAY:$API_PORT", certificate-authority-data: $(b64 "$DIR/pki/ca.crt")}
users:
- name: u
  user: {client-certificate-data: $(b64 "$DIR/pki/$2.crt"), client-key-data: $(b64 "$DIR/pki/$2.key")}
contexts:
- name: local
  context: {cluster: local, user: u}
current-context: local
EOF
}

containerd_config() { # node-dir node-index
  local n=$1 i=$2
  mkdir -p "$n/containerd/certs.d/$REGISTRY" "$n/cni/conf" "$n/cni/ipam"
  cat >"$n/containerd/certs.d/$REGISTRY/hosts.toml" <<EOF
server = "http://$REGISTRY"
[host."http://$REGISTRY"]
  capabilities = ["pull", "resolve"]
  skip_verify = true
EOF
  cat >"$n/containerd/config.toml" <<EOF
version = 3
root = "$n/containerd/root"
state = "$n/containerd/state"
[grpc]
  address = "$n/containerd/containerd.sock"
[ttrpc]
  address = "$n/containerd/containerd.sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins.'io.containerd.internal.v1.opt']
  path = "$n/containerd/opt"
[plugins.'io.containerd.nri.v1.nri']
  disable = true
[plugins.'io.containerd.transfer.v1.local']
  config_path = "$n/containerd/certs.d"
[plugins.'io.containerd.cri.v1.images']
  snapshotter = "overlayfs"
  [plugins.'io.containerd.cri.v1.images'.pinned_images]
    sandbox = "$KUBECACHE_IMAGE_PAUSE"
  [plugins.'io.containerd.cri.v1.images'.registry]
    config_path = "$n/containerd/certs.d"
[plugins.'io.containerd.cri.v1.runtime']
  # This VM withholds CAP_SYS_RESOURCE: lowering an OOM score (the sandbox's -998) fails every sandbox.
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  [plugins.'io.containerd.cri.v1.runtime'.cni]
    bin_dirs = ["$CNI_BIN"]
    conf_dir = "$n/cni/conf"
  [plugins.'io.containerd.cri.v1.runtime'.containerd]
    default_runtime_name = "runc"
    [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "$n/runc"
[plugins.'io.containerd.grpc.v1.cri']
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
EOF
  # One bridge for every node, each node handing out its own /24 of it: pods of both nodes are on one segment.
  cat >"$n/cni/conf/10-kubecache.conflist" <<EOF
{"cniVersion": "1.0.0", "name": "kubecache-$(basename "$n")", "plugins": [
  {"type": "bridge", "bridge": "$BRIDGE", "isGateway": true, "isDefaultGateway": true, "ipMasq": false,
   "hairpinMode": true, "ipam": {"type": "host-local", "dataDir": "$n/cni/ipam",
     "ranges": [[{"subnet": "$POD_NET.0.0/17", "rangeStart": "$POD_NET.$((i + 1)).2",
                  "rangeEnd": "$POD_NET.$((i + 1)).254", "gateway": "$GATEWAY"}]]}}]}
EOF
}

kubelet_config() { # node-dir name index port healthz-port
  local n=$1 name=$2 i=$3
  cat >"$n/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# cgroup v1 host without systemd: the kubelet refuses v1 unless told, and cgroupfs is the only driver.
failCgroupV1: false
cgroupDriver: cgroupfs
cgroupRoot: /$CGROUP_PREFIX-$name
containerRuntimeEndpoint: unix://$n/containerd/containerd.sock
address: $(node_ip "$i")
port: $4
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $5
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $DIR/pki/ca.crt}
authorization: {mode: Webhook}
clusterDNS: [$DNS_IP]
clusterDomain: cluster.local
# Pods get the cluster DNS only: an empty host resolv.conf gives them no upstream server to leak queries to.
resolvConf: $DIR/resolv.conf
# The kernel defaults the kubelet wants were set (and are restored) by local-cluster; it checks, never writes.
protectKernelDefaults: true
# No CAP_SYS_RESOURCE: keep every OOM score at 0.
oomScoreAdj: 0
podLogsDir: $n/pod-logs
failSwapOn: false
serializeImagePulls: false
registerNode: true
maxPods: 60
evictionHard: {memory.available: 100Mi, nodefs.available: 1%, imagefs.available: 1%, nodefs.inodesFree: 1%}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
nodeStatusUpdateFrequency: 4s
EOF
}

kube_proxy_config() { # healthz-port metrics-port
  cat >"$DIR/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $DIR/kube-proxy.kubeconfig}
hostnameOverride: kc-node-0
mode: iptables
clusterCIDR: $POD_CIDR
detectLocalMode: ClusterCIDR
bindAddress: $GATEWAY
healthzBindAddress: 127.0.0.1:$1
metricsBindAddress: 127.0.0.1:$2
nodePortAddresses: ["$POD_NET.0.0/17"]
# No CAP_SYS_RESOURCE; and leave the host's conntrack sizing and timeouts alone.
oomScoreAdj: 0
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
# localhost NodePorts would need net.ipv4.conf.all.route_localnet=1.
iptables: {localhostNodePorts: false, syncPeriod: 30s, minSyncPeriod: 0s}
EOF
}

real_nodes_start() {
  local i n name port hz
  : >"$DIR/resolv.conf"
  gen_node_certs kube-proxy system:node-proxier system:kube-proxy
  client_kubeconfig "$DIR/kube-proxy.kubeconfig" kube-proxy
  for i in $(seq 0 $((nodes - 1))); do
    name=kc-node-$i n=$DIR/$name
    mkdir -p "$n/kubelet" "$n/pod-logs"
    gen_node_certs "$name" system:nodes "system:node:$name"
    client_kubeconfig "$n/kubeconfig" "$name"
    containerd_config "$n" "$i"
    cgroup_root_create "$CGROUP_PREFIX-$name"
    cpu_shares "$CGROUP_PREFIX-$name" $((1024 * $(nproc)))
    # containerd finds its shim on PATH; runc comes from Debian.
    PATH=$BIN:$PATH launch "containerd-$i" "$BIN/containerd" --config "$n/containerd/config.toml"
    wait_for "containerd $i" 30 "$BIN/ctr" --address "$n/containerd/containerd.sock" version
    port=$(free_port) hz=$(free_port)
    kubelet_config "$n" "$name" "$i" "$port" "$hz"
    PATH=$BIN:$PATH launch "kubelet-$i" "$BIN/kubelet" --config "$n/kubelet.yaml" --kubeconfig "$n/kubeconfig" \
      --root-dir "$n/kubelet" --cert-dir "$n/kubelet/pki" --hostname-override "$name" --node-ip "$(node_ip "$i")" \
      --node-labels "kubecache.io/local-node=true" --v=1
  done
  kube_proxy_config "$(free_port)" "$(free_port)"
  launch kube-proxy "$BIN/kube-proxy" --config "$DIR/kube-proxy.yaml" --v=1
  undo "$BIN/kube-proxy --cleanup --config $DIR/kube-proxy.yaml >>$DIR/logs/kube-proxy-cleanup.log 2>&1 || true"
  wait_for "$nodes Ready node(s)" 180 ready_nodes "$nodes"
}

ready_nodes() {
  [ "$(kubectl --kubeconfig "$DIR/kubeconfig" get nodes -l kubecache.io/local-node=true \
    -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -c True)" -ge "$1" ]
}

coredns_manifest() {
  cat <<EOF
apiVersion: v1
kind: ServiceAccount
metadata: {name: coredns, namespace: kube-system}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: system:coredns}
rules:
- {apiGroups: [""], resources: [endpoints, services, pods, namespaces], verbs: [list, watch]}
- {apiGroups: [discovery.k8s.io], resources: [endpointslices], verbs: [list, watch]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: system:coredns}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:coredns}
subjects: [{kind: ServiceAccount, name: coredns, namespace: kube-system}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: coredns, namespace: kube-system}
data:
  # cluster.local and reverse lookups only; every other name is NXDOMAIN here, never forwarded off the machine.
  Corefile: |
    cluster.local:1053 in-addr.arpa:1053 ip6.arpa:1053 {
        errors
        health :8080
        ready :8181
        kubernetes cluster.local in-addr.arpa ip6.arpa {
            pods insecure
            ttl 5
        }
        cache 5
        loadbalance
    }
    .:1053 {
        errors
        template ANY ANY {
            rcode NXDOMAIN
        }
    }
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: coredns, namespace: kube-system, labels: {k8s-app: kube-dns}}
spec:
  replicas: 1
  selector: {matchLabels: {k8s-app: kube-dns}}
  template:
    metadata: {labels: {k8s-app: kube-dns}}
    spec:
      serviceAccountName: coredns
      dnsPolicy: Default
      securityContext: {runAsNonRoot: true, runAsUser: 65532, seccompProfile: {type: RuntimeDefault}}
      containers:
      - name: coredns
        image: $KUBECACHE_IMAGE_COREDNS
        args: [-conf, /etc/coredns/Corefile]
        ports:
        - {name: dns, containerPort: 1053, protocol: UDP}
        - {name: dns-tcp, containerPort: 1053, protocol: TCP}
        readinessProbe: {httpGet: {path: /ready, port: 8181}, periodSeconds: 2}
        livenessProbe: {httpGet: {path: /health, port: 8080}, initialDelaySeconds: 10}
        resources: {requests: {cpu: 20m, memory: 32Mi}, limits: {memory: 128Mi}}
        securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
        volumeMounts: [{name: config, mountPath: /etc/coredns, readOnly: true}]
      volumes: [{name: config, configMap: {name: coredns}}]
---
apiVersion: v1
kind: Service
metadata: {name: kube-dns, namespace: kube-system, labels: {k8s-app: kube-dns}}
spec:
  clusterIP: $DNS_IP
  selector: {k8s-app: kube-dns}
  ports:
  - {name: dns, port: 53, targetPort: 1053, protocol: UDP}
  - {name: dns-tcp, port: 53, targetPort: 1053, protocol: TCP}
EOF
}

# rancher's local-path-provisioner as the default StorageClass `standard`, as kind has it: each PVC gets a
# directory under DIR/local-path (the nodes share this host's disk; the PV's node affinity keeps it on the node
# that made it), removed with the PVC (reclaimPolicy Delete) and with the cluster dir. Its helper pods, which make
# and remove those directories, run the provisioner's own image (the Debian layer has the sh, mkdir and rm).
local_path_manifest() {
  cat <<EOF
apiVersion: v1
kind: Namespace
metadata: {name: local-path-storage}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: local-path-provisioner, namespace: local-path-storage}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: local-path-provisioner, namespace: local-path-storage}
rules:
- {apiGroups: [""], resources: [pods], verbs: [get, list, watch, create, patch, update, delete]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: local-path-provisioner, namespace: local-path-storage}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: local-path-provisioner}
subjects: [{kind: ServiceAccount, name: local-path-provisioner, namespace: local-path-storage}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: local-path-provisioner}
rules:
- {apiGroups: [""], resources: [nodes, persistentvolumeclaims, configmaps, pods, pods/log], verbs: [get, list, watch]}
- {apiGroups: [""], resources: [persistentvolumes], verbs: [get, list, watch, create, patch, update, delete]}
- {apiGroups: [""], resources: [events], verbs: [create, patch]}
- {apiGroups: [storage.k8s.io], resources: [storageclasses], verbs: [get, list, watch]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: local-path-provisioner}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: local-path-provisioner}
subjects: [{kind: ServiceAccount, name: local-path-provisioner, namespace: local-path-storage}]
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: standard
  annotations: {storageclass.kubernetes.io/is-default-class: "true"}
provisioner: rancher.io/local-path
volumeBindingMode: WaitForFirstConsumer
reclaimPolicy: Delete
---
apiVersion: v1
kind: ConfigMap
metadata: {name: local-path-config, namespace: local-path-storage}
data:
  config.json: |-
    {"nodePathMap": [{"node": "DEFAULT_PATH_FOR_NON_LISTED_NODES", "paths": ["$DIR/local-path"]}]}
  setup: |-
    #!/bin/sh
    set -eu
    mkdir -m 0777 -p "\$VOL_DIR"
  teardown: |-
    #!/bin/sh
    set -eu
    rm -rf "\$VOL_DIR"
  helperPod.yaml: |-
    apiVersion: v1
    kind: Pod
    metadata: {name: helper-pod}
    spec:
      priorityClassName: system-node-critical
      tolerations: [{key: node.kubernetes.io/disk-pressure, operator: Exists, effect: NoSchedule}]
      containers:
      - {name: helper-pod, image: "$KUBECACHE_IMAGE_LOCALPATH", imagePullPolicy: IfNotPresent}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: local-path-provisioner, namespace: local-path-storage}
spec:
  replicas: 1
  selector: {matchLabels: {app: local-path-provisioner}}
  template:
    metadata: {labels: {app: local-path-provisioner}}
    spec:
      serviceAccountName: local-path-provisioner
      containers:
      - name: local-path-provisioner
        image: $KUBECACHE_IMAGE_LOCALPATH
        command: [local-path-provisioner, start, --config, /etc/config/config.json, --provisioner-name, rancher.io/local-path,
          --helper-image, "$KUBECACHE_IMAGE_LOCALPATH", --service-account-name, local-path-provisioner]
        env:
        - {name: POD_NAMESPACE, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}
        - {name: CONFIG_MOUNT_PATH, value: /etc/config/}
        resources: {requests: {cpu: 10m, memory: 32Mi}, limits: {memory: 128Mi}}
        volumeMounts: [{name: config, mountPath: /etc/config/}]
      volumes: [{name: config, configMap: {name: local-path-config}}]
EOF
}

real_dns_start() {
  mkdir -p "$DIR/local-path"
  {
    coredns_manifest
    echo ---
    local_path_manifest
  } | kubectl --kubeconfig "$DIR/kubeconfig" apply -f - >/dev/null
  kubectl --kubeconfig "$DIR/kubeconfig" -n kube-system rollout status deployment/coredns --timeout=180s >&2
  kubectl --kubeconfig "$DIR/kubeconfig" -n local-path-storage rollout status deployment/local-path-provisioner --timeout=180s >&2
}

# Packets counted by the KUBECACHE-LEAKS rules: "<packets> <rule comment>" per rule.
real_leaks() {
  iptables -w 5 -t mangle -L KUBECACHE-LEAKS -n -v -x 2>/dev/null | awk 'NR > 2 {c = $0; sub(/.*\/\* /, "", c); sub(/ \*\/.*/, "", c); print $1, c}'
}

pids_of_shims() { # containerd socket -> PIDs of its shims (they outlive containerd)
  local p
  for p in $(pgrep -f containerd-shim-runc-v2 || true); do
    tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -qF -- "-address $1 " && echo "$p"
  done
  return 0
}

# Teardown goes on past any failing step (a grep that finds nothing, a chain already gone): `local -` keeps the
# relaxed options inside these functions.
real_stop() {
  local -
  set +e +o pipefail
  local i n sock pid
  [ -f "$DIR/undo" ] || return 0
  # Stop the kubelets first (they would restart what is removed), then remove every pod sandbox through CRI,
  # which runs the CNI teardown and kills the containers.
  stop_pid kube-proxy
  for pid in "$DIR"/pids/kubelet-*; do [ -f "$pid" ] && stop_pid "$(basename "$pid")"; done
  for n in "$DIR"/kc-node-*; do
    [ -d "$n" ] || continue
    sock=$n/containerd/containerd.sock
    if [ -S "$sock" ]; then
      "$BIN/crictl" --runtime-endpoint "unix://$sock" --timeout 20s rmp -fa >>"$DIR/logs/teardown.log" 2>&1 || true
    fi
  done
  for pid in "$DIR"/pids/containerd-*; do [ -f "$pid" ] && stop_pid "$(basename "$pid")"; done
  for n in "$DIR"/kc-node-*; do
    [ -d "$n" ] || continue
    for pid in $(pids_of_shims "$n/containerd/containerd.sock"); do
      log "killing shim $pid left by $(basename "$n")"
      kill -9 "$pid" 2>/dev/null || true
    done
  done
}

# After every process is gone: mounts under DIR (kubelet's rshared root, volumes, rootfs), the undo log, then a
# comparison with the snapshot.
real_cleanup_host() {
  local -
  set +e +o pipefail
  local m cmd
  # shellcheck disable=SC2013 # the cluster's own mount points, under a mktemp directory: no spaces
  for m in $(awk -v d="$DIR/" 'index($2, d) == 1 {print $2}' /proc/self/mounts | sort -r); do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || log "cannot unmount $m"
  done
  if [ -f "$DIR/undo" ]; then
    tac "$DIR/undo" | while IFS= read -r cmd; do eval "$cmd" 2>>"$DIR/logs/teardown.log" || log "undo failed: $cmd"; done
    rm -f "$DIR/undo"
  fi
  real_leftovers
}

real_leftovers() {
  local -
  set +e +o pipefail
  local f left=0 k v r
  [ -f "$DIR/host/iptables.before" ] || return 0
  # The kubelet's and kube-proxy's chains (and CNI's) are theirs to remove; delete those they left.
  for v in iptables ip6tables; do
    for f in filter nat mangle; do
      for k in $($v-save -t "$f" 2>/dev/null | sed -n 's/^:\(KUBE-[A-Z0-9-]*\|CNI-[A-Za-z0-9-]*\) .*/\1/p'); do
        grep -q "^:$k " "$DIR/host/$v.before" && continue
        $v-save -t "$f" | grep -E "^-A [A-Z]+ .*-j $k( |$)" | sed 's/^-A/-D/' | while read -r r; do eval "$v -w 5 -t $f $r"; done
        $v -w 5 -t "$f" -F "$k"
      done
      for k in $($v-save -t "$f" 2>/dev/null | sed -n 's/^:\(KUBE-[A-Z0-9-]*\|CNI-[A-Za-z0-9-]*\) .*/\1/p'); do
        grep -q "^:$k " "$DIR/host/$v.before" || $v -w 5 -t "$f" -X "$k"
      done
    done
  done
  # iptables-nft creates the nft tables it first touches; drop those that were not there before and hold no rule.
  if command -v nft >/dev/null; then
    nft list tables 2>/dev/null | while read -r _ fam name; do
      grep -qx "table $fam $name" "$DIR/host/nft.before" 2>/dev/null && continue
      nft list table "$fam" "$name" | grep -vE '^\s*(#|table |chain |type |policy |\}|$)' | grep -q . || nft delete table "$fam" "$name"
    done
  fi
  norm() { sed -E -e '/^#/d' -e 's/\[[0-9]+:[0-9]+\]//'; }
  for v in iptables ip6tables; do
    $v-save 2>/dev/null | norm >"$DIR/host/$v.after"
    diff <(norm <"$DIR/host/$v.before") "$DIR/host/$v.after" >"$DIR/host/$v.diff" ||
      {
        log "$v differs from before the start (left as is): $(tr '\n' ';' <"$DIR/host/$v.diff")"
        left=1
      }
  done
  ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort >"$DIR/host/links.after"
  comm -13 "$DIR/host/links.before" "$DIR/host/links.after" | grep -q . &&
    {
      log "links left: $(comm -13 "$DIR/host/links.before" "$DIR/host/links.after" | tr '\n' ' ')"
      left=1
    }
  ip route show table all >"$DIR/host/routes.after"
  grep -qE "^(blackhole )?($POD_NET|$SVC_NET)\." "$DIR/host/routes.after" &&
    {
      log "routes left: $(grep -E "($POD_NET|$SVC_NET)\." "$DIR/host/routes.after" | tr '\n' ';')"
      left=1
    }
  awk -v d="$DIR/" 'index($2, d) == 1' /proc/self/mounts | grep -q . && {
    log "mounts left under $DIR"
    left=1
  }
  sysctl -a 2>/dev/null | sort >"$DIR/host/sysctl.after"
  # Per-interface keys of links that came and went (the cluster's, or another program's meanwhile), and counters,
  # are not settings: only interfaces present before and after are compared.
  comm -3 "$DIR/host/sysctl.before" "$DIR/host/sysctl.after" |
    awk -v keep="$(comm -12 "$DIR/host/links.before" "$DIR/host/links.after" | tr '\n' ' ')" '
      BEGIN { n = split(keep, l, " "); for (i = 1; i <= n; i++) both[l[i]] = 1 }
      { k = $1; sub(/^[ \t]+/, "", k) }
      k ~ /^net\.ipv[46]\.(conf|neigh)\./ { split(k, p, "."); if (!(p[4] in both)) next }
      { print }' |
    grep -vE 'random|ns_last_pid|conntrack_count|dentry|inode|file-nr|fs\.quota|kernel\.tainted|vm\.stat' \
      >"$DIR/host/sysctl.diff" || true
  [ -s "$DIR/host/sysctl.diff" ] && {
    log "sysctls differ from before the start: $(tr '\n\t' '; ' <"$DIR/host/sysctl.diff")"
    left=1
  }
  [ $left = 0 ] && log "host restored: iptables, links, routes, mounts and sysctls as before the start"
  return 0
}

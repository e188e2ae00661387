#!/usr/bin/env bash
# A real single-node Kubernetes on this machine, from the binaries scripts/kube/build.sh made.
#
#   scripts/kube/node.sh start        start (or keep) the node; prints its start-up time
#   scripts/kube/node.sh load IMG...  load Docker images into the node (like `kind load docker-image`)
#   scripts/kube/node.sh status       one line per component
#   scripts/kube/node.sh stop         stop every process (pods and data are kept)
#   scripts/kube/node.sh reset        stop, then delete the cluster's state (images are kept)
#   scripts/kube/node.sh selftest     prove that NetworkPolicies are enforced (netpol-selftest.sh)
#
# Processes: containerd (its own instance and socket, apart from Docker's), etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, kubelet, kube-proxy and kube-router (the NetworkPolicy
# engine, kube-router.sh), each with a log in $ROOT/logs/kube-*.log. Add-ons: CoreDNS and the
# local-path provisioner with a default StorageClass "standard" (the name kind uses). The
# kubeconfig is $ROOT/kube/admin.kubeconfig, context "bigdata-labs". NodePorts answer on
# 127.0.0.1 only. Images come from Docker (`load`) or from a plain-HTTP registry on
# 127.0.0.1:5000 (`127.0.0.1:5000/name:tag`).
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../lib/common.sh
. "$REPO/scripts/lib/common.sh"
# shellcheck source=versions.sh
. "$REPO/scripts/kube/versions.sh"
# shellcheck source=pki.sh
. "$REPO/scripts/kube/pki.sh"
# shellcheck source=kube-router.sh
. "$REPO/scripts/kube/kube-router.sh"

KROOT=$ROOT/kube
KBIN=$KROOT/bin
PKI=$KROOT/pki
CONF=$KROOT/conf
STATE=${BIGDATA_LABS_KUBE_STATE:-/var/lib/bigdata-labs-kube}
RUN=/run/bigdata-labs-kube
SOCK=$RUN/containerd.sock
KUBECONFIG_FILE=$KROOT/admin.kubeconfig
NODE_NAME=labs-node
POD_CIDR=10.88.0.0/16
SERVICE_CIDR=10.96.0.0/16
DNS_IP=10.96.0.10
COMPONENTS="containerd etcd kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kube-router"
# The local registry the node pulls from over plain HTTP (the kubelet pulls from the host's network).
LOCAL_REGISTRY=127.0.0.1:5000

node_die() { echo "kube-node: $1 — $2" >&2; exit 1; }
klog() { echo "[kube-node] $*"; }
kubectl() { "$KBIN/kubectl" --kubeconfig "$KUBECONFIG_FILE" "$@"; }
ctr_() { ctr --address "$SOCK" --namespace k8s.io "$@"; }

node_ip() {
    local ip
    ip=$(ip -4 route get 1.1.1.1 2>/dev/null | sed -nE 's/.* src ([0-9.]+).*/\1/p' | head -1)
    [[ -n $ip ]] || ip=$(ip -4 -o addr show scope global | awk '{print $4}' | cut -d/ -f1 | head -1)
    [[ -n $ip ]] || node_die "a network address for the node" "bring up a network interface with an IPv4 address"
    echo "$ip"
}

pid_alive() { [[ -f $RUN/$1.pid ]] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null; }

# launch <name> <command...>: a background process with its log and pid file.
launch() {
    local name=$1
    shift
    pid_alive "$name" && return 0
    echo "=== $(date -u '+%FT%TZ') start" >>"$LOGS/kube-$name.log"
    # fd 9 may hold the toolchain lock: children must not inherit it.
    nohup "$@" >>"$LOGS/kube-$name.log" 2>&1 9>&- &
    echo $! >"$RUN/$name.pid"
}

# wait_for <what> <seconds> <command...>
wait_for() {
    local what=$1 secs=$2 i
    shift 2
    for ((i = 0; i < secs; i++)); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 1
    done
    node_die "$what within ${secs}s" "see $LOGS/kube-*.log, or run scripts/kube/node.sh reset"
}

prepare_host() {
    modprobe br_netfilter 2>/dev/null || true
    modprobe overlay 2>/dev/null || true
    [[ -e /proc/sys/net/bridge/bridge-nf-call-iptables ]] ||
        node_die "the br_netfilter kernel module" "load it (modprobe br_netfilter); Services need bridged traffic to pass iptables"
    sysctl -qw net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1 net.ipv4.conf.all.route_localnet=1 ||
        node_die "kernel settings for Kubernetes networking" "run as root on a host that allows sysctl writes"
    mkdir -p "$RUN" "$STATE" "$CONF" "$KROOT/cni" "$STATE/local-path"
}

# put <file>: stdin into file, only if the content differs (kube-proxy exits when its config
# file is touched, and the processes read their files once).
put() {
    local tmp
    tmp=$(mktemp "$1.XXXXXX")
    cat >"$tmp"
    if [[ -f $1 ]] && cmp -s "$tmp" "$1"; then rm -f "$tmp"; else mv -f "$tmp" "$1"; fi
}

write_configs() {
    local ip=$1
    put "$CONF/containerd.toml" <<EOF
version = 2
root = "$STATE/containerd"
state = "$RUN/containerd"
[grpc]
  address = "$SOCK"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  # Inside a container (as here, and on kind) lowering oom_score_adj is refused: keep
  # containers at or above containerd's own score instead of failing every sandbox.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$KROOT/cni"
  # One hosts.toml per registry (read at each pull): $LOCAL_REGISTRY over plain HTTP.
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$CONF/registry.d"
EOF
    mkdir -p "$CONF/registry.d/$LOCAL_REGISTRY"
    put "$CONF/registry.d/$LOCAL_REGISTRY/hosts.toml" <<EOF
server = "http://$LOCAL_REGISTRY"
[host."http://$LOCAL_REGISTRY"]
  capabilities = ["pull", "resolve"]
EOF
    # Pods on a bridge; "firewall" accepts their traffic in FORWARD, whose policy Docker sets to DROP.
    put "$KROOT/cni/10-labs.conflist" <<EOF
{"cniVersion": "0.4.0", "name": "labs", "plugins": [
  {"type": "bridge", "bridge": "labs0", "isGateway": true, "ipMasq": true, "hairpinMode": true,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "$POD_CIDR"}]], "routes": [{"dst": "0.0.0.0/0"}]}},
  {"type": "portmap", "capabilities": {"portMappings": true}},
  {"type": "firewall", "backend": "iptables"}]}
EOF
    put "$CONF/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: "$PKI/ca.crt"}
authorization: {mode: Webhook}
cgroupDriver: cgroupfs
containerRuntimeEndpoint: "unix://$SOCK"
clusterDNS: ["$DNS_IP"]
clusterDomain: cluster.local
failSwapOn: false
resolvConf: /etc/resolv.conf
tlsCertFile: "$PKI/kubelet.crt"
tlsPrivateKeyFile: "$PKI/kubelet.key"
# Images are loaded by hand or pulled from the local registry: never garbage-collect them.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: "200Mi", nodefs.available: "3%", imagefs.available: "3%"}
EOF
    put "$CONF/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: "$CONF/kube-proxy.kubeconfig"}
mode: iptables
clusterCIDR: "$POD_CIDR"
hostnameOverride: "$NODE_NAME"
# NodePorts on the loopback only (route_localnet is set): never on the node's other addresses.
nodePortAddresses: ["127.0.0.0/8"]
healthzBindAddress: "127.0.0.1:10256"
conntrack: {maxPerCore: 0}
EOF
    [[ -n $ip ]]
}

start_processes() {
    local ip=$1
    launch containerd containerd --config "$CONF/containerd.toml"
    wait_for "containerd answering on $SOCK" 30 ctr --address "$SOCK" version
    launch etcd "$KBIN/etcd" --name labs --data-dir "$STATE/etcd" \
        --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
        --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
        --initial-cluster labs=http://127.0.0.1:2380 --listen-metrics-urls http://127.0.0.1:2381
    wait_for "etcd healthy" 60 curl -fsS http://127.0.0.1:2381/health
    launch kube-apiserver "$KBIN/kube-apiserver" --etcd-servers http://127.0.0.1:2379 \
        --bind-address 0.0.0.0 --secure-port 6443 --advertise-address "$ip" \
        --service-cluster-ip-range "$SERVICE_CIDR" --service-node-port-range 30000-32767 \
        --client-ca-file "$PKI/ca.crt" --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
        --kubelet-client-certificate "$PKI/apiserver-kubelet-client.crt" --kubelet-client-key "$PKI/apiserver-kubelet-client.key" \
        --kubelet-preferred-address-types InternalIP,Hostname \
        --service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key" \
        --service-account-issuer https://kubernetes.default.svc.cluster.local \
        --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction --allow-privileged=true
    wait_for "the API server ready" 90 kubectl get --raw /readyz
    launch kube-controller-manager "$KBIN/kube-controller-manager" --kubeconfig "$CONF/controller-manager.kubeconfig" \
        --authentication-kubeconfig "$CONF/controller-manager.kubeconfig" --authorization-kubeconfig "$CONF/controller-manager.kubeconfig" \
        --bind-address 127.0.0.1 --leader-elect=false --cluster-cidr "$POD_CIDR" --service-cluster-ip-range "$SERVICE_CIDR" \
        --cluster-signing-cert-file "$PKI/ca.crt" --cluster-signing-key-file "$PKI/ca.key" --root-ca-file "$PKI/ca.crt" \
        --service-account-private-key-file "$PKI/sa.key" --use-service-account-credentials=true
    launch kube-scheduler "$KBIN/kube-scheduler" --kubeconfig "$CONF/scheduler.kubeconfig" \
        --authentication-kubeconfig "$CONF/scheduler.kubeconfig" --authorization-kubeconfig "$CONF/scheduler.kubeconfig" \
        --bind-address 127.0.0.1 --leader-elect=false
    launch kubelet "$KBIN/kubelet" --config "$CONF/kubelet.yaml" --kubeconfig "$CONF/kubelet.kubeconfig" \
        --root-dir "$STATE/kubelet" --hostname-override "$NODE_NAME" --node-ip "$ip"
    launch kube-proxy "$KBIN/kube-proxy" --config "$CONF/kube-proxy.yaml"
}

# load_image <docker image>: into containerd's k8s.io namespace, unless the same image is there.
load_image() {
    local image=$1 id ref stamp
    id=$(docker image inspect -f '{{.Id}}' "$image" 2>/dev/null) ||
        node_die "image $image in Docker" "build it first (npm run images, or npm run toolchain -- --kubernetes)"
    ref=$image
    [[ $ref == */* ]] || ref=library/$ref
    [[ ${ref%%/*} == *.* ]] || ref=docker.io/$ref
    stamp=$STATE/loaded/${ref//[\/:]/_}
    if [[ -f $stamp && $(cat "$stamp") == "$id" ]] && ctr_ images ls -q | grep -qxF "$ref"; then return 1; fi
    mkdir -p "$STATE/loaded"
    docker save "$image" | ctr_ images import --digests - >>"$LOGS/kube-load.log" 2>&1 ||
        node_die "loading $image into the node (see $LOGS/kube-load.log)" "check free disk space and rerun"
    echo "$id" >"$stamp"
}

cmd_load() {
    local image t0 loaded=0
    pid_alive containerd || node_die "a running node" "start it: scripts/kube/node.sh start"
    for image in "$@"; do
        t0=$SECONDS
        if load_image "$image"; then
            klog "loaded $image ($((SECONDS - t0))s)"
            loaded=$((loaded + 1))
        fi
    done
    klog "images: $loaded loaded, $(($# - loaded)) already in the node"
}

apply_addons() {
    sed -e "s|@DNS_IP@|$DNS_IP|g" -e "s|@COREDNS_IMAGE@|$COREDNS_IMAGE|g" -e "s|@LOCAL_PATH_IMAGE@|$LOCAL_PATH_IMAGE|g" \
        -e "s|@HELPER_IMAGE@|$HELPER_IMAGE|g" -e "s|@LOCAL_PATH_DIR@|$STATE/local-path|g" \
        "$REPO/scripts/kube/addons.yaml" | kubectl apply -f - >>"$LOGS/kube-addons.log" 2>&1 ||
        node_die "the CoreDNS and storage add-ons (see $LOGS/kube-addons.log)" "fix the error and rerun"
}

healthy() {
    kubectl get --raw /readyz >/dev/null 2>&1 || return 1
    local c
    # kube-router is (re)launched on every start by kube_router_start, without restarting the rest.
    for c in $COMPONENTS; do [[ $c == kube-router ]] || pid_alive "$c" || return 1; done
}

cmd_start() {
    local t0=$SECONDS ip
    for c in $KUBE_COMPONENTS etcd pause coredns local-path-provisioner kube-router; do
        [[ -x $KBIN/$c ]] || node_die "the binary $c" "build the node first: npm run toolchain -- --kubernetes"
    done
    docker info >/dev/null 2>&1 || node_die "a running Docker engine (images are loaded from it)" "run npm run toolchain"
    ip=$(node_ip)
    prepare_host
    ensure_pki "$ip"
    kube_router_pki
    write_configs "$ip"
    local fingerprint
    fingerprint=$(cat "$CONF"/*.toml "$CONF"/*.yaml "$KROOT/cni"/*.conflist | sha256sum | cut -c1-16)-$ip
    if healthy && [[ $(cat "$RUN/fingerprint" 2>/dev/null) == "$fingerprint" ]]; then
        klog "node $NODE_NAME already running (API https://$ip:6443)"
    else
        cmd_stop quiet
        start_processes "$ip"
        echo "$fingerprint" >"$RUN/fingerprint"
    fi
    local t1=$SECONDS
    cmd_load "$PAUSE_IMAGE" "$COREDNS_IMAGE" "$LOCAL_PATH_IMAGE" "$HELPER_IMAGE" >/dev/null
    klog "system images in the node ($((SECONDS - t1))s)"
    wait_for "node $NODE_NAME Ready" 120 kubectl wait --for=condition=Ready "node/$NODE_NAME" --timeout=2s
    kubectl taint nodes "$NODE_NAME" node.kubernetes.io/not-ready- >/dev/null 2>&1 || true
    apply_addons
    kube_router_start
    wait_for "CoreDNS available" 180 kubectl -n kube-system wait --for=condition=Available deploy/coredns --timeout=2s
    wait_for "the local-path provisioner available" 120 kubectl -n local-path-storage wait --for=condition=Available deploy/local-path-provisioner --timeout=2s
    klog "node $NODE_NAME ready in $((SECONDS - t0))s (NetworkPolicy engine: kube-router); KUBECONFIG=$KUBECONFIG_FILE (context bigdata-labs)"
}

stop_component() {
    local name=$1 pid i
    [[ -f $RUN/$name.pid ]] || return 0
    pid=$(cat "$RUN/$name.pid")
    if kill "$pid" 2>/dev/null; then
        for ((i = 0; i < 20; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$RUN/$name.pid"
}

cmd_stop() {
    local c
    kube_router_unlabel
    for c in kube-router kube-proxy kubelet kube-scheduler kube-controller-manager kube-apiserver etcd containerd; do stop_component "$c"; done
    # Processes from an earlier session whose pid files are gone (e.g. the machine kept /var but not /run).
    for c in $KUBE_COMPONENTS etcd kube-router; do pkill -f "^$KBIN/$c( |$)" 2>/dev/null || true; done
    pkill -f "^containerd --config $CONF/containerd.toml" 2>/dev/null || true
    [[ ${1:-} == quiet ]] || klog "stopped (pods and data kept; start again with scripts/kube/node.sh start)"
}

cmd_reset() {
    local c t pids
    # The kubelet first, so that nothing restarts pods while they are removed.
    for c in kube-router kube-proxy kubelet kube-scheduler kube-controller-manager kube-apiserver etcd; do stop_component "$c"; done
    kube_router_cleanup
    if pid_alive containerd; then
        for t in $(ctr_ tasks ls -q 2>/dev/null); do ctr_ tasks kill -a -s SIGKILL "$t" >/dev/null 2>&1 || true; done
        sleep 2
        for t in $(ctr_ tasks ls -q 2>/dev/null); do ctr_ tasks rm -f "$t" >/dev/null 2>&1 || true; done
        for t in $(ctr_ containers ls -q 2>/dev/null); do ctr_ containers rm "$t" >/dev/null 2>&1 || true; done
    fi
    cmd_stop quiet
    # Whatever still runs in the pods' cgroups (e.g. after a crash of containerd) is the node's own.
    pids=$(grep -l ':/kubepods' /proc/[0-9]*/cgroup 2>/dev/null | cut -d/ -f3 || true)
    [[ -z $pids ]] || kill -9 $pids 2>/dev/null || true
    pkill -9 -f "containerd-shim-runc-v2 .*-address $SOCK" 2>/dev/null || true
    sleep 1
    mount | awk -v s="$STATE/" -v r="$RUN/" 'index($3, s) == 1 || index($3, r) == 1 {print $3}' | sort -r | xargs -r umount -l 2>/dev/null || true
    mount | awk '$3 ~ "^/run/netns/cni-" {print $3}' | xargs -r umount -l 2>/dev/null || true
    rm -rf "$STATE/etcd" "$STATE/kubelet" "$STATE/local-path" "$STATE/loaded" "$RUN" /var/lib/cni/networks/labs
    ip link delete labs0 2>/dev/null || true
    klog "reset: cluster state deleted; start a fresh node with scripts/kube/node.sh start"
}

cmd_status() {
    local c
    for c in $COMPONENTS; do
        if [[ $c == kube-router ]]; then kube_router_status; continue; fi
        if pid_alive "$c"; then echo "$c: running (pid $(cat "$RUN/$c.pid"))"; else echo "$c: stopped"; fi
    done
    if kubectl get --raw /readyz >/dev/null 2>&1; then
        kubectl get nodes -o wide --no-headers 2>/dev/null | awk '{print "node " $1 ": " $2 ", " $5}'
        echo "network policy engine (label $NETPOL_LABEL): $(kubectl get node "$NODE_NAME" -o go-template="{{with index .metadata.labels \"$NETPOL_LABEL\"}}{{.}}{{else}}none{{end}}" 2>/dev/null || true)"
    else
        echo "api: not answering"
        return 1
    fi
}

[[ $(id -u) -eq 0 ]] || node_die "root (the node runs containerd, kubelet and iptables rules)" "rerun as root"
case ${1:-} in
    start) cmd_start ;;
    stop) cmd_stop ;;
    reset) cmd_reset ;;
    status) cmd_status ;;
    load) shift; cmd_load "$@" ;;
    kubeconfig) echo "$KUBECONFIG_FILE" ;;
    selftest)
        # shellcheck source=netpol-selftest.sh
        . "$REPO/scripts/kube/netpol-selftest.sh"
        cmd_selftest
        ;;
    *) node_die "a command (got '${1:-}')" "use: start | stop | reset | status | load IMAGE... | kubeconfig | selftest" ;;
esac

# shellcheck shell=bash
# The node's NetworkPolicy engine: kube-router's network-policy controller only (no routing, no
# service proxy), as a host process beside kube-proxy (sourced by scripts/kube/node.sh).
#
# It keeps one iptables chain per local pod (KUBE-POD-FW-*), one per policy (KUBE-NWPLCY-*),
# ipsets KUBE-SRC-*/KUBE-DST-* and jumps from INPUT, FORWARD and OUTPUT to KUBE-ROUTER-*.
# Traffic a policy does not allow is REJECTed (ICMP port unreachable). Traffic whose source
# address is one of the node's own (kubelet probes, NodePort traffic masqueraded to the node,
# anything started on the host) is always accepted, as kube-router does everywhere.
#
# Identity: user "kube-router" (client certificate), bound to the read-only ClusterRole
# "bigdata-labs:kube-router" of addons.yaml. The health endpoint is 127.0.0.1 only (build.sh
# patches it); metrics are off. The node carries the label below once the engine is healthy
# (removed when `start` launches it and when `stop` runs while the API answers). A kube-router
# that died is relaunched by the next `start` without restarting the rest of the node.

NETPOL_LABEL=bigdata-labs.io/network-policy
KUBE_ROUTER_HEALTH=http://127.0.0.1:$KUBE_ROUTER_HEALTH_PORT/healthz

# The client certificate and kubeconfig (pki.sh makes the others; this one is added to older PKIs too).
kube_router_pki() {
    # shellcheck disable=SC2154 # client_ext: pki.sh
    [[ -f $PKI/kube-router.crt && -f $PKI/kube-router.key ]] || cert kube-router "/CN=kube-router" "$client_ext"
    kubeconfig "$CONF/kube-router.kubeconfig" kube-router https://127.0.0.1:6443
}

# Launches kube-router, or restarts it when it runs with other arguments (e.g. an older node.sh).
kube_router_launch() {
    local args=("$KBIN/kube-router" --kubeconfig "$CONF/kube-router.kubeconfig"
        --hostname-override "$NODE_NAME"
        --run-firewall=true --run-router=false --run-service-proxy=false --run-loadbalancer=false
        --enable-cni=false --enable-ipv4=true --enable-ipv6=false
        --service-cluster-ip-range "$SERVICE_CIDR" --service-node-port-range 30000-32767
        --health-port "$KUBE_ROUTER_HEALTH_PORT" --metrics-port 0)
    if pid_alive kube-router && [[ $(tr '\0' ' ' <"/proc/$(cat "$RUN/kube-router.pid")/cmdline") != "${args[*]} " ]]; then
        stop_component kube-router
    fi
    launch kube-router "${args[@]}"
}

# Healthy = the health endpoint answers OK and a full sync has written its rules (the health
# endpoint alone says OK from the first second, before any rule exists).
kube_router_synced() {
    pid_alive kube-router || return 1
    curl -fsS --max-time 2 "$KUBE_ROUTER_HEALTH" >/dev/null 2>&1 || return 1
    iptables -w 5 -S FORWARD 2>/dev/null | grep -q -- '-j KUBE-ROUTER-FORWARD$' || return 1
    iptables -w 5 -S KUBE-ROUTER-FORWARD 2>/dev/null | grep -q -- '--mark 0x20000/0x20000 -j ACCEPT'
}

# kube_router_start: called once the node object exists (kube-router reads its addresses).
kube_router_start() {
    command -v ipset >/dev/null || node_die "the ipset tool (kube-router needs it)" "npm run toolchain -- --kubernetes (installs Debian's ipset)"
    local t0=$SECONDS
    kubectl label node "$NODE_NAME" "$NETPOL_LABEL-" >/dev/null 2>&1 || true
    kube_router_launch
    wait_for "kube-router (NetworkPolicy engine) healthy on $KUBE_ROUTER_HEALTH" 90 kube_router_synced
    kubectl label node "$NODE_NAME" "$NETPOL_LABEL=kube-router" --overwrite >/dev/null ||
        node_die "the label $NETPOL_LABEL on node $NODE_NAME" "check the API server and rerun"
    klog "NetworkPolicy engine kube-router healthy ($((SECONDS - t0))s); node labelled $NETPOL_LABEL=kube-router"
}

# Before kube-router stops: the node no longer claims an engine (best effort, the API may be down).
kube_router_unlabel() {
    pid_alive kube-apiserver || return 0
    kubectl label node "$NODE_NAME" "$NETPOL_LABEL-" --request-timeout=3s >/dev/null 2>&1 || true
}

# Removes kube-router's rules and ipsets (reset only: a stopped node keeps enforcing what it had).
# kube-router's own --cleanup-config does not do it in v2.1.0 (it runs on an empty controller).
kube_router_cleanup() {
    local c n chains
    for c in INPUT FORWARD OUTPUT; do
        iptables -w 5 -L "$c" -n --line-numbers 2>/dev/null | awk '$2 ~ /^KUBE-ROUTER-/ {print $1}' | sort -rn |
            while read -r n; do iptables -w 5 -D "$c" "$n" || true; done
    done
    chains=$(iptables -w 5 -S 2>/dev/null | awk '$1 == "-N" && $2 ~ /^KUBE-(ROUTER-|POD-FW-|NWPLCY-)/ {print $2}')
    for c in $chains; do iptables -w 5 -F "$c" || true; done
    for c in $chains; do iptables -w 5 -X "$c" || true; done
    if command -v ipset >/dev/null; then
        for c in $(ipset list -n 2>/dev/null | grep -E '^KUBE-(SRC|DST)-' || true); do ipset destroy "$c" 2>/dev/null || true; done
    fi
}

kube_router_status() {
    if pid_alive kube-router; then
        local rss health
        rss=$(awk '/^VmRSS/ {print int($2 / 1024) " MiB"}' "/proc/$(cat "$RUN/kube-router.pid")/status" 2>/dev/null)
        health=$(curl -fsS --max-time 2 "$KUBE_ROUTER_HEALTH" 2>/dev/null | tr -d '\n' || true)
        echo "kube-router: running (pid $(cat "$RUN/kube-router.pid"), health ${health:-not answering}, RSS ${rss:-?})"
    else
        echo "kube-router: stopped"
    fi
}

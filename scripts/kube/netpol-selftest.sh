# shellcheck shell=bash
# `scripts/kube/node.sh selftest`: proves on the running node that NetworkPolicies are enforced
# (sourced by node.sh, which provides kubectl, NODE_NAME, node_ip and the kube-router helpers).
#
# Two throwaway namespaces: "srv" holds a TCP server (CoreDNS without a Corefile, on port 8053)
# and a peer, "cli" a client (debian:bookworm-slim; bash's /dev/tcp is the probe). Every step
# prints one line; the exit status is the number of failed steps (0 = enforced as expected).
# Covers: no policy -> reachable; ingress "same namespace only" -> cross-namespace dropped,
# same-namespace kept; what the node itself may still reach (probes, NodePort, port-forward);
# egress "same namespace + DNS in kube-system" -> other namespace dropped, DNS kept.

ST_FAILS=0
ST_NS_SRV=
ST_NS_CLI=
ST_PF_PID=

st_line() { echo "[selftest] $*"; }
st_ok() { st_line "ok   $*"; }
st_fail() { st_line "FAIL $*"; ST_FAILS=$((ST_FAILS + 1)); }

# st_connect <where: host | ns/pod> <ip> <port>: 0 if a TCP connection opens within 3s; the
# reason otherwise is left in ST_WHY (kube-router REJECTs: "refused", as when nothing listens).
st_connect() {
    local where=$1 ip=$2 port=$3 out rc
    if [[ $where == host ]]; then
        out=$(timeout 3 bash -c "</dev/tcp/$ip/$port" 2>&1) && rc=0 || rc=$?
    else
        out=$(kubectl exec -n "${where%%/*}" "${where#*/}" -- timeout 3 bash -c "</dev/tcp/$ip/$port" 2>&1) && rc=0 || rc=$?
    fi
    case $rc in
        0) ST_WHY=connected ;;
        124) ST_WHY="timeout (dropped)" ;;
        *) if [[ $out == *refused* ]]; then ST_WHY="refused"; else ST_WHY="exit $rc: ${out//$'\n'/ }"; fi ;;
    esac
    return "$rc"
}

# st_expect <open|closed> <what> <where> <ip> <port>
st_expect() {
    local want=$1 what=$2
    shift 2
    if st_connect "$@"; then
        if [[ $want == open ]]; then st_ok "$what: $ST_WHY"; else st_fail "$what: $ST_WHY, expected blocked"; fi
    else
        if [[ $want == closed ]]; then st_ok "$what: $ST_WHY"; else st_fail "$what: $ST_WHY, expected a connection"; fi
    fi
}

# st_until <open|closed> <what> <where> <ip> <port>: a policy change takes effect after
# kube-router's next sync; polls for up to 30s and reports how long it took.
st_until() {
    local want=$1 what=$2 t0=${EPOCHREALTIME/./} i now
    shift 2
    for ((i = 0; i < 30; i++)); do
        if st_connect "$@"; then now=open; else now=closed; fi
        if [[ $now == "$want" ]]; then
            st_ok "$what: $ST_WHY ($(((${EPOCHREALTIME/./} - t0) / 1000)) ms after the change)"
            return 0
        fi
        sleep 1
    done
    st_fail "$what: still $ST_WHY 30s after the change"
}

# st_rejected <ns> <pod>: packets counted by the REJECT rule of kube-router's chain for that pod
# (counters restart at each of kube-router's syncs, so this is evidence, not a pass/fail step).
st_rejected() {
    iptables -w 5 -L -v -n -x 2>/dev/null |
        awk -v c="REJECT traffic destined for POD name:$2 namespace: $1 " 'index($0, c) && $3 == "REJECT" {n += $1} END {print n + 0}'
}

st_cleanup() {
    if [[ -n $ST_PF_PID ]]; then kill "$ST_PF_PID" 2>/dev/null || true; fi
    [[ -n $ST_NS_SRV ]] || return 0
    if kubectl delete namespace "$ST_NS_SRV" "$ST_NS_CLI" --wait=true --timeout=90s >/dev/null 2>&1; then
        st_line "cleanup: namespaces $ST_NS_SRV and $ST_NS_CLI deleted"
    else
        st_line "cleanup: could not delete $ST_NS_SRV / $ST_NS_CLI (delete them by hand)"
    fi
}

# A pod that runs as nobody, without privileges; image and command as arguments.
st_pod() {
    local ns=$1 name=$2 image=$3 cmd=$4 probe=${5:-}
    cat <<EOF
apiVersion: v1
kind: Pod
metadata: {name: $name, namespace: $ns, labels: {app: $name}}
spec:
  terminationGracePeriodSeconds: 1
  automountServiceAccountToken: false
  securityContext: {runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, seccompProfile: {type: RuntimeDefault}}
  containers:
    - name: main
      image: "$image"
      imagePullPolicy: Never
      command: $cmd
      securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
      resources: {requests: {cpu: 10m, memory: 16Mi}, limits: {memory: 64Mi}}
$probe
---
EOF
}

st_setup() {
    local suffix=$RANDOM
    ST_NS_SRV=netpol-selftest-srv-$suffix
    ST_NS_CLI=netpol-selftest-cli-$suffix
    {
        printf 'apiVersion: v1\nkind: Namespace\nmetadata: {name: %s}\n---\n' "$ST_NS_SRV" "$ST_NS_CLI"
        st_pod "$ST_NS_SRV" server "$COREDNS_IMAGE" '["/coredns", "-dns.port", "8053"]' \
            "      readinessProbe: {tcpSocket: {port: 8053}, periodSeconds: 2, failureThreshold: 2}"
        st_pod "$ST_NS_SRV" peer "$HELPER_IMAGE" '["sleep", "infinity"]'
        st_pod "$ST_NS_CLI" client "$HELPER_IMAGE" '["sleep", "infinity"]'
        cat <<EOF
apiVersion: v1
kind: Service
metadata: {name: server, namespace: $ST_NS_SRV}
spec:
  type: NodePort
  selector: {app: server}
  ports: [{port: 8053, targetPort: 8053, protocol: TCP}]
EOF
    } | kubectl apply -f - >/dev/null || return 1
    kubectl wait -n "$ST_NS_SRV" --for=condition=Ready pod/server pod/peer --timeout=120s >/dev/null &&
        kubectl wait -n "$ST_NS_CLI" --for=condition=Ready pod/client --timeout=120s >/dev/null
}

st_policy() { # st_policy <ns> <name> <spec (YAML flow)>
    printf 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: %s, namespace: %s}\nspec: %s\n' "$2" "$1" "$3" |
        kubectl apply -f - >/dev/null
}

# kubectl port-forward to the server (through the kubelet and containerd, into the pod's network
# namespace); 0 if a connection through it opens.
st_port_forward() {
    local out port i
    out=$(mktemp)
    kubectl port-forward -n "$ST_NS_SRV" pod/server --address 127.0.0.1 :8053 >"$out" 2>&1 &
    ST_PF_PID=$!
    for ((i = 0; i < 20; i++)); do
        port=$(sed -nE 's/^Forwarding from 127\.0\.0\.1:([0-9]+) .*/\1/p' "$out" | head -1)
        [[ -n $port ]] && break
        sleep 0.5
    done
    local rc=1
    [[ -n $port ]] && st_connect host 127.0.0.1 "$port" && rc=0
    kill "$ST_PF_PID" 2>/dev/null || true
    wait "$ST_PF_PID" 2>/dev/null || true
    ST_PF_PID=
    rm -f "$out"
    return "$rc"
}

cmd_selftest() {
    local t0=$SECONDS srv cip np nip label
    kube_router_synced || node_die "a healthy kube-router on the node" "start the node: scripts/kube/node.sh start"
    label=$(kubectl get node "$NODE_NAME" -o go-template="{{with index .metadata.labels \"$NETPOL_LABEL\"}}{{.}}{{end}}")
    if [[ $label == kube-router ]]; then st_ok "node $NODE_NAME has $NETPOL_LABEL=kube-router"; else
        st_fail "node $NODE_NAME label $NETPOL_LABEL is '${label}', expected kube-router"; fi
    trap st_cleanup EXIT
    if ! st_setup; then
        st_fail "setup: pods not Ready in $ST_NS_SRV / $ST_NS_CLI (kubectl get pods -A)"
        return 1
    fi
    srv=$(kubectl get pod -n "$ST_NS_SRV" server -o jsonpath='{.status.podIP}')
    cip=$(kubectl get svc -n "$ST_NS_SRV" server -o jsonpath='{.spec.clusterIP}')
    np=$(kubectl get svc -n "$ST_NS_SRV" server -o jsonpath='{.spec.ports[0].nodePort}')
    nip=$(node_ip)
    st_ok "setup: server $ST_NS_SRV/server $srv:8053 (service $cip, NodePort $np), clients $ST_NS_SRV/peer and $ST_NS_CLI/client"

    # 1. No policy: everything reaches the server.
    st_expect open "no policy: $ST_NS_CLI/client -> server pod" "$ST_NS_CLI/client" "$srv" 8053
    st_expect open "no policy: $ST_NS_CLI/client -> server service" "$ST_NS_CLI/client" "$cip" 8053

    # 2. Ingress: only pods of the server's own namespace may connect.
    st_policy "$ST_NS_SRV" same-namespace-only '{podSelector: {}, policyTypes: [Ingress], ingress: [{from: [{podSelector: {}}]}]}'
    st_until closed "ingress policy: $ST_NS_CLI/client -> server pod" "$ST_NS_CLI/client" "$srv" 8053
    st_expect closed "ingress policy: $ST_NS_CLI/client -> server service" "$ST_NS_CLI/client" "$cip" 8053
    st_line "info ingress policy: packets rejected by kube-router's chain for $ST_NS_SRV/server: $(st_rejected "$ST_NS_SRV" server)"
    st_expect open "ingress policy: $ST_NS_SRV/peer -> server pod (same namespace)" "$ST_NS_SRV/peer" "$srv" 8053
    st_expect open "ingress policy: $ST_NS_SRV/peer -> server service (same namespace)" "$ST_NS_SRV/peer" "$cip" 8053

    # 3. What the node itself still reaches under that policy (kube-router accepts local sources).
    st_expect open "ingress policy: host -> server pod (node's own address)" host "$srv" 8053
    st_expect open "ingress policy: host -> 127.0.0.1:$np NodePort (masqueraded to the node)" host 127.0.0.1 "$np"
    st_expect closed "NodePort on the node's address $nip:$np (NodePorts are 127.0.0.1 only)" host "$nip" "$np"
    if st_port_forward; then st_ok "ingress policy: kubectl port-forward -> server: connected"; else
        st_fail "ingress policy: kubectl port-forward -> server: $ST_WHY"; fi
    if kubectl wait -n "$ST_NS_SRV" --for=condition=Ready pod/server --timeout=1s >/dev/null 2>&1; then
        st_ok "ingress policy: server still Ready (kubelet TCP probes pass)"
    else st_fail "ingress policy: server not Ready (kubelet probes blocked)"; fi

    # 4. Egress: the client may reach its own namespace and DNS in kube-system only.
    kubectl delete networkpolicy -n "$ST_NS_SRV" same-namespace-only >/dev/null
    st_until open "ingress policy deleted: $ST_NS_CLI/client -> server pod" "$ST_NS_CLI/client" "$srv" 8053
    st_policy "$ST_NS_CLI" egress-same-namespace-and-dns '{podSelector: {}, policyTypes: [Egress], egress: [{to: [{podSelector: {}}]}, {to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}}], ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]}]}'
    st_until closed "egress policy: $ST_NS_CLI/client -> server pod" "$ST_NS_CLI/client" "$srv" 8053
    st_line "info egress policy: packets rejected by kube-router's chain for $ST_NS_CLI/client: $(st_rejected "$ST_NS_CLI" client)"
    st_expect open "egress policy: $ST_NS_CLI/client -> kube-dns $DNS_IP:53/tcp" "$ST_NS_CLI/client" "$DNS_IP" 53
    if kubectl exec -n "$ST_NS_CLI" client -- timeout 5 getent hosts kubernetes.default.svc.cluster.local >/dev/null 2>&1; then
        st_ok "egress policy: $ST_NS_CLI/client resolves kubernetes.default (DNS over UDP)"
    else st_fail "egress policy: $ST_NS_CLI/client cannot resolve kubernetes.default"; fi
    st_expect open "egress policy: $ST_NS_SRV/peer -> server pod (no policy in $ST_NS_SRV now)" "$ST_NS_SRV/peer" "$srv" 8053
    # Not a pass/fail step: egress policies also cover the pod's traffic to the node itself.
    st_connect "$ST_NS_CLI/client" 10.96.0.1 443 || true
    st_line "info egress policy: $ST_NS_CLI/client -> API server service 10.96.0.1:443: $ST_WHY"

    # 5. Without the egress policy the path is open again.
    kubectl delete networkpolicy -n "$ST_NS_CLI" egress-same-namespace-and-dns >/dev/null
    st_until open "egress policy deleted: $ST_NS_CLI/client -> server pod" "$ST_NS_CLI/client" "$srv" 8053

    st_cleanup
    ST_NS_SRV=
    trap - EXIT
    if ((ST_FAILS == 0)); then
        st_line "NetworkPolicies enforced by kube-router: all steps passed ($((SECONDS - t0))s)"
    else
        st_line "$ST_FAILS step(s) failed ($((SECONDS - t0))s); see $LOGS/kube-kube-router.log"
    fi
    return "$ST_FAILS"
}

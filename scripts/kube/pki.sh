# Certificates and kubeconfigs of the single-node Kubernetes (sourced by scripts/kube/node.sh).
# One CA (10 years); client and serving certificates (1 year) signed by it with openssl. Serving
# certificates name the node's address, so they are made again when the address changes.

# cert <name> <subject> <extensions>: a key and a certificate signed by the CA.
cert() {
    local name=$1 subject=$2 ext=$3
    openssl genrsa -out "$PKI/$name.key" 2048 2>/dev/null
    openssl req -new -key "$PKI/$name.key" -subj "$subject" -out "$PKI/$name.csr" 2>/dev/null
    printf '%s\n' "$ext" >"$PKI/$name.ext"
    openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
        -days 365 -sha256 -extfile "$PKI/$name.ext" -out "$PKI/$name.crt" 2>/dev/null ||
        node_die "certificate $name (openssl failed)" "check that openssl works, then scripts/kube/node.sh reset"
    rm -f "$PKI/$name.csr" "$PKI/$name.ext"
    chmod 0600 "$PKI/$name.key"
}

client_ext="basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"

# kubeconfig <file> <cert name> <server>
kubeconfig() {
    local file=$1 name=$2 server=$3
    umask 077
    put "$file" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: bigdata-labs
  cluster:
    server: $server
    certificate-authority-data: $(base64 -w0 <"$PKI/ca.crt")
users:
- name: $name
  user:
    client-certificate-data: $(base64 -w0 <"$PKI/$name.crt")
    client-key-data: $(base64 -w0 <"$PKI/$name.key")
contexts:
- name: bigdata-labs
  context: {cluster: bigdata-labs, user: $name}
current-context: bigdata-labs
EOF
    umask 022
}

ensure_pki() {
    local ip=$1 local_server=https://127.0.0.1:6443
    mkdir -p "$PKI" "$CONF"
    chmod 0700 "$PKI"
    if [[ ! -f $PKI/ca.crt ]]; then
        openssl genrsa -out "$PKI/ca.key" 2048 2>/dev/null
        openssl req -x509 -new -key "$PKI/ca.key" -subj "/CN=bigdata-labs-ca" -days 3650 -sha256 \
            -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
            -out "$PKI/ca.crt" 2>/dev/null || node_die "the cluster CA (openssl failed)" "check that openssl works"
        openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null
        openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
        cert admin "/O=system:masters/CN=bigdata-labs-admin" "$client_ext"
        cert apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" "$client_ext"
        cert controller-manager "/CN=system:kube-controller-manager" "$client_ext"
        cert scheduler "/CN=system:kube-scheduler" "$client_ext"
        cert kubelet-client "/O=system:nodes/CN=system:node:$NODE_NAME" "$client_ext"
        cert kube-proxy "/CN=system:kube-proxy" "$client_ext"
    fi
    if [[ $(cat "$PKI/serving-ip" 2>/dev/null) != "$ip" ]]; then
        local serving="basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth"
        cert apiserver "/CN=kube-apiserver" "$serving
subjectAltName=DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:localhost,IP:10.96.0.1,IP:127.0.0.1,IP:$ip"
        cert kubelet "/CN=$NODE_NAME" "$serving
subjectAltName=DNS:$NODE_NAME,DNS:localhost,IP:127.0.0.1,IP:$ip"
        echo "$ip" >"$PKI/serving-ip"
    fi
    kubeconfig "$KUBECONFIG_FILE" admin "$local_server"
    kubeconfig "$CONF/controller-manager.kubeconfig" controller-manager "$local_server"
    kubeconfig "$CONF/scheduler.kubeconfig" scheduler "$local_server"
    kubeconfig "$CONF/kubelet.kubeconfig" kubelet-client "$local_server"
    kubeconfig "$CONF/kube-proxy.kubeconfig" kube-proxy "$local_server"
}

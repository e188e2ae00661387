# Versions of the single-node Kubernetes (sourced by scripts/kube/*.sh).
# v1.33: the newest line that still starts on Debian's containerd 1.6 without the CRI
# RuntimeConfig call. 1.33.13 because the module proxy serves every staging module at
# v0.33.13 (v0.33.5 lacks k8s.io/externaljwt, endpointslice and kube-controller-manager).
KUBE_VERSION=1.33.13
KUBE_STAGING_VERSION=0.33.13
KUBE_COMPONENTS="kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl"
# etcd >= 3.5.13 has the RequestWatchProgress feature the 1.33 API server needs.
ETCD_VERSION=3.5.21
COREDNS_VERSION=1.12.4
LOCAL_PATH_VERSION=0.0.30
PAUSE_VERSION=3.10
PAUSE_IMAGE=registry.k8s.io/pause:$PAUSE_VERSION
COREDNS_IMAGE=bigdata-labs/coredns:$COREDNS_VERSION
LOCAL_PATH_IMAGE=bigdata-labs/local-path-provisioner:v$LOCAL_PATH_VERSION
# The local-path provisioner's helper pod (mkdir/rm of volume directories).
HELPER_IMAGE=debian:bookworm-slim
# kube-router's network-policy controller (iptables + ipset) enforces NetworkPolicies; the
# module proxy serves v2.1.0 only. Its health endpoint (patched to 127.0.0.1 at build time):
KUBE_ROUTER_VERSION=2.1.0
KUBE_ROUTER_HEALTH_PORT=20244

# Versions and names of the local registry (sourced by scripts/registry/*.sh).
# v3.1.2: the newest github.com/distribution/distribution/v3 release the Go module proxy serves.
REGISTRY_MODULE=github.com/distribution/distribution/v3
REGISTRY_VERSION=3.1.2
REGISTRY_IMAGE=bigdata-labs/registry:$REGISTRY_VERSION
# The unprivileged user the registry runs as (the image has no other).
REGISTRY_UID=10001
# The container, its data volume, and the one address it listens on.
REGISTRY_CONTAINER=${BIGDATA_LABS_REGISTRY_CONTAINER:-bigdata-labs-registry}
REGISTRY_VOLUME=${BIGDATA_LABS_REGISTRY_VOLUME:-bigdata-labs-registry-data}
REGISTRY_ADDR=${BIGDATA_LABS_REGISTRY_ADDR:-127.0.0.1:5000}

#!/usr/bin/env bash
# A fresh clone to a running lab: npm packages, toolchain (cached), the
# module's images (cached), `labctl up <module>` on local Docker with local
# state, and the lab's URLs.
#   bash scripts/quickstart.sh [module]     # default: 2 (PySpark)
set -euo pipefail
cd "$(dirname "$0")/.."
module=${1:-2}
command -v node >/dev/null || { echo "quickstart: Node.js 20+ is required — install it from your package manager"; exit 3; }
echo "[quickstart] npm packages"
npm ci --no-audit --no-fund --loglevel=error >/dev/null
echo "[quickstart] toolchain"
bash scripts/toolchain.sh
# shellcheck disable=SC1091
. "${BIGDATA_LABS_HOME:-/var/cache/bigdata-labs}/env.sh"
images=$(scripts/labctl images "$module")
echo "[quickstart] lab images: $images"
bash scripts/images.sh --only "$images"
echo "[quickstart] labctl up $module"
scripts/labctl up "$module"

#!/usr/bin/env bash
# Sets up everything from nothing and runs all tests:
#   1. npm packages, type check, unit tests (fast; fail first)
#   2. toolchain (Docker engine, base image, Pulumi CLI and plugins; cached)
#   3. lab images (cached by tag)
#   4. bad inputs through labctl and real `pulumi preview`s (npm run test:reliability -- --only bad)
#   5. end-to-end: real `pulumi up` of module labs on Docker, probes, driver checks, the starter
#      notebooks run in the workspace with a real kernel, destroy
#   6. labctl end-to-end: bad arguments, then up 2, check 2, status, reset 2, down 2 on Docker;
#      grading (a correct, a wrong and a misnamed student solution); every client path
#   7. npm run bench -- --quick for module 2 on Docker: labctl against docker compose of the same
#      containers, one run (figures printed, not asserted; a failed run counts)
#   8. a class of three isolated labs on the project's single-node Kubernetes cluster
#      (npm run test:e2e:class: isolation, attacks, handout, staff, sleep/wake, the janitor),
#      when its toolchain is built: a fresh build adds ~40 min (npm run toolchain --
#      --kubernetes), which with the rest does not fit a 90-minute CI run on a new machine; set
#      E2E_KUBERNETES=1 to force it, 0 to skip it. Every module on that cluster
#      (npm run test:e2e -- --target kubernetes) is run by hand: with the class run and the
#      notebooks it would pass the 90-minute limit (docs/measurements.md).
#   Not in CI (long): npm run test:reliability (10 up/down cycles, faults mid-check) and the full
#   npm run bench (5 runs per figure, every module, Kubernetes, class-scale previews).
# Ends with one line: `N passed, N failed`.
#   E2E_MODULES=2,4 bash scripts/test-all.sh   # limit the end-to-end modules
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p .labs
T0=$(date +%s)
passed=0
failed=0
step() { printf '\n== %s (t+%ss)\n' "$1" "$(( $(date +%s) - T0 ))"; }
finish() {
  printf '\n== done in %ss\n' "$(( $(date +%s) - T0 ))"
  echo "${passed} passed, ${failed} failed"
  [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
  exit $?
}
fatal() { echo "test-all: $1"; failed=$((failed + 1)); finish; }

step "npm packages"
command -v node >/dev/null && command -v npm >/dev/null || fatal "node and npm are required (Node.js 20 or newer)"
npm ci --no-audit --no-fund --loglevel=error >/dev/null || fatal "npm ci failed"

step "type check"
npx tsc --noEmit -p tsconfig.json || fatal "type errors"

step "unit tests"
npx vitest run --reporter=default --reporter=json --outputFile=.labs/vitest.json
if [ -s .labs/vitest.json ]; then
  passed=$((passed + $(node -e 'const r=require("./.labs/vitest.json");console.log(r.numPassedTests)')))
  failed=$((failed + $(node -e 'const r=require("./.labs/vitest.json");console.log(r.numFailedTests + (r.numTotalTests===0?1:0))')))
else
  failed=$((failed + 1))
fi
[ "$failed" -eq 0 ] || fatal "unit tests failed; not starting real runs"

step "toolchain"
bash scripts/toolchain.sh || fatal "toolchain setup failed"
# shellcheck disable=SC1091
. "${BIGDATA_LABS_HOME:-/var/cache/bigdata-labs}/env.sh"

step "lab images"
bash scripts/images.sh || fatal "image build failed"

# count_from <log>: add the log's closing `N passed, N failed` line to the totals.
count_from() {
  local line
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$1" | tail -n 1)
  if [ -n "$line" ]; then
    passed=$((passed + $(echo "$line" | cut -d' ' -f1)))
    failed=$((failed + $(echo "$line" | cut -d' ' -f3)))
  else
    failed=$((failed + 1))
  fi
}

step "bad inputs: one line each, nothing created (labctl and pulumi preview)"
npm run --silent test:reliability -- --only bad | tee .labs/reliability-bad.log
count_from .labs/reliability-bad.log

step "end-to-end on Docker"
npm run --silent test:e2e -- --target docker --module "${E2E_MODULES:-1,2,3,4,5}" | tee .labs/e2e.log
count_from .labs/e2e.log

step "labctl end-to-end on Docker"
npm run --silent test:e2e:labctl | tee .labs/e2e-labctl.log
count_from .labs/e2e-labctl.log

step "grading end-to-end on Docker (correct passes, wrong fails, misnamed refused)"
npm run --silent test:e2e:grading | tee .labs/e2e-grading.log
count_from .labs/e2e-grading.log

step "client paths end-to-end on Docker (notebook, terminal, this machine)"
npm run --silent test:e2e:clients | tee .labs/e2e-clients.log
count_from .labs/e2e-clients.log

# The benchmark's --quick variant (one run per figure; figures are printed, not asserted, and
# docs are not rewritten): module 2 through labctl against `docker compose up --wait` of the same
# containers (Compose v2 is built from its Go module on first use: ~4 min). A run that fails counts.
step "benchmark, quick: module 2 on Docker against docker compose (npm run bench -- --quick)"
if npm run --silent bench -- --quick --sections docker --modules 2 | tee .labs/bench-quick.log; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
fi

kube_home=${BIGDATA_LABS_HOME:-/var/cache/bigdata-labs}
kube_built=0
[ -x "$kube_home/bin/pulumi-resource-kubernetes" ] && [ -x "$kube_home/kube/bin/kubelet" ] && [ -x "$kube_home/kube/bin/etcd" ] && kube_built=1
case "${E2E_KUBERNETES:-auto}" in
  0) run_kube=0 ;;
  1) run_kube=1 ;;
  *) run_kube=$kube_built ;;
esac
if [ "$run_kube" = 1 ]; then
  step "Kubernetes toolchain (single-node cluster)"
  bash scripts/toolchain.sh --kubernetes || fatal "kubernetes toolchain setup failed"
  step "class end-to-end on Kubernetes (three isolated labs, attacks, handout, connect, staff, sleep/wake, janitor)"
  npm run --silent test:e2e:class | tee .labs/e2e-class.log
  count_from .labs/e2e-class.log
else
  step "class end-to-end on Kubernetes: skipped (its toolchain is not built; run: npm run toolchain -- --kubernetes && npm run test:e2e:class)"
fi
finish

#!/usr/bin/env bash
# Sets up everything from nothing and runs all tests:
#   1. npm packages, type check, unit tests (fast; fail first)
#   2. toolchain (Docker engine, base image, Pulumi CLI and plugins; cached)
#   3. lab images (cached by tag)
#   4. end-to-end: real `pulumi up` of module labs on Docker, probes, destroy
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

step "end-to-end on Docker"
npm run --silent test:e2e -- --target docker --module "${E2E_MODULES:-1,2,3,4,5}" | tee .labs/e2e.log
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' .labs/e2e.log | tail -n 1)
if [ -n "$line" ]; then
  passed=$((passed + $(echo "$line" | cut -d' ' -f1)))
  failed=$((failed + $(echo "$line" | cut -d' ' -f3)))
else
  failed=$((failed + 1))
fi
finish

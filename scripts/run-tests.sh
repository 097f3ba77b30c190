#!/usr/bin/env bash
# The whole test suite, from a fresh Debian machine: setup, type checks (including Electron's
# types), process-boundary checks, unit tests, a build, then end-to-end tests in Debian's Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

echo "== type check (electron, services, drivers; pure code without Node/DOM; svelte)"
npm run --silent typecheck
echo "== process boundaries"
npm run --silent check:boundaries
echo "== build"
npm run --silent build
rm -f test-results/vitest.json test-results/playwright.json
status=0
echo "== unit and integration tests (vitest)"
npx vitest run --reporter=default --reporter=json --outputFile.json=test-results/vitest.json || status=1
echo "== end-to-end tests (playwright + dev host + Debian chromium)"
npx playwright test || status=1
echo "== summary"
node scripts/test-summary.mjs || status=1
exit $status

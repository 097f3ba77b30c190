#!/usr/bin/env bash
# Runs the kiosk on simulated devices from a fresh Debian machine: setup, build, start.
# Electron where its binary exists; otherwise the dev host in Chromium's kiosk mode.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run --silent build
exec node scripts/start.mjs "$@"

#!/usr/bin/env bash
# Installs what the kiosk and its tests need on a fresh Debian machine, idempotently:
# Debian packages (only the missing ones, with one apt-get update), then `npm ci` when the
# lockfile changed since the last install. Install scripts must be covered by allowScripts.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(chromium xvfb xauth socat fonts-noto-cjk imagemagick espeak-ng ffmpeg libopencv-dev)

missing=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

stamp=node_modules/.kiosk-lock-hash
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: npm ci (install scripts limited to package.json allowScripts; OpenCV binding compiles against Debian's libopencv-dev, ~8 min)"
  OPENCV4NODEJS_DISABLE_AUTOBUILD=1 OPENCV_INCLUDE_DIR=/usr/include/opencv4 OPENCV_LIB_DIR="/usr/lib/$(gcc -dumpmachine)" OPENCV_BIN_DIR=/usr/bin \
    npm_config_strict_allow_scripts=true npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
fi

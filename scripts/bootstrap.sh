#!/usr/bin/env bash
# Installs what VolcanoSSL needs to build and test, and checks the Swift toolchain.
# Idempotent: run it as often as you like; it only installs what is missing.
#   Debian/Ubuntu: apt-get (as root, or through sudo).  macOS: Homebrew.
set -euo pipefail

say() { printf 'bootstrap: %s\n' "$*" >&2; }

if ! command -v swift >/dev/null 2>&1; then
  say "no Swift toolchain on PATH. Install Swift 6.0 or newer (https://www.swift.org/install) and run again."
  exit 1
fi
swift_version=$(swift --version 2>&1 | sed -n 's/.*Swift version \([0-9]*\)\.\([0-9]*\).*/\1/p' | head -1)
if [ -z "$swift_version" ] || [ "$swift_version" -lt 6 ]; then
  say "Swift 6.0 or newer is required; found: $(swift --version 2>&1 | head -1)"
  exit 1
fi

case "$(uname -s)" in
  Linux)
    pkgs="libopenblas-dev liblapacke-dev libhdf5-dev zlib1g-dev pkg-config"
    # Headless Chromium renders the HTML report in its test; VSSL_BROWSER=0 skips it
    # (the report test then fails and says why).
    browser=""
    if [ "${VSSL_BROWSER:-1}" = "1" ]; then browser="chromium"; fi
    installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
    missing=""
    for p in $pkgs; do installed "$p" || missing="$missing $p"; done
    need_browser=""
    # Any Chromium or Chrome already on the PATH will do (Ubuntu ships chromium-browser).
    for b in chromium chromium-browser google-chrome google-chrome-stable; do
      if command -v "$b" >/dev/null 2>&1; then browser=""; fi
    done
    if [ -n "$browser" ] && ! installed "$browser"; then need_browser="$browser"; fi
    if [ -n "$missing$need_browser" ]; then
      if ! command -v apt-get >/dev/null 2>&1; then
        say "missing system packages:$missing $need_browser, and no apt-get here. Install them with your package manager."
        exit 1
      fi
      sudo=""
      if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
      say "installing:$missing $need_browser"
      $sudo apt-get update -qq
      if [ -n "$missing" ]; then
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
      fi
      if [ -n "$need_browser" ]; then
        # Debian: chromium; Ubuntu: chromium-browser (a snap wrapper).
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$need_browser" >/dev/null 2>&1 \
          || DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium-browser >/dev/null 2>&1 \
          || say "could not install $need_browser; the report-rendering test will fail until a Chromium is present"
      fi
    fi
    ;;
  Darwin)
    if ! command -v brew >/dev/null 2>&1; then
      say "Homebrew is needed on macOS (https://brew.sh) for hdf5."
      exit 1
    fi
    for p in hdf5 pkg-config; do
      brew list --versions "$p" >/dev/null 2>&1 || { say "installing $p"; brew install "$p"; }
    done
    if [ "${VSSL_BROWSER:-1}" = "1" ] && [ ! -d "/Applications/Google Chrome.app" ] && [ ! -d "/Applications/Chromium.app" ]; then
      say "installing Chromium (headless browser for the report test)"
      brew install --cask chromium
    fi
    ;;
  *)
    say "unsupported system $(uname -s); install OpenBLAS, LAPACKE and HDF5 by hand."
    ;;
esac

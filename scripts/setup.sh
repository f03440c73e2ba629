#!/usr/bin/env bash
# Installs what the project needs on a fresh Debian machine (idempotent):
#   Debian packages (chromium, ripgrep and compilers for code-server's native modules; python3-torch for the
#   optional checks against real PyTorch), npm packages, and code-server for the VS Code host tests.
#   env: TE_SKIP_APT=1 skips apt; TE_SKIP_TORCH=1 skips python3-torch; TE_SKIP_CODE_SERVER=1 skips code-server.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

apt_packages=(build-essential python3 libkrb5-dev ripgrep chromium)
if [ "${TE_SKIP_APT:-0}" != 1 ] && command -v apt-get >/dev/null; then
  need=()
  for p in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || need+=("$p")
  done
  if [ ${#need[@]} -gt 0 ]; then
    echo "[setup] apt-get install ${need[*]}"
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
  fi
fi

# Optional: Debian's PyTorch, so the checks that real PyTorch loads our files (and `npm run goldens`/`bench`) run
# instead of being skipped. A failure here is only a warning.
if [ "${TE_SKIP_APT:-0}" != 1 ] && [ "${TE_SKIP_TORCH:-0}" != 1 ] && command -v apt-get >/dev/null; then
  if ! dpkg-query -W -f='${Status}' python3-torch 2>/dev/null | grep -q "ok installed"; then
    echo "[setup] apt-get install python3-torch python3-torchvision (optional)"
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq || true
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-torch python3-torchvision >/dev/null ||
      echo "[setup] warning: python3-torch could not be installed; the real-PyTorch checks will be skipped"
  fi
fi

echo "[setup] npm ci"
npm ci --no-audit --no-fund --loglevel=error

if [ "${TE_SKIP_CODE_SERVER:-0}" != 1 ] && [ -f scripts/install-code-server.sh ]; then
  bash scripts/install-code-server.sh
fi

echo "[setup] build"
npm run --silent build

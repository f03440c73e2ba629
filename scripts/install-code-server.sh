#!/usr/bin/env bash
# Offline install of code-server (the VS Code used by the host tests and scripts/run-examples.sh) from the
# npm registry only: no GitHub, no VS Code CDN, no nodejs.org. Idempotent: skips when already installed.
#   install: .te-cache/code-server-$VERSION  (gitignored)
#   env: TE_CODE_SERVER_VERSION (default 4.99.4, the newest whose engines.node is 20), TE_FORCE=1 reinstalls.
# Needs (Debian): node 20 with headers, build-essential, python3, libkrb5-dev, ripgrep (scripts/setup.sh installs them).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VERSION="${TE_CODE_SERVER_VERSION:-4.99.4}"
DEST="$ROOT/.te-cache/code-server-$VERSION"
BIN="$DEST/node_modules/.bin/code-server"
CS="$DEST/node_modules/code-server"

installed() {
  [ -f "$DEST/.installed" ] && [ -x "$BIN" ] &&
    [ -x "$CS/lib/vscode/node_modules/@vscode/ripgrep/bin/rg" ] &&
    [ -f "$CS/lib/vscode/node_modules/node-pty/build/Release/pty.node" ] &&
    [ -L "$CS/lib/vscode/node_modules.asar" ]
}
if [ "${TE_FORCE:-0}" != 1 ] && installed; then
  echo "[code-server] $VERSION already installed in ${DEST#$ROOT/}"
  exit 0
fi

command -v rg >/dev/null || { echo "[code-server] ripgrep (rg) is missing: apt-get install ripgrep" >&2; exit 1; }
command -v node >/dev/null || { echo "[code-server] node is missing" >&2; exit 1; }
NODE_MAJOR="$(node -p 'process.versions.node.split(".")[0]')"
[ "$NODE_MAJOR" = 20 ] || echo "[code-server] warning: code-server $VERSION is built for node 20, this is node $NODE_MAJOR" >&2

# Scratch space (also what os.tmpdir() returns for npm and the postinstall scripts).
SCRATCH="$ROOT/.te-cache/tmp"
rm -rf "$SCRATCH"; mkdir -p "$SCRATCH"
export TMPDIR="$SCRATCH"

# 1. @vscode/ripgrep's postinstall downloads rg from api.github.com unless its download cache already holds
#    the tarball: seed that cache with Debian's rg. Versions: lib/vscode's shrinkwrap pins @vscode/ripgrep
#    1.15.11, whose lib/postinstall.js has VERSION='v13.0.0-10'.
RG_CACHE="$TMPDIR/vscode-ripgrep-cache-1.15.11"
mkdir -p "$RG_CACHE" "$SCRATCH/rg"
cp "$(command -v rg)" "$SCRATCH/rg/rg"
tar -C "$SCRATCH/rg" -czf "$RG_CACHE/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" rg

# 2. node-gyp must use the distro's Node headers, never download them from nodejs.org.
NODE_PREFIX="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
if [ -f "$NODE_PREFIX/include/node/node.h" ]; then export npm_config_nodedir="$NODE_PREFIX"; fi
# 3. node-pty's postinstall runs `npx node-gyp configure`; with `yes=false` in an npmrc npx refuses
#    ("npx canceled due to missing packages and no YES option").
export npm_config_yes=true
# 4. code-server's postinstall.sh insists on this when npm runs as root.
export npm_config_unsafe_perm=true

# The .installed marker is written last: an interrupted install never looks installed.
rm -rf "$DEST"; mkdir -p "$DEST"
echo '{ "name": "te-code-server", "private": true }' > "$DEST/package.json"
echo "[code-server] installing $VERSION from npm (native modules compile: about 40 s on 2 cores)"
start=$(date +%s)
# argon2 fails its GitHub prebuilt download and builds from source; kerberos, spdlog, node-pty,
# native-watchdog and deviceid compile with node-gyp.
if ! (cd "$DEST" && npm install --no-audit --no-fund --foreground-scripts --loglevel=error "code-server@$VERSION") \
    > "$DEST/install.log" 2>&1; then
  tail -60 "$DEST/install.log" >&2
  echo "[code-server] install FAILED (full log: ${DEST#$ROOT/}/install.log)" >&2
  exit 1
fi
touch "$DEST/.installed"
if ! installed; then
  echo "[code-server] install incomplete: rg, pty.node or the node_modules.asar link is missing (see ${DEST#$ROOT/}/install.log)" >&2
  rm -f "$DEST/.installed"
  exit 1
fi
rm -rf "$SCRATCH"
ver="$(XDG_CONFIG_HOME="$DEST/.xdg" XDG_DATA_HOME="$DEST/.xdg" "$BIN" --version 2>/dev/null | grep -v '\] info' | head -1)"
echo "[code-server] $ver installed in $(( $(date +%s) - start ))s -> ${DEST#$ROOT/}"

#!/usr/bin/env bash
# The main job: build the extension and open examples/ with it.
#   - desktop VS Code when `code` is on PATH:  code --extensionDevelopmentPath=<repo> examples
#   - otherwise VS Code in the browser: code-server on loopback (no auth, state under .te-cache/run-examples),
#     with the extension linked in; prints the address and runs until Ctrl-C.
#   env: TE_PORT (default 8080, or a free port when 8080 is taken), TE_NO_DESKTOP=1 uses code-server even with `code`.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

# First run on a fresh machine: install everything (Debian packages, npm packages, code-server unless the desktop
# `code` is there) and build; later runs only rebuild.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  if command -v code >/dev/null 2>&1 && [ "${TE_NO_DESKTOP:-0}" != 1 ]; then TE_SKIP_CODE_SERVER=1 bash scripts/setup.sh
  else bash scripts/setup.sh; fi
fi
echo "[examples] building the extension"
npm run --silent build

if [ "${TE_NO_DESKTOP:-0}" != 1 ] && command -v code >/dev/null 2>&1; then
  echo "[examples] opening examples/ in VS Code (desktop)"
  exec code --new-window --extensionDevelopmentPath="$ROOT" "$ROOT/examples"
fi

bash scripts/install-code-server.sh # skips when already installed
CS="$ROOT/.te-cache/code-server-4.99.4/node_modules/.bin/code-server"
STATE="$ROOT/.te-cache/run-examples"
# A fresh extensions dir each time: an existing extensions.json would hide the newly linked extension.
rm -rf "$STATE/extensions"
mkdir -p "$STATE/extensions" "$STATE/user-data/User" "$STATE/xdg-config" "$STATE/xdg-data" "$STATE/tmp"
read -r PUBLISHER NAME VERSION < <(node -p "const m=require('./package.json'); [m.publisher, m.name, m.version].join(' ')")
ln -s "$ROOT" "$STATE/extensions/$PUBLISHER.$NAME-$VERSION"
[ -f "$STATE/user-data/User/settings.json" ] ||
  printf '{\n  "workbench.startupEditor": "none",\n  "telemetry.telemetryLevel": "off",\n  "update.mode": "none"\n}\n' > "$STATE/user-data/User/settings.json"

PORT="${TE_PORT:-8080}"
port_free() { node -e "const s=require('net').createServer();s.once('error',()=>process.exit(1));s.listen($1,'127.0.0.1',()=>s.close(()=>process.exit(0)))"; }
if ! port_free "$PORT"; then
  [ -z "${TE_PORT:-}" ] || { echo "[examples] port $PORT is taken" >&2; exit 1; }
  PORT="$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
fi

# Own process group (setsid), so that stopping it takes the extension host and watchers along.
# No workspace-trust prompt: the folder is the repository's own examples/ (and the manifest does not declare
# Restricted Mode support yet, so an untrusted folder would disable the extension).
XDG_CONFIG_HOME="$STATE/xdg-config" XDG_DATA_HOME="$STATE/xdg-data" TMPDIR="$STATE/tmp" \
  setsid "$CS" --auth none --bind-addr "127.0.0.1:$PORT" --disable-telemetry --disable-update-check --disable-workspace-trust \
  --disable-getting-started-override --ignore-last-opened \
  --user-data-dir "$STATE/user-data" --extensions-dir "$STATE/extensions" "$ROOT/examples" \
  > "$STATE/code-server.log" 2>&1 &
CS_PID=$!
stop() {
  trap - INT TERM EXIT
  if kill -0 "$CS_PID" 2>/dev/null; then
    echo; echo "[examples] stopping code-server"
    kill -TERM -- "-$CS_PID" 2>/dev/null || true
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$CS_PID" 2>/dev/null || break; sleep 0.3; done
    kill -KILL -- "-$CS_PID" 2>/dev/null || true
  fi
}
trap stop EXIT
trap 'exit 130' INT TERM

for _ in $(seq 1 150); do
  kill -0 "$CS_PID" 2>/dev/null || { cat "$STATE/code-server.log" >&2; echo "[examples] code-server exited" >&2; exit 1; }
  if node -e "fetch('http://127.0.0.1:$PORT/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"; then
    URL="http://127.0.0.1:$PORT/?folder=$ROOT/examples"
    echo "[examples] Torch Explorer with examples/ in VS Code for the browser:"
    echo "    $URL"
    echo "[examples] (loopback only, no password; log: ${STATE#$ROOT/}/code-server.log). Ctrl-C stops it."
    wait "$CS_PID" || true
    exit 0
  fi
  sleep 0.2
done
echo "[examples] code-server did not answer /healthz within 30 s (log: $STATE/code-server.log)" >&2
exit 1

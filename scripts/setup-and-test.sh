#!/usr/bin/env bash
# One command for a fresh machine: set up everything, then run every test suite.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
bash "$ROOT/scripts/setup.sh"
cd "$ROOT"
npm test

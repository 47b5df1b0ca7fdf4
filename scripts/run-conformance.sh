#!/usr/bin/env bash
# `npm run conformance` from a clone: the npm dependencies and the compiled suite (scripts/setup.sh
# --no-docker: installs and builds on a fresh clone, nothing otherwise), then the CLI as the
# installed command runs it: plain node on dist/. The CLI parses its arguments before anything
# else and asks for Docker (scripts/setup.sh) only when the built-in lab is the target.
set -euo pipefail
export HLC_T0=${HLC_T0:-$(date +%s%3N)}
export HLC_CALLER_CWD="${HLC_CALLER_CWD:-$PWD}"
cd "$(dirname "$0")/.."
bash scripts/setup.sh --no-docker
export HLC_T_SETUP=$(date +%s%3N)
exec node bin/homelab-conformance.js "$@"

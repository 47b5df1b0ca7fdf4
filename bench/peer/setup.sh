#!/usr/bin/env bash
# The peer benchmark's testinfra side: Debian's python3-testinfra and python3-pytest-xdist, run
# with /usr/bin/python3 (the machine's other Pythons lack them). Installs them when missing.
set -euo pipefail
if ! /usr/bin/python3 -c 'import testinfra, xdist' 2>/dev/null; then
  echo "[bench] installing python3-testinfra and python3-pytest-xdist" >&2
  as_root=""; [ "$(id -u)" = 0 ] || as_root=sudo
  $as_root apt-get update -qq
  $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-testinfra python3-pytest-xdist >/dev/null
fi

#!/usr/bin/env bash
# `npm test`: the project's own tests — typecheck, parsers and framework (unit), then the suite
# against real services in containers (integration). Extra arguments go to vitest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The project's tests also validate junit.xml with xmllint (Debian's libxml2-utils).
if ! command -v xmllint >/dev/null; then
  echo "[setup] installing libxml2-utils (xmllint)" >&2
  as_root=""; [ "$(id -u)" = 0 ] || as_root=sudo
  $as_root apt-get update -qq
  $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libxml2-utils >/dev/null
fi
# Labs of earlier runs that were killed mid-way leave stopped containers and networks behind,
# and Docker's address pools run out after ~30 networks. Only unused lab objects go.
docker container prune -f --filter label=hlc.lab >/dev/null 2>&1 || true
docker network prune -f --filter label=hlc.lab >/dev/null 2>&1 || true
rm -rf reports/project-tests/allure-results
exec npx vitest run --project unit --project integration "$@"

#!/usr/bin/env bash
# `npm test`: the project's own tests — typecheck, parsers and framework (unit), then the suite
# against real services in containers (integration). Extra arguments go to vitest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Labs of earlier runs that were killed mid-way leave stopped containers and networks behind,
# and Docker's address pools run out after ~30 networks. Only unused lab objects go.
docker container prune -f --filter label=hlc.lab >/dev/null 2>&1 || true
docker network prune -f --filter label=hlc.lab >/dev/null 2>&1 || true
rm -rf reports/project-tests/allure-results
exec npx vitest run --project unit --project integration "$@"

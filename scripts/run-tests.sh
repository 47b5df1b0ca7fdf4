#!/usr/bin/env bash
# `npm test`: the project's own tests — typecheck, parsers and framework (unit), then the suite
# against real services in containers (integration). Extra arguments go to vitest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
rm -rf reports/allure-results
exec npx vitest run --project unit --project integration "$@"

#!/usr/bin/env bash
# `npm run conformance`: every spec of the operations document against the built-in fixture lab
# (or `-- --inventory FILE` for a live homelab), then the Allure report.
set -euo pipefail
cd "$(dirname "$0")/.."
case " $* " in *" --inventory "*|*" --inventory="*) bash scripts/setup.sh --no-docker ;; *) bash scripts/setup.sh ;; esac
exec npx tsx scripts/conformance.ts "$@"

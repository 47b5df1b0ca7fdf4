#!/usr/bin/env bash
# `npm run conformance`: every spec of the operations document against the built-in fixture lab
# (or `-- --inventory FILE` for a live homelab), then the Allure report.
set -euo pipefail
# Phase marks of the run (helpers/report/phases.ts -> reports/run-stats.json).
export HLC_T0=${HLC_T0:-$(date +%s%3N)}
cd "$(dirname "$0")/.."
case " $* " in *" --inventory "*|*" --inventory="*) bash scripts/setup.sh --no-docker ;; *) bash scripts/setup.sh ;; esac
export HLC_T_SETUP=$(date +%s%3N)
exec npx tsx scripts/conformance.ts "$@"

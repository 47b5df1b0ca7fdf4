#!/usr/bin/env bash
# `npm run conformance` / bin/homelab-conformance: every spec of the operations document against the
# built-in fixture lab (or `-- --inventory FILE` for a live homelab), then the outputs and the report.
set -euo pipefail
# Phase marks of the run (helpers/report/phases.ts -> reports/run-stats.json).
export HLC_T0=${HLC_T0:-$(date +%s%3N)}
export HLC_CALLER_CWD="${HLC_CALLER_CWD:-$PWD}"
cd "$(dirname "$0")/.."
# Only a lab run needs Docker; --help, --version and --list need nothing but the npm dependencies.
case " $* " in
  *" --inventory "*|*" --inventory="*|*" --help "*|*" -h "*|*" --version "*|*" -V "*|*" --list "*) bash scripts/setup.sh --no-docker ;;
  *) bash scripts/setup.sh ;;
esac
export HLC_T_SETUP=$(date +%s%3N)
exec npx tsx scripts/conformance.ts "$@"

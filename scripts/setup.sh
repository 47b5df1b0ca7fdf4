#!/usr/bin/env bash
# Makes a fresh Debian 12 machine with Node 20 ready for the suite, and does nothing when it
# already is: npm dependencies, the Docker engine (installed and started if absent), ssh-keygen,
# and the Debian base image the fixtures build FROM.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[setup] %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else say "need root for: $*"; exit 1; fi; }
apt_install() {
  if [ -z "${HLC_APT_UPDATED:-}" ]; then as_root apt-get update -qq; export HLC_APT_UPDATED=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 20 ]; then say "Node >= 20 is required (found $(node --version))"; exit 1; fi

# npm dependencies: install when missing or when the lock file changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error
fi

# The compiled suite (dist/, what bin/homelab-conformance.js runs): built when missing or older
# than a source file (tsc is incremental).
if [ ! -f dist/.tsbuildinfo ] || [ -n "$(find helpers specs scripts fixtures/lab bench tsconfig.json tsconfig.build.json -newer dist/.tsbuildinfo -name '*.ts' -o -newer dist/.tsbuildinfo -name '*.json' 2>/dev/null | head -1)" ]; then
  say "compiling the suite to dist/ (npm run build)"
  npm run --silent build
fi

command -v ssh-keygen >/dev/null || { say "installing openssh-client"; apt_install openssh-client; }

# Live runs (--no-docker) need nothing more than Node and the npm dependencies.
[ "${1:-}" = "--no-docker" ] && exit 0

# Docker engine: the fixtures are real services in containers.
if ! docker info >/dev/null 2>&1; then
  if ! command -v dockerd >/dev/null; then
    say "installing the Docker engine (docker.io)"
    apt_install docker.io
  fi
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
    as_root systemctl start docker
  else
    say "starting dockerd (log: /tmp/hlc-dockerd.log)"
    as_root sh -c 'nohup dockerd >/tmp/hlc-dockerd.log 2>&1 &'
  fi
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { say "dockerd did not come up; see /tmp/hlc-dockerd.log"; exit 1; }
fi

# Every lab node boots systemd, which takes inotify instances of the host's root user; a few labs at
# once exhaust a default limit and boots stall ("Failed to create inotify object: Too many open files").
for kv in fs.inotify.max_user_instances=8192 fs.inotify.max_user_watches=1048576; do
  key=${kv%=*} want=${kv#*=}
  have=$(sysctl -n "$key" 2>/dev/null || echo "$want")
  if [ "$have" -lt "$want" ]; then as_root sysctl -qw "$kv" >/dev/null 2>&1 || say "could not raise $key to $want (have $have): several labs at once may stall"; fi
done

bash fixtures/base/build-base.sh >&2

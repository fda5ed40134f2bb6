#!/usr/bin/env bash
# install-deps.sh [--deploy]: install every Debian package the project needs to build, test and
# run; with --deploy also what deploy/ needs (debootstrap for the base image, docker-compose
# when the Docker CLI has no compose). Idempotent and quick when everything is present (no
# apt-get call at all then).
set -euo pipefail

PKGS=(
  build-essential pkg-config git
  libzookeeper-mt-dev zookeeper default-jre-headless
  libssl-dev openssl libzstd-dev liblz4-dev libsnappy-dev zlib1g-dev libjansson-dev
  check librdkafka-dev kcat libmicrohttpd-dev prometheus curl
  python3 python3-pytest python3-pytest-xdist python3-kafka python3-confluent-kafka python3-kazoo python3-websocket
  clang clang-format libfuzzer-14-dev libclang-rt-14-dev netcat-openbsd procps iproute2 iptables
  xxd chromium postgresql libpq-dev strace util-linux
)
if [ "${1:-}" = "--deploy" ]; then
  PKGS=(debootstrap)
  command -v docker >/dev/null 2>&1 || PKGS+=(docker.io)
  if ! docker compose version >/dev/null 2>&1 && ! command -v docker-compose >/dev/null 2>&1; then
    PKGS+=(docker-compose)
  fi
fi

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian's zookeeper package may start a system-wide server; our scripts run their own.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet zookeeper 2>/dev/null; then
  $SUDO systemctl stop zookeeper || true
fi
# Likewise Debian's postgresql package starts a cluster on 5432; tests start their own (tests/lib/pg.py).
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet postgresql 2>/dev/null; then
  $SUDO systemctl stop postgresql || true
fi
echo "install-deps: done"

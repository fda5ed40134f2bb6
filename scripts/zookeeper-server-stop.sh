#!/usr/bin/env bash
# zookeeper-server-stop.sh zookeeper.properties
# Stops the ZooKeeper started with -daemon for this config, by the PID it recorded.
set -euo pipefail
[ $# -ge 1 ] || { echo "USAGE: $0 zookeeper.properties" >&2; exit 1; }
datadir=$(sed -n 's/^[[:space:]]*dataDir[[:space:]]*=[[:space:]]*//p' "$1" | tail -1)
pidf="$datadir/zookeeper_server.pid"
[ -f "$pidf" ] || { echo "No zookeeper server to stop (no $pidf)"; exit 1; }
pid=$(cat "$pidf")
if kill -0 "$pid" 2>/dev/null; then
  kill -TERM "$pid"
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
fi
rm -f "$pidf"

#!/usr/bin/env bash
# zookeeper-server-start.sh [-daemon] zookeeper.properties
# Runs Debian's Apache ZooKeeper (package `zookeeper`) with the given properties, as Kafka's
# script of the same name does. With -daemon it runs in the background, logging to
# $LOG_DIR/zookeeper.out (LOG_DIR defaults to dataDir) and recording its PID in
# <dataDir>/zookeeper_server.pid, which zookeeper-server-stop.sh uses.
set -euo pipefail
daemon=0
if [ "${1:-}" = "-daemon" ]; then daemon=1; shift; fi
if [ $# -lt 1 ]; then
  echo "USAGE: $0 [-daemon] zookeeper.properties" >&2
  exit 1
fi
cfg=$(readlink -f "$1")
[ -r "$cfg" ] || { echo "$0: cannot read $1" >&2; exit 1; }
datadir=$(sed -n 's/^[[:space:]]*dataDir[[:space:]]*=[[:space:]]*//p' "$cfg" | tail -1)
[ -n "$datadir" ] || { echo "$0: dataDir is not set in $cfg" >&2; exit 1; }
mkdir -p "$datadir"
log_dir=${LOG_DIR:-$datadir}
mkdir -p "$log_dir"
cp="/usr/share/java/zookeeper.jar:/usr/share/java/*"
[ -r /usr/share/java/zookeeper.jar ] || { echo "$0: Debian's zookeeper package is not installed (run scripts/install-deps.sh)" >&2; exit 1; }
cmd=(java -Xmx512m -Dzookeeper.log.dir="$log_dir" -cp "$cp" org.apache.zookeeper.server.quorum.QuorumPeerMain "$cfg")
if [ $daemon -eq 1 ]; then
  nohup "${cmd[@]}" >>"$log_dir/zookeeper.out" 2>&1 < /dev/null &
  echo $! > "$datadir/zookeeper_server.pid"
else
  exec "${cmd[@]}"
fi

#!/usr/bin/env bash
# kafka-server-start.sh [-daemon] server.properties [--override property=value]*
# Starts bin/kafka-server, as Kafka's script of the same name does. With -daemon it runs in
# the background, logging to $LOG_DIR/server-<broker.id>.out (LOG_DIR defaults to <repo>/logs)
# and recording its PID in $LOG_DIR/kafka-server-<broker.id>.pid for kafka-server-stop.sh.
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
bin="$here/../bin/kafka-server"
[ -x "$bin" ] || bin=$(command -v kafka-server || true)
[ -n "$bin" ] && [ -x "$bin" ] || { echo "$0: kafka-server binary not found (run make)" >&2; exit 1; }
daemon=0
if [ "${1:-}" = "-daemon" ]; then daemon=1; shift; fi
if [ $# -lt 1 ]; then
  echo "USAGE: $0 [-daemon] server.properties [--override property=value]*" >&2
  exit 1
fi
if [ $daemon -eq 0 ]; then exec "$bin" "$@"; fi
# broker.id: the last --override wins, then the environment, then the file
id=$(sed -n 's/^[[:space:]]*broker\.id[[:space:]]*=[[:space:]]*//p' "$1" | tail -1)
[ -n "${KAFKA_BROKER_ID:-}" ] && id=$KAFKA_BROKER_ID
prev=""
for a in "$@"; do
  case "$prev$a" in --overridebroker.id=*) id=${a#broker.id=} ;; esac
  prev=$a
done
log_dir=${LOG_DIR:-$here/../logs}
mkdir -p "$log_dir"
nohup "$bin" "$@" >>"$log_dir/server-${id:-0}.out" 2>&1 < /dev/null &
echo $! > "$log_dir/kafka-server-${id:-0}.pid"

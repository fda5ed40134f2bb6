#!/usr/bin/env bash
# kafka-server-stop.sh [--pid-file FILE]
# Sends SIGTERM (controlled shutdown) to brokers started with kafka-server-start.sh -daemon,
# by the PIDs they recorded in $LOG_DIR/kafka-server-*.pid (never by process name), and waits
# up to 60 s for each to exit.
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
log_dir=${LOG_DIR:-$here/../logs}
files=()
if [ "${1:-}" = "--pid-file" ]; then
  [ -n "${2:-}" ] || { echo "USAGE: $0 [--pid-file FILE]" >&2; exit 1; }
  files=("$2")
else
  shopt -s nullglob
  files=("$log_dir"/kafka-server-*.pid)
fi
if [ ${#files[@]} -eq 0 ]; then echo "No kafka server to stop"; exit 1; fi
for f in "${files[@]}"; do
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then echo "broker pid $pid did not stop in 60 s" >&2; exit 1; fi
  fi
  rm -f "$f"
done

#!/usr/bin/env bash
# cluster.sh start|stop|status [--brokers N] [--zookeepers 1] [--dir DIR] [--base-port 9092]
#            [--zk-port 2181]
# A local cluster of real processes on 127.0.0.1: one ZooKeeper (Debian's package) and N
# brokers (broker i: broker.id=i, port base+i-1), data and logs under DIR (default
# <repo>/tmp/cluster), PIDs recorded there and used to stop them (never by name).
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
root=$(cd "$here/.." && pwd)
cmd=${1:-}
[ -n "$cmd" ] && shift || true
brokers=1
zks=1
dir="$root/tmp/cluster"
base_port=9092
zk_port=2181
while [ $# -gt 0 ]; do
  case "$1" in
    --brokers) brokers=$2; shift 2 ;;
    --zookeepers) zks=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --base-port) base_port=$2; shift 2 ;;
    --zk-port) zk_port=$2; shift 2 ;;
    *) echo "cluster.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
case "$brokers" in ''|*[!0-9]*) echo "cluster.sh: --brokers needs a number" >&2; exit 2 ;; esac
if [ "$zks" != 1 ]; then
  echo "cluster.sh: only --zookeepers 1 is supported so far" >&2
  exit 2
fi

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() { # wait_for SECONDS what command...
  local secs=$1 what=$2
  shift 2
  local deadline=$((SECONDS + secs))
  until "$@"; do
    if [ $SECONDS -ge $deadline ]; then echo "cluster.sh: timed out waiting for $what" >&2; return 1; fi
    sleep 0.2
  done
}

zk_ok() { [ "$(echo srvr | timeout 2 nc -q1 127.0.0.1 "$zk_port" 2>/dev/null | head -c 9)" = "Zookeeper" ]; }

start() {
  mkdir -p "$dir"
  if alive "$dir/zookeeper.pid"; then
    echo "cluster already running in $dir (use: $0 status --dir $dir)"
    status
    return 0
  fi
  [ -x "$root/bin/kafka-server" ] || { echo "cluster.sh: build first (make)" >&2; exit 1; }
  mkdir -p "$dir/zookeeper"
  cat > "$dir/zookeeper.properties" <<EOP
dataDir=$dir/zookeeper
clientPort=$zk_port
clientPortAddress=127.0.0.1
admin.enableServer=false
4lw.commands.whitelist=*
tickTime=2000
EOP
  nohup java -Xmx512m -Dzookeeper.log.dir="$dir" -cp "/usr/share/java/zookeeper.jar:/usr/share/java/*" \
    org.apache.zookeeper.server.quorum.QuorumPeerMain "$dir/zookeeper.properties" \
    >>"$dir/zookeeper.out" 2>&1 </dev/null &
  echo $! > "$dir/zookeeper.pid"
  wait_for 60 "ZooKeeper on 127.0.0.1:$zk_port" zk_ok
  local list=""
  for i in $(seq 1 "$brokers"); do
    local port=$((base_port + i - 1))
    mkdir -p "$dir/broker-$i"
    cat > "$dir/broker-$i/server.properties" <<EOP
broker.id=$i
listeners=PLAINTEXT://127.0.0.1:$port
log.dirs=$dir/broker-$i/data
zookeeper.connect=127.0.0.1:$zk_port
num.partitions=1
default.replication.factor=1
offsets.topic.replication.factor=1
group.initial.rebalance.delay.ms=0
EOP
    nohup "$root/bin/kafka-server" "$dir/broker-$i/server.properties" \
      >>"$dir/broker-$i/server.out" 2>&1 </dev/null &
    echo $! > "$dir/broker-$i.pid"
    list="$list${list:+,}127.0.0.1:$port"
  done
  for i in $(seq 1 "$brokers"); do
    wait_for 60 "broker $i on port $((base_port + i - 1))" port_open $((base_port + i - 1)) || {
      tail -20 "$dir/broker-$i/server.out" >&2; exit 1; }
  done
  echo "$list" > "$dir/bootstrap"
  echo "Cluster started in $dir: ZooKeeper 127.0.0.1:$zk_port, $brokers broker(s)"
  echo "Bootstrap servers: $list"
}

stop_pid() { # stop_pid PIDFILE NAME
  local f=$1 name=$2
  [ -f "$f" ] || return 0
  local pid
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    local deadline=$((SECONDS + 60))
    while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "cluster.sh: $name (pid $pid) did not stop in 60 s; killing" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$f"
}

stop() {
  shopt -s nullglob
  local any=0
  for f in "$dir"/broker-*.pid; do
    any=1
    stop_pid "$f" "$(basename "$f" .pid)"
  done
  if [ -f "$dir/zookeeper.pid" ]; then any=1; stop_pid "$dir/zookeeper.pid" zookeeper; fi
  if [ $any -eq 1 ]; then echo "Cluster in $dir stopped"; else echo "No cluster running in $dir"; fi
}

status() {
  shopt -s nullglob
  local f
  for f in "$dir/zookeeper.pid" "$dir"/broker-*.pid; do
    [ -f "$f" ] || continue
    if alive "$f"; then echo "$(basename "$f" .pid): running (pid $(cat "$f"))"
    else echo "$(basename "$f" .pid): not running"; fi
  done
  [ -f "$dir/bootstrap" ] && echo "Bootstrap servers: $(cat "$dir/bootstrap")"
  return 0
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "USAGE: $0 start|stop|status [--brokers N] [--dir DIR] [--base-port P] [--zk-port P]" >&2; exit 2 ;;
esac

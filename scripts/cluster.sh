#!/usr/bin/env bash
# cluster.sh: a local cluster of real processes: a ZooKeeper ensemble (Debian's package) and N
# brokers, each with its own data directory, all logs under DIR (default <repo>/tmp/cluster),
# PIDs recorded there and used to stop them (never by process name).
#
#   cluster.sh start  [--brokers N] [--zookeepers 1|3] [--dir DIR] [--base-port P] [--zk-port P]
#                     [--zk-peer-port P] [--netns] [--net-id N] [--broker-prop key=value]...
#                     [--http-base-port P]
#   cluster.sh stop   [--dir DIR]            stop every process (SIGTERM, then SIGKILL after 60 s)
#   cluster.sh status [--dir DIR]            each process, its PID, ZooKeeper modes, bootstrap
# Single nodes, for failover drills (NAME is broker-I or zookeeper-I):
#   cluster.sh start-node|stop-node|kill-node NAME [--dir DIR]
#   cluster.sh isolate|heal broker-I [--dir DIR]   cut a broker's network off / back (--netns)
#   cluster.sh zk-leader [--dir DIR]               prints the ZooKeeper node in Mode: leader
#
# Ports: broker i listens on base+i-1 (default 9092); ZooKeeper node i serves clients on
# zk-port+i-1 (default 2181) and, in an ensemble, talks to its peers on zk-peer-port+i-1
# (quorum) and zk-peer-port+100+i-1 (leader election); zk-peer-port defaults to zk-port+700.
# With --http-base-port P, broker i also serves /metrics and /v1/health on P+i-1
# (http.listeners).
# Everything binds 127.0.0.1, except with --netns: then broker i runs in its own network
# namespace kc<N>-b<i> at 10.200.<N>.<i>, joined by a veth pair to the bridge kcbr<N>
# (10.200.<N>.254, where the ZooKeeper nodes listen), so `isolate` can cut one broker off.
# The options given to start are kept in DIR/cluster.conf; the other commands read them.
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
root=$(cd "$here/.." && pwd)
server_bin=${KAFKA_SERVER_BIN:-$root/bin/kafka-server}
cmd=${1:-}
[ -n "$cmd" ] && shift || true
node=""
case "$cmd" in
  start-node | stop-node | kill-node | isolate | heal)
    node=${1:-}
    [ -n "$node" ] && shift || { echo "cluster.sh: $cmd needs a node name (broker-I, zookeeper-I)" >&2; exit 2; } ;;
esac
brokers=3
zks=1
dir="$root/tmp/cluster"
base_port=9092
zk_port=2181
zk_peer_port=""
netns=0
net_id=0
http_base_port=0
broker_props=()
while [ $# -gt 0 ]; do
  case "$1" in
    --brokers) brokers=$2; shift 2 ;;
    --zookeepers) zks=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --base-port) base_port=$2; shift 2 ;;
    --zk-port) zk_port=$2; shift 2 ;;
    --zk-peer-port) zk_peer_port=$2; shift 2 ;;
    --netns) netns=1; shift ;;
    --net-id) net_id=$2; shift 2 ;;
    --broker-prop) broker_props+=("$2"); shift 2 ;;
    --http-base-port) http_base_port=$2; shift 2 ;;
    *) echo "cluster.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
isnum() { case "$1" in '' | *[!0-9]*) return 1 ;; esac; }
for v in "$brokers" "$base_port" "$zk_port" "$net_id" "$http_base_port"; do
  isnum "$v" || { echo "cluster.sh: $v is not a number" >&2; exit 2; }
done
[ "$brokers" -ge 1 ] && [ "$brokers" -le 200 ] || { echo "cluster.sh: --brokers must be 1..200" >&2; exit 2; }
[ "$zks" = 1 ] || [ "$zks" = 3 ] || { echo "cluster.sh: --zookeepers must be 1 or 3" >&2; exit 2; }
[ "$net_id" -le 255 ] || { echo "cluster.sh: --net-id must be 0..255" >&2; exit 2; }
dir=$(mkdir -p "$dir" && cd "$dir" && pwd)

# The options start recorded win over the defaults for every other command.
if [ "$cmd" != start ] && [ -f "$dir/cluster.conf" ]; then
  # shellcheck source=/dev/null
  . "$dir/cluster.conf"
fi
[ -n "$zk_peer_port" ] || zk_peer_port=$((zk_port + 700))
subnet=10.200.$net_id
bridge=kcbr$net_id
zk_host=127.0.0.1
[ "$netns" -eq 1 ] && zk_host=$subnet.254

broker_host() { if [ "$netns" -eq 1 ]; then echo "$subnet.$1"; else echo 127.0.0.1; fi; }
broker_port() { echo $((base_port + $1 - 1)); }
broker_ns() { echo "kc$net_id-b$1"; }
zk_client_port() { echo $((zk_port + $1 - 1)); }

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

port_open() { (exec 2>/dev/null 3<>"/dev/tcp/$1/$2"); }

wait_for() { # wait_for SECONDS what command...
  local secs=$1 what=$2
  shift 2
  local deadline=$((SECONDS + secs)) rc
  while :; do
    rc=0
    "$@" || rc=$?
    [ $rc -eq 0 ] && return 0
    [ $rc -eq 2 ] && { echo "cluster.sh: $what: the process exited" >&2; return 1; }
    if [ $SECONDS -ge $deadline ]; then echo "cluster.sh: timed out waiting for $what" >&2; return 1; fi
    sleep 0.2
  done
}

zk_srvr() { # zk_srvr I -> the node's answer to the srvr four-letter word
  local out
  out=$(exec 2>/dev/null 3<>"/dev/tcp/$zk_host/$(zk_client_port "$1")" && echo srvr >&3 && timeout 2 cat <&3) || true
  echo "$out"
}
zk_mode() { zk_srvr "$1" | sed -n 's/^Mode: //p'; }
zk_serving() { case "$(zk_mode "$1")" in leader | follower | standalone) return 0 ;; esac; return 1; }

zk_connect() {
  local i s=""
  for i in $(seq 1 "$zks"); do s="$s${s:+,}$zk_host:$(zk_client_port "$i")"; done
  echo "$s"
}
bootstrap() {
  local i s=""
  for i in $(seq 1 "$brokers"); do s="$s${s:+,}$(broker_host "$i"):$(broker_port "$i")"; done
  echo "$s"
}

# ---- network namespaces (--netns) ----

net_up() {
  command -v ip >/dev/null || { echo "cluster.sh: --netns needs iproute2 (ip)" >&2; return 1; }
  if ip link show "$bridge" >/dev/null 2>&1; then
    echo "cluster.sh: bridge $bridge exists already (another cluster with --net-id $net_id?)" >&2
    return 1
  fi
  ip link add "$bridge" type bridge
  ip addr add "$subnet.254/24" dev "$bridge"
  ip link set "$bridge" up
  # Docker's FORWARD policy is DROP and bridged frames pass through iptables when br_netfilter
  # is loaded: let frames between our namespaces through, on our bridge only.
  if command -v iptables >/dev/null 2>&1; then
    iptables -I FORWARD -i "$bridge" -o "$bridge" -m comment --comment "kafka-c cluster.sh $dir" \
      -j ACCEPT 2>/dev/null || true
  fi
  local i
  for i in $(seq 1 "$brokers"); do
    local ns
    ns=$(broker_ns "$i")
    ip netns add "$ns"
    ip link add "$ns" type veth peer name "$ns-n"
    ip link set "$ns-n" netns "$ns"
    ip -n "$ns" link set "$ns-n" name eth0
    ip -n "$ns" addr add "$subnet.$i/24" dev eth0
    ip -n "$ns" link set lo up
    ip -n "$ns" link set eth0 up
    ip link set "$ns" master "$bridge"
    ip link set "$ns" up
  done
}

net_down() {
  local i
  for i in $(seq 1 "$brokers"); do
    local ns
    ns=$(broker_ns "$i")
    ip netns del "$ns" 2>/dev/null || true # takes its end of the veth pair, and so both
    ip link del "$ns" 2>/dev/null || true
  done
  if command -v iptables >/dev/null 2>&1; then
    while iptables -D FORWARD -i "$bridge" -o "$bridge" -m comment \
      --comment "kafka-c cluster.sh $dir" -j ACCEPT 2>/dev/null; do :; done
  fi
  ip link del "$bridge" 2>/dev/null || true
}

# ---- nodes ----

write_zk_config() { # write_zk_config I
  local i=$1 d="$dir/zookeeper-$1"
  mkdir -p "$d/data"
  {
    echo "dataDir=$d/data"
    echo "clientPort=$(zk_client_port "$i")"
    echo "clientPortAddress=$zk_host"
    echo "admin.enableServer=false"
    echo "4lw.commands.whitelist=*"
    echo "tickTime=2000"
    if [ "$zks" -gt 1 ]; then
      echo "initLimit=10"
      echo "syncLimit=5"
      local j
      for j in $(seq 1 "$zks"); do
        echo "server.$j=$zk_host:$((zk_peer_port + j - 1)):$((zk_peer_port + 100 + j - 1))"
      done
    fi
  } > "$d/zoo.cfg"
  [ "$zks" -gt 1 ] && echo "$i" > "$d/data/myid"
  return 0
}

write_broker_config() { # write_broker_config I
  local i=$1 d="$dir/broker-$1"
  mkdir -p "$d/data"
  {
    echo "broker.id=$i"
    echo "listeners=PLAINTEXT://$(broker_host "$i"):$(broker_port "$i")"
    echo "log.dirs=$d/data"
    echo "zookeeper.connect=$(zk_connect)"
    echo "num.partitions=1"
    echo "default.replication.factor=1"
    echo "offsets.topic.replication.factor=1"
    echo "group.initial.rebalance.delay.ms=0"
    [ "$http_base_port" -eq 0 ] || echo "http.listeners=http://$(broker_host "$i"):$((http_base_port + i - 1))"
    local p
    for p in "${broker_props[@]+"${broker_props[@]}"}"; do echo "$p"; done
  } > "$d/server.properties"
}

start_zk() { # start_zk I (does not wait)
  local i=$1 d="$dir/zookeeper-$1"
  alive "$dir/zookeeper-$i.pid" && { echo "zookeeper-$i is running already"; return 0; }
  [ -r /usr/share/java/zookeeper.jar ] || {
    echo "cluster.sh: Debian's zookeeper package is not installed (scripts/install-deps.sh)" >&2; return 1; }
  nohup java -Xmx256m -Dzookeeper.log.dir="$d" -cp "/usr/share/java/zookeeper.jar:/usr/share/java/*" \
    org.apache.zookeeper.server.quorum.QuorumPeerMain "$d/zoo.cfg" \
    >>"$d/zookeeper.out" 2>&1 </dev/null &
  echo $! > "$dir/zookeeper-$i.pid"
}

start_broker() { # start_broker I (does not wait)
  local i=$1 d="$dir/broker-$1"
  alive "$dir/broker-$i.pid" && { echo "broker-$i is running already"; return 0; }
  [ -x "$server_bin" ] || { echo "cluster.sh: $server_bin missing: build first (make)" >&2; return 1; }
  local run=()
  # `ip netns exec` enters the namespace and execs the broker: the PID is the broker's.
  [ "$netns" -eq 1 ] && run=(ip netns exec "$(broker_ns "$i")")
  nohup "${run[@]+"${run[@]}"}" "$server_bin" "$d/server.properties" \
    >>"$d/server.out" 2>&1 </dev/null &
  echo $! > "$dir/broker-$i.pid"
}

# Ready: our own process (not another one that holds the port) answers.
zk_up() { alive "$dir/zookeeper-$1.pid" || return 2; zk_serving "$1"; }
broker_up() { alive "$dir/broker-$1.pid" || return 2; port_open "$(broker_host "$1")" "$(broker_port "$1")"; }

wait_zk() { # wait_zk I
  wait_for 90 "zookeeper-$1 on $zk_host:$(zk_client_port "$1") to serve" zk_up "$1" || {
    tail -20 "$dir/zookeeper-$1/zookeeper.out" >&2; return 1; }
}

wait_broker() { # wait_broker I
  wait_for 60 "broker-$1 on $(broker_host "$1"):$(broker_port "$1")" broker_up "$1" || {
    tail -20 "$dir/broker-$1/server.out" >&2; return 1; }
}

ports_free() { # nothing listens on the ports this cluster is about to use
  local i p busy=""
  for i in $(seq 1 "$zks"); do
    for p in $(zk_client_port "$i") $((zk_peer_port + i - 1)) $((zk_peer_port + 100 + i - 1)); do
      [ "$zks" -gt 1 ] || [ "$p" = "$(zk_client_port "$i")" ] || continue
      port_open 127.0.0.1 "$p" && busy="$busy $p"
    done
  done
  for i in $(seq 1 "$brokers"); do
    port_open 127.0.0.1 "$(broker_port "$i")" && busy="$busy $(broker_port "$i")"
  done
  [ -z "$busy" ] || { echo "cluster.sh: port(s) in use already:$busy" >&2; return 1; }
}

stop_pid() { # stop_pid PIDFILE NAME [SIGNAL]
  local f=$1 name=$2 sig=${3:-TERM}
  [ -f "$f" ] || return 0
  local pid
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill -CONT "$pid" 2>/dev/null || true # a drill may have stopped it
    kill -"$sig" "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 60))
    while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "cluster.sh: $name (pid $pid) did not stop in 60 s; killing" >&2
      kill -KILL "$pid" 2>/dev/null || true
      while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    fi
  fi
  rm -f "$f"
}

save_conf() {
  {
    echo "brokers=$brokers"
    echo "zks=$zks"
    echo "base_port=$base_port"
    echo "zk_port=$zk_port"
    echo "zk_peer_port=$zk_peer_port"
    echo "netns=$netns"
    echo "net_id=$net_id"
    echo "http_base_port=$http_base_port"
  } > "$dir/cluster.conf"
}

any_running() {
  local f
  for f in "$dir"/zookeeper-*.pid "$dir"/broker-*.pid; do alive "$f" && return 0; done
  return 1
}

# ---- commands ----

start() {
  shopt -s nullglob
  if any_running; then
    # shellcheck source=/dev/null
    . "$dir/cluster.conf"
    echo "cluster already running in $dir (use: $0 status --dir $dir)"
    status
    return 0
  fi
  [ -x "$server_bin" ] || { echo "cluster.sh: $server_bin missing: build first (make)" >&2; exit 1; }
  [ "$netns" -eq 0 ] || [ "$(id -u)" -eq 0 ] || { echo "cluster.sh: --netns needs root" >&2; exit 1; }
  ports_free || exit 1
  rm -f "$dir"/*.pid
  save_conf
  trap 'echo "cluster.sh: start failed; stopping what was started" >&2; stop >&2' ERR
  set -E
  [ "$netns" -eq 1 ] && net_up
  local i
  for i in $(seq 1 "$zks"); do write_zk_config "$i"; start_zk "$i"; done
  for i in $(seq 1 "$zks"); do wait_zk "$i"; done
  for i in $(seq 1 "$brokers"); do write_broker_config "$i"; start_broker "$i"; done
  for i in $(seq 1 "$brokers"); do wait_broker "$i"; done
  trap - ERR
  bootstrap > "$dir/bootstrap"
  zk_connect > "$dir/zookeeper.connect"
  echo "Cluster started in $dir: $zks ZooKeeper node(s) ($(zk_connect)), $brokers broker(s)"
  echo "Bootstrap servers: $(bootstrap)"
  [ "$http_base_port" -eq 0 ] ||
    echo "Metrics: http://$(broker_host 1):$http_base_port/metrics (broker i on port $http_base_port+i-1)"
}

stop() {
  shopt -s nullglob
  local any=0 f
  for f in "$dir"/broker-*.pid; do any=1; stop_pid "$f" "$(basename "$f" .pid)"; done
  for f in "$dir"/zookeeper-*.pid; do any=1; stop_pid "$f" "$(basename "$f" .pid)"; done
  if [ "$netns" -eq 1 ]; then net_down; fi
  if [ $any -eq 1 ]; then echo "Cluster in $dir stopped"; else echo "No cluster running in $dir"; fi
}

status() {
  local f name i
  for name in $(seq -f zookeeper-%g 1 "$zks") $(seq -f broker-%g 1 "$brokers"); do
    f="$dir/$name.pid"
    i=${name##*-}
    if alive "$f"; then
      case "$name" in
        zookeeper-*) echo "$name: running (pid $(cat "$f"), $zk_host:$(zk_client_port "$i"), mode $(zk_mode "$i"))" ;;
        broker-*) echo "$name: running (pid $(cat "$f"), $(broker_host "$i"):$(broker_port "$i")$([ "$netns" -eq 1 ] && echo ", netns $(broker_ns "$i")"))" ;;
      esac
    elif [ -f "$dir/cluster.conf" ]; then
      echo "$name: not running"
    fi
  done
  [ -f "$dir/zookeeper.connect" ] && echo "ZooKeeper connect: $(cat "$dir/zookeeper.connect")"
  [ -f "$dir/bootstrap" ] && echo "Bootstrap servers: $(cat "$dir/bootstrap")"
  return 0
}

node_index() { # node_index NAME KIND -> I, checked against the cluster's size
  local name=$1 kind=$2 i=${1##*-} max
  [ "${name%-*}" = "$kind" ] && isnum "$i" || { echo "cluster.sh: $name is not a $kind-I name" >&2; exit 2; }
  max=$brokers
  [ "$kind" = zookeeper ] && max=$zks
  [ "$i" -ge 1 ] && [ "$i" -le "$max" ] || { echo "cluster.sh: no $name in this cluster" >&2; exit 2; }
  echo "$i"
}

node_cmd() {
  [ -f "$dir/cluster.conf" ] || { echo "cluster.sh: no cluster in $dir" >&2; exit 1; }
  local i
  case "$node" in
    broker-*) i=$(node_index "$node" broker) ;;
    zookeeper-*) i=$(node_index "$node" zookeeper) ;;
    *) echo "cluster.sh: unknown node $node (broker-I or zookeeper-I)" >&2; exit 2 ;;
  esac
  case "$cmd" in
    start-node)
      case "$node" in
        broker-*) start_broker "$i"; wait_broker "$i" ;;
        zookeeper-*) start_zk "$i"; wait_zk "$i" ;;
      esac
      echo "$node started (pid $(cat "$dir/$node.pid"))" ;;
    stop-node) stop_pid "$dir/$node.pid" "$node"; echo "$node stopped" ;;
    kill-node) stop_pid "$dir/$node.pid" "$node" KILL; echo "$node killed" ;;
    isolate | heal)
      [ "$netns" -eq 1 ] && [ "${node%-*}" = broker ] || {
        echo "cluster.sh: $cmd needs a broker of a cluster started with --netns" >&2; exit 2; }
      if [ "$cmd" = isolate ]; then ip link set "$(broker_ns "$i")" down; echo "$node isolated"
      else ip link set "$(broker_ns "$i")" up; echo "$node healed"; fi ;;
  esac
}

zk_leader() {
  local i
  for i in $(seq 1 "$zks"); do
    case "$(zk_mode "$i")" in leader | standalone) echo "zookeeper-$i"; return 0 ;; esac
  done
  echo "cluster.sh: no ZooKeeper node is leading" >&2
  return 1
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  start-node | stop-node | kill-node | isolate | heal) node_cmd ;;
  zk-leader) zk_leader ;;
  *)
    echo "USAGE: $0 start|stop|status [--brokers N] [--zookeepers 1|3] [--dir DIR] [--base-port P]" >&2
    echo "         [--zk-port P] [--zk-peer-port P] [--netns] [--net-id N] [--broker-prop k=v]..." >&2
    echo "       $0 start-node|stop-node|kill-node|isolate|heal NAME [--dir DIR]; $0 zk-leader" >&2
    exit 2 ;;
esac

#!/bin/bash
# entrypoint.sh: the kafka-c image's entrypoint, in the Confluent images' conventions.
#   entrypoint.sh [kafka|zookeeper]   runs that role (without an argument: zookeeper when
#                                     ZOOKEEPER_CLIENT_PORT is set, kafka when
#                                     KAFKA_ZOOKEEPER_CONNECT is set)
#   entrypoint.sh connect             a Kafka Connect distributed worker
#   entrypoint.sh CMD ARGS...         runs CMD (kafka-topics, kafka-console-producer, bash...)
# kafka: every KAFKA_<KEY> variable is a broker config (the broker maps them itself: `_` is
#   `.`, `__` is `_`, `___` is `-`); KAFKA_ZOOKEEPER_CONNECT and KAFKA_ADVERTISED_LISTENERS are
#   required, KAFKA_LISTENERS defaults to the advertised ones bound to 0.0.0.0 and
#   KAFKA_LOG_DIRS to /var/lib/kafka/data.
# zookeeper: ZOOKEEPER_CLIENT_PORT (required), ZOOKEEPER_SERVER_ID (myid),
#   ZOOKEEPER_SERVERS ("host:2888:3888;host:2888:3888;..." server.1, server.2... in order),
#   ZOOKEEPER_TICK_TIME, ZOOKEEPER_INIT_LIMIT, ZOOKEEPER_SYNC_LIMIT, ZOOKEEPER_DATA_DIR,
#   ZOOKEEPER_DATA_LOG_DIR, ZOOKEEPER_AUTOPURGE_SNAP_RETAIN_COUNT,
#   ZOOKEEPER_AUTOPURGE_PURGE_INTERVAL; any other ZOOKEEPER_FOO_BAR becomes fooBar.
#   KAFKA_HEAP_OPTS sets the JVM heap (default -Xms64m -Xmx256m), as in Confluent's image.
# connect: every CONNECT_<KEY> variable is a worker config, as in Confluent's cp-kafka-connect
#   image (`_` is `.`, `__` is `_`, `___` is `-`): CONNECT_BOOTSTRAP_SERVERS, CONNECT_GROUP_ID,
#   CONNECT_CONFIG_STORAGE_TOPIC, CONNECT_OFFSET_STORAGE_TOPIC, CONNECT_STATUS_STORAGE_TOPIC,
#   CONNECT_KEY_CONVERTER, CONNECT_VALUE_CONVERTER are required; CONNECT_LISTENERS defaults to
#   http://0.0.0.0:8083 and CONNECT_REST_ADVERTISED_HOST_NAME to the container's hostname.
# The server is exec'ed: it is PID 1 and gets docker's signals (SIGTERM: clean shutdown).
set -euo pipefail

die() { echo "entrypoint: $*" >&2; exit 1; }

role=${1:-}
case "$role" in
  kafka | broker | zookeeper | connect) shift ;;
  "")
    if [ -n "${ZOOKEEPER_CLIENT_PORT:-}" ]; then role=zookeeper
    elif [ -n "${KAFKA_ZOOKEEPER_CONNECT:-}" ]; then role=kafka
    else die "set ZOOKEEPER_CLIENT_PORT (a ZooKeeper node) or KAFKA_ZOOKEEPER_CONNECT (a broker), or give a command"
    fi ;;
  *) exec "$@" ;;
esac
echo "$role" > /etc/kafka-c/role

zookeeper() {
  : "${ZOOKEEPER_CLIENT_PORT:?ZOOKEEPER_CLIENT_PORT is required}"
  local data=${ZOOKEEPER_DATA_DIR:-/var/lib/zookeeper/data}
  local dlog=${ZOOKEEPER_DATA_LOG_DIR:-/var/lib/zookeeper/log}
  local cfg=/etc/kafka-c/zookeeper.properties
  mkdir -p "$data" "$dlog"
  {
    echo "dataDir=$data"
    echo "dataLogDir=$dlog"
    echo "clientPort=$ZOOKEEPER_CLIENT_PORT"
    echo "tickTime=${ZOOKEEPER_TICK_TIME:-2000}"
    echo "initLimit=${ZOOKEEPER_INIT_LIMIT:-10}"
    echo "syncLimit=${ZOOKEEPER_SYNC_LIMIT:-5}"
    echo "admin.enableServer=false"
    echo "4lw.commands.whitelist=${ZOOKEEPER_4LW_COMMANDS_WHITELIST:-srvr,stat,ruok,mntr,conf}"
    [ -n "${ZOOKEEPER_AUTOPURGE_SNAP_RETAIN_COUNT:-}" ] &&
      echo "autopurge.snapRetainCount=$ZOOKEEPER_AUTOPURGE_SNAP_RETAIN_COUNT"
    [ -n "${ZOOKEEPER_AUTOPURGE_PURGE_INTERVAL:-}" ] &&
      echo "autopurge.purgeInterval=$ZOOKEEPER_AUTOPURGE_PURGE_INTERVAL"
    # Any other ZOOKEEPER_FOO_BAR: fooBar (maxClientCnxns, minSessionTimeout...).
    local name key
    while IFS= read -r name; do
      case "$name" in
        ZOOKEEPER_CLIENT_PORT | ZOOKEEPER_SERVER_ID | ZOOKEEPER_SERVERS | ZOOKEEPER_TICK_TIME | \
          ZOOKEEPER_INIT_LIMIT | ZOOKEEPER_SYNC_LIMIT | ZOOKEEPER_DATA_DIR | ZOOKEEPER_DATA_LOG_DIR | \
          ZOOKEEPER_4LW_COMMANDS_WHITELIST | ZOOKEEPER_AUTOPURGE_*) continue ;;
      esac
      key=$(echo "${name#ZOOKEEPER_}" | awk -F_ '{ s = tolower($1); for (i = 2; i <= NF; i++) s = s toupper(substr($i, 1, 1)) tolower(substr($i, 2)); print s }')
      echo "$key=${!name}"
    done < <(compgen -e | grep '^ZOOKEEPER_' || true)
    if [ -n "${ZOOKEEPER_SERVERS:-}" ]; then
      # Bind the quorum ports on every address: the node's own name may resolve to another.
      echo "quorumListenOnAllIPs=true"
      local i=1 s
      IFS=';, ' read -r -a servers <<< "$ZOOKEEPER_SERVERS"
      for s in "${servers[@]}"; do
        [ -n "$s" ] || continue
        echo "server.$i=$s"
        i=$((i + 1))
      done
    fi
  } > "$cfg"
  if [ -n "${ZOOKEEPER_SERVER_ID:-}" ]; then echo "$ZOOKEEPER_SERVER_ID" > "$data/myid"; fi
  echo "entrypoint: ZooKeeper ${ZOOKEEPER_SERVER_ID:+node $ZOOKEEPER_SERVER_ID }with $cfg:"
  sed 's/^/  /' "$cfg"
  # shellcheck disable=SC2086
  exec java ${KAFKA_HEAP_OPTS:--Xms64m -Xmx256m} -Dzookeeper.log.dir=/var/lib/zookeeper \
    -cp "/usr/share/java/zookeeper.jar:/usr/share/java/*" \
    org.apache.zookeeper.server.quorum.QuorumPeerMain "$cfg"
}

kafka() {
  : "${KAFKA_ZOOKEEPER_CONNECT:?KAFKA_ZOOKEEPER_CONNECT is required}"
  : "${KAFKA_ADVERTISED_LISTENERS:?KAFKA_ADVERTISED_LISTENERS is required}"
  if [ -z "${KAFKA_LISTENERS:-}" ]; then
    KAFKA_LISTENERS=$(echo "$KAFKA_ADVERTISED_LISTENERS" | sed -E 's#://[^:,]*:#://0.0.0.0:#g')
    export KAFKA_LISTENERS
  fi
  export KAFKA_LOG_DIRS=${KAFKA_LOG_DIRS:-/var/lib/kafka/data}
  local d
  IFS=',' read -r -a dirs <<< "$KAFKA_LOG_DIRS"
  for d in "${dirs[@]}"; do mkdir -p "$d"; done
  # The file holds nothing the environment does not set: it is there because the broker, like
  # Kafka's, takes a properties file.
  local cfg=/etc/kafka-c/kafka.properties
  echo "# kafka-c in docker: every setting comes from KAFKA_* environment variables" > "$cfg"
  echo "entrypoint: broker ${KAFKA_BROKER_ID:-?}, listeners $KAFKA_LISTENERS, advertised $KAFKA_ADVERTISED_LISTENERS"
  exec /opt/kafka-c/bin/kafka-server "$cfg" "$@"
}

connect() {
  local cfg=/etc/kafka-c/connect-distributed.properties name key
  : "${CONNECT_LISTENERS:=http://0.0.0.0:8083}"
  : "${CONNECT_REST_ADVERTISED_HOST_NAME:=$(hostname)}"
  export CONNECT_LISTENERS CONNECT_REST_ADVERTISED_HOST_NAME
  for name in CONNECT_BOOTSTRAP_SERVERS CONNECT_GROUP_ID CONNECT_CONFIG_STORAGE_TOPIC \
    CONNECT_OFFSET_STORAGE_TOPIC CONNECT_STATUS_STORAGE_TOPIC CONNECT_KEY_CONVERTER \
    CONNECT_VALUE_CONVERTER; do
    [ -n "${!name:-}" ] || die "$name is required"
  done
  echo "# kafka-c connect in docker: from the CONNECT_* environment variables" > "$cfg"
  while IFS= read -r name; do
    key=$(echo "${name#CONNECT_}" | sed -e 's/___/-/g' -e 's/__/\x00/g' -e 's/_/./g' \
      -e 's/\x00/_/g' | tr '[:upper:]' '[:lower:]')
    echo "$key=${!name}" >> "$cfg"
  done < <(compgen -e | grep '^CONNECT_' || true)
  echo "entrypoint: connect worker with $cfg:"
  sed 's/^/  /' "$cfg"
  exec /opt/kafka-c/bin/connect-distributed "$cfg"
}

case "$role" in
  zookeeper) zookeeper ;;
  kafka | broker) kafka "$@" ;;
  connect) connect ;;
esac

#!/bin/bash
# healthcheck.sh: the kafka-c image's health check (Dockerfile HEALTHCHECK, compose
# healthcheck), for the role the entrypoint recorded in /etc/kafka-c/role.
#   zookeeper: `srvr` answers Mode: leader, follower or standalone (in a quorum, serving).
#   kafka: every listener in KAFKA_LISTENERS answers an ApiVersions v0 request with error 0
#          (what `kafka-broker-api-versions` checks for Confluent images); on an SSL or
#          SASL_SSL listener (KAFKA_LISTENER_SECURITY_PROTOCOL_MAP) the request goes through a
#          TLS handshake made by `openssl s_client` (ApiVersions comes before any SASL login).
#   connect: the REST API answers GET / with 200.
set -euo pipefail
role=$(cat /etc/kafka-c/role 2>/dev/null || true)

case "$role" in
  zookeeper)
    out=$(exec 3<>"/dev/tcp/127.0.0.1/${ZOOKEEPER_CLIENT_PORT:-2181}" && echo srvr >&3 && timeout 3 cat <&3)
    echo "$out" | grep -qE '^Mode: (leader|follower|standalone)$'
    ;;
  kafka | broker)
    IFS=',' read -r -a ls <<< "${KAFKA_LISTENERS:?}"
    map=",${KAFKA_LISTENER_SECURITY_PROTOCOL_MAP:-PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL},"
    # size 10 | api key 18 | version 0 | correlation id 7 | client id null
    req='\x00\x00\x00\x0a\x00\x12\x00\x00\x00\x00\x00\x07\xff\xff'
    for l in "${ls[@]}"; do
      port=${l##*:}
      name=${l%%://*}
      proto=${map#*,"$name":}
      proto=${proto%%,*}
      case "$proto" in
        SSL | SASL_SSL)
          # -quiet keeps reading after stdin ends; head takes the 10 bytes, timeout ends it
          hex=$(printf "$req" | timeout 3 openssl s_client -quiet -connect "127.0.0.1:$port" \
            2>/dev/null | head -c 10 | od -An -tx1 | tr -d ' \n' || true) ;;
        *)
          hex=$(exec 3<>"/dev/tcp/127.0.0.1/$port" && printf "$req" >&3 &&
            timeout 3 head -c 10 <&3 | od -An -tx1 | tr -d ' \n') ;;
      esac
      # size (4 bytes) | correlation id 7 | error_code 0
      case "$hex" in ????????000000070000) ;; *) exit 1 ;; esac
    done
    ;;
  connect)
    # GET / on the worker's REST port answers 200
    port=${CONNECT_LISTENERS:-http://0.0.0.0:8083}
    port=${port##*:}
    out=$(exec 3<>"/dev/tcp/127.0.0.1/$port" &&
      printf 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&3 &&
      timeout 3 head -c 12 <&3)
    [ "$out" = "HTTP/1.1 200" ]
    ;;
  *) exit 1 ;;
esac

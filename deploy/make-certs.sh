#!/bin/bash
# make-certs.sh: the certificates and secrets of the secure compose cluster
# (deploy/docker-compose.secure.yml), made with the openssl command line.
#   deploy/make-certs.sh DIR
# DIR gets: ca.pem / ca.key (a CA valid 365 days), broker.keystore.pem (the brokers' key and
# certificate, PEM, for ssl.keystore.type=PEM; subjectAltName kafka-1..3, localhost,
# 127.0.0.1), zk-jaas.conf (the JAAS `Client` section the brokers log in to ZooKeeper with),
# and client-admin.properties (the super user's client properties for the tools on the host:
# SASL_SSL, PLAIN). Passwords come from the environment (KAFKA_C_ADMIN_PASSWORD,
# KAFKA_C_ZK_PASSWORD) or are made at random; they are written only into DIR. A DIR that
# already has ca.pem is left as it is.
set -euo pipefail

dir=${1:?usage: make-certs.sh DIR}
mkdir -p "$dir"
cd "$dir"
if [ -f ca.pem ]; then
  echo "make-certs: $dir already has ca.pem; nothing made"
  exit 0
fi
rand() { openssl rand -hex 12; }
admin_pw=${KAFKA_C_ADMIN_PASSWORD:-$(rand)}
zk_pw=${KAFKA_C_ZK_PASSWORD:-$(rand)}

openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 365 \
  -subj "/CN=kafka-c compose CA" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout broker.key -out broker.csr \
  -subj "/CN=kafka-c broker" 2>/dev/null
printf 'basicConstraints=CA:FALSE\nsubjectAltName=%s\n' \
  "DNS:kafka-1,DNS:kafka-2,DNS:kafka-3,DNS:localhost,IP:127.0.0.1" > broker.ext
openssl x509 -req -in broker.csr -CA ca.pem -CAkey ca.key -set_serial 2 -days 365 \
  -extfile broker.ext -out broker.pem 2>/dev/null
cat broker.key broker.pem > broker.keystore.pem
rm -f broker.csr broker.ext

cat > zk-jaas.conf <<JAAS
Client {
  org.apache.zookeeper.server.auth.DigestLoginModule required
  username="kafka"
  password="$zk_pw";
};
JAAS
cat > client-admin.properties <<PROPS
security.protocol=SASL_SSL
sasl.mechanism=PLAIN
sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="$admin_pw";
ssl.truststore.type=PEM
ssl.truststore.location=$PWD/ca.pem
PROPS
# The brokers' own PLAIN users (the JAAS config of both listeners), passed as an env file.
cat > broker.env <<ENV
KAFKA_LISTENER_NAME_INTERNAL_PLAIN_SASL_JAAS_CONFIG=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="$admin_pw" user_admin="$admin_pw";
KAFKA_LISTENER_NAME_EXTERNAL_PLAIN_SASL_JAAS_CONFIG=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="$admin_pw" user_admin="$admin_pw";
ENV
# The containers run as root: the keys and passwords stay readable by root alone.
chmod 0644 ca.pem broker.pem
chmod 0600 broker.keystore.pem zk-jaas.conf broker.env client-admin.properties
chmod 0600 ca.key broker.key
echo "make-certs: made $dir (CA, broker keystore, ZooKeeper JAAS, admin client properties)"

"""TLS listeners: kcat, confluent-kafka and kafka-python over SSL with mutual TLS against one
broker (certificates made here with openssl); expired and untrusted client certificates, a
plaintext client and garbage on the TLS port are refused while the broker serves on."""
import os
import socket
import ssl
import struct
import subprocess
import sys
import uuid

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))

import certs  # noqa: E402
from kafkabroker import Broker, free_port, port_open, wait_until  # noqa: E402
from zkserver import ZooKeeper  # noqa: E402

KCAT = "kcat"


def make_pki(d):
    ca = certs.CA(os.path.join(d, "pki"))
    other = certs.CA(os.path.join(d, "pki-other"), name="other")
    p = {"ca": ca.cert}
    _, _, p["broker"] = ca.issue("broker", "/CN=localhost", san="IP:127.0.0.1,DNS:localhost",
                                 password="keypass")
    p["alice_key"], p["alice_cert"], _ = ca.issue("alice", "/O=kafka-c/OU=eng/CN=alice")
    p["old_key"], p["old_cert"], _ = ca.issue("old", "/CN=old", expired=True)
    p["evil_key"], p["evil_cert"], _ = other.issue("evil", "/CN=evil")
    return p


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(str(tmp_path_factory.mktemp("pki")))


@pytest.fixture(scope="module")
def tls_broker(tmp_path_factory, pki):
    """One broker for the module (its own ZooKeeper): PLAINTEXT for the harness, SSL with
    ssl.client.auth=required for the clients."""
    d = str(tmp_path_factory.mktemp("tls"))
    z = ZooKeeper(os.path.join(d, "zk"))
    os.makedirs(z.dir, exist_ok=True)
    z.start()
    b = Broker(d, z.connect, 1)
    b.ssl_port = free_port()
    b.overrides.update({
        "listeners": "PLAINTEXT://127.0.0.1:%d,SSL://127.0.0.1:%d" % (b.port, b.ssl_port),
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,SSL:SSL",
        "inter.broker.listener.name": "PLAINTEXT",
        "ssl.keystore.type": "PEM",
        "ssl.keystore.location": pki["broker"],
        "ssl.key.password": "keypass",
        "ssl.truststore.type": "PEM",
        "ssl.truststore.location": pki["ca"],
        "listener.name.ssl.ssl.client.auth": "required",
    })
    b._write_config()
    b.start(env={"KAFKA_LOG_LEVEL": "debug"})
    yield b
    b.stop()
    z.stop()
    out = b.output()
    assert "ERROR: AddressSanitizer" not in out and "runtime error:" not in out and \
        "ERROR: LeakSanitizer" not in out, out[-4000:]


def kcat_ssl(pki, port, *args, key="alice", inp=None, timeout=60):
    cmd = [KCAT, "-b", "127.0.0.1:%d" % port, "-X", "security.protocol=ssl",
           "-X", "ssl.ca.location=" + pki["ca"],
           "-X", "ssl.certificate.location=" + pki[key + "_cert"],
           "-X", "ssl.key.location=" + pki[key + "_key"]] + list(args)
    return subprocess.run(cmd, input=inp, capture_output=True, timeout=timeout, text=True)


def test_kcat_mutual_tls_produce_consume_and_principal(tls_broker, pki):
    topic = "tls-" + uuid.uuid4().hex[:8]
    lines = "\n".join("m%d" % i for i in range(50)) + "\n"
    r = kcat_ssl(pki, tls_broker.ssl_port, "-P", "-t", topic, inp=lines)
    assert r.returncode == 0, r.stderr
    r = kcat_ssl(pki, tls_broker.ssl_port, "-C", "-t", topic, "-e", "-q", "-o", "beginning")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["m%d" % i for i in range(50)]
    # Metadata over the SSL listener advertises the SSL listener's port
    r = kcat_ssl(pki, tls_broker.ssl_port, "-L", "-J")
    assert ":%d" % tls_broker.ssl_port in r.stdout and ":%d" % tls_broker.port not in r.stdout
    # the principal is the certificate's DN in RFC 2253 order, as Kafka's default builder
    wait_until(lambda: "principal User:CN=alice,OU=eng,O=kafka-c" in tls_broker.output(), 10,
               what="the DN principal in the log")


def test_confluent_and_kafka_python_over_ssl(tls_broker, pki):
    import confluent_kafka
    import kafka
    topic = "tls-py-" + uuid.uuid4().hex[:8]
    conf = {"bootstrap.servers": "127.0.0.1:%d" % tls_broker.ssl_port,
            "security.protocol": "SSL", "ssl.ca.location": pki["ca"],
            "ssl.certificate.location": pki["alice_cert"],
            "ssl.key.location": pki["alice_key"]}
    p = confluent_kafka.Producer(dict(conf, acks="all"))
    for i in range(200):
        p.produce(topic, b"v%d" % i + b"x" * 1000)
    assert p.flush(30) == 0
    kp = dict(security_protocol="SSL", ssl_cafile=pki["ca"], ssl_certfile=pki["alice_cert"],
              ssl_keyfile=pki["alice_key"], ssl_check_hostname=True)
    prod = kafka.KafkaProducer(bootstrap_servers="127.0.0.1:%d" % tls_broker.ssl_port, **kp)
    for i in range(200, 300):
        prod.send(topic, b"v%d" % i)
    prod.flush(30)
    prod.close()
    c = kafka.KafkaConsumer(topic, bootstrap_servers="127.0.0.1:%d" % tls_broker.ssl_port,
                            auto_offset_reset="earliest", consumer_timeout_ms=8000, **kp)
    got = [m.value for m in c]
    c.close()
    assert len(got) == 300 and got[0].startswith(b"v0x") and got[299] == b"v299"
    # confluent-kafka consumer: fetched through SSL_write of the segment bytes
    cons = confluent_kafka.Consumer(dict(conf, **{"group.id": "g", "auto.offset.reset": "earliest"}))
    cons.subscribe([topic])
    seen = []
    deadline = 60
    import time
    end = time.time() + deadline
    while len(seen) < 300 and time.time() < end:
        m = cons.poll(1.0)
        if m is not None and not m.error():
            seen.append(m.value())
    cons.close()
    assert len(seen) == 300


def _handshake(pki, port, key):
    ctx = ssl.create_default_context(cafile=pki["ca"])
    if key:
        ctx.load_cert_chain(pki[key + "_cert"], pki[key + "_key"])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        with ctx.wrap_socket(s, server_hostname="localhost") as t:
            # TLS 1.3: the server's verdict on the client certificate arrives after the
            # client's handshake ends, so send a request and read
            t.sendall(struct.pack(">ihhi", 10, 18, 0, 1) + struct.pack(">h", -1))
            return t.recv(4)


@pytest.mark.parametrize("key", ["old", "evil", None])
def test_bad_client_certificates_refused(tls_broker, pki, key):
    before = tls_broker.output().count("Failed authentication with")
    # a TLS alert (or the connection closed after it): never a Kafka response
    with pytest.raises((ssl.SSLError, ConnectionError, OSError)):
        if not _handshake(pki, tls_broker.ssl_port, key):
            raise ConnectionError("closed")
    wait_until(lambda: tls_broker.output().count("Failed authentication with") > before, 10,
               what="the failed TLS handshake logged")
    assert _handshake(pki, tls_broker.ssl_port, "alice")  # still serving


def test_garbage_and_plaintext_on_tls_port(tls_broker, pki):
    for payload in (os.urandom(300), struct.pack(">ihhi", 10, 18, 0, 1) + struct.pack(">h", -1)):
        with socket.create_connection(("127.0.0.1", tls_broker.ssl_port), timeout=10) as s:
            s.sendall(payload)
            s.settimeout(10)
            data = b""
            try:
                while True:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    data += chunk
            except (ConnectionResetError, socket.timeout):
                pass
            # a TLS alert record (type 21) at most, never a Kafka response
            assert data == b"" or data[0] == 21, data[:20]
    assert _handshake(pki, tls_broker.ssl_port, "alice")
    assert port_open(tls_broker.port)


@pytest.mark.parametrize("key,value", [
    ("ssl.keystore.location", "/nonexistent/keystore.pem"),
    ("listener.name.ssl.ssl.cipher.suites", "TLS_NO_SUCH_SUITE"),
    ("ssl.client.auth", "sometimes"),
    ("ssl.keystore.type", "JKS"),
    ("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,SSL:KERBEROS"),
    ("sasl.enabled.mechanisms", "GSSAPI"),
])
def test_bad_security_config_stops_startup(broker_factory, pki, key, value):
    b = broker_factory(start=False)
    b.overrides.update({
        "listeners": "PLAINTEXT://127.0.0.1:%d,SSL://127.0.0.1:%d,SASL_PLAINTEXT://127.0.0.1:%d"
                     % (b.port, free_port(), free_port()),
        "inter.broker.listener.name": "PLAINTEXT",
        "ssl.keystore.location": pki["broker"], "ssl.key.password": "keypass",
        "listener.name.sasl_plaintext.sasl.enabled.mechanisms": "SCRAM-SHA-512",
    })
    if key == "sasl.enabled.mechanisms":
        key = "listener.name.sasl_plaintext.sasl.enabled.mechanisms"
    b.overrides[key] = value
    b._write_config()
    b.start(wait=False)
    wait_until(lambda: b.proc.poll() is not None, 20, what="the broker to exit")
    assert b.proc.returncode != 0
    short = key.split(".ssl.", 1)[-1] if key.startswith("listener.name.ssl.") else key
    assert short.replace("listener.name.sasl_plaintext.", "") in b.output(), b.output()[-2000:]

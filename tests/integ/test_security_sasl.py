"""SASL: three brokers whose inter-broker listener is SASL_SSL with SCRAM-SHA-512 (the
brokers' own user made with kafka-configs --zookeeper before they start); kcat and
confluent-kafka over SASL_SSL SCRAM-SHA-512, kafka-python over SASL_PLAINTEXT PLAIN, an RF3
acks=all topic replicated across the secure listener; wrong passwords, unknown users and bad
SASL input refused while the brokers serve on; a user made while they run logs in at once."""
import os
import socket
import struct
import subprocess
import sys
import time
import uuid

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))

import certs  # noqa: E402
from cluster import Cluster  # noqa: E402
from kafkabroker import free_port, recv_frame, wait_until  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CONFIGS = os.path.join(ROOT, "bin", "kafka-configs")
PLAIN_JAAS = ('org.apache.kafka.common.security.plain.PlainLoginModule required '
              'username="admin" password="admin-secret" user_admin="admin-secret" '
              'user_alice="alice-secret";')
SCRAM_JAAS = ('org.apache.kafka.common.security.scram.ScramLoginModule required '
              'username="admin" password="admin-secret";')


def configs(zk, *args):
    r = subprocess.run([CONFIGS, "--zookeeper", zk] + list(args), capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


@pytest.fixture(scope="module")
def secure(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("sasl"))
    ca = certs.CA(os.path.join(d, "pki"))
    _, _, keystore = ca.issue("broker", "/CN=localhost", san="IP:127.0.0.1,DNS:localhost")
    c = Cluster(d, n=3, overrides={
        "listener.security.protocol.map":
            "PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL,SASL_PLAINTEXT:SASL_PLAINTEXT",
        "inter.broker.listener.name": "SASL_SSL",
        "sasl.mechanism.inter.broker.protocol": "SCRAM-SHA-512",
        "listener.name.sasl_ssl.sasl.enabled.mechanisms": "SCRAM-SHA-512,SCRAM-SHA-256",
        "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config": SCRAM_JAAS,
        "listener.name.sasl_plaintext.sasl.enabled.mechanisms": "PLAIN",
        "listener.name.sasl_plaintext.plain.sasl.jaas.config": PLAIN_JAAS,
        "ssl.keystore.location": keystore,
        "ssl.truststore.location": ca.cert,
        "default.replication.factor": "3",
        "offsets.topic.replication.factor": "3",
        "min.insync.replicas": "2",
    })
    for b in c.brokers.values():
        b.ssl_port, b.plain_sasl_port = free_port(), free_port()
        b.overrides["listeners"] = ("PLAINTEXT://127.0.0.1:%d,SASL_SSL://127.0.0.1:%d,"
                                    "SASL_PLAINTEXT://127.0.0.1:%d"
                                    % (b.port, b.ssl_port, b.plain_sasl_port))
        b._write_config()
    c.ca = ca.cert
    configs(c.zk.connect, "--alter", "--add-config", "SCRAM-SHA-512=[password=admin-secret]",
            "--entity-type", "users", "--entity-name", "admin")
    configs(c.zk.connect, "--alter", "--add-config",
            "SCRAM-SHA-512=[password=alice-secret],SCRAM-SHA-256=[iterations=8192,password=alice256]",
            "--entity-type", "users", "--entity-name", "alice")
    c.start()
    yield c
    c.stop()
    c.check_sanitizers()


def ssl_boot(c):
    return ",".join("127.0.0.1:%d" % b.ssl_port for b in c.brokers.values())


def kcat(c, *args, user="alice", pw="alice-secret", mech="SCRAM-SHA-512", inp=None):
    cmd = ["kcat", "-b", ssl_boot(c), "-X", "security.protocol=SASL_SSL",
           "-X", "ssl.ca.location=" + c.ca, "-X", "sasl.mechanisms=" + mech,
           "-X", "sasl.username=" + user, "-X", "sasl.password=" + pw] + list(args)
    return subprocess.run(cmd, input=inp, capture_output=True, text=True, timeout=60)


def test_kcat_scram_sasl_ssl_rf3_acks_all(secure):
    topic = "sasl-" + uuid.uuid4().hex[:8]
    secure.create_topic(topic, partitions=3, rf=3)  # replicas follow over SASL_SSL
    lines = "\n".join("k%d" % i for i in range(300)) + "\n"
    r = kcat(secure, "-P", "-t", topic, "-X", "acks=all", inp=lines)
    assert r.returncode == 0, r.stderr
    r = kcat(secure, "-C", "-t", topic, "-e", "-q", "-o", "beginning")
    assert r.returncode == 0, r.stderr
    assert sorted(r.stdout.split()) == sorted("k%d" % i for i in range(300))
    # SCRAM-SHA-256 with its own iteration count
    r = kcat(secure, "-L", mech="SCRAM-SHA-256", pw="alice256")
    assert r.returncode == 0 and "3 brokers" in r.stdout, r.stderr
    # followers fetch through the SASL_SSL listener: every replica stays in the ISR and has the data
    wait_until(lambda: all(len(v[2]) == 3 for v in secure.partitions(topic).values()), 30,
               what="full ISRs")
    for b in secure.brokers.values():
        assert "Failed authentication" not in b.output()


def test_confluent_sasl_ssl_and_kafka_python_plain(secure):
    import confluent_kafka
    import kafka
    topic = "sasl-py-" + uuid.uuid4().hex[:8]
    secure.create_topic(topic, partitions=1, rf=3)
    conf = {"bootstrap.servers": ssl_boot(secure), "security.protocol": "SASL_SSL",
            "ssl.ca.location": secure.ca, "sasl.mechanisms": "SCRAM-SHA-512",
            "sasl.username": "alice", "sasl.password": "alice-secret"}
    p = confluent_kafka.Producer(dict(conf, acks="all"))
    for i in range(100):
        p.produce(topic, b"c%d" % i)
    assert p.flush(30) == 0
    boot = ",".join("127.0.0.1:%d" % b.plain_sasl_port for b in secure.brokers.values())
    kp = dict(security_protocol="SASL_PLAINTEXT", sasl_mechanism="PLAIN",
              sasl_plain_username="alice", sasl_plain_password="alice-secret")
    prod = kafka.KafkaProducer(bootstrap_servers=boot, acks="all", **kp)
    for i in range(100, 150):
        prod.send(topic, b"c%d" % i)
    prod.flush(30)
    prod.close()
    cons = kafka.KafkaConsumer(topic, bootstrap_servers=boot, auto_offset_reset="earliest",
                               consumer_timeout_ms=8000, **kp)
    got = sorted(m.value for m in cons)
    cons.close()
    assert got == sorted(b"c%d" % i for i in range(150))
    c = confluent_kafka.Consumer(dict(conf, **{"group.id": "gs", "auto.offset.reset": "earliest"}))
    c.subscribe([topic])
    seen, end = 0, time.time() + 60
    while seen < 150 and time.time() < end:
        m = c.poll(1.0)
        if m is not None and not m.error():
            seen += 1
    c.close()
    assert seen == 150


def test_wrong_password_and_unknown_user(secure):
    for user, pw in (("alice", "nope"), ("mallory", "x")):
        r = kcat(secure, "-L", "-m", "5", user=user, pw=pw)
        assert r.returncode != 0
        assert "Authentication failed" in r.stderr, r.stderr
    b = secure.brokers[1]
    wait_until(lambda: "Failed authentication with" in b.output() or
               "Failed authentication with" in secure.brokers[2].output() or
               "Failed authentication with" in secure.brokers[3].output(), 10,
               what="failed logins logged")


def test_user_created_while_running_logs_in_within_a_second(secure):
    user = "u" + uuid.uuid4().hex[:6]
    configs(secure.zk.connect, "--alter", "--add-config", "SCRAM-SHA-512=[password=pw-%s]" % user,
            "--entity-type", "users", "--entity-name", user)
    t0 = time.time()
    wait_until(lambda: all("SCRAM credentials of user %s updated" % user in b.output()
                           for b in secure.brokers.values()), 5, interval=0.02,
               what="every broker to learn the new user")
    assert time.time() - t0 < 1.0
    r = kcat(secure, "-L", user=user, pw="pw-" + user)
    assert r.returncode == 0, r.stderr
    out = configs(secure.zk.connect, "--describe", "--entity-type", "users", "--entity-name", user)
    assert "Configs for user-principal '%s' are SCRAM-SHA-512=salt=" % user in out
    assert "iterations=4096" in out
    configs(secure.zk.connect, "--alter", "--delete-config", "SCRAM-SHA-512",
            "--entity-type", "users", "--entity-name", user)
    wait_until(lambda: kcat(secure, "-L", "-m", "5", user=user, pw="pw-" + user).returncode != 0,
               10, what="the deleted credential to stop working")


# ---- bad input on the SASL listener: that connection closed or answered with an error ----

def frame(api_key, ver, corr, body, flexible=False):
    hdr = struct.pack(">hhi", api_key, ver, corr) + struct.pack(">h", 4) + b"test"
    if flexible:
        hdr += b"\x00"
    msg = hdr + body
    return struct.pack(">i", len(msg)) + msg


def sasl_sock(secure):
    return socket.create_connection(("127.0.0.1", secure.brokers[1].plain_sasl_port), timeout=10)


def closed(s):
    try:
        s.settimeout(10)
        return s.recv(1) == b""
    except (ConnectionResetError, BrokenPipeError):
        return True


def handshake(s, mech, ver=1):
    s.sendall(frame(17, ver, 1, struct.pack(">h", len(mech)) + mech.encode()))
    f = recv_frame(s, 10)
    return struct.unpack(">h", f[4:6])[0]


def authenticate(s, token, ver=1):
    s.sendall(frame(36, ver, 2, struct.pack(">i", len(token)) + token))
    f = recv_frame(s, 10)
    return struct.unpack(">h", f[4:6])[0], f


def serving(secure):
    with sasl_sock(secure) as s:
        assert handshake(s, "PLAIN") == 0
        code, _ = authenticate(s, b"\0alice\0alice-secret")
        assert code == 0
        s.sendall(frame(3, 1, 3, struct.pack(">i", 0)))  # Metadata v1, no topics
        assert recv_frame(s, 10)
    return True


def test_bad_sasl_input(secure):
    # a request other than ApiVersions/SASL before authentication: closed
    with sasl_sock(secure) as s:
        s.sendall(frame(3, 1, 1, struct.pack(">i", 0)))
        assert closed(s)
    # SaslAuthenticate before SaslHandshake: closed
    with sasl_sock(secure) as s:
        s.sendall(frame(36, 1, 1, struct.pack(">i", 3) + b"abc"))
        assert closed(s)
    # an unknown mechanism: UNSUPPORTED_SASL_MECHANISM (33), then closed
    with sasl_sock(secure) as s:
        assert handshake(s, "GSSAPI") == 33
        assert closed(s)
    # a 100 MB token is refused by its length before anything is allocated
    with sasl_sock(secure) as s:
        assert handshake(s, "PLAIN") == 0
        s.sendall(struct.pack(">i", 100 * 1024 * 1024) + b"\0" * 1000)
        assert closed(s)
    # PLAIN with a wrong password: SASL_AUTHENTICATION_FAILED (58) after the delay, then closed
    with sasl_sock(secure) as s:
        assert handshake(s, "PLAIN") == 0
        t0 = time.time()
        code, f = authenticate(s, b"\0alice\0wrong")
        assert code == 58 and b"Invalid username or password" in f
        assert time.time() - t0 >= 0.09  # connection.failed.authentication.delay.ms
        assert closed(s)
    # malformed PLAIN token, v0 handshake with a garbage raw token
    with sasl_sock(secure) as s:
        assert handshake(s, "PLAIN") == 0
        assert authenticate(s, b"no-nul-here")[0] == 58
    with sasl_sock(secure) as s:
        assert handshake(s, "PLAIN", ver=0) == 0
        s.sendall(struct.pack(">i", 5) + b"\xff\xfe\x00\x01\x02")
        assert closed(s)
    assert serving(secure)


def scram_sock(secure):
    return socket.create_connection(("127.0.0.1", secure.brokers[1].ssl_port), timeout=10)


def test_forged_scram_nonce_and_proof(secure):
    import base64
    import hashlib
    import hmac
    import ssl
    ctx = ssl.create_default_context(cafile=secure.ca)
    for forge in ("nonce", "proof", "garbage"):
        with ctx.wrap_socket(scram_sock(secure), server_hostname="127.0.0.1") as s:
            assert handshake(s, "SCRAM-SHA-512") == 0
            if forge == "garbage":
                code, _ = authenticate(s, b"p=tls-unique,,n=alice,r=\xff")
                assert code == 58
                continue
            cnonce = "abcdefghijkl"
            bare = "n=alice,r=" + cnonce
            code, f = authenticate(s, ("n,," + bare).encode())
            assert code == 0
            # auth_bytes after error_code and null error message (int16 -1)
            blen = struct.unpack(">i", f[8:12])[0]
            first = f[12:12 + blen].decode()
            parts = dict(x.split("=", 1) for x in first.split(","))
            nonce = parts["r"] if forge == "proof" else parts["r"][:-2] + "xx"
            salted = hashlib.pbkdf2_hmac("sha512", b"alice-secret", base64.b64decode(parts["s"]),
                                         int(parts["i"]))
            ck = hmac.new(salted, b"Client Key", "sha512").digest()
            stored = hashlib.sha512(ck).digest()
            without = "c=biws,r=" + nonce
            am = ",".join([bare, first, without]).encode()
            sig = hmac.new(stored, am, "sha512").digest()
            proof = bytes(a ^ b for a, b in zip(ck, sig))
            if forge == "proof":
                proof = bytes([proof[0] ^ 1]) + proof[1:]
            code, f = authenticate(s, (without + ",p=" + base64.b64encode(proof).decode()).encode())
            assert code == 58, forge
            assert closed(s)
    assert serving(secure)


def test_tools_with_command_config(secure, tmp_path):
    bin_ = os.path.join(ROOT, "bin")
    props = tmp_path / "client.properties"
    props.write_text("security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\n"
                     "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule "
                     "required username=\"alice\" password=\"alice-secret\";\n"
                     "ssl.truststore.type=PEM\nssl.truststore.location=%s\n" % secure.ca)
    boot = ssl_boot(secure)
    topic = "cc-" + uuid.uuid4().hex[:8]

    def tool(name, *args, inp=None):
        r = subprocess.run([os.path.join(bin_, name)] + list(args), input=inp, capture_output=True,
                           text=True, timeout=90)
        assert r.returncode == 0, r.stdout + r.stderr
        return r.stdout

    tool("kafka-topics", "--bootstrap-server", boot, "--command-config", str(props), "--create",
         "--topic", topic, "--partitions", "2", "--replication-factor", "3")
    assert topic in tool("kafka-topics", "--bootstrap-server", boot, "--command-config",
                         str(props), "--list")
    tool("kafka-console-producer", "--bootstrap-server", boot, "--topic", topic,
         "--producer.config", str(props), inp="one\ntwo\nthree\n")
    out = tool("kafka-console-consumer", "--bootstrap-server", boot, "--topic", topic,
               "--consumer.config", str(props), "--from-beginning", "--max-messages", "3")
    assert sorted(out.split()) == ["one", "three", "two"]
    # kafka-log-dirs' DescribeLogDirs is a raw-protocol request: it logs in as well
    out = tool("kafka-log-dirs", "--bootstrap-server", boot, "--command-config", str(props),
               "--describe", "--topic-list", topic)
    assert '"brokers"' in out and topic in out
    # a wrong password in the file: the tool fails with a reason
    bad = tmp_path / "bad.properties"
    bad.write_text(props.read_text().replace("alice-secret", "nope"))
    r = subprocess.run([os.path.join(bin_, "kafka-topics"), "--bootstrap-server", boot,
                        "--command-config", str(bad), "--list"], capture_output=True, text=True,
                       timeout=90)
    assert r.returncode != 0


def test_kafka_configs_bootstrap_scram(secure):
    """AlterUserScramCredentials / DescribeUserScramCredentials through kafka-configs
    --bootstrap-server (its raw-protocol requests go to a PLAINTEXT listener)."""
    boot = secure.brokers[2].bootstrap
    user = "bs" + uuid.uuid4().hex[:6]

    def run(*args):
        return subprocess.run([CONFIGS, "--bootstrap-server", boot] + list(args),
                              capture_output=True, text=True, timeout=60)

    r = run("--alter", "--add-config",
            "SCRAM-SHA-512=[password=p512],SCRAM-SHA-256=[iterations=8192,password=p256]",
            "--entity-type", "users", "--entity-name", user)
    assert r.returncode == 0 and "Completed updating config for user %s." % user in r.stdout, \
        r.stdout + r.stderr
    wait_until(lambda: "SCRAM-SHA-256=iterations=8192, SCRAM-SHA-512=iterations=4096" in
               run("--describe", "--entity-type", "users", "--entity-name", user).stdout, 10,
               what="the credentials described")
    out = run("--describe", "--entity-type", "users", "--entity-name", user).stdout
    assert out.strip() == ("SCRAM credential configs for user-principal '%s' are "
                           "SCRAM-SHA-256=iterations=8192, SCRAM-SHA-512=iterations=4096" % user)
    assert kcat(secure, "-L", user=user, pw="p512").returncode == 0
    assert kcat(secure, "-L", user=user, pw="p256", mech="SCRAM-SHA-256").returncode == 0
    r = run("--alter", "--add-config", "SCRAM-SHA-256=[iterations=1024,password=x]",
            "--entity-type", "users", "--entity-name", user)
    assert r.returncode != 0 and "Iterations 1024 is less than the minimum 4096" in r.stderr
    r = run("--alter", "--delete-config", "SCRAM-SHA-256", "--entity-type", "users",
            "--entity-name", user)
    assert r.returncode == 0, r.stderr
    wait_until(lambda: run("--describe", "--entity-type", "users", "--entity-name",
                           user).stdout.strip().endswith("are SCRAM-SHA-512=iterations=4096"), 10,
               what="the deletion described")
    r = run("--alter", "--delete-config", "SCRAM-SHA-256", "--entity-type", "users",
            "--entity-name", user)
    assert r.returncode != 0 and "does not exist" in r.stderr
    # every user with credentials: admin, alice and this one
    out = run("--describe", "--entity-type", "users").stdout
    assert "user-principal 'admin' are SCRAM-SHA-512=iterations=4096" in out
    assert "user-principal '%s'" % user in out


def test_kafka_configs_scram_over_sasl_ssl(secure, tmp_path):
    """The tools' raw-protocol requests log in too: kafka-configs --bootstrap-server on the
    SASL_SSL listener with --command-config."""
    props = tmp_path / "admin.properties"
    props.write_text("security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\n"
                     "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule "
                     "required username=\"admin\" password=\"admin-secret\";\n"
                     "ssl.truststore.location=%s\n" % secure.ca)
    user = "tls" + uuid.uuid4().hex[:6]
    boot = "127.0.0.1:%d" % secure.brokers[1].ssl_port

    def run(*args, cfg=props):
        return subprocess.run([CONFIGS, "--bootstrap-server", boot, "--command-config", str(cfg)]
                              + list(args), capture_output=True, text=True, timeout=60)

    r = run("--alter", "--add-config", "SCRAM-SHA-512=[password=pw]", "--entity-type", "users",
            "--entity-name", user)
    assert r.returncode == 0, r.stdout + r.stderr
    wait_until(lambda: "'%s' are SCRAM-SHA-512=iterations=4096" % user in
               run("--describe", "--entity-type", "users", "--entity-name", user).stdout, 10,
               what="the credential described over SASL_SSL")
    bad = tmp_path / "bad.properties"
    bad.write_text(props.read_text().replace("admin-secret", "wrong"))
    r = run("--describe", "--entity-type", "users", "--entity-name", user, cfg=bad)
    assert r.returncode != 0


def test_user_quota_applies_to_the_sasl_user(secure):
    """Client quotas see the authenticated user (Kafka's quota user is the principal's name)."""
    import confluent_kafka
    user = "q" + uuid.uuid4().hex[:6]
    configs(secure.zk.connect, "--alter", "--add-config",
            "SCRAM-SHA-512=[password=qpw],producer_byte_rate=10240", "--entity-type", "users",
            "--entity-name", user)
    wait_until(lambda: all("SCRAM credentials of user %s updated" % user in b.output()
                           for b in secure.brokers.values()), 10, what="the user everywhere")
    topic = "quota-" + uuid.uuid4().hex[:8]
    secure.create_topic(topic, partitions=1, rf=3)

    def throttled(name, pw):
        events = []
        p = confluent_kafka.Producer({
            "bootstrap.servers": ssl_boot(secure), "security.protocol": "SASL_SSL",
            "ssl.ca.location": secure.ca, "sasl.mechanisms": "SCRAM-SHA-512",
            "sasl.username": name, "sasl.password": pw, "linger.ms": 200,
            "throttle_cb": lambda ev: events.append(ev.throttle_time)})
        for i in range(150):
            p.produce(topic, b"x" * 1000)
        assert p.flush(60) == 0
        p.poll(0.5)
        return max(events or [0])

    assert throttled(user, "qpw") > 0
    assert throttled("alice", "alice-secret") == 0


def test_kill_leader_over_sasl_ssl(secure):
    """kill -9 of a partition leader while an idempotent acks=all producer writes over
    SASL_SSL: the controller moves leadership (its requests go over SASL_SSL), the killed broker
    rejoins and catches up over SASL_SSL, nothing acknowledged is lost."""
    import confluent_kafka
    topic = "drill-" + uuid.uuid4().hex[:8]
    secure.create_topic(topic, partitions=1, rf=3)
    conf = {"bootstrap.servers": ssl_boot(secure), "security.protocol": "SASL_SSL",
            "ssl.ca.location": secure.ca, "sasl.mechanisms": "SCRAM-SHA-512",
            "sasl.username": "alice", "sasl.password": "alice-secret"}
    p = confluent_kafka.Producer(dict(conf, acks="all", **{"enable.idempotence": True}))
    acked = []
    p_cb = lambda err, m: acked.append(m.value()) if err is None else None  # noqa: E731
    for i in range(200):
        p.produce(topic, b"d%d" % i, on_delivery=p_cb)
    p.flush(30)
    old = secure.leader(topic, 0)
    secure.kill9(old)
    wait_until(lambda: secure.leader(topic, 0, i=[b for b in secure.brokers if b != old][0])
               not in (old, -1), 60, what="a new leader")
    for i in range(200, 400):
        p.produce(topic, b"d%d" % i, on_delivery=p_cb)
    assert p.flush(60) == 0
    secure.restart(old)
    wait_until(lambda: len(secure.partitions(topic)[0][2]) == 3, 60, what="the ISR to heal")
    c = confluent_kafka.Consumer(dict(conf, **{"group.id": "drill", "auto.offset.reset": "earliest"}))
    c.subscribe([topic])
    seen, end = set(), time.time() + 60
    while len(seen) < len(acked) and time.time() < end:
        m = c.poll(1.0)
        if m is not None and not m.error():
            seen.add(m.value())
    c.close()
    assert len(acked) == 400 and set(acked) <= seen

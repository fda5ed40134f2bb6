"""The authorizer (authorizer.class.name=kafka.security.authorizer.AclAuthorizer): kafka-acls
add/list/remove with Kafka's output and Kafka's znodes, the ACL matrix over the raw protocol,
CLUSTER_ACTION for the controller's requests, super.users, allow.everyone.if.no.acl.found,
SECURITY_DISABLED without an authorizer, and an ACL change reaching every broker of three.

How the clusters are configured: until SASL lands every connection is User:ANONYMOUS, so the
tests tell principals apart by the client's source address (127.0.0.0/8 is all loopback). The
brokers themselves, the CLI tools and librdkafka connect from 127.0.0.1, which BOOTSTRAP_ACLS
(written to ZooKeeper before the brokers start, as an operator bootstraps with
--authorizer-properties) allows everything: the inter-broker requests (ClusterAction), admin
and data. The subjects of the matrix (SUBJECTS) are ANONYMOUS from 127.0.0.2-127.0.0.5. Once
SASL sets real principals, give each Subject its principal ("User:alice") and host "*" and the
matrix reads the same. The last two tests do so for a part of it: SASL_PLAINTEXT PLAIN users
alice and bob on one host, the PLAINTEXT listener (inter-broker, the tools) a super user."""
import collections
import json
import os
import socket
import struct
import subprocess
import time

import pytest
from kazoo.client import KazooClient

from kafkabroker import ROOT, Broker, recv_frame, wait_until

BIN = os.path.join(ROOT, "bin")
AUTHZ = {"authorizer.class.name": "kafka.security.authorizer.AclAuthorizer"}

# Kafka error codes
TOPIC_AUTH, GROUP_AUTH, CLUSTER_AUTH, SECURITY_DISABLED = 29, 30, 31, 54

Subject = collections.namedtuple("Subject", "name principal host source")
# principal/host are what the ACLs name; source is where the raw client connects from
SUBJECTS = {
    "alice": Subject("alice", "User:ANONYMOUS", "127.0.0.2", "127.0.0.2"),
    "bob": Subject("bob", "User:ANONYMOUS", "127.0.0.3", "127.0.0.3"),
    "carol": Subject("carol", "User:ANONYMOUS", "127.0.0.4", "127.0.0.4"),
    "dave": Subject("dave", "User:ANONYMOUS", "127.0.0.5", "127.0.0.5"),
}

ALLOW_LOCAL = {"version": 1, "acls": [{"principal": "User:*", "permissionType": "Allow",
                                       "operation": "All", "host": "127.0.0.1"}]}
BOOTSTRAP_ACLS = {"/kafka-acl/%s/%s" % (t, n): ALLOW_LOCAL
                  for t, n in (("Cluster", "kafka-cluster"), ("Topic", "*"), ("Group", "*"),
                               ("TransactionalId", "*"))}


def run(tool, *args, input=None, timeout=60):
    return subprocess.run([os.path.join(BIN, tool)] + list(args), input=input,
                          capture_output=True, text=True, timeout=timeout)


def bootstrap_acls(zk_connect):
    """BOOTSTRAP_ACLS through kafka-acls --authorizer-properties (no broker needed), as an
    operator gives the brokers their rights before the first start."""
    for res in (("--cluster",), ("--topic", "*"), ("--group", "*"), ("--transactional-id", "*")):
        r = run("kafka-acls", "--authorizer-properties", "zookeeper.connect=" + zk_connect,
                "--add", "--allow-principal", "User:*", "--allow-host", "127.0.0.1", *res)
        assert r.returncode == 0, r.stdout + r.stderr


def write_znodes(zk_connect, nodes):
    kz = KazooClient(hosts=zk_connect, timeout=10)
    kz.start(timeout=30)
    for path, data in nodes.items():
        kz.create(path, json.dumps(data).encode(), makepath=True)
    kz.stop()


# ---- raw protocol

def s16(b):
    return struct.pack(">h", len(b)) + b


def frame(key, ver, corr, body, flexible=False):
    hdr = struct.pack(">hhi", key, ver, corr) + s16(b"acl-test") + (b"\x00" if flexible else b"")
    return struct.pack(">i", len(hdr) + len(body)) + hdr + body


class Raw:
    """A raw-protocol client from a chosen source address."""

    def __init__(self, port, source):
        self.s = socket.socket()
        self.s.settimeout(15)
        self.s.bind((source, 0))
        self.s.connect(("127.0.0.1", port))
        self.corr = 0

    def call(self, key, ver, body, flexible=False):
        self.corr += 1
        self.s.sendall(frame(key, ver, self.corr, body, flexible))
        resp = recv_frame(self.s, 15)
        assert resp is not None, "no answer to API %d" % key
        assert struct.unpack(">i", resp[:4])[0] == self.corr
        return resp[5:] if flexible else resp[4:]

    def close(self):
        self.s.close()


def produce_error(c, topic):
    """Produce v3 of one record batch to topic-0 (acks=1): the partition's error code."""
    batch = record_batch(b"v")
    body = struct.pack(">hhi", -1, 1, 10000) + struct.pack(">i", 1) + s16(topic.encode()) + \
        struct.pack(">i", 1) + struct.pack(">ii", 0, len(batch)) + batch
    r = c.call(0, 3, body)
    # topics[1]: name, parts[1]: index, error
    off = 4
    n = struct.unpack(">h", r[off:off + 2])[0]
    off += 2 + n + 4 + 4
    return struct.unpack(">h", r[off:off + 2])[0]


def _crc32c_table():
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        t.append(c)
    return t


CRC32C = _crc32c_table()


def crc32c(data):
    c = 0xffffffff
    for b in data:
        c = CRC32C[(c ^ b) & 0xff] ^ (c >> 8)
    return c ^ 0xffffffff


def record_batch(value):
    """One v2 record batch holding one record (CRC-32C over the part after the CRC field)."""
    rec_body = b"\x00" + zigzag(0) + zigzag(0) + zigzag(-1) + zigzag(len(value)) + value + zigzag(0)
    record = zigzag(len(rec_body)) + rec_body
    after_crc = struct.pack(">hiqqqhii", 0, 0, 0, 0, -1, -1, -1, 1) + record
    head = struct.pack(">qi", 0, 4 + 1 + 4 + len(after_crc)) + struct.pack(">ib", 0, 2)
    return head + struct.pack(">I", crc32c(after_crc)) + after_crc


def zigzag(v):
    v = (v << 1) ^ (v >> 63)
    out = b""
    while True:
        b = v & 0x7f
        v >>= 7
        if v:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def metadata(c, topics=None):
    """Metadata v1: {topic: error code} (topics None: all topics)."""
    body = struct.pack(">i", -1) if topics is None else \
        struct.pack(">i", len(topics)) + b"".join(s16(t.encode()) for t in topics)
    r = c.call(3, 1, body)
    off = 0
    nb = struct.unpack(">i", r[off:off + 4])[0]
    off += 4
    for _ in range(nb):
        off += 4
        hl = struct.unpack(">h", r[off:off + 2])[0]
        off += 2 + hl + 4
        rl = struct.unpack(">h", r[off:off + 2])[0]
        off += 2 + max(rl, 0)
    off += 4  # controller id
    nt = struct.unpack(">i", r[off:off + 4])[0]
    off += 4
    out = {}
    for _ in range(nt):
        err = struct.unpack(">h", r[off:off + 2])[0]
        tl = struct.unpack(">h", r[off + 2:off + 4])[0]
        name = r[off + 4:off + 4 + tl].decode()
        off += 4 + tl + 1
        np_ = struct.unpack(">i", r[off:off + 4])[0]
        off += 4
        for _ in range(np_):
            off += 2 + 4 + 4
            for _ in range(2):
                k = struct.unpack(">i", r[off:off + 4])[0]
                off += 4 + 4 * k
        out[name] = err
    return out


def fetch_error(c, topic):
    """Fetch v4 (consumer) of topic-0 from offset 0: the partition's error code."""
    body = struct.pack(">iiiib", -1, 0, 1, 1 << 20, 0) + struct.pack(">i", 1) + s16(topic.encode()) + \
        struct.pack(">i", 1) + struct.pack(">iqi", 0, 0, 1 << 20)
    r = c.call(1, 4, body)
    off = 4 + 4  # throttle, topics count
    tl = struct.unpack(">h", r[off:off + 2])[0]
    off += 2 + tl + 4 + 4
    return struct.unpack(">h", r[off:off + 2])[0]


def find_coordinator_error(c, group):
    r = c.call(10, 1, s16(group.encode()) + b"\x00")
    return struct.unpack(">h", r[4:6])[0]


def join_group_error(c, group):
    meta = b"\x00\x01" + struct.pack(">i", 0) + struct.pack(">i", -1)
    body = s16(group.encode()) + struct.pack(">ii", 10000, 10000) + s16(b"") + s16(b"consumer") + \
        struct.pack(">i", 1) + s16(b"range") + struct.pack(">i", len(meta)) + meta
    r = c.call(11, 1, body)
    return struct.unpack(">h", r[0:2])[0]


def connect(broker, who):
    return Raw(broker.port, SUBJECTS[who].source)


def kafka_acls(broker, *args, input=None):
    return run("kafka-acls", "--bootstrap-server", broker.bootstrap, *args, input=input)


def allow(broker, who, *args):
    s = SUBJECTS[who]
    r = kafka_acls(broker, "--add", "--allow-principal", s.principal, "--allow-host", s.host, *args)
    assert r.returncode == 0, r.stdout + r.stderr
    return r


def create_topics(broker, *names):
    for t in names:
        r = run("kafka-topics", "--bootstrap-server", broker.bootstrap, "--create", "--topic", t,
                "--partitions", "1", "--replication-factor", "1")
        assert r.returncode == 0, r.stdout + r.stderr


@pytest.fixture
def authz_broker(tmp_path, zk):
    bootstrap_acls(zk.connect)
    b = Broker(str(tmp_path), zk.connect, 1, overrides=AUTHZ)
    b.start()
    yield b
    b.stop()
    out = b.output()
    assert "ERROR: AddressSanitizer" not in out and "runtime error:" not in out, out[-4000:]


# ---- kafka-acls

def test_kafka_acls_add_list_remove_lines_and_znodes(authz_broker, zk):
    b = authz_broker
    r = kafka_acls(b, "--add", "--allow-principal", "User:alice", "--operation", "Write",
                   "--operation", "Read", "--topic", "A")
    assert r.returncode == 0, r.stdout + r.stderr
    pat = "ResourcePattern(resourceType=TOPIC, name=A, patternType=LITERAL)"
    w = "(principal=User:alice, host=*, operation=WRITE, permissionType=ALLOW)"
    rd = "(principal=User:alice, host=*, operation=READ, permissionType=ALLOW)"
    assert r.stdout.startswith("Adding ACLs for resource `%s`: \n \t%s\n\t%s \n\n" % (pat, w, rd)), r.stdout
    listing = r.stdout.split("\n\n", 1)[1]
    assert listing.startswith("Current ACLs for resource `%s`: \n \t" % pat), r.stdout
    assert w in listing and rd in listing
    kz = KazooClient(hosts=zk.connect, timeout=10)
    kz.start(timeout=30)
    try:
        acls = json.loads(kz.get("/kafka-acl/Topic/A")[0])
        assert acls["version"] == 1
        assert sorted(acls["acls"], key=lambda a: a["operation"]) == [
            {"principal": "User:alice", "permissionType": "Allow", "operation": "Read", "host": "*"},
            {"principal": "User:alice", "permissionType": "Allow", "operation": "Write", "host": "*"}]
        notices = sorted(kz.get_children("/kafka-acl-changes"))
        assert notices and notices[-1].startswith("acl_changes_")
        assert kz.get("/kafka-acl-changes/" + notices[-1])[0] == b"TOPIC:A"
        # prefixed: its own tree and change path
        r = kafka_acls(b, "--add", "--deny-principal", "User:bob", "--deny-host", "10.0.0.1",
                       "--operation", "Describe", "--topic", "logs-", "--resource-pattern-type",
                       "prefixed")
        assert r.returncode == 0, r.stdout + r.stderr
        assert ("Adding ACLs for resource `ResourcePattern(resourceType=TOPIC, name=logs-, "
                "patternType=PREFIXED)`: \n \t(principal=User:bob, host=10.0.0.1, "
                "operation=DESCRIBE, permissionType=DENY) \n\n") in r.stdout
        assert json.loads(kz.get("/kafka-acl-extended/prefixed/Topic/logs-")[0])["acls"] == [
            {"principal": "User:bob", "permissionType": "Deny", "operation": "Describe",
             "host": "10.0.0.1"}]
        ext = sorted(kz.get_children("/kafka-acl-extended-changes"))
        assert json.loads(kz.get("/kafka-acl-extended-changes/" + ext[-1])[0]) == {
            "version": 1, "resourceType": "TOPIC", "name": "logs-", "patternType": "PREFIXED"}
        # --list --principal, --list of everything
        r = kafka_acls(b, "--list", "--principal", "User:alice")
        assert r.stdout.startswith("ACLs for principal `User:alice`\nCurrent ACLs for resource `%s`" % pat), r.stdout
        assert "User:bob" not in r.stdout
        r = kafka_acls(b, "--list")
        assert pat in r.stdout and "patternType=PREFIXED" in r.stdout and "name=kafka-cluster" in r.stdout
        # --topic A --resource-pattern-type match lists the literal, wildcard and prefixed ones
        r = kafka_acls(b, "--list", "--topic", "logs-x", "--resource-pattern-type", "match")
        assert "name=logs-, patternType=PREFIXED" in r.stdout and "name=*, patternType=LITERAL" in r.stdout
        assert "name=A," not in r.stdout
        # without --force it asks as Kafka does; anything but "y" keeps the ACLs
        r = kafka_acls(b, "--remove", "--allow-principal", "User:alice", "--operation", "Read",
                       "--topic", "A", input="yes\n")
        assert r.stdout.startswith(
            "Are you sure you want to remove ACLs: \n \t%s \n from resource filter "
            "`ResourcePatternFilter(resourceType=TOPIC, name=A, patternType=LITERAL)`? (y/n)\n"
            % rd), r.stdout
        assert rd in r.stdout.split("(y/n)\n", 1)[1]
        # remove one entry, then the rest of the resource
        r = kafka_acls(b, "--remove", "--force", "--allow-principal", "User:alice", "--operation",
                       "Read", "--topic", "A")
        assert r.returncode == 0, r.stdout + r.stderr
        assert r.stdout == "Current ACLs for resource `%s`: \n \t%s \n\n" % (pat, w), r.stdout
        r = kafka_acls(b, "--remove", "--force", "--topic", "A")
        assert r.returncode == 0 and r.stdout == "", r.stdout + r.stderr
        assert not kz.exists("/kafka-acl/Topic/A")
        # without --force it asks, and "n" keeps everything
        r = kafka_acls(b, "--remove", "--topic", "logs-", "--resource-pattern-type", "prefixed",
                       input="n\n")
        assert "Are you sure you want to delete all ACLs for resource filter " \
               "`ResourcePatternFilter(resourceType=TOPIC, name=logs-, patternType=PREFIXED)`? (y/n)" in r.stdout
        assert kz.exists("/kafka-acl-extended/prefixed/Topic/logs-")
    finally:
        kz.stop()
    # misuse: a reason and a non-zero status
    r = kafka_acls(b, "--add", "--topic", "A")
    assert r.returncode != 0 and "--allow-principal" in r.stdout + r.stderr
    r = kafka_acls(b, "--add", "--list", "--topic", "A")
    assert r.returncode != 0
    r = kafka_acls(b, "--add", "--allow-principal", "alice", "--topic", "A")
    assert r.returncode != 0 and "principalType:principalName" in r.stdout + r.stderr


def test_kafka_acls_through_zookeeper_writes_what_the_brokers_read(zk):
    """--authorizer-properties: the same lines, Kafka's znodes (the bootstrap ACLs equal
    BOOTSTRAP_ACLS as Kafka writes them), list and remove without any broker."""
    bootstrap_acls(zk.connect)
    kz = KazooClient(hosts=zk.connect, timeout=10)
    kz.start(timeout=30)
    try:
        for path, data in BOOTSTRAP_ACLS.items():
            assert json.loads(kz.get(path)[0]) == data, path
        assert len(kz.get_children("/kafka-acl-changes")) == 4
    finally:
        kz.stop()
    zkp = ("--authorizer-properties", "zookeeper.connect=" + zk.connect)
    r = run("kafka-acls", *zkp, "--add", "--allow-principal", "User:alice", "--producer",
            "--topic", "A")
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.startswith(
        "Adding ACLs for resource `ResourcePattern(resourceType=TOPIC, name=A, "
        "patternType=LITERAL)`: \n \t(principal=User:alice, host=*, operation=WRITE, "
        "permissionType=ALLOW)\n\t(principal=User:alice, host=*, operation=DESCRIBE, "
        "permissionType=ALLOW)\n\t(principal=User:alice, host=*, operation=CREATE, "
        "permissionType=ALLOW) \n\n"), r.stdout
    r = run("kafka-acls", *zkp, "--list", "--topic", "A")
    assert r.stdout.count("principal=User:alice") == 3
    r = run("kafka-acls", *zkp, "--remove", "--force", "--topic", "A")
    assert r.returncode == 0 and r.stdout == ""
    r = run("kafka-acls", *zkp, "--list")
    assert "name=A," not in r.stdout and r.stdout.count("Current ACLs for resource") == 4
    r = run("kafka-acls", *zkp, "--bootstrap-server", "127.0.0.1:1", "--list")
    assert r.returncode != 0


def test_without_authorizer_acl_apis_answer_security_disabled(broker):
    r = kafka_acls(broker, "--list")
    assert r.returncode == 1
    assert r.stdout.strip() == ("Error while executing ACL command: org.apache.kafka.common."
                                "errors.SecurityDisabledException: No Authorizer is configured.")
    r = kafka_acls(broker, "--add", "--allow-principal", "User:a", "--topic", "t")
    assert r.returncode == 1 and "SecurityDisabledException" in r.stdout
    # and nothing is checked: a client from another address produces as before
    create_topics(broker, "open")
    c = Raw(broker.port, "127.0.0.4")
    assert produce_error(c, "open") == 0
    assert "open" in metadata(c)
    c.close()


# ---- the matrix

def grant_matrix(b):
    """alice writes and reads topic A and reads it in group g1; bob only reads (A, and every
    topic under the prefix logs-); carol has nothing; dave may do everything on topics except
    write "secret" (DENY beats ALLOW)."""
    allow(b, "alice", "--operation", "Write", "--operation", "Read", "--topic", "A")
    allow(b, "alice", "--consumer", "--topic", "A", "--group", "g1")
    allow(b, "bob", "--operation", "Read", "--topic", "A", "--group", "g1")
    allow(b, "bob", "--operation", "Read", "--topic", "logs-", "--resource-pattern-type", "prefixed")
    allow(b, "dave", "--operation", "All", "--topic", "*")
    s = SUBJECTS["dave"]
    r = kafka_acls(b, "--add", "--deny-principal", s.principal, "--deny-host", s.host,
                   "--operation", "Write", "--topic", "secret")
    assert r.returncode == 0, r.stdout + r.stderr


EXPECT = {
    # who: (produce A, fetch A, produce logs-app, fetch logs-app, produce secret, fetch secret)
    "alice": (0, 0, TOPIC_AUTH, TOPIC_AUTH, TOPIC_AUTH, TOPIC_AUTH),
    "bob": (TOPIC_AUTH, 0, TOPIC_AUTH, 0, TOPIC_AUTH, TOPIC_AUTH),
    "carol": (TOPIC_AUTH,) * 6,
    "dave": (0, 0, 0, 0, TOPIC_AUTH, 0),
}
VISIBLE = {"alice": {"A"}, "bob": {"A", "logs-app"}, "carol": set(),
           "dave": {"A", "logs-app", "secret"}}


@pytest.mark.parametrize("who", sorted(EXPECT))
def test_acl_matrix(authz_broker, who):
    b = authz_broker
    create_topics(b, "A", "logs-app", "secret")
    grant_matrix(b)
    c = connect(b, who)
    try:
        got = (produce_error(c, "A"), fetch_error(c, "A"), produce_error(c, "logs-app"),
               fetch_error(c, "logs-app"), produce_error(c, "secret"), fetch_error(c, "secret"))
        assert got == EXPECT[who]
        # Metadata hides what the principal may not describe, and names it when asked
        assert set(metadata(c)) - {"__consumer_offsets"} == VISIBLE[who]
        named = metadata(c, ["A", "secret"])
        assert named["A"] == (0 if "A" in VISIBLE[who] else TOPIC_AUTH)
        assert named["secret"] == (0 if who == "dave" else TOPIC_AUTH)
        # an unknown topic: no Describe -> TOPIC_AUTHORIZATION_FAILED and not auto-created;
        # dave's All on every topic includes Create: auto-created (LEADER_NOT_AVAILABLE)
        assert metadata(c, ["nope"])["nope"] == (5 if who == "dave" else TOPIC_AUTH)
        # groups: Read on g1 for alice and bob only
        g1 = 0 if who in ("alice", "bob") else GROUP_AUTH
        assert find_coordinator_error(c, "g1") in ((g1,) if g1 else (0, 15))
        assert join_group_error(c, "g1") in ((GROUP_AUTH,) if g1 else (0, 15, 16, 79))
        assert join_group_error(c, "g2") == GROUP_AUTH
        # OffsetCommit v2 (simple commit): Read on the group, then on each topic
        def commit(topic):
            body = s16(b"g1") + struct.pack(">i", -1) + s16(b"") + struct.pack(">q", -1) + \
                struct.pack(">i", 1) + s16(topic.encode()) + struct.pack(">iiq", 1, 0, 0) + s16(b"")
            return struct.unpack(">h", c.call(8, 2, body)[-2:])[0]
        for topic in ("A", "secret"):
            err = commit(topic)
            if g1:
                assert err == GROUP_AUTH, (topic, err)
            elif topic == "secret":
                assert err == TOPIC_AUTH
            else:
                assert err not in (GROUP_AUTH, TOPIC_AUTH), err
    finally:
        c.close()
    local = Raw(b.port, "127.0.0.1")
    if who == "dave":
        wait_until(lambda: "nope" in metadata(local), 20, what="auto-created topic nope")
    else:
        assert "nope" not in metadata(local)
    local.close()


# ---- the controller's requests

def cuvarint(n):
    return bytes([n + 1])  # compact lengths below 127


def controller_requests(epoch):
    """LeaderAndIsr v5, UpdateMetadata v7 (both empty), StopReplica v3 deleting A-0 and
    ControlledShutdown v3 of broker 1, each from a controller of the given epoch."""
    head = struct.pack(">iiq", 1, epoch, -1)
    stop = head + cuvarint(1) + cuvarint(1) + b"A" + cuvarint(1) + \
        struct.pack(">ii?", 0, 1000, True) + b"\x00" + b"\x00" + b"\x00"
    return {
        "LeaderAndIsr": (4, 5, head + b"\x00" + cuvarint(0) + cuvarint(0) + b"\x00"),
        "UpdateMetadata": (6, 7, head + cuvarint(0) + cuvarint(0) + b"\x00"),
        "StopReplica": (5, 3, stop),
        "ControlledShutdown": (7, 3, struct.pack(">iq", 1, -1) + b"\x00"),
    }


def test_controller_requests_need_cluster_action(authz_broker):
    b = authz_broker
    create_topics(b, "A")
    local = Raw(b.port, "127.0.0.1")
    assert produce_error(local, "A") == 0
    carol = connect(b, "carol")
    for name, (key, ver, body) in controller_requests(1000).items():
        r = carol.call(key, ver, body, flexible=True)
        assert struct.unpack(">h", r[:2])[0] == CLUSTER_AUTH, name
    carol.close()
    # untouched: A-0 still led here, its log and record still there, the broker not stopping
    assert metadata(local, ["A"]) == {"A": 0}
    assert fetch_error(local, "A") == 0
    assert os.path.isdir(os.path.join(b.log_dir, "A-0"))
    # the same requests from the brokers' address pass the check (and meet the epoch fence)
    for name, (key, ver, body) in controller_requests(0).items():
        if name in ("LeaderAndIsr", "UpdateMetadata"):
            r = local.call(key, ver, body, flexible=True)
            assert struct.unpack(">h", r[:2])[0] == 11, name  # STALE_CONTROLLER_EPOCH
    assert b.alive() and metadata(local, ["A"]) == {"A": 0}
    local.close()


def test_super_users_and_allow_everyone_if_no_acl_found(broker_factory):
    # super.users: every ACL is skipped for them (here every client is ANONYMOUS)
    b = broker_factory(1, dict(AUTHZ, **{"super.users": "User:admin;User:ANONYMOUS"}))
    create_topics(b, "t")
    c = connect(b, "carol")
    assert produce_error(c, "t") == 0 and "t" in metadata(c)
    c.close()
    b.stop()
    # allow.everyone.if.no.acl.found: open where no ACL exists at all, closed where one does
    b2 = broker_factory(2, dict(AUTHZ, **{"allow.everyone.if.no.acl.found": "true"}))
    create_topics(b2, "open", "guarded")
    allow(b2, "alice", "--operation", "Write", "--topic", "guarded")
    c = connect(b2, "carol")
    assert produce_error(c, "open") == 0
    assert produce_error(c, "guarded") == TOPIC_AUTH
    c.close()
    a = connect(b2, "alice")
    assert produce_error(a, "guarded") == 0
    a.close()


def test_bad_authorizer_class_stops_start_up(broker_factory):
    b = broker_factory(1, {"authorizer.class.name": "com.example.Nope"}, start=False)
    b.start(wait=False)
    wait_until(lambda: b.proc.poll() is not None, 30, what="the broker to exit")
    assert b.proc.returncode != 0
    assert "authorizer.class.name" in b.output()


def test_acl_change_reaches_every_broker_within_a_second(tmp_path):
    from cluster import Cluster
    from zkserver import ZooKeeper
    zk = ZooKeeper(str(tmp_path / "zk"))
    os.makedirs(zk.dir, exist_ok=True)
    zk.start()
    c = None
    try:
        write_znodes(zk.connect, BOOTSTRAP_ACLS)  # as Kafka's own tools would have written them
        c = Cluster(str(tmp_path), n=3, overrides=AUTHZ, zk=zk).start()
        b1 = c.brokers[1]
        create_topics(b1, "shared")
        subjects = {i: Raw(c.brokers[i].port, SUBJECTS["bob"].source) for i in c.brokers}
        for i, s in subjects.items():
            assert metadata(s, ["shared"]) == {"shared": TOPIC_AUTH}, i
        t0 = time.monotonic()
        allow(b1, "bob", "--operation", "Describe", "--topic", "shared")
        added = time.monotonic()
        seen = {}
        while len(seen) < 3 and time.monotonic() - added < 5:
            for i, s in subjects.items():
                if i not in seen and metadata(s, ["shared"]) == {"shared": 0}:
                    seen[i] = time.monotonic() - added
            time.sleep(0.02)
        assert sorted(seen) == [1, 2, 3], seen
        assert max(seen.values()) < 1.0, seen
        # and a removal likewise
        r = kafka_acls(b1, "--remove", "--force", "--topic", "shared")
        assert r.returncode == 0, r.stdout + r.stderr
        removed = time.monotonic()
        wait_until(lambda: all(metadata(s, ["shared"]) == {"shared": TOPIC_AUTH}
                               for s in subjects.values()), 1.0, what="the removal on every broker")
        assert time.monotonic() - removed < 1.5 and added - t0 < 30
        for s in subjects.values():
            s.close()
    finally:
        if c:
            c.stop()
            c.check_sanitizers()
        zk.stop()


def test_admin_apis_need_their_operations(authz_broker):
    """carol (no ACL) is refused by the admin APIs with Kafka's codes in each answer's place;
    bob with Describe on the cluster and DescribeConfigs on topic A passes those two only."""
    b = authz_broker
    create_topics(b, "A")
    allow(b, "bob", "--operation", "DescribeConfigs", "--topic", "A")
    allow(b, "bob", "--operation", "Describe", "--cluster")
    allow(b, "bob", "--operation", "Delete", "--group", "g1")
    c = connect(b, "carol")
    bob = connect(b, "bob")
    try:
        # CreateTopics v0: topics [name, partitions, rf, assignments, configs], timeout
        r = c.call(19, 0, struct.pack(">i", 1) + s16(b"newt") + struct.pack(">ihii", 1, 1, 0, 0) +
                   struct.pack(">i", 5000))
        assert struct.unpack(">h", r[4 + 2 + 4:4 + 2 + 4 + 2])[0] == TOPIC_AUTH
        # DeleteTopics v0: names, timeout -> [name, error]
        r = c.call(20, 0, struct.pack(">i", 1) + s16(b"A") + struct.pack(">i", 5000))
        assert struct.unpack(">h", r[4 + 3:4 + 5])[0] == TOPIC_AUTH
        # DescribeConfigs v0 of topic A: throttle, [error, ...]
        dc = struct.pack(">ib", 1, 2) + s16(b"A") + struct.pack(">i", -1)
        assert struct.unpack(">h", c.call(32, 0, dc)[8:10])[0] == TOPIC_AUTH
        assert struct.unpack(">h", bob.call(32, 0, dc)[8:10])[0] == 0
        # CreatePartitions v0: throttle, [name, error, message]
        r = c.call(37, 0, struct.pack(">i", 1) + s16(b"A") + struct.pack(">ii", 2, -1) +
                   struct.pack(">i?", 5000, False))
        assert struct.unpack(">h", r[8 + 3:8 + 5])[0] == TOPIC_AUTH
        # ElectLeaders v1 (every partition): throttle, error
        r = c.call(43, 1, struct.pack(">bii", 0, -1, 5000))
        assert struct.unpack(">h", r[4:6])[0] == CLUSTER_AUTH
        # OffsetDelete v0 of g1/A-0: error at the top (Delete on the group)
        od = s16(b"g1") + struct.pack(">i", 1) + s16(b"A") + struct.pack(">ii", 1, 0)
        assert struct.unpack(">h", c.call(47, 0, od)[0:2])[0] == GROUP_AUTH
        # bob may delete g1's offsets but not read A: past the group check, the coordinator's
        # own answer (no offsets topic yet: NOT_COORDINATOR 16; no group: 69), or A-0 refused
        r = bob.call(47, 0, od)
        top = struct.unpack(">h", r[0:2])[0]
        assert top in (16, 69) or (top == 0 and struct.unpack(">h", r[-2:])[0] == TOPIC_AUTH), r
        # DescribeLogDirs v3 (flexible, every topic): throttle, error
        for who, want in ((c, CLUSTER_AUTH), (bob, 0)):
            r = who.call(35, 3, b"\x00\x00", flexible=True)
            assert struct.unpack(">h", r[4:6])[0] == want
    finally:
        c.close()
        bob.close()
    local = Raw(b.port, "127.0.0.1")
    assert metadata(local) == {"A": 0}  # nothing created, deleted or grown
    # CreateAcls v1 checks each binding: a name with a NUL byte, an ANY operation, a cluster
    # not named kafka-cluster are INVALID_REQUEST (42); carol lacks Alter on the cluster
    def create(c, restype, name, op):
        body = struct.pack(">ib", 1, restype) + s16(name) + b"\x03" + s16(b"User:a") + \
            s16(b"*") + struct.pack(">bb", op, 3)
        r = c.call(30, 1, body)
        return struct.unpack(">h", r[8:10])[0]
    assert create(local, 3, b"g\x00x", 3) == 42
    assert create(local, 3, b"g", 1) == 42
    assert create(local, 4, b"other", 7) == 42
    assert create(local, 3, b"g", 3) == 0
    carol = connect(b, "carol")
    assert create(carol, 3, b"g", 3) == CLUSTER_AUTH
    carol.close()
    local.close()


def test_real_clients_work_with_the_authorizer_on(authz_broker):
    """librdkafka (confluent-kafka) from 127.0.0.1, allowed by BOOTSTRAP_ACLS: an idempotent
    producer (InitProducerId), a consumer group (FindCoordinator, Join/Sync, OffsetCommit)."""
    from confluent_kafka import Consumer, Producer
    b = authz_broker
    create_topics(b, "rc")
    p = Producer({"bootstrap.servers": b.bootstrap, "enable.idempotence": True})
    for i in range(20):
        p.produce("rc", value=b"m%d" % i)
    assert p.flush(30) == 0
    c = Consumer({"bootstrap.servers": b.bootstrap, "group.id": "rcg",
                  "auto.offset.reset": "earliest", "enable.auto.commit": False})
    c.subscribe(["rc"])
    got = []
    deadline = time.monotonic() + 60
    while len(got) < 20 and time.monotonic() < deadline:
        m = c.poll(1.0)
        if m is not None and not m.error():
            got.append(m.value())
    assert sorted(got) == sorted(b"m%d" % i for i in range(20))
    c.commit(asynchronous=False)
    c.close()


def test_transaction_apis_need_their_operations(authz_broker):
    """The transaction and SCRAM APIs over the raw protocol: carol (no ACL) is refused
    WriteTxnMarkers, DescribeUserScramCredentials (CLUSTER_AUTHORIZATION_FAILED), EndTxn,
    DescribeTransactions (TRANSACTIONAL_ID_AUTHORIZATION_FAILED) and DescribeProducers
    (TOPIC_AUTHORIZATION_FAILED); dave with Write on TransactionalId rt and topic W is refused
    AddOffsetsToTxn on his group and AddPartitionsToTxn on topic R (the rest not attempted)."""
    TXN_AUTH, NOT_ATTEMPTED = 53, 55
    b = authz_broker
    create_topics(b, "W", "R")
    allow(b, "dave", "--operation", "Write", "--transactional-id", "rt")
    allow(b, "dave", "--operation", "Write", "--topic", "W")
    c, d = connect(b, "carol"), connect(b, "dave")
    try:
        tid = s16(b"rt") + struct.pack(">qh", 7, 0)
        # EndTxn v0: txn id, pid, epoch, committed -> throttle, error
        r = c.call(26, 0, tid + b"\x01")
        assert struct.unpack(">h", r[4:6])[0] == TXN_AUTH
        # AddOffsetsToTxn v0: txn id, pid, epoch, group -> throttle, error
        r = c.call(25, 0, tid + s16(b"g"))
        assert struct.unpack(">h", r[4:6])[0] == TXN_AUTH
        r = d.call(25, 0, tid + s16(b"g"))
        assert struct.unpack(">h", r[4:6])[0] == GROUP_AUTH
        # AddPartitionsToTxn v0: txn id, pid, epoch, topics [name, [partition]]
        topics = struct.pack(">i", 2) + b"".join(s16(t) + struct.pack(">ii", 1, 0)
                                                 for t in (b"W", b"R"))
        r = d.call(24, 0, tid + topics)
        errs, off = {}, 8  # throttle, topics count
        for _ in range(2):
            n = struct.unpack(">h", r[off:off + 2])[0]
            name = r[off + 2:off + 2 + n].decode()
            off += 2 + n + 4 + 4
            errs[name] = struct.unpack(">h", r[off:off + 2])[0]
            off += 2
        assert errs == {"W": NOT_ATTEMPTED, "R": TOPIC_AUTH}, errs
        r = c.call(24, 0, tid + topics)
        assert struct.unpack(">h", r[4 + 4 + 2 + 1 + 4 + 4:][:2])[0] == TXN_AUTH
        # WriteTxnMarkers v0: [pid, epoch, commit, topics [name, [partition]], coord epoch]
        r = c.call(27, 0, struct.pack(">i", 1) + struct.pack(">qh?", 7, 0, True) +
                   struct.pack(">i", 1) + s16(b"W") + struct.pack(">ii", 1, 0) +
                   struct.pack(">i", 0))
        # markers [pid, topics [name, [index, error]]]
        assert struct.unpack(">h", r[4 + 8 + 4 + 2 + 1 + 4 + 4:][:2])[0] == CLUSTER_AUTH
        # DescribeUserScramCredentials v0 (flexible): users null -> throttle, error
        r = c.call(50, 0, b"\x00\x00", flexible=True)
        assert struct.unpack(">h", r[4:6])[0] == CLUSTER_AUTH
        # DescribeTransactions v0 (flexible): [id] -> throttle, states [error, ...]
        r = c.call(65, 0, b"\x02\x03rt\x00", flexible=True)
        assert struct.unpack(">h", r[5:7])[0] == TXN_AUTH
        # DescribeProducers v0 (flexible): topics [name, [partition]] -> throttle,
        # topics [name, partitions [index, error, ...]]
        r = c.call(61, 0, b"\x02\x02W\x02" + struct.pack(">i", 0) + b"\x00\x00", flexible=True)
        assert r[4:7] == b"\x02\x02W" and struct.unpack(">h", r[8 + 4:8 + 6])[0] == TOPIC_AUTH
    finally:
        c.close()
        d.close()


# ---- real principals (SASL_PLAINTEXT PLAIN): the PLAINTEXT listener (inter-broker, the CLI
# tools) is User:ANONYMOUS, a super user; no bootstrap ACLs, so 127.0.0.1 is no one special

PLAIN_JAAS = ('org.apache.kafka.common.security.plain.PlainLoginModule required '
              'username="admin" password="admin-secret" user_admin="admin-secret" '
              'user_alice="alice-secret" user_bob="bob-secret";')


@pytest.fixture
def sasl_authz_broker(tmp_path, zk):
    from kafkabroker import free_port
    b = Broker(str(tmp_path), zk.connect, 1, overrides=dict(AUTHZ, **{
        "super.users": "User:ANONYMOUS",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.name.sasl_plaintext.sasl.enabled.mechanisms": "PLAIN",
        "listener.name.sasl_plaintext.plain.sasl.jaas.config": PLAIN_JAAS,
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "transaction.state.log.num.partitions": "3"}))
    b.sasl_port = free_port()
    b.overrides["listeners"] = "PLAINTEXT://127.0.0.1:%d,SASL_PLAINTEXT://127.0.0.1:%d" % (
        b.port, b.sasl_port)
    b._write_config()
    b.start()
    yield b
    b.stop()
    out = b.output()
    assert "ERROR: AddressSanitizer" not in out and "runtime error:" not in out, out[-4000:]


def sasl_conf(b, user, **extra):
    return dict({"bootstrap.servers": "127.0.0.1:%d" % b.sasl_port,
                 "security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "PLAIN",
                 "sasl.username": user, "sasl.password": user + "-secret"}, **extra)


def test_sasl_principals_are_what_the_acls_name(sasl_authz_broker):
    """User:alice may write the topic, User:bob (same host, same listener) is refused it:
    librdkafka's delivery reports say TOPIC_AUTHORIZATION_FAILED."""
    from confluent_kafka import KafkaError, Producer
    b = sasl_authz_broker
    create_topics(b, "st")
    r = kafka_acls(b, "--add", "--allow-principal", "User:alice", "--operation", "Write",
                   "--operation", "Describe", "--topic", "st")
    assert r.returncode == 0, r.stdout + r.stderr
    results = {}
    for user in ("alice", "bob"):
        errs = []
        p = Producer(sasl_conf(b, user, **{"message.timeout.ms": 20000}))
        p.produce("st", value=b"from " + user.encode(),
                  on_delivery=lambda err, msg, errs=errs: errs.append(err))
        p.flush(30)
        assert len(errs) == 1, (user, errs)
        results[user] = errs[0]
    assert results["alice"] is None, results
    assert results["bob"] is not None and \
        results["bob"].code() == KafkaError.TOPIC_AUTHORIZATION_FAILED, results


def test_transactional_producer_needs_write_on_its_transactional_id(sasl_authz_broker):
    """InitProducerId and the transaction APIs with a transactional id need Write on it: bob
    without the ACL fails init_transactions with TRANSACTIONAL_ID_AUTHORIZATION_FAILED, alice
    with it commits a transaction."""
    from confluent_kafka import KafkaError, KafkaException, Producer
    b = sasl_authz_broker
    create_topics(b, "tt")
    for res in (("--topic", "tt"), ("--transactional-id", "tx-alice"),
                ("--transactional-id", "tx-bob")):
        who = "User:bob" if res[1] == "tx-bob" else "User:alice"
        op = "Describe" if res[1] == "tx-bob" else "All"
        r = kafka_acls(b, "--add", "--allow-principal", who, "--operation", op, *res)
        assert r.returncode == 0, r.stdout + r.stderr
    bob = Producer(sasl_conf(b, "bob", **{"transactional.id": "tx-bob"}))
    with pytest.raises(KafkaException) as e:
        bob.init_transactions(30)
    assert e.value.args[0].code() == KafkaError.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, e.value
    alice = Producer(sasl_conf(b, "alice", **{"transactional.id": "tx-alice"}))
    alice.init_transactions(60)
    alice.begin_transaction()
    alice.produce("tt", value=b"in a transaction")
    alice.commit_transaction(60)


def test_kafka_acls_and_kafka_transactions_log_in_with_command_config(sasl_authz_broker, tmp_path):
    """--command-config makes kafka-acls' and kafka-transactions' own protocol requests log in
    (SASL PLAIN here) and act as that principal: alice without Alter on the cluster may not add
    an ACL, with it she may; without the file the SASL port cannot be used at all."""
    from confluent_kafka import Producer
    b = sasl_authz_broker
    sasl_boot = "127.0.0.1:%d" % b.sasl_port
    alice = tmp_path / "alice.properties"
    alice.write_text("security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\n"
                     "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule "
                     "required username=\"alice\" password=\"alice-secret\";\n")
    add_bob = ["--add", "--allow-principal", "User:bob", "--operation", "Read", "--topic", "cc"]

    r = run("kafka-acls", "--bootstrap-server", sasl_boot, "--command-config", str(alice), *add_bob)
    assert r.returncode != 0 and "authoriz" in (r.stdout + r.stderr).lower(), r.stdout + r.stderr
    r = run("kafka-acls", "--bootstrap-server", sasl_boot, "--list", "--topic", "cc", timeout=90)
    assert r.returncode != 0, r.stdout + r.stderr  # no login: the SASL listener serves nothing

    allow_alice = ["--add", "--allow-principal", "User:alice", "--operation", "All"]
    for res in (("--cluster",), ("--topic", "cc"), ("--transactional-id", "tx-cc")):
        r = kafka_acls(b, *allow_alice, *res)  # as the plaintext super user
        assert r.returncode == 0, r.stdout + r.stderr
    r = run("kafka-acls", "--bootstrap-server", sasl_boot, "--command-config", str(alice), *add_bob)
    assert r.returncode == 0, r.stdout + r.stderr
    r = run("kafka-acls", "--bootstrap-server", sasl_boot, "--command-config", str(alice),
            "--list", "--topic", "cc")
    assert "(principal=User:bob, host=*, operation=READ, permissionType=ALLOW)" in r.stdout, \
        r.stdout + r.stderr

    create_topics(b, "cc")
    p = Producer(sasl_conf(b, "alice", **{"transactional.id": "tx-cc"}))
    p.init_transactions(60)
    p.begin_transaction()
    p.produce("cc", value=b"committed")
    p.commit_transaction(60)
    r = run("kafka-transactions", "--bootstrap-server", sasl_boot, "--command-config", str(alice),
            "list")
    assert r.returncode == 0 and "tx-cc" in r.stdout, r.stdout + r.stderr
    r = run("kafka-transactions", "--bootstrap-server", sasl_boot, "--command-config", str(alice),
            "describe", "--transactional-id", "tx-cc")
    assert r.returncode == 0 and "CompleteCommit" in r.stdout, r.stdout + r.stderr

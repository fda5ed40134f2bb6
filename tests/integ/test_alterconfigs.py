"""AlterConfigs (33, v0-2) and IncrementalAlterConfigs (44, v0-1) on the wire: every version
encodes and decodes, SET/DELETE/APPEND/SUBTRACT edit a topic's dynamic configs, the result is
in ZooKeeper (/config/topics/<t> and a /config/changes notice, Kafka's JSON), DescribeConfigs
shows it, errors carry Kafka's codes, and a truncated request closes only that connection."""
import json
import socket
import struct

from confluent_kafka.admin import AdminClient, ConfigResource, ConfigSource, NewTopic

from kafkabroker import wait_until

TOPIC, BROKER = 2, 4
SET, DELETE, APPEND, SUBTRACT = 0, 1, 2, 3


def uvarint(n):
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def string(s, flexible):
    if s is None:
        return uvarint(0) if flexible else struct.pack(">h", -1)
    b = s.encode()
    return (uvarint(len(b) + 1) if flexible else struct.pack(">h", len(b))) + b


def array_len(n, flexible):
    return uvarint(n + 1) if flexible else struct.pack(">i", n)


def alter_body(resources, incremental, flexible, validate_only=False):
    """resources: [(type, name, [(key, op, value)])]"""
    tags = b"\x00" if flexible else b""
    out = array_len(len(resources), flexible)
    for rtype, name, configs in resources:
        out += struct.pack(">b", rtype) + string(name, flexible) + array_len(len(configs), flexible)
        for key, op, value in configs:
            out += string(key, flexible)
            if incremental:
                out += struct.pack(">b", op)
            out += string(value, flexible) + tags
        out += tags
    return out + struct.pack(">?", validate_only) + tags


def request(port, api_key, version, body, flexible):
    hdr = struct.pack(">hhih", api_key, version, 77, 4) + b"test" + (b"\x00" if flexible else b"")
    msg = hdr + body
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(struct.pack(">i", len(msg)) + msg)
        buf = b""
        while len(buf) < 4 or len(buf) < 4 + struct.unpack(">i", buf[:4])[0]:
            c = s.recv(65536)
            assert c, "connection closed"
            buf += c
    return buf[4:]


class Reader:
    def __init__(self, b, flexible):
        self.b, self.p, self.f = b, 0, flexible

    def take(self, fmt):
        v = struct.unpack_from(fmt, self.b, self.p)[0]
        self.p += struct.calcsize(fmt)
        return v

    def uvarint(self):
        shift = n = 0
        while True:
            c = self.b[self.p]
            self.p += 1
            n |= (c & 0x7F) << shift
            shift += 7
            if not c & 0x80:
                return n

    def string(self):
        n = self.uvarint() - 1 if self.f else self.take(">h")
        if n < 0:
            return None
        s = self.b[self.p:self.p + n].decode()
        self.p += n
        return s

    def array(self):
        return self.uvarint() - 1 if self.f else self.take(">i")

    def tags(self):
        if self.f:
            for _ in range(self.uvarint()):
                self.uvarint()
                self.p += self.uvarint()


def alter(port, resources, incremental=True, version=1, validate_only=False):
    flexible = version >= (1 if incremental else 2)
    body = alter_body(resources, incremental, flexible, validate_only)
    resp = request(port, 44 if incremental else 33, version, body, flexible)
    r = Reader(resp, flexible)
    assert r.take(">i") == 77  # correlation id
    r.tags()  # response header v1 for flexible versions
    r.take(">i")  # throttle
    out = []
    for _ in range(r.array()):
        err, msg, rtype, name = r.take(">h"), r.string(), r.take(">b"), r.string()
        r.tags()
        out.append((rtype, name, err, msg))
    r.tags()
    assert r.p == len(resp), "trailing bytes in the response"
    return out


def dynamic_configs(admin, topic):
    res = admin.describe_configs([ConfigResource("topic", topic)])
    entries = list(res.values())[0].result(30)
    return {k: e.value for k, e in entries.items()
            if e.source == ConfigSource.DYNAMIC_TOPIC_CONFIG.value}


def make_topic(broker, name):
    a = AdminClient({"bootstrap.servers": broker.bootstrap})
    a.create_topics([NewTopic(name, 1, 1)])[name].result(30)
    wait_until(lambda: name in a.list_topics(timeout=5).topics, 30)
    return a


def test_incremental_set_append_subtract_delete_every_version(zk, broker):
    a = make_topic(broker, "iac")
    r = alter(broker.port, [(TOPIC, "iac", [("retention.ms", SET, "1234"),
                                            ("cleanup.policy", APPEND, "compact")])], version=1)
    assert r == [(TOPIC, "iac", 0, None)]
    assert dynamic_configs(a, "iac") == {"retention.ms": "1234", "cleanup.policy": "delete,compact"}
    znode = json.loads(zk.cli_get("/config/topics/iac"))
    assert znode == {"version": 1, "config": {"retention.ms": "1234",
                                              "cleanup.policy": "delete,compact"}}
    changes = zk.cli("ls", "/config/changes")
    seqs = sorted(w.strip("[],") for w in changes.split() if w.strip("[],").startswith("config_change_"))
    assert seqs and all(len(s) == len("config_change_") + 10 for s in seqs)
    notice = json.loads(zk.cli_get("/config/changes/" + seqs[-1]))
    assert notice == {"version": 2, "entity_path": "topics/iac"}

    r = alter(broker.port, [(TOPIC, "iac", [("retention.ms", DELETE, None),
                                            ("cleanup.policy", SUBTRACT, "delete")])], version=0)
    assert r == [(TOPIC, "iac", 0, None)]
    assert dynamic_configs(a, "iac") == {"cleanup.policy": "compact"}

    # validate_only changes nothing
    r = alter(broker.port, [(TOPIC, "iac", [("segment.ms", SET, "100000")])], validate_only=True)
    assert r == [(TOPIC, "iac", 0, None)]
    assert dynamic_configs(a, "iac") == {"cleanup.policy": "compact"}


def test_alter_configs_replaces_the_set_every_version(broker):
    a = make_topic(broker, "ac")
    for version in (0, 1, 2):
        value = str(100000 + version)
        r = alter(broker.port, [(TOPIC, "ac", [("segment.ms", SET, value), ("retention.ms", SET, value)])],
                  incremental=False, version=version)
        assert r == [(TOPIC, "ac", 0, None)], version
        assert dynamic_configs(a, "ac") == {"segment.ms": value, "retention.ms": value}
    # the whole set is replaced: what is not sent is gone
    r = alter(broker.port, [(TOPIC, "ac", [("retention.ms", SET, "5000")])], incremental=False,
              version=2)
    assert r == [(TOPIC, "ac", 0, None)]
    assert dynamic_configs(a, "ac") == {"retention.ms": "5000"}


def test_errors_are_kafkas(broker):
    make_topic(broker, "errs")
    p = broker.port
    r = alter(p, [(TOPIC, "errs", [("retention.ms", APPEND, "1")])])
    assert r == [(TOPIC, "errs", 40, "Config value append is not allowed for config key: retention.ms")]
    r = alter(p, [(TOPIC, "errs", [("retention.ms", SET, "x")])])
    assert r[0][2] == 40 and "retention.ms" in r[0][3]
    r = alter(p, [(TOPIC, "errs", [("no.such.config", SET, "1")])])
    assert r == [(TOPIC, "errs", 40, "Unknown topic config name: no.such.config")]
    r = alter(p, [(TOPIC, "errs", [("retention.ms", SET, "1"), ("retention.ms", SET, "2")])])
    assert r == [(TOPIC, "errs", 42, "Error due to duplicate config keys")]
    r = alter(p, [(TOPIC, "nope", [("retention.ms", SET, "1")])])
    assert r == [(TOPIC, "nope", 3, "Topic nope does not exist.")]
    # brokers apply no dynamic config: setting one is refused, deleting is a no-op
    r = alter(p, [(BROKER, "1", [("log.retention.ms", SET, "1000")])])
    assert r[0][2] == 42 and "Cannot update these configs dynamically: Set(log.retention.ms)" in r[0][3]
    assert alter(p, [(BROKER, "1", [("log.retention.ms", DELETE, None)])]) == [(BROKER, "1", 0, None)]
    assert alter(p, [(BROKER, "7", [])])[0][2] == 42  # another broker's id
    assert alter(p, [(9, "x", [])])[0][2] == 42  # unknown resource type
    # several resources: each its own answer, in order
    r = alter(p, [(TOPIC, "errs", [("retention.ms", SET, "9")]), (TOPIC, "nope", [])])
    assert [(x[1], x[2]) for x in r] == [("errs", 0), ("nope", 3)]


def test_truncated_request_closes_only_that_connection(broker):
    make_topic(broker, "trunc")
    body = alter_body([(TOPIC, "trunc", [("retention.ms", SET, "1")])], True, True)
    hdr = struct.pack(">hhih", 44, 1, 5, 1) + b"t\x00"
    msg = hdr + body[:-6]
    with socket.create_connection(("127.0.0.1", broker.port), timeout=10) as s:
        s.sendall(struct.pack(">i", len(msg)) + msg)
        assert s.recv(100) == b""  # closed, no answer
    assert alter(broker.port, [(TOPIC, "trunc", [("retention.ms", SET, "2")])])[0][2] == 0


def test_api_versions_advertises_both(broker):
    resp = request(broker.port, 18, 0, b"", False)
    r = Reader(resp, False)
    r.take(">i")
    assert r.take(">h") == 0
    ranges = {}
    for _ in range(r.take(">i")):
        k, lo, hi = r.take(">h"), r.take(">h"), r.take(">h")
        ranges[k] = (lo, hi)
    assert ranges[33] == (0, 2) and ranges[44] == (0, 1)

"""kcat against one broker: metadata, auto-created topics, every compression codec, keys,
byte-identical round trips in order per partition (values 100 B to 100 KB), values over
message.max.bytes refused by the broker."""
import json
import random
import string
import subprocess

import pytest

from kafkabroker import wait_until

KCAT = "kcat"


def kcat(*args, input=None, timeout=60):
    r = subprocess.run([KCAT] + list(args), input=input, capture_output=True, timeout=timeout)
    return r


def test_metadata_lists_broker_and_controller(broker):
    r = kcat("-b", broker.bootstrap, "-L", "-J")
    assert r.returncode == 0, r.stderr
    md = json.loads(r.stdout)
    assert [b["id"] for b in md["brokers"]] == [1]
    assert md["brokers"][0]["name"] == broker.bootstrap
    assert md["controllerid"] == 1


def test_produce_autocreates_topic_and_lists_it(broker):
    r = kcat("-b", broker.bootstrap, "-P", "-t", "auto_topic", input=b"hello\n")
    assert r.returncode == 0, r.stderr
    md = json.loads(kcat("-b", broker.bootstrap, "-L", "-J", "-t", "auto_topic").stdout)
    t = [t for t in md["topics"] if t["topic"] == "auto_topic"][0]
    assert len(t["partitions"]) == 1
    assert t["partitions"][0]["leader"] == 1
    out = kcat("-b", broker.bootstrap, "-C", "-t", "auto_topic", "-e", "-f", "%s\n").stdout
    assert out == b"hello\n"


@pytest.mark.parametrize("codec", ["none", "gzip", "snappy", "lz4", "zstd"])
def test_keyed_roundtrip_each_codec(broker_factory, codec):
    b = broker_factory(overrides={"num.partitions": "3"})
    topic = "codec_" + codec
    rnd = random.Random(codec)
    lines = []
    for i in range(3000):
        key = "key%d" % rnd.randrange(50)
        size = rnd.randrange(100, 100_000) if i % 100 == 7 else rnd.randrange(100, 1000)
        val = "%06d-" % i + "".join(rnd.choices(string.ascii_letters, k=size - 7))
        lines.append((key, val))
    data = "".join("%s:%s\n" % kv for kv in lines).encode()
    r = kcat("-b", b.bootstrap, "-P", "-t", topic, "-K:", "-z", codec, "-X", "linger.ms=20", input=data)
    assert r.returncode == 0, r.stderr
    out = kcat("-b", b.bootstrap, "-C", "-t", topic, "-e", "-f", "%p|%o|%k|%s\n").stdout.decode()
    got = [l.split("|", 3) for l in out.splitlines()]
    assert len(got) == len(lines)
    # same multiset of messages, byte-identical
    assert sorted((k, v) for _, _, k, v in got) == sorted(lines)
    # per partition: offsets 0..n-1 in order, and each key's values in production order
    by_part = {}
    for p, o, k, v in got:
        by_part.setdefault(p, []).append((int(o), k, v))
    assert len(by_part) == 3
    for p, msgs in by_part.items():
        assert [o for o, _, _ in msgs] == list(range(len(msgs)))
    key_part = {}
    for p, _, k, _ in got:
        assert key_part.setdefault(k, p) == p, "a key landed in two partitions"
    for k in set(k for k, _ in lines):
        produced = [v for kk, v in lines if kk == k]
        consumed = [v for _, _, kk, v in sorted(((int(o), p, k2, v) for p, o, k2, v in got)) if kk == k]
        assert consumed == produced


def test_value_over_message_max_bytes_is_refused_by_the_broker(broker):
    # The client's own limit is raised so the 1.5 MB value reaches the broker, whose
    # message.max.bytes (1048588) refuses it with MESSAGE_TOO_LARGE; the small ones land.
    big = "B" * 1_500_000
    data = ("k1:small-1\nk2:%s\nk3:small-2\n" % big).encode()
    r = kcat("-b", broker.bootstrap, "-P", "-t", "big_kcat", "-K:", "-X", "message.max.bytes=4000000",
             "-X", "batch.num.messages=1", "-X", "max.in.flight=1", input=data)
    err = r.stderr.decode()
    assert "Message size too large" in err, err
    assert err.count("Message size too large") == 1, err
    out = kcat("-b", broker.bootstrap, "-C", "-t", "big_kcat", "-e", "-f", "%k=%s\n").stdout
    assert out == b"k1=small-1\nk3=small-2\n"

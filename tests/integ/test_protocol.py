"""Raw protocol checks that clients do not expose directly: Fetch waits for min_bytes up to
max_wait_ms without spinning and wakes early on an append; DescribeCluster v0/v1;
CreatePartitions through the admin client."""
import os
import socket
import struct
import threading
import time

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewPartitions, NewTopic

import kafkabroker
from kafkabroker import wait_until


def frame(api_key, version, corr, body, flexible=False):
    hdr = struct.pack(">hhih", api_key, version, corr, 1) + b"t"
    if flexible:
        hdr += b"\x00"
    msg = hdr + body
    return struct.pack(">i", len(msg)) + msg


def recv_frame(s):
    r = kafkabroker.recv_frame(s)
    assert r is not None, "connection closed"
    return r


def fetch_v4(topic, partition, offset, max_wait, min_bytes):
    t = topic.encode()
    body = struct.pack(">iiiib", -1, max_wait, min_bytes, 1 << 20, 0)
    body += struct.pack(">i", 1) + struct.pack(">h", len(t)) + t
    body += struct.pack(">i", 1) + struct.pack(">iqi", partition, offset, 1 << 20)
    return frame(1, 4, 5, body)


def cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def test_fetch_waits_without_spinning_and_wakes_on_append(broker):
    a = AdminClient({"bootstrap.servers": broker.bootstrap})
    a.create_topics([NewTopic("fw", 1, 1)])["fw"].result(30)
    s = socket.create_connection(("127.0.0.1", broker.port), timeout=30)
    # empty partition, min_bytes 1, max_wait 1500 ms: the answer comes after ~1.5 s
    before = cpu_ticks(broker.proc.pid)
    t0 = time.monotonic()
    s.sendall(fetch_v4("fw", 0, 0, 1500, 1))
    resp = recv_frame(s)
    waited = time.monotonic() - t0
    used = cpu_ticks(broker.proc.pid) - before
    assert 1.3 <= waited < 5, waited
    assert used <= 20, "broker used %d ticks of CPU while a fetch waited" % used  # no busy loop
    assert struct.unpack(">i", resp[:4])[0] == 5
    # a produce during the wait completes the fetch early, with the data
    p = Producer({"bootstrap.servers": broker.bootstrap})
    threading.Timer(0.3, lambda: (p.produce("fw", value=b"wake", partition=0), p.flush(10))).start()
    t0 = time.monotonic()
    s.sendall(fetch_v4("fw", 0, 0, 10000, 1))
    resp = recv_frame(s)
    assert time.monotonic() - t0 < 5
    assert b"wake" in resp
    s.close()


def test_describe_cluster_v0_v1(broker):
    s = socket.create_connection(("127.0.0.1", broker.port), timeout=30)
    for ver, body in ((0, b"\x00\x00"), (1, b"\x00\x01\x00")):
        s.sendall(frame(60, ver, 9, body, flexible=True))
        r = recv_frame(s)
        corr = struct.unpack(">i", r[:4])[0]
        assert corr == 9 and r[4] == 0  # response header v1: empty tags
        throttle, err = struct.unpack(">ih", r[5:11])
        assert err == 0
        assert ("127.0.0.1").encode() in r and struct.pack(">i", broker.port) in r
    s.close()


def test_create_partitions(broker):
    a = AdminClient({"bootstrap.servers": broker.bootstrap})
    a.create_topics([NewTopic("grow", 2, 1)])["grow"].result(30)
    a.create_partitions([NewPartitions("grow", 5)])["grow"].result(30)
    wait_until(lambda: len(a.list_topics(timeout=10).topics["grow"].partitions) == 5, 30,
               what="5 partitions")
    fs = a.create_partitions([NewPartitions("grow", 3)])
    try:
        fs["grow"].result(30)
        raise AssertionError("shrinking partitions must fail")
    except Exception as e:
        assert "INVALID_PARTITIONS" in str(e) or "partitions" in str(e).lower()
    assert os.path.isdir(os.path.join(broker.log_dir, "grow-4"))

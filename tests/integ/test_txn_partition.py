"""Transactions, the partition side (KIP-98), driven by raw protocol as a transaction
coordinator would: transactional batches by Produce, then WriteTxnMarkers COMMIT/ABORT.
read_committed Fetch stops at the last stable offset while a transaction is open and lists the
aborted transactions; ListOffsets under read_committed answers the LSO; confluent-kafka's
read_committed consumer skips aborted records; kill -9 and leader failover keep the LSO and
the aborted transaction index (.txnindex)."""
import glob
import os
import socket
import struct
import subprocess

from confluent_kafka.admin import AdminClient, NewTopic
from kafka.record.default_records import DefaultRecordBatchBuilder

import kafkabroker
from cluster import Cluster
from kafkabroker import wait_until
from txnread import read_values

BIN = os.path.join(os.path.dirname(__file__), "..", "..", "bin")


def s16(b):
    return struct.pack(">h", len(b)) + b


class Raw:
    """One connection speaking the few requests these tests need (non-flexible versions)."""

    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.corr = 0

    def close(self):
        self.s.close()

    def call(self, key, ver, body, flex=False):
        """flex: request header v2 and response header v1 (tagged fields)."""
        self.corr += 1
        hdr = struct.pack(">hhi", key, ver, self.corr) + s16(b"txnpart") + (b"\x00" if flex else b"")
        msg = hdr + body
        self.s.sendall(struct.pack(">i", len(msg)) + msg)
        r = kafkabroker.recv_frame(self.s, 30)
        assert r is not None, "connection closed"
        assert struct.unpack(">i", r[:4])[0] == self.corr
        r = Reader(r[4:])
        if flex:
            r.u8()
        return r

    def init_producer_id(self):
        r = self.call(22, 0, struct.pack(">hi", -1, 60000))
        r.i32()
        assert r.i16() == 0
        return r.i64(), r.i16()

    def produce(self, topic, part, records, acks=-1):
        body = struct.pack(">hhi", -1, acks, 30000) + struct.pack(">i", 1) + s16(topic.encode())
        body += struct.pack(">iii", 1, part, len(records)) + records
        r = self.call(0, 3, body)
        r.i32()
        r.str()
        r.i32()
        r.i32()
        err, base = r.i16(), r.i64()
        return err, base

    def markers(self, pid, epoch, commit, topic, parts, coord_epoch=0, ver=0):
        """WriteTxnMarkers: {partition: error}."""
        t = topic.encode()
        if ver == 0:
            body = struct.pack(">i", 1) + struct.pack(">qh?", pid, epoch, commit)
            body += struct.pack(">i", 1) + s16(t) + struct.pack(">i", len(parts))
            body += b"".join(struct.pack(">i", p) for p in parts) + struct.pack(">i", coord_epoch)
        else:  # flexible: compact arrays and strings, tagged fields
            body = bytes([2]) + struct.pack(">qh?", pid, epoch, commit)
            body += bytes([2, len(t) + 1]) + t + bytes([len(parts) + 1])
            body += b"".join(struct.pack(">i", p) for p in parts) + b"\x00"
            body += struct.pack(">i", coord_epoch) + b"\x00\x00"
        r = self.call(27, ver, body, flex=ver >= 1)
        out = {}
        assert r.arr(ver) == 1
        assert r.i64() == pid
        assert r.arr(ver) == 1
        assert r.str(ver) == topic
        for _ in range(r.arr(ver)):
            p, e = r.i32(), r.i16()
            out[p] = e
            if ver:
                r.u8()
        return out

    def fetch(self, topic, part, offset, isolation):
        """Fetch v4: (error, hw, lso, aborted [(pid, first)] or None, records bytes)."""
        body = struct.pack(">iiiib", -1, 0, 0, 1 << 20, isolation) + struct.pack(">i", 1)
        body += s16(topic.encode()) + struct.pack(">i", 1) + struct.pack(">iqi", part, offset, 1 << 20)
        r = self.call(1, 4, body)
        r.i32()
        assert r.i32() == 1
        r.str()
        assert r.i32() == 1
        r.i32()
        err, hw, lso = r.i16(), r.i64(), r.i64()
        n = r.i32()
        aborted = None if n < 0 else [(r.i64(), r.i64()) for _ in range(n)]
        recs = r.bytes()
        return err, hw, lso, aborted, recs

    def latest(self, topic, part, isolation):
        body = struct.pack(">ib", -1, isolation) + struct.pack(">i", 1) + s16(topic.encode())
        body += struct.pack(">i", 1) + struct.pack(">iq", part, -1)
        r = self.call(2, 2, body)
        r.i32()
        r.i32()
        r.str()
        r.i32()
        r.i32()
        assert r.i16() == 0
        r.i64()
        return r.i64()


class Reader:
    def __init__(self, b):
        self.b, self.o = b, 0

    def take(self, fmt):
        v = struct.unpack_from(fmt, self.b, self.o)[0]
        self.o += struct.calcsize(fmt)
        return v

    def u8(self):
        return self.take(">B")

    def i16(self):
        return self.take(">h")

    def i32(self):
        return self.take(">i")

    def i64(self):
        return self.take(">q")

    def uvarint(self):
        v, shift = 0, 0
        while True:
            c = self.u8()
            v |= (c & 0x7F) << shift
            shift += 7
            if not c & 0x80:
                return v

    def arr(self, flexible=False):
        return self.uvarint() - 1 if flexible else self.i32()

    def str(self, flexible=False):
        n = self.uvarint() - 1 if flexible else self.i16()
        v = self.b[self.o:self.o + n].decode()
        self.o += n
        return v

    def bytes(self):
        n = self.i32()
        if n < 0:
            return None
        v = self.b[self.o:self.o + n]
        self.o += n
        return v


def one_partition(r, part):
    """A flexible response's throttle time, its one topic and that topic's one partition."""
    r.i32()
    assert r.arr(True) == 1
    r.str(True)
    assert r.arr(True) == 1
    assert r.i32() == part


def txn_batch(pid, epoch, seq, values, transactional=True):
    b = DefaultRecordBatchBuilder(magic=2, compression_type=0, is_transactional=transactional,
                                  producer_id=pid, producer_epoch=epoch, base_sequence=seq,
                                  batch_size=1 << 20)
    for i, v in enumerate(values):
        b.append(i, timestamp=None, key=None, value=v, headers=[])
    return bytes(b.build())


def create(bootstrap, topic, parts=1, rf=1):
    a = AdminClient({"bootstrap.servers": bootstrap})
    a.create_topics([NewTopic(topic, parts, rf)])[topic].result(30)


def wait_leader(port, topic, part=0):
    c = Raw(port)
    try:
        def ok():
            err, *_ = c.fetch(topic, part, 0, 0)
            return err == 0
        wait_until(ok, 30, what="a leader for %s-%d" % (topic, part))
    finally:
        c.close()


def open_and_abort(c, topic, pid, epoch):
    """Offsets 0-2 committed (marker 3), 4-5 aborted (marker 6), 7-8 open."""
    assert c.produce(topic, 0, txn_batch(pid, epoch, 0, [b"c0", b"c1", b"c2"])) == (0, 0)
    assert c.fetch(topic, 0, 0, 1)[2] == 0  # LSO at the open transaction's first offset
    assert c.markers(pid, epoch, True, topic, [0]) == {0: 0}
    assert c.produce(topic, 0, txn_batch(pid, epoch, 3, [b"a0", b"a1"])) == (0, 4)
    assert c.markers(pid, epoch, False, topic, [0], ver=1) == {0: 0}
    assert c.produce(topic, 0, txn_batch(pid, epoch, 5, [b"o0", b"o1"])) == (0, 7)


def test_read_committed_fetch_listoffsets_and_consumers(broker):
    create(broker.bootstrap, "tx")
    wait_leader(broker.port, "tx")
    c = Raw(broker.port)
    pid, epoch = c.init_producer_id()
    assert c.produce("tx", 0, txn_batch(pid, epoch, 0, [b"c0", b"c1", b"c2"])) == (0, 0)
    # open: read_committed sees nothing, read_uncommitted everything
    err, hw, lso, aborted, recs = c.fetch("tx", 0, 0, 1)
    assert (err, hw, lso, aborted) == (0, 3, 0, []) and recs == b""
    err, hw, lso, aborted, recs = c.fetch("tx", 0, 0, 0)
    assert (hw, lso, aborted) == (3, 0, None) and b"c2" in recs
    assert c.latest("tx", 0, 1) == 0 and c.latest("tx", 0, 0) == 3
    # errors: an unknown partition, an older producer epoch
    assert c.markers(pid, epoch, True, "nosuch", [0]) == {0: 3}
    assert c.markers(pid, epoch - 1 if epoch > 0 else -1, True, "tx", [0]) == {0: 47}
    assert c.markers(pid, epoch, True, "tx", [0]) == {0: 0}
    err, hw, lso, aborted, recs = c.fetch("tx", 0, 0, 1)
    assert (hw, lso, aborted) == (4, 4, []) and b"c2" in recs
    assert c.latest("tx", 0, 1) == 4
    # an aborted transaction, then an open one
    assert c.produce("tx", 0, txn_batch(pid, epoch, 3, [b"a0", b"a1"])) == (0, 4)
    assert c.fetch("tx", 0, 0, 1)[2] == 4
    assert c.markers(pid, epoch, False, "tx", [0], ver=1) == {0: 0}
    err, hw, lso, aborted, recs = c.fetch("tx", 0, 0, 1)
    assert (hw, lso, aborted) == (7, 7, [(pid, 4)]) and b"a1" in recs
    assert c.fetch("tx", 0, 7, 1)[3] == []  # nothing aborted from 7 on
    assert c.produce("tx", 0, txn_batch(pid, epoch, 5, [b"o0", b"o1"])) == (0, 7)
    assert c.fetch("tx", 0, 0, 1)[2] == 7 and c.latest("tx", 0, 1) == 7
    # a client may not write markers by Produce
    from kafka.record.default_records import DefaultRecordBatchBuilder as B
    ctrl = B(magic=2, compression_type=0, is_transactional=True, producer_id=pid,
             producer_epoch=epoch, base_sequence=-1, batch_size=1 << 20)
    ctrl.append(0, timestamp=None, key=b"\x00\x00\x00\x01", value=b"\x00\x00\x00\x00\x00\x00",
                headers=[])
    raw = bytearray(ctrl.build())
    raw[22] |= 0x20  # control bit, CRC recomputed below
    from kafka.record.util import calc_crc32c
    struct.pack_into(">I", raw, 17, calc_crc32c(bytes(raw[21:])))
    assert c.produce("tx", 0, bytes(raw))[0] == 2  # CORRUPT_MESSAGE (INVALID_RECORD from v8)
    c.close()
    # real clients: read_committed skips the aborted records and stops at the open txn
    assert read_values(broker.bootstrap, "tx", "read_committed", 3, timeout=40,
                       linger=2) == [b"c0", b"c1", b"c2"]
    got = read_values(broker.bootstrap, "tx", "read_uncommitted", 7, timeout=40, linger=2)
    assert got == [b"c0", b"c1", b"c2", b"a0", b"a1", b"o0", b"o1"]
    # kafka-console-consumer --isolation-level, Kafka's option
    def console(*extra):
        return subprocess.run([os.path.join(BIN, "kafka-console-consumer"), "--bootstrap-server",
                               broker.bootstrap, "--topic", "tx", "--from-beginning",
                               "--timeout-ms", "4000"] + list(extra),
                              capture_output=True, text=True, timeout=60)
    r = console("--isolation-level", "read_committed")  # until the timeout: nothing more
    assert r.returncode == 0 and r.stdout.split() == ["c0", "c1", "c2"], r.stderr
    r = console("--isolation-level", "read_uncommitted", "--max-messages", "7")
    assert r.returncode == 0 and r.stdout.split() == ["c0", "c1", "c2", "a0", "a1", "o0", "o1"]
    r = console("--isolation-level", "committed")
    assert r.returncode != 0 and "isolation.level" in r.stderr
    # the abort is in the segment's .txnindex: one 34-byte entry
    idx = glob.glob(os.path.join(broker.log_dir, "tx-0", "*.txnindex"))
    assert [os.path.getsize(p) for p in idx] == [34]
    with open(idx[0], "rb") as f:
        ver, p, first, last, lso = struct.unpack(">hqqqq", f.read())
    assert (ver, p, first, last, lso) == (0, pid, 4, 6, 7)


def test_kill9_rebuilds_lso_and_txnindex(broker_factory):
    b = broker_factory()
    create(b.bootstrap, "tk")
    wait_leader(b.port, "tk")
    c = Raw(b.port)
    pid, epoch = c.init_producer_id()
    open_and_abort(c, "tk", pid, epoch)
    before = c.fetch("tk", 0, 0, 1)
    assert before[2] == 7 and before[3] == [(pid, 4)]
    c.close()
    idx = glob.glob(os.path.join(b.log_dir, "tk-0", "*.txnindex"))
    assert len(idx) == 1
    os.unlink(idx[0])  # lost: recovery of the unflushed segment must rebuild it from the log
    b.kill9()
    b.start()
    wait_leader(b.port, "tk")
    c = Raw(b.port)
    after = c.fetch("tk", 0, 0, 1)
    assert after[1:] == before[1:]
    assert c.latest("tk", 0, 1) == 7
    with open(idx[0], "rb") as f:
        assert struct.unpack(">hqqqq", f.read()) == (0, pid, 4, 6, 7)
    # the open transaction still holds the LSO; its commit releases it
    assert c.markers(pid, epoch, True, "tk", [0]) == {0: 0}
    assert c.fetch("tk", 0, 0, 1)[2] == 10
    c.close()
    assert read_values(b.bootstrap, "tk", "read_committed", 5, timeout=40,
                       linger=2) == [b"c0", b"c1", b"c2", b"o0", b"o1"]


def test_new_leader_keeps_lso_and_aborted_list(tmp_path):
    cl = Cluster(str(tmp_path), 3, overrides={"min.insync.replicas": "2"}).start()
    try:
        create(cl.bootstrap, "tr", 1, 3)
        state = {}

        def led():
            try:
                state.update(cl.zk_state("tr", 0))
                return state.get("leader", -1) > 0 and len(state["isr"]) == 3
            except Exception:
                return False
        wait_until(led, 30, what="tr-0 with a leader and 3 in-sync replicas")
        leader = state["leader"]
        c = Raw(cl.brokers[leader].port)
        wait_leader(cl.brokers[leader].port, "tr")
        pid, epoch = c.init_producer_id()
        open_and_abort(c, "tr", pid, epoch)
        before = c.fetch("tr", 0, 0, 1)
        c.close()
        cl.kill9(leader)

        def moved():
            try:
                st = cl.zk_state("tr", 0)
                return st["leader"] not in (-1, leader) and st
            except Exception:
                return False
        wait_until(moved, 40, what="a new leader for tr-0")
        new = cl.zk_state("tr", 0)["leader"]
        c = Raw(cl.brokers[new].port)
        wait_leader(cl.brokers[new].port, "tr")
        wait_until(lambda: c.fetch("tr", 0, 0, 1)[1] == 9, 30, what="the new leader's HW")
        after = c.fetch("tr", 0, 0, 1)
        assert after[2:4] == (7, [(pid, 4)]) and after[2:] == before[2:]
        # the new leader ends the transaction it learnt of by replication
        assert c.markers(pid, epoch, False, "tr", [0]) == {0: 0}
        assert c.fetch("tr", 0, 0, 1)[2:4] == (10, [(pid, 4), (pid, 7)])
        c.close()
    finally:
        cl.stop()
    cl.check_sanitizers()


# ---------------------------------------------------------------- TxnOffsetCommit

def cstr(b):
    return bytes([len(b) + 1]) + b


def txn_commit(c, group, pid, epoch, topic, part, offset, gen=-1, member=b""):
    """TxnOffsetCommit v3 (flexible): the partition's error."""
    body = cstr(b"tid") + cstr(group) + struct.pack(">qhi", pid, epoch, gen) + cstr(member)
    body += b"\x00"  # group instance id: null
    body += bytes([2]) + cstr(topic.encode()) + bytes([2])
    body += struct.pack(">iqi", part, offset, -1) + cstr(b"") + b"\x00" + b"\x00" + b"\x00"
    r = c.call(28, 3, body, flex=True)
    one_partition(r, part)
    return r.i16()


def offset_fetch(c, group, topic, part, require_stable):
    """OffsetFetch v7 (flexible): (error, offset) of the one partition."""
    body = cstr(group) + bytes([2]) + cstr(topic.encode()) + bytes([2]) + struct.pack(">i", part)
    body += b"\x00" + struct.pack(">?", require_stable) + b"\x00"
    r = c.call(9, 7, body, flex=True)
    one_partition(r, part)
    off = r.i64()
    r.i32()
    r.str(True)
    return r.i16(), off


def wait_group_coordinator(c, group):
    def ready():
        r = c.call(10, 0, s16(group))
        return r.i16() == 0
    wait_until(ready, 30, 0.2, what="group coordinator")


def kill9_restart(b, group):
    """kill -9 the broker, start it again: a connection once it coordinates group."""
    b.kill9()
    b.start()
    c = Raw(b.port)
    wait_group_coordinator(c, group)
    return c


def test_txn_offset_commit_pending_until_marker(broker_factory):
    b = broker_factory(overrides={"offsets.topic.num.partitions": "1"})
    create(b.bootstrap, "in")
    c = Raw(b.port)
    wait_group_coordinator(c, b"tg")
    pid, epoch = c.init_producer_id()
    assert txn_commit(c, b"tg", pid, epoch, "in", 0, 5) == 0
    # pending: invisible, and unstable for require_stable
    assert offset_fetch(c, b"tg", "in", 0, False) == (0, -1)
    assert offset_fetch(c, b"tg", "in", 0, True) == (88, -1)  # UNSTABLE_OFFSET_COMMIT
    assert c.markers(pid, epoch, True, "__consumer_offsets", [0]) == {0: 0}
    assert offset_fetch(c, b"tg", "in", 0, True) == (0, 5)
    # an aborted commit leaves the committed offset alone
    assert txn_commit(c, b"tg", pid, epoch, "in", 0, 9) == 0
    assert c.markers(pid, epoch, False, "__consumer_offsets", [0]) == {0: 0}
    assert offset_fetch(c, b"tg", "in", 0, True) == (0, 5)
    # KIP-447 checks: a named member not in the group, a generation not the group's
    assert txn_commit(c, b"tg", pid, epoch, "in", 0, 7, gen=3, member=b"nosuch") == 25
    assert txn_commit(c, b"tg", pid, epoch, "in", 0, 7, gen=4) == 22
    assert txn_commit(c, b"tg", pid, epoch, "nosuchtopic", 0, 7) == 3
    # one left pending across a kill -9: loading replays it as pending, the marker commits it
    assert txn_commit(c, b"tg", pid, epoch, "in", 0, 12) == 0
    c.close()
    c = kill9_restart(b, b"tg")
    assert offset_fetch(c, b"tg", "in", 0, True) == (88, -1)
    assert offset_fetch(c, b"tg", "in", 0, False) == (0, 5)
    assert c.markers(pid, epoch, True, "__consumer_offsets", [0]) == {0: 0}
    assert offset_fetch(c, b"tg", "in", 0, True) == (0, 12)
    c.close()
    # and a committed one survives a reload too
    c = kill9_restart(b, b"tg")
    assert offset_fetch(c, b"tg", "in", 0, True) == (0, 12)
    c.close()

#!/usr/bin/python3
"""capture_seeds.py: record real request and response frames as seed corpora for the fuzzers.

Starts a ZooKeeper and three brokers (tests/lib: 127.0.0.1, free ports, own temp directory,
stopped by PID), each advertised through a recording TCP proxy so that every client and every
broker-to-broker connection passes through one. Real clients then do the usual things (kcat in
every codec, confluent-kafka admin/producer/consumer groups, kafka-python pinned to old
protocol versions, our CLI tools) and one broker is restarted with SIGTERM (controlled
shutdown, ISR shrink and expand). Each distinct frame is kept, at most PER_KEY per (API,
version), as
    corpus/request/<key>-<version>-<sha1>     a request frame without its size prefix
    corpus/response/<key>-<version>-<sha1>    fuzz_response's input: selector, version, body
Run it by hand when the protocol coverage changes (make fuzz-seeds); the corpus is committed.
"""
import hashlib
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))

from kafkabroker import ROOT, Broker, free_port, recv_frame, wait_until  # noqa: E402
from zkserver import ZooKeeper  # noqa: E402

PER_KEY = 6
MAX_FRAME = 64 * 1024
# fuzz_response's selector for each API whose response our code decodes, and the first
# version with a flexible (v1) response header
RESPONSES = {1: (0, 12), 23: (1, 4), 56: (2, 0), 7: (3, 3), 4: (4, 4), 6: (5, 6), 5: (6, 2),
             3: (7, 9)}
CORPUS = os.path.join(HERE, "corpus")
lock = threading.Lock()
kept = {}


def keep(kind, key, ver, data):
    if len(data) > MAX_FRAME:
        return
    with lock:
        n = kept.setdefault((kind, key, ver), 0)
        if n >= PER_KEY:
            return
        name = "%d-%d-%s" % (key, ver, hashlib.sha1(data).hexdigest()[:12])
        path = os.path.join(CORPUS, kind, name)
        if os.path.exists(path):
            return
        with open(path, "wb") as f:
            f.write(data)
        kept[(kind, key, ver)] = n + 1


def read_frame(sock):
    """(size prefix, body) of the next frame, or None (tests/lib's recv_frame)."""
    body = recv_frame(sock)
    return None if body is None else (struct.pack(">i", len(body)), body)


class Proxy(threading.Thread):
    """Listens on a port; each connection is relayed to the broker's port, frame by frame."""

    def __init__(self, upstream_port):
        super().__init__(daemon=True)
        self.upstream = upstream_port
        self.ls = socket.socket()
        self.ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.ls.bind(("127.0.0.1", 0))
        self.ls.listen(64)
        self.port = self.ls.getsockname()[1]

    def run(self):
        while True:
            try:
                c, _ = self.ls.accept()
            except OSError:
                return
            threading.Thread(target=self.relay, args=(c,), daemon=True).start()

    def relay(self, c):
        try:
            u = socket.create_connection(("127.0.0.1", self.upstream))
        except OSError:
            c.close()
            return
        pending = {}
        threading.Thread(target=self.pump_responses, args=(u, c, pending), daemon=True).start()
        try:
            while True:
                f = read_frame(c)
                if f is None:
                    break
                hdr, body = f
                if len(body) >= 8:
                    key, ver, corr = struct.unpack(">hhi", body[:8])
                    pending[corr] = (key, ver)
                    keep("request", key, ver, body)
                u.sendall(hdr + body)
        except OSError:
            pass
        for s in (c, u):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def pump_responses(self, u, c, pending):
        try:
            while True:
                f = read_frame(u)
                if f is None:
                    break
                hdr, body = f
                corr = struct.unpack(">i", body[:4])[0] if len(body) >= 4 else None
                kv = pending.pop(corr, None)
                if kv and kv[0] in RESPONSES:
                    sel, flex_from = RESPONSES[kv[0]]
                    skip = 5 if kv[1] >= flex_from and len(body) > 4 and body[4] == 0 else 4
                    keep("response", kv[0], kv[1], bytes([sel, kv[1]]) + body[skip:])
                c.sendall(hdr + body)
        except OSError:
            pass
        try:
            c.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def sh(*args, input=None, timeout=120):
    r = subprocess.run(list(args), input=input, capture_output=True, timeout=timeout)
    if r.returncode != 0:
        print("warning: %s exited %d: %s" % (args[0], r.returncode, r.stderr[-500:]), file=sys.stderr)
    return r


def delete_records_file(sfx):
    """kafka-delete-records' JSON: records below offset 5 of seeds-0, everything of seeds-1."""
    path = os.path.join(tempfile.gettempdir(), "seeds-delete-records%s.json" % sfx)
    with open(path, "w") as f:
        json.dump({"partitions": [{"topic": "seeds" + sfx, "partition": 0, "offset": 5},
                                  {"topic": "seeds" + sfx, "partition": 1, "offset": -1}],
                   "version": 1}, f)
    return path


def workload(bootstrap, sfx):
    from confluent_kafka import Consumer, Producer, TopicPartition
    from confluent_kafka.admin import AdminClient, ConfigResource, NewPartitions, NewTopic
    import kafka

    bin_ = os.path.join(ROOT, "bin")
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic("seeds" + sfx, 3, 3, config={"min.insync.replicas": "2"}),
                         NewTopic("seeds-gone" + sfx, 1, 1)])["seeds" + sfx].result(30)
    wait_until(lambda: len(admin.list_topics("seeds" + sfx, timeout=5).topics["seeds" + sfx].partitions) == 3,
               30, what="seeds topic")
    for codec in ("none", "gzip", "snappy", "lz4", "zstd"):
        lines = "".join("k%d:value-%d-%s\n" % (i % 5, i, "x" * (i % 40)) for i in range(50))
        sh("kcat", "-b", bootstrap, "-P", "-t", "seeds" + sfx, "-K:", "-z", codec, input=lines.encode())
    sh("kcat", "-b", bootstrap, "-C", "-t", "seeds" + sfx, "-e", "-o", "beginning")
    sh("kcat", "-b", bootstrap, "-L")
    p = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "acks": "all"})
    for i in range(200):
        p.produce("seeds" + sfx, key=b"k%d" % (i % 7), value=b"idem-%d" % i)
    p.flush(30)
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "seed-group" + sfx,
                  "auto.offset.reset": "earliest", "enable.auto.commit": False})
    c.subscribe(["seeds" + sfx])
    got = 0
    while got < 100:
        m = c.poll(1.0)
        if m is not None and not m.error():
            got += 1
    c.commit(asynchronous=False)
    c.committed([TopicPartition("seeds" + sfx, 0)], timeout=10)
    c.close()
    admin.describe_configs([ConfigResource("topic", "seeds" + sfx), ConfigResource("broker", "1")])
    admin.create_partitions([NewPartitions("seeds-gone" + sfx, 2)])["seeds-gone" + sfx].result(30)
    admin.list_groups(timeout=10)
    admin.delete_topics(["seeds-gone" + sfx])["seeds-gone" + sfx].result(30)
    # kafka-python, also pinned to old protocol versions (MessageSet v0/v1 produce), on a
    # topic of its own (Debian's kafka-python has no snappy)
    for api in (None, (0, 10, 1), (0, 9)):
        kw = {"api_version": api} if api else {}
        kp = kafka.KafkaProducer(bootstrap_servers=bootstrap, **kw)
        for i in range(20):
            kp.send("seeds-py" + sfx, key=b"py%d" % i, value=b"kafka-python-%d" % i)
        kp.flush(30)
        kp.close()
    kc = kafka.KafkaConsumer("seeds-py" + sfx, bootstrap_servers=bootstrap, group_id="py-group" + sfx,
                             auto_offset_reset="earliest", consumer_timeout_ms=3000)
    for _ in kc:
        pass
    kc.commit()
    kc.close()
    ka = kafka.KafkaAdminClient(bootstrap_servers=bootstrap)
    ka.describe_consumer_groups(["py-group" + sfx])
    ka.close()
    for args in (["kafka-topics", "--bootstrap-server", bootstrap, "--describe"],
                 ["kafka-consumer-groups", "--bootstrap-server", bootstrap, "--describe", "--all-groups"],
                 ["kafka-consumer-groups", "--bootstrap-server", bootstrap, "--group", "seed-group" + sfx,
                  "--reset-offsets", "--to-earliest", "--topic", "seeds" + sfx, "--execute"],
                 ["kafka-consumer-groups", "--bootstrap-server", bootstrap, "--delete", "--group", "py-group" + sfx],
                 ["kafka-configs", "--bootstrap-server", bootstrap, "--entity-type", "topics",
                  "--entity-name", "seeds" + sfx, "--alter", "--add-config", "retention.ms=600000"],
                 ["kafka-console-consumer", "--bootstrap-server", bootstrap, "--topic", "seeds" + sfx,
                  "--from-beginning", "--max-messages", "10"],
                 ["kafka-delete-records", "--bootstrap-server", bootstrap, "--offset-json-file",
                  delete_records_file(sfx)],
                 ["kafka-log-dirs", "--bootstrap-server", bootstrap, "--describe"]):
        sh(os.path.join(bin_, args[0]), *args[1:])


def main():
    for kind in ("request", "response"):
        os.makedirs(os.path.join(CORPUS, kind), exist_ok=True)
    work = tempfile.mkdtemp(prefix="kafka-c-seeds-")
    zk = ZooKeeper(os.path.join(work, "zk"))
    os.makedirs(zk.dir, exist_ok=True)
    zk.start()
    brokers = []
    try:
        for i in (1, 2, 3):
            port = free_port()
            px = Proxy(port)
            px.start()
            b = Broker(work, zk.connect, i, port=port, overrides={
                "advertised.listeners": "PLAINTEXT://127.0.0.1:%d" % px.port,
                "offsets.topic.replication.factor": "3", "replica.lag.time.max.ms": "3000"})
            b.proxy_port = px.port
            brokers.append(b)
        for b in brokers:
            b.start(wait=False)
        for b in brokers:
            b.wait_ready()
        bootstrap = ",".join("127.0.0.1:%d" % b.proxy_port for b in brokers)
        workload(bootstrap, "")
        brokers[1].stop(60)  # controlled shutdown, ISR shrink
        brokers[1].start()   # fetches, ISR expand through AlterPartition
        from confluent_kafka.admin import AdminClient
        admin = AdminClient({"bootstrap.servers": bootstrap})
        wait_until(lambda: all(len(p.isrs) == 3 for p in admin.list_topics("seeds", timeout=5)
                               .topics["seeds"].partitions.values()), 90, 0.5, what="ISR of 3")
        workload(bootstrap, "-again")
    finally:
        for b in brokers:
            try:
                b.stop(60)
            except Exception:
                b.kill9()
        zk.stop()
        shutil.rmtree(work, ignore_errors=True)
    total = {}
    for (kind, _, _), n in kept.items():
        total[kind] = total.get(kind, 0) + n
    print("kept %s new seed frames in %s" % (total, CORPUS))


if __name__ == "__main__":
    main()

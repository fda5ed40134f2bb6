#!/usr/bin/python3
"""security_bench.py: what TLS and SASL cost (issue 14). One 3-broker cluster (tests/lib
Cluster: its own ZooKeeper, free ports, stopped by PID) with three client listeners, PLAINTEXT,
SSL and SASL_SSL (SCRAM-SHA-512), certificates made here with openssl (tests/lib/certs.py).
The same librdkafka driver as `make bench` (build/tests/bench/bench --client-props) produces
and consumes 100 B and 1 KB messages, RF3 acks=all min.insync.replicas=2, 6 partitions, on each
listener in turn, interleaved per repetition; the inter-broker listener stays PLAINTEXT, so the
rows show what the clients' encryption and login cost. Then SCRAM-SHA-512 logins per second
(SaslHandshake + two SaslAuthenticate round trips on a fresh TCP connection each, sequential,
over SASL_PLAINTEXT so TLS handshakes are not counted). The load average is printed: the
machine is shared.

  /usr/bin/python3 tests/bench/security_bench.py [--reps N] [--scale F] [--logins N]
"""
import argparse
import base64
import hashlib
import hmac
import os
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
import certs  # noqa: E402
from benchdrv import loadavg, run_driver  # noqa: E402
from cluster import Cluster  # noqa: E402
from kafkabroker import free_port, recv_frame  # noqa: E402

CONFIGS = os.path.join(ROOT, "bin", "kafka-configs")
COUNTS = {100: 400000, 1000: 100000}
USER, PW = "bench", "bench-secret"
SCRAM_JAAS = ('org.apache.kafka.common.security.scram.ScramLoginModule required '
              'username="admin" password="admin-secret";')


def start_cluster(d):
    ca = certs.CA(os.path.join(d, "pki"))
    _, _, keystore = ca.issue("broker", "/CN=localhost", san="IP:127.0.0.1,DNS:localhost")
    mechs = "SCRAM-SHA-512"
    c = Cluster(d, n=3, overrides={
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_SSL:SASL_SSL,"
                                          "SASL_PLAINTEXT:SASL_PLAINTEXT",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.name.sasl_ssl.sasl.enabled.mechanisms": mechs,
        "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config": SCRAM_JAAS,
        "listener.name.sasl_plaintext.sasl.enabled.mechanisms": mechs,
        "listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config": SCRAM_JAAS,
        "ssl.keystore.location": keystore, "ssl.truststore.location": ca.cert,
        "log.segment.delete.delay.ms": "0"})
    for b in c.brokers.values():
        b.ports = {"SSL": free_port(), "SASL_SSL": free_port(), "SASL_PLAINTEXT": free_port()}
        b.overrides["listeners"] = "PLAINTEXT://127.0.0.1:%d," % b.port + ",".join(
            "%s://127.0.0.1:%d" % kv for kv in b.ports.items())
        b._write_config()
    r = subprocess.run([CONFIGS, "--zookeeper", c.zk.connect, "--alter", "--add-config",
                        "SCRAM-SHA-512=[password=%s]" % PW, "--entity-type", "users",
                        "--entity-name", USER], capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError(r.stderr)
    c.ca = ca.cert
    return c.start()


def boot(c, proto):
    if proto == "PLAINTEXT":
        return c.bootstrap
    return ",".join("127.0.0.1:%d" % b.ports[proto] for b in c.brokers.values())


def client_props(c, proto):
    p = {"security.protocol": proto.lower()}
    if "SSL" in proto:
        p["ssl.ca.location"] = c.ca
    if proto.startswith("SASL"):
        p.update({"sasl.mechanism": "SCRAM-SHA-512", "sasl.username": USER, "sasl.password": PW})
    return ",".join("%s=%s" % kv for kv in p.items())


def throughput(c, proto, size, count, n):
    return run_driver(["throughput", "--bootstrap", boot(c, proto), "--topic",
                       "sec-%s-%d-%d" % (proto.lower().replace("_", ""), size, n),
                       "--partitions", "6", "--rf", "3", "--min-isr", "2", "--acks", "all",
                       "--size", str(size), "--count", str(count), "--warmup", str(count // 5),
                       "--fetch-wait-ms", "10", "--client-props", client_props(c, proto)],
                      timeout=600)


def frame(api, ver, corr, body):
    hdr = struct.pack(">hhih", api, ver, corr, 5) + b"bench"
    return struct.pack(">i", len(hdr) + len(body)) + hdr + body


def sasl_round(s, corr, token):
    s.sendall(frame(36, 1, corr, struct.pack(">i", len(token)) + token))
    body = recv_frame(s, 10)[4:]  # after the correlation id
    err = struct.unpack(">h", body[:2])[0]
    if err:
        raise RuntimeError("SaslAuthenticate error %d" % err)
    mlen = struct.unpack(">h", body[2:4])[0]
    off = 4 + max(mlen, 0)
    tlen = struct.unpack(">i", body[off:off + 4])[0]
    return body[off + 4:off + 4 + tlen]


def scram_login(port):
    """One SCRAM-SHA-512 login as RFC 5802 has it; raises unless the server signature checks."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        mech = b"SCRAM-SHA-512"
        s.sendall(frame(17, 1, 1, struct.pack(">h", len(mech)) + mech))
        if struct.unpack(">h", recv_frame(s, 10)[4:6])[0]:
            raise RuntimeError("SaslHandshake refused")
        nonce = base64.b64encode(os.urandom(18)).decode()
        bare = "n=%s,r=%s" % (USER, nonce)
        first = dict(kv.split("=", 1) for kv in sasl_round(s, 2, ("n,," + bare).encode())
                     .decode().split(","))
        salted = hashlib.pbkdf2_hmac("sha512", PW.encode(), base64.b64decode(first["s"]),
                                     int(first["i"]))
        final_bare = "c=biws,r=%s" % first["r"]
        msg = ("%s,r=%s,s=%s,i=%s,%s" % (bare, first["r"], first["s"], first["i"],
                                        final_bare)).encode()
        ck = hmac.new(salted, b"Client Key", "sha512").digest()
        sig = hmac.new(hashlib.sha512(ck).digest(), msg, "sha512").digest()
        proof = base64.b64encode(bytes(a ^ b for a, b in zip(ck, sig))).decode()
        last = sasl_round(s, 3, ("%s,p=%s" % (final_bare, proof)).encode()).decode()
        sk = hmac.new(salted, b"Server Key", "sha512").digest()
        want = base64.b64encode(hmac.new(sk, msg, "sha512").digest()).decode()
        if last != "v=" + want:
            raise RuntimeError("bad server signature: %s" % last)
    finally:
        s.close()


def logins_per_s(c, n):
    port = c.brokers[1].ports["SASL_PLAINTEXT"]
    scram_login(port)  # warm-up (and the check that logins work at all)
    t = time.monotonic()
    for _ in range(n):
        scram_login(port)
    return n / (time.monotonic() - t)


def main():
    ap = argparse.ArgumentParser(description="TLS/SASL_SSL throughput beside PLAINTEXT")
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--scale", type=float, default=1.0, help="multiply message counts")
    ap.add_argument("--logins", type=int, default=200)
    a = ap.parse_args()
    d = tempfile.mkdtemp(prefix="kc-secbench-")
    load0 = loadavg()
    c = start_cluster(d)
    rows, n = {}, 0
    try:
        for _ in range(a.reps):
            for size in (100, 1000):
                for proto in ("PLAINTEXT", "SSL", "SASL_SSL"):
                    n += 1
                    rows.setdefault((proto, size), []).append(
                        throughput(c, proto, size, int(COUNTS[size] * a.scale), n))
        logins = logins_per_s(c, a.logins)
    finally:
        c.stop()
    print("load average (1/5/15 min) at start %s, at end %s" % (
        " ".join(load0), " ".join(loadavg())))
    print("%-10s %6s %14s %14s %14s %14s" % ("protocol", "size", "produce msg/s", "produce MB/s",
                                            "consume msg/s", "consume MB/s"))
    order = {"PLAINTEXT": 0, "SSL": 1, "SASL_SSL": 2}
    for (proto, size), rs in sorted(rows.items(), key=lambda kv: (kv[0][1], order[kv[0][0]])):
        def med(ph, k):
            return statistics.median(r[ph][k] for r in rs)
        print("%-10s %6d %14.0f %14.1f %14.0f %14.1f" % (
            proto, size, med("produce", "msgs_per_s"), med("produce", "mb_per_s"),
            med("consume", "msgs_per_s"), med("consume", "mb_per_s")))
    print("SCRAM-SHA-512 logins (4096 iterations), sequential: %.0f/s" % logins)


if __name__ == "__main__":
    main()

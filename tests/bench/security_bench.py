#!/usr/bin/python3
"""security_bench.py: what TLS and SASL cost (issue 14). One 3-broker cluster (tests/lib
Cluster: its own ZooKeeper, free ports, stopped by PID) with three client listeners, PLAINTEXT,
SSL and SASL_SSL (SCRAM-SHA-512), certificates made here with openssl (tests/lib/certs.py).
The same librdkafka driver as `make bench` (build/tests/bench/bench --client-props) produces
and consumes 100 B and 1 KB messages, RF3 acks=all min.insync.replicas=2, 6 partitions, on each
listener in turn; the inter-broker listener stays PLAINTEXT, so the rows show what the clients'
encryption and login cost.

Each measurement is two driver runs: produce COUNTS[size][0] messages into a fresh topic
(after a tenth as many untimed), then consume COUNTS[size][1] messages of it from the
beginning, in passes over the whole topic (the first fifth of the topic untimed). The counts
make a phase last about 2-8 s on the shared 2-core machine (the script ~4 min); phases of a
fraction of a second measured mostly what else ran then. The listeners take turns inside each
repetition (PLAINTEXT, SSL, SASL_SSL at 100 B, then at 1 KB), so a change of the machine's load
hits all three alike. The table has the median of the repetitions, their spread (max - min
over the median), the ratio to PLAINTEXT's median, and CPU per message of the brokers (all
three, from /proc) and of the client (the driver process, warm-up included): where the machine
is saturated, throughput follows the sum of the two. Then SCRAM-SHA-512 logins per second
(SaslHandshake + two SaslAuthenticate round trips on a fresh TCP connection each, sequential,
over SASL_PLAINTEXT so TLS handshakes are not counted). The load average is printed.

  /usr/bin/python3 tests/bench/security_bench.py [--reps N] [--scale F] [--sizes 100,1000]
                                                [--logins N] [--json FILE]
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import resource
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
# size: (messages produced, messages consumed)
COUNTS = {100: (900000, 2700000), 1000: (300000, 1500000)}
PROTOS = ("PLAINTEXT", "SSL", "SASL_SSL")
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


def driver(c, proto, size, topic, args):
    pids = ",".join(str(b.proc.pid) for b in c.brokers.values())
    return run_driver(["throughput", "--bootstrap", boot(c, proto), "--topic", topic,
                       "--partitions", "6", "--rf", "3", "--min-isr", "2", "--acks", "all",
                       "--size", str(size), "--fetch-wait-ms", "10", "--cpu-pids", pids,
                       "--client-props", client_props(c, proto)] + args, timeout=600)


def delete_topic(c, topic):
    a = c.admin()
    a.delete_topics([topic], operation_timeout=30)[topic].result(60)


def child_cpu():
    u = resource.getrusage(resource.RUSAGE_CHILDREN)
    return u.ru_utime + u.ru_stime


def measure(c, proto, size, nprod, ncons, n):
    """One produce and one consume phase on a fresh topic: {phase: {msgs_per_s, cpu_us, ...}}.
    client_us: the driver process's CPU over every message it handled, warm-up included."""
    topic = "sec-%s-%d-%d" % (proto.lower().replace("_", ""), size, n)
    warm, cwarm = nprod // 10, (nprod + nprod // 10) // 5
    t0 = child_cpu()
    p = driver(c, proto, size, topic, ["--phases", "produce", "--keep", "--count", str(nprod),
                                       "--warmup", str(warm)])["produce"]
    t1 = child_cpu()
    r = driver(c, proto, size, topic, ["--phases", "consume", "--count", str(ncons),
                                       "--warmup", str(cwarm)])["consume"]
    t2 = child_cpu()
    delete_topic(c, topic)
    return {ph: {"msgs_per_s": x["msgs_per_s"], "mb_per_s": x["mb_per_s"], "secs": x["secs"],
                 "cpu_us": x["broker_cpu_s"] * 1e6 / x["msgs"],
                 "client_us": cpu * 1e6 / (x["msgs"] + w)} for ph, x, cpu, w in
            (("produce", p, t1 - t0, warm), ("consume", r, t2 - t1, cwarm))}
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


def stats(rs, ph, k):
    """median, spread (max-min over the median) of one figure over the repetitions."""
    v = [r[ph][k] for r in rs]
    m = statistics.median(v)
    return m, (max(v) - min(v)) / m if m else 0.0


def report(rows, sizes):
    print("%-10s %5s %-8s %11s %8s %7s %7s %10s %7s %10s %7s" % (
        "listener", "size", "phase", "msgs/s", "MB/s", "spread", "vs PT", "broker us", "vs PT",
        "client us", "vs PT"))
    for size in sizes:
        for ph in ("produce", "consume"):
            base = stats(rows[("PLAINTEXT", size)], ph, "msgs_per_s")[0]
            bcpu = stats(rows[("PLAINTEXT", size)], ph, "cpu_us")[0]
            bcli = stats(rows[("PLAINTEXT", size)], ph, "client_us")[0]
            for proto in PROTOS:
                rs = rows[(proto, size)]
                m, sp = stats(rs, ph, "msgs_per_s")
                cpu = stats(rs, ph, "cpu_us")[0]
                cli = stats(rs, ph, "client_us")[0]
                print("%-10s %5d %-8s %11.0f %8.1f %6.0f%% %6.2fx %10.2f %6.2fx %10.2f %6.2fx" % (
                    proto, size, ph, m, stats(rs, ph, "mb_per_s")[0], sp * 100,
                    m / base if base else 0, cpu, cpu / bcpu if bcpu else 0, cli,
                    cli / bcli if bcli else 0))
    print("msgs/s and MB/s: medians of the repetitions; spread: (max - min) / median; vs PT: over"
          " PLAINTEXT's median (target >= 0.70x); broker us: CPU of all three brokers per message;"
          " client us: the librdkafka driver's CPU per message")
    print("per repetition, msgs/s (broker us/msg):")
    for size in sizes:
        for ph in ("produce", "consume"):
            for proto in PROTOS:
                print("  %-10s %5d %-8s %s" % (proto, size, ph, "  ".join(
                    "%.0f (%.2f)" % (r[ph]["msgs_per_s"], r[ph]["cpu_us"])
                    for r in rows[(proto, size)])))


def main():
    ap = argparse.ArgumentParser(description="TLS/SASL_SSL throughput beside PLAINTEXT")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--scale", type=float, default=1.0, help="multiply message counts")
    ap.add_argument("--sizes", default="100,1000", help="message sizes (100 and/or 1000)")
    ap.add_argument("--logins", type=int, default=200)
    ap.add_argument("--json", help="also write the repetitions' figures here")
    a = ap.parse_args()
    sizes = [int(x) for x in a.sizes.split(",")]
    d = tempfile.mkdtemp(prefix="kc-secbench-")
    load0 = loadavg()
    t0 = time.monotonic()
    c = start_cluster(d)
    rows, n = {}, 0
    try:
        for _ in range(a.reps):
            for size in sizes:
                nprod, ncons = (int(x * a.scale) for x in COUNTS[size])
                for proto in PROTOS:
                    n += 1
                    rows.setdefault((proto, size), []).append(
                        measure(c, proto, size, nprod, ncons, n))
        logins = logins_per_s(c, a.logins)
    finally:
        c.stop()
    print("load average (1/5/15 min) at start %s, at end %s; %d repetitions, %.0f s" % (
        " ".join(load0), " ".join(loadavg()), a.reps, time.monotonic() - t0))
    report(rows, sizes)
    print("SCRAM-SHA-512 logins (4096 iterations), sequential: %.0f/s" % logins)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"%s-%d" % k: v for k, v in rows.items()}, f, indent=1)


if __name__ == "__main__":
    main()

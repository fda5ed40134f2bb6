#!/usr/bin/python3
"""scale_bench.py: many partitions on one cluster (issue 18, "Scale" and item 5). One 3-broker
cluster (tests/lib Cluster: its own ZooKeeper, free ports, own temp dir, stopped by PID) gets
--partitions partitions at RF3 (topics of --per-topic partitions, created through the admin API
--batch topics per CreateTopics), then:

  idle         per broker over --idle-s seconds with no client traffic (followers fetching
               every idle partition): CPU % of one core, RSS, fds in use (/proc/PID/fd)
  metadata     a Metadata request for all topics (v1, raw socket): time and response size
  restart      one broker that is not the controller stopped cleanly (SIGTERM), then started:
               process start -> listening, -> its Metadata answers with a leader for every
               partition ("serving"), -> it is back in the ISR of every partition
  failover     kill -9 of the controller -> a new controller (/controller), -> every partition
               has a live leader in a survivor's Metadata; zookeeper.session.timeout.ms beside

Then, each on a fresh one-broker cluster (conn_bench.py, which says how they are measured):

  conns        5,000 idle client connections: RSS per connection, connections set up per
               second, a producer still served while they are open
  groups       1,000 consumer groups committing offsets every second: broker CPU, commit
               latency p50/p99, RSS

Targets (issue 18 item 5): start-to-serving <= 2 s, failover <= session timeout + 2 s, idle CPU
< 5% of a core, RSS <= 100 MB; <= 20 KB per idle connection. The machine is shared (load
average printed): figures, never assertions. JSON goes to tests/bench/results/scale-<time>.json.

  /usr/bin/python3 tests/bench/scale_bench.py [--only partitions,conns,groups] [--partitions N]
      [--per-topic N] [--idle-s S] [--broker-config KEY=VALUE]... [--conns N] [--groups N]
      [--groups-s S]
"""
import argparse
import json
import os
import socket
import struct
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
from benchdrv import loadavg  # noqa: E402
from cluster import Cluster  # noqa: E402
import conn_bench  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402
from kafkabroker import port_open, wait_until  # noqa: E402

RESULTS = os.path.join(ROOT, "tests", "bench", "results")
SESSION_TIMEOUT_MS = 6000
CLK_TCK = conn_bench.CLK_TCK


# ---- a Metadata v1 request for every topic, by hand: timed without a client's own work

def metadata_raw(port, timeout=60.0):
    """(response bytes, seconds from send to the last byte) of Metadata v1, topics = null."""
    hdr = struct.pack(">hhih", 3, 1, 1, 5) + b"scale"
    msg = hdr + struct.pack(">i", -1)
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        t0 = time.monotonic()
        s.sendall(struct.pack(">i", len(msg)) + msg)
        buf = bytearray()
        need = None
        while need is None or len(buf) < need:
            c = s.recv(1 << 20)
            if not c:
                raise RuntimeError("broker closed the connection")
            buf += c
            if need is None and len(buf) >= 4:
                need = 4 + struct.unpack(">i", buf[:4])[0]
        return bytes(buf[8:need]), time.monotonic() - t0


def metadata_parse(r):
    """{"controller": id, "parts": {(topic, p): (leader, isr tuple)}} of a v1 response body."""
    pos = 0

    def i32():
        nonlocal pos
        v = struct.unpack_from(">i", r, pos)[0]
        pos += 4
        return v

    def i16():
        nonlocal pos
        v = struct.unpack_from(">h", r, pos)[0]
        pos += 2
        return v

    def string():
        nonlocal pos
        n = i16()
        s = r[pos:pos + max(n, 0)].decode()
        pos += max(n, 0)
        return s

    for _ in range(i32()):  # brokers: id, host, port, rack
        i32(), string(), i32(), string()
    controller = i32()
    parts = {}
    for _ in range(i32()):
        i16()
        name = string()
        pos += 1  # is_internal
        for _ in range(i32()):
            i16()
            p, leader = i32(), i32()
            for _ in range(i32()):
                i32()
            isr = tuple(i32() for _ in range(i32()))
            parts[(name, p)] = (leader, isr)
    return {"controller": controller, "parts": parts}


def metadata(port):
    return metadata_parse(metadata_raw(port)[0])


# ---- process figures from /proc

cpu_ticks, fd_count = conn_bench.cpu_ticks, conn_bench.fd_count


def rss_mb(pid):
    return conn_bench.rss_kb(pid) / 1024.0


# ---- the steps

def create_partitions(c, total, per_topic, batch):
    """Topics scale-0000... of per_topic partitions (the last one the remainder), RF3, batch
    topics per CreateTopics request. Returns the topic names."""
    topics, left = [], total
    while left > 0:
        n = min(per_topic, left)
        topics.append(("scale-%04d" % len(topics), n))
        left -= n
    admin = AdminClient({"bootstrap.servers": c.bootstrap})
    for i in range(0, len(topics), batch):
        chunk = [NewTopic(t, n, 3) for t, n in topics[i:i + batch]]
        fs = admin.create_topics(chunk, operation_timeout=300, request_timeout=330)
        for f in fs.values():
            f.result(360)
    return [t for t, _ in topics]


def all_led(md, total, dead=(), full_isr=False):
    ps = [v for k, v in md["parts"].items() if k[0].startswith("scale-")]
    return len(ps) == total and all(
        ldr >= 0 and ldr not in dead and (not full_isr or len(isr) == 3) for ldr, isr in ps)


def idle_figures(c, idle_s):
    pids = {i: b.proc.pid for i, b in c.brokers.items()}
    t0, ticks0 = time.monotonic(), {i: cpu_ticks(p) for i, p in pids.items()}
    time.sleep(idle_s)  # the measurement itself: no traffic for idle_s seconds
    dt = time.monotonic() - t0
    out = {}
    for i, p in pids.items():
        out[i] = {"cpu_pct": 100.0 * (cpu_ticks(p) - ticks0[i]) / CLK_TCK / dt,
                  "rss_mb": rss_mb(p), "fds": fd_count(p)}
    return out


def metadata_figures(c, reps=5):
    times, size = [], 0
    for _ in range(reps):
        body, t = metadata_raw(c.brokers[1].port)
        times.append(t)
        size = len(body)
    times.sort()
    return {"median_ms": 1000 * times[len(times) // 2], "min_ms": 1000 * times[0],
            "max_ms": 1000 * times[-1], "bytes": size}


def restart_figures(c, total):
    ctl = c.controller()
    bid = next(i for i in sorted(c.brokers) if i != ctl)
    b = c.brokers[bid]
    t = time.monotonic()
    b.stop(300)
    stop_s = time.monotonic() - t
    other = c.brokers[ctl].port
    # the controller took it out of every ISR: what a restart starts from
    wait_until(lambda: all(bid not in isr for (tp, _), (_, isr) in metadata(other)["parts"].items()
                           if tp.startswith("scale-")), 300, interval=0.5,
               what="broker %d out of every ISR" % bid)
    t0 = time.monotonic()
    b.start(wait=False)
    wait_until(lambda: port_open(b.port), 120, interval=0.02, what="broker %d listening" % bid)
    listen_s = time.monotonic() - t0
    wait_until(lambda: all_led(metadata(b.port), total), 300, interval=0.05,
               what="broker %d answering with every leader" % bid)
    serving_s = time.monotonic() - t0
    wait_until(lambda: all(bid in isr for (tp, _), (_, isr) in metadata(other)["parts"].items()
                           if tp.startswith("scale-")), 600, interval=0.2,
               what="broker %d back in every ISR" % bid)
    isr_s = time.monotonic() - t0
    return {"broker": bid, "clean_stop_s": stop_s, "listening_s": listen_s,
            "serving_s": serving_s, "in_all_isrs_s": isr_s}


def failover_figures(c, total):
    ctl = c.controller()
    survivor = next(i for i in sorted(c.brokers) if i != ctl)
    port = c.brokers[survivor].port
    t0 = time.monotonic()
    c.kill9(ctl)
    wait_until(lambda: c.controller() not in (None, ctl), 120, interval=0.05,
               what="a new controller")
    elected_s = time.monotonic() - t0
    wait_until(lambda: all_led(metadata(port), total, dead=(ctl,)), 300, interval=0.1,
               what="every partition led by a live broker")
    return {"killed": ctl, "new_controller": c.controller(), "elected_s": elected_s,
            "all_led_s": time.monotonic() - t0, "session_timeout_ms": SESSION_TIMEOUT_MS}


def partitions_part(a, res):
    d = tempfile.mkdtemp(prefix="kc-scalebench-")
    overrides = {"zookeeper.session.timeout.ms": str(SESSION_TIMEOUT_MS)}
    overrides.update(kv.split("=", 1) for kv in a.broker_config)
    c = Cluster(d, n=3, overrides=overrides)
    c.start()
    try:
        t0 = time.monotonic()
        create_partitions(c, a.partitions, a.per_topic, a.batch)
        res["create_s"] = time.monotonic() - t0
        wait_until(lambda: all(all_led(metadata(b.port), a.partitions, full_isr=True)
                               for b in c.brokers.values()), 600, interval=0.5,
                   what="every partition led with a full ISR on every broker")
        res["create_to_full_isr_s"] = time.monotonic() - t0
        res["idle"] = idle_figures(c, a.idle_s)
        res["metadata"] = metadata_figures(c)
        res["restart"] = restart_figures(c, a.partitions)
        res["failover"] = failover_figures(c, a.partitions)
    finally:
        c.stop()


def main():
    ap = argparse.ArgumentParser(description="10,000 partitions on 3 brokers at RF3; 5,000 "
                                 "connections and 1,000 committing groups on one broker")
    ap.add_argument("--only", default="partitions,conns,groups",
                    help="comma-separated parts: partitions, conns, groups")
    ap.add_argument("--partitions", type=int, default=10000)
    ap.add_argument("--per-topic", type=int, default=100)
    ap.add_argument("--batch", type=int, default=10, help="topics per CreateTopics request")
    ap.add_argument("--idle-s", type=float, default=30.0)
    ap.add_argument("--broker-config", action="append", default=[], metavar="KEY=VALUE",
                    help="partitions part: a broker setting, e.g. "
                    "max.incremental.fetch.session.cache.slots=0 (followers fetch sessionless)")
    conn_bench.add_args(ap)
    a = ap.parse_args()
    parts = a.only.split(",")
    load0 = loadavg()
    res = {"partitions": a.partitions, "per_topic": a.per_topic, "load_start": load0,
           "broker_config": a.broker_config}
    if "partitions" in parts:
        partitions_part(a, res)
        report(res, a)
    conn_bench.run_parts(parts, a, res)
    conn_bench.finish(res, "scale")


def report(res, a):
    print("%d partitions, RF3, 3 brokers (%d replicas); topics of %d" %
          (a.partitions, 3 * a.partitions, a.per_topic))
    print("create (admin API) %.1f s, to full ISRs everywhere %.1f s"
          % (res["create_s"], res["create_to_full_isr_s"]))
    print("%-8s %12s %10s %8s" % ("broker", "idle CPU %", "RSS MB", "fds"))
    for i, v in sorted(res["idle"].items()):
        print("%-8s %12.1f %10.1f %8d" % (i, v["cpu_pct"], v["rss_mb"], v["fds"]))
    m = res["metadata"]
    print("Metadata (all topics): median %.0f ms (min %.0f, max %.0f), %d bytes"
          % (m["median_ms"], m["min_ms"], m["max_ms"], m["bytes"]))
    r = res["restart"]
    print("restart of broker %d (clean stop %.1f s): listening %.2f s, serving (all leaders) "
          "%.2f s, back in every ISR %.2f s" % (r["broker"], r["clean_stop_s"], r["listening_s"],
                                                r["serving_s"], r["in_all_isrs_s"]))
    f = res["failover"]
    print("failover after kill -9 of controller %d: new controller %.2f s, every partition "
          "led %.2f s (zookeeper.session.timeout.ms %d)"
          % (f["killed"], f["elected_s"], f["all_led_s"], f["session_timeout_ms"]))
    worst_cpu = max(v["cpu_pct"] for v in res["idle"].values())
    worst_rss = max(v["rss_mb"] for v in res["idle"].values())
    print("targets: serving <= 2 s (%.2f), failover <= %.0f s (%.2f), idle CPU < 5%% (%.1f), "
          "RSS <= 100 MB (%.0f)" % (r["serving_s"], f["session_timeout_ms"] / 1000 + 2,
                                    f["all_led_s"], worst_cpu, worst_rss))


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""conn_bench.py: many clients on one broker (issue 18, "Scale"): the "conns" and "groups" parts
of scale_bench.py (which calls these; this file also runs alone). Each part starts its own
one-broker cluster (tests/lib Cluster: its own ZooKeeper, free ports, own temp dir, stopped by
PID) so its RSS figures start from a fresh broker.

  conns   --conns TCP connections opened --window at a time; each sends ApiVersions v0 and
          Metadata v1 (pipelined) and reads both answers, then stays open and idle. Broker RSS
          (/proc/PID/status VmRSS) before and after -> KB per connection; connections set up
          per second; broker CPU while they idle; a producer (librdkafka, acks=all) must still
          get --probe-msgs messages through while they are open; fds back to the start after
          they close. Target: <= 20 KB per idle connection.
  groups  --groups consumer groups, one connection each (as a consumer's own coordinator
          connection), each committing one offset (raw OffsetCommit v2, generation -1, no
          member: a simple commit) every --period seconds, spread evenly over the period, for
          --groups-s seconds after one warm-up period: broker CPU % of a core (/proc/PID/stat),
          commit latency p50/p99/max (send -> response, on the client), RSS.

The machine is shared (load average printed): figures, never assertions.

  /usr/bin/python3 tests/bench/conn_bench.py [--only conns,groups] [--conns N] [--groups N]
"""
import argparse
import json
import os
import resource
import selectors
import socket
import struct
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
from benchdrv import loadavg  # noqa: E402
from cluster import Cluster  # noqa: E402
from confluent_kafka import Producer  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402
from kafkabroker import recv_frame, wait_until  # noqa: E402

RESULTS = os.path.join(ROOT, "tests", "bench", "results")
CLK_TCK = os.sysconf("SC_CLK_TCK")
GROUP_TOPIC = "grp-bench"
GROUP_TOPIC_PARTS = 10


# ---- process figures from /proc

def cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return None


def fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def socket_count(pid):
    """Open sockets of pid (listeners, ZooKeeper, clients)."""
    n = 0
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            n += os.readlink("/proc/%d/fd/%s" % (pid, fd)).startswith("socket:")
        except OSError:
            pass  # closed between listdir and readlink
    return n


def raise_nofile(need):
    """Soft RLIMIT_NOFILE up to need (capped by the hard limit), before the broker starts so it
    inherits it too. Returns the soft limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = need if hard == resource.RLIM_INFINITY else min(need, hard)
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def pct(sorted_vals, q):
    if not sorted_vals:
        return float("nan")
    return sorted_vals[min(len(sorted_vals) - 1, int(q * len(sorted_vals)))]


# ---- raw requests: header v1 (api key, version, correlation id, client id) + body

def frame(key, ver, corr, body=b"", client=b"scale-conn"):
    msg = struct.pack(">hhih", key, ver, corr, len(client)) + client + body
    return struct.pack(">i", len(msg)) + msg


def kstr(s):
    b = s.encode()
    return struct.pack(">h", len(b)) + b


HELLO = frame(18, 0, 1) + frame(3, 1, 2, struct.pack(">i", -1))  # ApiVersions v0, Metadata v1


def split_frames(buf):
    """Complete response bodies (without the size) taken off the front of buf."""
    out = []
    while len(buf) >= 4:
        n = struct.unpack_from(">i", buf)[0]
        if len(buf) < 4 + n:
            break
        out.append(bytes(buf[4:4 + n]))
        del buf[:4 + n]
    return out


class Client:
    """One non-blocking connection and its unread bytes."""
    __slots__ = ("sock", "buf", "state", "sent_at", "answers")

    def __init__(self, sock):
        self.sock, self.buf, self.state, self.sent_at, self.answers = sock, bytearray(), 0, 0.0, 0


def read_frames(cl):
    c = cl.sock.recv(65536)
    if not c:
        raise RuntimeError("broker closed a connection")
    cl.buf += c
    return split_frames(cl.buf)


def open_clients(port, n, window, timeout=120.0):
    """n connections, window being set up at once; each is open once its ApiVersions and
    Metadata are answered. Returns (clients, seconds)."""
    sel = selectors.DefaultSelector()
    done, inflight, started = [], 0, 0
    t0 = time.monotonic()
    deadline = t0 + timeout
    while len(done) < n:
        while started < n and inflight < window:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            s.connect_ex(("127.0.0.1", port))
            sel.register(s, selectors.EVENT_WRITE, Client(s))
            started += 1
            inflight += 1
        events = sel.select(timeout=max(0.0, deadline - time.monotonic()))
        if not events and time.monotonic() >= deadline:
            raise RuntimeError("only %d of %d connections set up in %.0f s"
                               % (len(done), n, timeout))
        for key, ev in events:
            cl = key.data
            if cl.state == 0:
                err = cl.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    raise RuntimeError("connect: %s" % os.strerror(err))
                cl.sock.sendall(HELLO)  # 60 bytes into an empty socket buffer
                cl.state = 1
                sel.modify(cl.sock, selectors.EVENT_READ, cl)
                continue
            cl.answers += len(read_frames(cl))
            if cl.answers >= 2:
                sel.unregister(cl.sock)
                cl.state = 0  # open, nothing outstanding
                done.append(cl)
                inflight -= 1
    sel.close()
    return done, time.monotonic() - t0


def close_clients(clients):
    for cl in clients:
        cl.sock.close()


def create_topic(c, name, parts):
    admin = AdminClient({"bootstrap.servers": c.bootstrap})  # kept alive until the answer
    admin.create_topics([NewTopic(name, parts, 1)])[name].result(60)


def start_one_broker(tag):
    d = tempfile.mkdtemp(prefix="kc-%sbench-" % tag)
    return Cluster(d, n=1).start()


# ---- conns

def probe_producer(bootstrap, msgs):
    """Seconds until msgs acks=all messages of 100 bytes are delivered, and how many were not."""
    p = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 5})
    ok = []
    t0 = time.monotonic()
    for i in range(msgs):
        p.produce("conn-probe", b"x" * 100,
                  on_delivery=lambda err, m: ok.append(1) if err is None else None)
        p.poll(0)
    p.flush(60)
    return time.monotonic() - t0, msgs - len(ok)


def conns_part(a):
    lim = raise_nofile(a.conns + 2000)
    c = start_one_broker("conn")
    try:
        b = c.brokers[1]
        pid = b.proc.pid
        create_topic(c, "conn-probe", 1)
        socks0 = socket_count(pid)
        probe_producer(c.bootstrap, 10)  # warm: the topic's log, the producer path
        # the probe's own connections gone before the baseline is read
        wait_until(lambda: socket_count(pid) <= socks0, 30, what="probe connections closed")
        rss0, fds0 = rss_kb(pid), fd_count(pid)
        clients, secs = open_clients(b.port, a.conns, a.window)
        wait_until(lambda: fd_count(pid) >= fds0 + a.conns, 30, what="broker holding every conn")
        t0, ticks0 = time.monotonic(), cpu_ticks(pid)
        time.sleep(a.conn_idle_s)  # the measurement itself: connections open, no traffic
        idle_cpu = 100.0 * (cpu_ticks(pid) - ticks0) / CLK_TCK / (time.monotonic() - t0)
        rss1, fds1 = rss_kb(pid), fd_count(pid)
        probe_s, probe_failed = probe_producer(c.bootstrap, a.probe_msgs)
        close_clients(clients)
        wait_until(lambda: fd_count(pid) <= fds0 + 2, 60, what="broker closing every conn")
        rss2 = rss_kb(pid)
    finally:
        c.stop()
    return {"conns": a.conns, "window": a.window, "nofile": lim, "setup_s": secs,
            "per_s": a.conns / secs, "rss_before_kb": rss0, "rss_open_kb": rss1,
            "rss_closed_kb": rss2, "kb_per_conn": (rss1 - rss0) / a.conns, "fds_before": fds0,
            "fds_open": fds1, "idle_s": a.conn_idle_s, "idle_cpu_pct": idle_cpu,
            "probe_msgs": a.probe_msgs, "probe_s": probe_s, "probe_failed": probe_failed}


# ---- groups

def commit_req(corr, group, partition, offset):
    body = (kstr(group) + struct.pack(">i", -1) + kstr("") + struct.pack(">q", -1) +
            struct.pack(">i", 1) + kstr(GROUP_TOPIC) + struct.pack(">i", 1) +
            struct.pack(">iqh", partition, offset, -1))  # metadata null
    return frame(8, 2, corr, body)


def commit_errors(body):
    """Error codes of an OffsetCommit v2 response body (after the correlation id)."""
    pos = 4
    errs = []
    ntopics = struct.unpack_from(">i", body, pos)[0]
    pos += 4
    for _ in range(ntopics):
        pos += 2 + struct.unpack_from(">h", body, pos)[0]  # topic name
        nparts = struct.unpack_from(">i", body, pos)[0]
        pos += 4
        for _ in range(nparts):  # partition, error code
            errs.append(struct.unpack_from(">h", body, pos + 4)[0])
            pos += 6
    return errs


def coordinator_ready(port):
    """FindCoordinator v0 for one group answers without an error."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(frame(10, 0, 1, kstr("bench-g-0000")))
        body = recv_frame(s, 10)
    return struct.unpack_from(">h", body, 4)[0] == 0


def run_commits(clients, period, seconds):
    """Commit for every group once per period, evenly spread, for seconds. Returns (latencies
    in s, error count, skipped count: a group's previous commit still unanswered)."""
    g = len(clients)
    sel = selectors.DefaultSelector()
    for cl in clients:
        sel.register(cl.sock, selectors.EVENT_READ, cl)
    lat, errors, skipped, k = [], 0, 0, 0
    t0 = time.monotonic()
    end = t0 + seconds
    step = period / g
    while True:
        now = time.monotonic()
        while t0 + k * step <= now and t0 + k * step < end:
            i = k % g
            cl = clients[i]
            if cl.state:
                skipped += 1
            else:
                cl.state, cl.sent_at = 1, now
                cl.sock.sendall(commit_req(k, "bench-g-%04d" % i, i % GROUP_TOPIC_PARTS, k))
            k += 1
        if t0 + k * step >= end and not any(cl.state for cl in clients):
            break
        if now > end + 30:
            raise RuntimeError("commits unanswered 30 s after the run")
        wait = max(0.0, min(t0 + k * step, end + 30) - time.monotonic())
        for key, _ in sel.select(timeout=wait):
            cl = key.data
            for body in read_frames(cl):
                lat.append(time.monotonic() - cl.sent_at)
                errors += sum(1 for e in commit_errors(body) if e)
                cl.state = 0
    sel.close()
    return lat, errors, skipped


def groups_part(a):
    raise_nofile(a.groups + 2000)
    c = start_one_broker("group")
    try:
        b = c.brokers[1]
        pid = b.proc.pid
        create_topic(c, GROUP_TOPIC, GROUP_TOPIC_PARTS)
        wait_until(lambda: coordinator_ready(b.port), 60, interval=0.2,
                   what="a group coordinator (FindCoordinator creates __consumer_offsets)")
        clients, _ = open_clients(b.port, a.groups, a.window)
        # the first commits create __consumer_offsets and load its partitions: warm up until a
        # whole period commits without an error (a real consumer retries the same way)
        wait_until(lambda: run_commits(clients, a.period, a.period)[1] == 0, 90, interval=0.1,
                   what="a commit period without errors")
        rss0 = rss_kb(pid)
        t0, ticks0 = time.monotonic(), cpu_ticks(pid)
        lat, errors, skipped = run_commits(clients, a.period, a.groups_s)
        cpu = 100.0 * (cpu_ticks(pid) - ticks0) / CLK_TCK / (time.monotonic() - t0)
        rss1 = rss_kb(pid)
        close_clients(clients)
    finally:
        c.stop()
    lat.sort()
    return {"groups": a.groups, "period_s": a.period, "seconds": a.groups_s,
            "commits": len(lat), "errors": errors, "skipped": skipped,
            "commits_per_s": len(lat) / a.groups_s, "cpu_pct": cpu,
            "p50_ms": 1000 * pct(lat, 0.50), "p99_ms": 1000 * pct(lat, 0.99),
            "max_ms": 1000 * lat[-1] if lat else float("nan"),
            "rss_start_mb": rss0 / 1024.0, "rss_end_mb": rss1 / 1024.0}


# ---- the table

def report_conns(r):
    print("%d idle connections on one broker (ApiVersions + Metadata each, %d set up at once, "
          "RLIMIT_NOFILE %d)" % (r["conns"], r["window"], r["nofile"]))
    print("%-14s %10s %10s %12s %12s %10s" % ("", "RSS MB", "fds", "KB/conn", "conns/s",
                                              "idle CPU %"))
    print("%-14s %10.1f %10d" % ("before", r["rss_before_kb"] / 1024.0, r["fds_before"]))
    print("%-14s %10.1f %10d %12.1f %12.0f %10.1f"
          % ("open, idle", r["rss_open_kb"] / 1024.0, r["fds_open"], r["kb_per_conn"],
             r["per_s"], r["idle_cpu_pct"]))
    print("%-14s %10.1f" % ("all closed", r["rss_closed_kb"] / 1024.0))
    print("producer while open: %d acks=all messages in %.2f s, %d failed"
          % (r["probe_msgs"], r["probe_s"], r["probe_failed"]))
    print("target: <= 20 KB per idle connection (%.1f)" % r["kb_per_conn"])


def report_groups(r):
    print("%d consumer groups committing every %.1f s (OffsetCommit v2, generation -1, one "
          "connection each), %.0f s" % (r["groups"], r["period_s"], r["seconds"]))
    print("%-10s %10s %10s %10s %10s %10s %12s" % ("commits/s", "CPU %", "p50 ms", "p99 ms",
                                                   "max ms", "RSS MB", "errs/skipped"))
    print("%-10.0f %10.1f %10.2f %10.2f %10.1f %10.1f %12s"
          % (r["commits_per_s"], r["cpu_pct"], r["p50_ms"], r["p99_ms"], r["max_ms"],
             r["rss_end_mb"], "%d/%d" % (r["errors"], r["skipped"])))


def add_args(ap):
    ap.add_argument("--conns", type=int, default=5000)
    ap.add_argument("--window", type=int, default=100, help="connections being set up at once")
    ap.add_argument("--conn-idle-s", dest="conn_idle_s", type=float, default=5.0)
    ap.add_argument("--probe-msgs", type=int, default=1000)
    ap.add_argument("--groups", type=int, default=1000)
    ap.add_argument("--period", type=float, default=1.0, help="seconds between a group's commits")
    ap.add_argument("--groups-s", type=float, default=30.0)


def run_parts(parts, a, res):
    """Run the parts named in parts ("conns", "groups") into res, printing each table."""
    if "conns" in parts:
        res["conns"] = conns_part(a)
        report_conns(res["conns"])
    if "groups" in parts:
        res["groups"] = groups_part(a)
        report_groups(res["groups"])


def finish(res, name):
    """Print the load averages, write res to tests/bench/results/<name>-<time>.json."""
    res["load_end"] = loadavg()
    print("load average (1/5/15 min) at start %s, at end %s"
          % (" ".join(res["load_start"]), " ".join(res["load_end"])))
    os.makedirs(RESULTS, exist_ok=True)
    path = os.path.join(RESULTS, "%s-%s.json" % (name, time.strftime("%Y%m%d-%H%M%S")))
    with open(path, "w") as f:
        json.dump(res, f, indent=1)
    print("results: %s" % path)


def main():
    ap = argparse.ArgumentParser(description="5,000 connections, 1,000 committing groups")
    ap.add_argument("--only", default="conns,groups")
    add_args(ap)
    a = ap.parse_args()
    res = {"load_start": loadavg()}
    run_parts(a.only.split(","), a, res)
    finish(res, "conns")


if __name__ == "__main__":
    main()

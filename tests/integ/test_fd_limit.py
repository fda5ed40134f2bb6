"""test_fd_limit.py: a broker that runs out of file descriptors (its RLIMIT_NOFILE lowered under
it with prlimit) keeps its log dir online and does not spin: accept backs off (a few accept
calls a second, not a busy loop), and once fds are free again new connections are served and
everything produced before is read back."""
import os
import re
import socket
import subprocess

from confluent_kafka import Consumer, Producer, TopicPartition

from kafkabroker import wait_until


def accept_calls_per_s(pid, seconds=2):
    """accept4 calls of pid over a few seconds, per second, as strace -c counts them."""
    p = subprocess.Popen(["strace", "-f", "-c", "-e", "trace=accept4", "-p", str(pid)],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        p.wait(seconds)
    except subprocess.TimeoutExpired:
        p.send_signal(2)  # SIGINT: strace detaches and prints its summary
    out = p.communicate(timeout=30)[0]
    m = re.search(r"^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?accept4", out, re.M)
    assert m, out  # strace attached and saw the retries
    return int(m.group(1)) / seconds


def test_out_of_fds_backs_off_and_keeps_the_log_dir(broker):
    p = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 5})
    for i in range(100):
        p.produce("fdt", b"v%d" % i)
    assert p.flush(30) == 0
    pid = broker.proc.pid
    limit = len(os.listdir("/proc/%d/fd" % pid)) + 20
    subprocess.run(["prlimit", "--pid", str(pid), "--nofile=%d:%d" % (limit, limit)], check=True)
    socks = [socket.create_connection(("127.0.0.1", broker.port), timeout=5) for _ in range(60)]
    try:
        wait_until(lambda: len(os.listdir("/proc/%d/fd" % pid)) >= limit, 20,
                   what="the broker to use every fd it may")
        # the backlog still holds connections: a busy loop would call accept thousands of
        # times a second; the backoff retries every 100 ms
        assert 0 < accept_calls_per_s(pid) < 100
        assert "pausing new connections" in broker.output()
        assert broker.alive()
    finally:
        for s in socks:
            s.close()
    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "fdt",
                  "enable.auto.commit": False})
    c.assign([TopicPartition("fdt", 0, 0)])
    got = []
    try:
        wait_until(lambda: got.extend(m.value() for m in c.consume(100, 1) if not m.error())
                   or len(got) >= 100, 60, what="the records produced before")
    finally:
        c.close()
    assert got == [b"v%d" % i for i in range(100)]
    out = broker.output()
    assert "I/O error in log dir" not in out and "is offline" not in out

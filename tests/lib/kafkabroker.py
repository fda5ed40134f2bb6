"""kafkabroker.py: start and stop real kafka-server processes for tests.

Each broker binds 127.0.0.1 on a free port, keeps its logs in its own temp directory, and is
stopped by PID (SIGTERM for a clean stop, SIGKILL for a crash). Nothing is ever killed by name.
Waiting is always polling with a deadline.
"""
import os
import signal
import socket
import struct
import subprocess
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SERVER_BIN = os.environ.get("KAFKA_SERVER_BIN", os.path.join(ROOT, "bin", "kafka-server"))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_until(cond, timeout=30.0, interval=0.05, what="condition"):
    """Poll cond() until it returns a truthy value; raise TimeoutError after timeout seconds."""
    deadline = time.monotonic() + timeout
    last_exc = None
    while time.monotonic() < deadline:
        try:
            v = cond()
            if v:
                return v
        except Exception as e:  # keep polling; report the last error on timeout
            last_exc = e
        time.sleep(interval)
    raise TimeoutError("timed out waiting for %s%s" % (what, (": %r" % last_exc) if last_exc else ""))


def recv_frame(sock, timeout=None):
    """The body of one size-prefixed Kafka frame read from sock (a response, or a request on
    the broker's side), or None when the peer closed first. timeout: seconds, if given."""
    if timeout is not None:
        sock.settimeout(timeout)

    def exact(n):
        b = b""
        while len(b) < n:
            c = sock.recv(min(n - len(b), 1 << 20))
            if not c:
                return None
            b += c
        return b
    hdr = exact(4)
    return None if hdr is None else exact(struct.unpack(">i", hdr)[0])


def metadata_brokers(port, host="127.0.0.1"):
    """(broker ids, controller id) from a Metadata v1 request with no topics, or None."""
    body = struct.pack(">i", 0)  # topics: empty array (no topic data wanted)
    hdr = struct.pack(">hhih", 3, 1, 7, 4) + b"wait"
    msg = hdr + body
    with socket.create_connection((host, port), timeout=2) as s:
        s.sendall(struct.pack(">i", len(msg)) + msg)
        buf = b""
        while len(buf) < 4 or len(buf) < 4 + struct.unpack(">i", buf[:4])[0]:
            c = s.recv(65536)
            if not c:
                return None
            buf += c
    r = buf[8:]  # size, correlation id
    n = struct.unpack(">i", r[:4])[0]
    pos, ids = 4, []
    for _ in range(n):
        node = struct.unpack(">i", r[pos:pos + 4])[0]
        hl = struct.unpack(">h", r[pos + 4:pos + 6])[0]
        pos += 6 + hl + 4
        rl = struct.unpack(">h", r[pos:pos + 2])[0]
        pos += 2 + max(rl, 0)
        ids.append(node)
    controller = struct.unpack(">i", r[pos:pos + 4])[0]
    return ids, controller


def port_open(port, host="127.0.0.1"):
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


class Broker:
    def __init__(self, workdir, zk_connect, broker_id=1, port=None, overrides=None):
        self.id = broker_id
        self.port = port or free_port()
        self.dir = os.path.join(workdir, "broker-%d" % broker_id)
        self.log_dir = os.path.join(self.dir, "data")
        os.makedirs(self.log_dir, exist_ok=True)
        self.out_path = os.path.join(self.dir, "server.out")
        self.config_path = os.path.join(self.dir, "server.properties")
        self.zk_connect = zk_connect
        self.overrides = dict(overrides or {})
        self.proc = None
        self._write_config()

    def _write_config(self):
        props = {
            "broker.id": str(self.id),
            "listeners": "PLAINTEXT://127.0.0.1:%d" % self.port,
            "log.dirs": self.log_dir,
            "zookeeper.connect": self.zk_connect,
            "zookeeper.session.timeout.ms": "6000",
            "num.partitions": "1",
            "default.replication.factor": "1",
            "offsets.topic.replication.factor": "1",
            "group.initial.rebalance.delay.ms": "0",
            "log.segment.delete.delay.ms": "0",
        }
        props.update(self.overrides)
        with open(self.config_path, "w") as f:
            for k, v in props.items():
                f.write("%s=%s\n" % (k, v))

    @property
    def bootstrap(self):
        return "127.0.0.1:%d" % self.port

    def start(self, wait=True, extra_args=(), env=None):
        assert self.proc is None or self.proc.poll() is not None, "broker already running"
        out = open(self.out_path, "ab")
        e = dict(os.environ)
        e.setdefault("LSAN_OPTIONS", "suppressions=" + os.path.join(ROOT, "tests", "lib", "lsan.supp"))
        if env:
            e.update(env)
        self.proc = subprocess.Popen([SERVER_BIN, self.config_path] + list(extra_args),
                                     stdout=out, stderr=subprocess.STDOUT, env=e,
                                     start_new_session=True)
        out.close()
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=40.0):
        def ready():
            if self.proc.poll() is not None:
                raise RuntimeError("broker %d exited with %s:\n%s" % (self.id, self.proc.returncode, self.output()[-3000:]))
            if not port_open(self.port):
                return False
            # Serving means the controller's metadata has reached this broker: it lists
            # itself and knows the controller.
            md = metadata_brokers(self.port)
            return md is not None and self.id in md[0] and md[1] >= 0
        wait_until(ready, timeout, what="broker %d to listen on %d" % (self.id, self.port))

    def output(self):
        try:
            with open(self.out_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=30.0):
        """Clean stop: SIGTERM and wait; SIGKILL if it does not exit in time."""
        if not self.alive():
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
            raise AssertionError("broker %d did not stop within %ss of SIGTERM" % (self.id, timeout))

    def kill9(self):
        if self.alive():
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

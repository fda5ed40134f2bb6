"""connectworker.py: start and stop real connect-standalone / connect-distributed processes
for tests, each with its own properties files in its own directory, REST on a free 127.0.0.1
port, stopped by PID (SIGTERM, or SIGKILL for a crash). Waiting is polling with a deadline."""
import json
import os
import signal
import subprocess
import urllib.error
import urllib.request

from kafkabroker import ROOT, free_port, wait_until

# KAFKA_CONNECT_BIN_DIR: run other builds (build-asan/bin) of the workers
BIN = os.environ.get("KAFKA_CONNECT_BIN_DIR", os.path.join(ROOT, "bin"))


def write_props(path, props):
    with open(path, "w") as f:
        for k, v in props.items():
            f.write("%s=%s\n" % (k, v))
    return path


def http(method, url, body=None, content_type="application/json", timeout=30):
    """(status, parsed JSON or None, raw text) of one request."""
    data = None
    headers = {}
    if body is not None:
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        data = data.encode() if isinstance(data, str) else data
        if content_type:
            headers["Content-Type"] = content_type
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            raw = r.read().decode()
            status = r.status
    except urllib.error.HTTPError as e:
        raw = e.read().decode()
        status = e.code
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = None
    return status, parsed, raw


class Worker:
    def __init__(self, workdir, bootstrap, mode="standalone", overrides=None, connectors=(),
                 port=None, name="worker"):
        self.dir = workdir
        os.makedirs(workdir, exist_ok=True)
        self.mode = mode
        self.port = port or free_port()
        props = {
            "bootstrap.servers": bootstrap,
            "key.converter": "org.apache.kafka.connect.storage.StringConverter",
            "value.converter": "org.apache.kafka.connect.storage.StringConverter",
            "offset.flush.interval.ms": "500",
            "listeners": "http://127.0.0.1:%d" % self.port,
        }
        if mode == "standalone":
            props["offset.storage.file.filename"] = os.path.join(workdir, "connect.offsets")
        props.update(overrides or {})
        self.props_file = write_props(os.path.join(workdir, name + ".properties"), props)
        self.connectors = list(connectors)
        self.proc = None
        self.log_path = os.path.join(workdir, name + ".log")

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def rest(self, method, path, body=None, **kw):
        return http(method, self.url + path, body, **kw)

    def start(self, wait=True, timeout=60):
        args = [os.path.join(BIN, "connect-" + self.mode), self.props_file] + self.connectors
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT,
                                     cwd=self.dir)
        if wait:
            def up():
                assert self.proc.poll() is None, "worker exited: " + self.output()[-3000:]
                return self.rest("GET", "/", timeout=2)[0] == 200
            wait_until(up, timeout, interval=0.1, what="connect worker REST on %d" % self.port)
        return self

    def output(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def stop(self, timeout=30):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def kill9(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
        self.proc = None


def start_all(workers, timeout=60):
    """Start every worker at once (a distributed group forms while they come up), then wait
    for each one's REST."""
    for w in workers:
        w.start(wait=False)
    for w in workers:
        wait_until(lambda: w.rest("GET", "/", timeout=2)[0] == 200, timeout, interval=0.1,
                   what="worker REST on %d" % w.port)
    return workers

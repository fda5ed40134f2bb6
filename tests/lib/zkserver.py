"""zkserver.py: a real Apache ZooKeeper server (Debian's zookeeper package) for tests.

Binds 127.0.0.1 on a free port, keeps its data in its own temp directory, waits (polling with a
deadline) until it answers the `srvr` four-letter command, and is stopped by PID.
"""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

ZK_CLASSPATH = "/usr/share/java/zookeeper.jar:/usr/share/java/*"
ZK_MAIN = "org.apache.zookeeper.server.quorum.QuorumPeerMain"
ZKCLI = "/usr/share/zookeeper/bin/zkCli.sh"


def _free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def four_letter(port, cmd="srvr", timeout=1.0):
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(cmd.encode())
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        return data.decode("utf-8", "replace")


class ZooKeeper:
    def __init__(self, workdir=None, port=None):
        self.own_dir = workdir is None
        self.dir = workdir or tempfile.mkdtemp(prefix="zk-")
        self.port = port or _free_port()
        self.proc = None

    @property
    def connect(self):
        return "127.0.0.1:%d" % self.port

    def start(self, timeout=60.0):
        data = os.path.join(self.dir, "data")
        os.makedirs(data, exist_ok=True)
        cfg = os.path.join(self.dir, "zoo.cfg")
        with open(cfg, "w") as f:
            f.write("dataDir=%s\nclientPort=%d\nclientPortAddress=127.0.0.1\n"
                    "admin.enableServer=false\n4lw.commands.whitelist=*\ntickTime=500\n"
                    "minSessionTimeout=1000\nmaxSessionTimeout=60000\n" % (data, self.port))
        self.log = open(os.path.join(self.dir, "zookeeper.out"), "ab")
        self.proc = subprocess.Popen(
            ["java", "-Xmx256m", "-Dzookeeper.log.dir=" + self.dir, "-cp", ZK_CLASSPATH, ZK_MAIN, cfg],
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("ZooKeeper exited early; see %s/zookeeper.out" % self.dir)
            try:
                if "Zookeeper version" in four_letter(self.port):
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise TimeoutError("ZooKeeper did not answer on port %d within %ss" % (self.port, timeout))

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if getattr(self, "log", None):
            self.log.close()
            self.log = None

    def cleanup(self):
        self.stop()
        if self.own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    def cli_get(self, path, timeout=60):
        """Read a znode with the standard zkCli.sh; returns its data line (JSON) or None."""
        out = subprocess.run([ZKCLI, "-server", self.connect, "get", path], capture_output=True,
                             text=True, timeout=timeout).stdout
        for line in out.splitlines():
            line = line.strip()
            if line.startswith("{") or line.startswith("[") or (line and line[0].isdigit() and "=" not in line):
                return line
        return None

    def cli(self, *args, timeout=60):
        return subprocess.run([ZKCLI, "-server", self.connect] + list(args), capture_output=True,
                              text=True, timeout=timeout).stdout

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.cleanup()

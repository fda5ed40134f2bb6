"""composeproj.py: one docker-compose project of the kafka-c image for the compose tests: its
command line, containers, health and leftovers. Every project gets a name of its own and free
host ports (given by the caller through the compose file's variables)."""
import os
import re
import shutil
import subprocess

import pytest

from kafkabroker import ROOT, wait_until


def compose_cmd():
    if subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    pytest.skip("neither `docker compose` nor docker-compose is installed")


def run(cmd, timeout=300, check=True, env=None, input=None):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, input=input)
    if check:
        assert r.returncode == 0, "%s: %s%s" % (" ".join(cmd), r.stdout[-3000:], r.stderr[-3000:])
    return r


_built = []


def build_image():
    """deploy/build-image.sh, once per test session."""
    if not _built:
        run(["bash", os.path.join(ROOT, "deploy", "build-image.sh")], timeout=1200)
        _built.append(True)


def port_env(prefix, ports):
    """The compose file's host-port variables PREFIX1..N for ports."""
    return {"%s%d" % (prefix, i): str(p) for i, p in enumerate(ports, 1)}


class Project:
    def __init__(self, name, compose_file, ncontainers, env, broker_ports):
        """broker_ports: the brokers' published client ports, in broker id order."""
        self.name = name
        self.ncontainers = ncontainers
        self.ports = broker_ports
        self.bootstrap = ",".join("127.0.0.1:%d" % port for port in broker_ports)
        self.env = dict(os.environ, **env)
        self.cmd = compose_cmd() + ["-p", self.name, "-f", compose_file]
        self.up_seconds = None

    def compose(self, *args, timeout=300, check=True):
        return run(self.cmd + list(args), timeout=timeout, check=check, env=self.env)

    def containers(self):
        out = run(["docker", "ps", "-a", "--filter", "label=com.docker.compose.project=" + self.name,
                   "--format", "{{.Names}}"]).stdout.split()
        return sorted(out)

    def health(self):
        out = {}
        for c in self.containers():
            out[c] = run(["docker", "inspect", "-f", "{{.State.Health.Status}}", c],
                         check=False).stdout.strip()
        return out

    def wait_healthy(self, timeout=180):
        n = self.ncontainers
        wait_until(lambda: len(self.health()) == n and
                   all(v == "healthy" for v in self.health().values()), timeout,
                   interval=1, what="%d healthy containers" % n)

    def container(self, service):
        return [c for c in self.containers() if re.search(r"[_-]%s[_-]1$" % service, c)][0]

    def ip(self, service):
        return run(["docker", "inspect", "-f",
                    "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
                    self.container(service)]).stdout.strip()

    def leftovers(self):
        lab = "label=com.docker.compose.project=" + self.name
        return (run(["docker", "ps", "-aq", "--filter", lab]).stdout.split() +
                run(["docker", "network", "ls", "-q", "--filter", lab]).stdout.split() +
                run(["docker", "volume", "ls", "-q", "--filter", lab]).stdout.split())

    def up(self):
        """Starts the project and waits until every container is healthy; yields self; takes it
        down (volumes too) afterwards, also on failure, and checks nothing is left."""
        import time
        try:
            t = time.monotonic()
            self.compose("up", "-d", timeout=600)
            self.wait_healthy()
            self.up_seconds = time.monotonic() - t
            print("compose up: %d containers healthy in %.1f s" % (self.ncontainers,
                                                                  self.up_seconds))
            yield self
        finally:
            for c in self.containers():  # what the servers said, for a failing run's log
                logs = run(["docker", "logs", "--tail", "15", c], check=False)
                print("== %s\n%s%s" % (c, logs.stdout[-1500:], logs.stderr[-1500:]))
            self.compose("down", "-v", "--remove-orphans", timeout=300, check=False)
            left = self.leftovers()
            assert left == [], "compose down left %s" % left

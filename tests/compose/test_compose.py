"""make compose-test: the kafka-c image (built with no registry: debootstrap base + our
binaries) and deploy/docker-compose.yml for real: 3 ZooKeeper nodes, 3 brokers and 2 Kafka
Connect workers come up healthy, the workers in one group answering REST on the host; from the host, through the published listeners, kcat sees the 3 brokers, an RF3
min.insync.replicas=2 topic is created with bin/kafka-topics, messages go in and come back;
kafka-drill docker-kills the broker leading partition 0 and finds nothing acknowledged lost;
the ISR is 3 again; `docker-compose restart` keeps the data (named volumes). Everything the
test made (containers, network, volumes) is removed at the end, also on failure.
The steps share one compose project and run in order."""
import os
import re
import shutil
import subprocess
import time

import pytest

from ports import free_range
from kafkabroker import ROOT, wait_until

COMPOSE_FILE = os.path.join(ROOT, "deploy", "docker-compose.yml")
BIN = os.path.join(ROOT, "bin")
TOPIC = "compose-rf3"


def compose_cmd():
    if subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    pytest.skip("neither `docker compose` nor docker-compose is installed")


def run(cmd, timeout=300, check=True, env=None):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    if check:
        assert r.returncode == 0, "%s: %s%s" % (" ".join(cmd), r.stdout[-3000:], r.stderr[-3000:])
    return r


class Project:
    def __init__(self):
        self.name = "kafkac-test-%d" % os.getpid()
        base = free_range(3)
        self.ports = [base, base + 1, base + 2]
        self.bootstrap = ",".join("127.0.0.1:%d" % p for p in self.ports)
        cbase = free_range(2)
        self.connect_ports = [cbase, cbase + 1]
        self.env = dict(os.environ)
        for i, p in enumerate(self.ports, 1):
            self.env["KAFKA_C_PORT_%d" % i] = str(p)
        for i, p in enumerate(self.connect_ports, 1):
            self.env["KAFKA_C_CONNECT_PORT_%d" % i] = str(p)
        self.cmd = compose_cmd() + ["-p", self.name, "-f", COMPOSE_FILE]
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
        wait_until(lambda: len(self.health()) == 8 and
                   all(v == "healthy" for v in self.health().values()), timeout,
                   interval=1, what="8 healthy containers")

    def container(self, service):
        return [c for c in self.containers() if re.search(r"[_-]%s[_-]1$" % service, c)][0]

    def leftovers(self):
        lab = "label=com.docker.compose.project=" + self.name
        return (run(["docker", "ps", "-aq", "--filter", lab]).stdout.split() +
                run(["docker", "network", "ls", "-q", "--filter", lab]).stdout.split() +
                run(["docker", "volume", "ls", "-q", "--filter", lab]).stdout.split())


@pytest.fixture(scope="module")
def project():
    run(["bash", os.path.join(ROOT, "deploy", "build-image.sh")], timeout=1200)
    p = Project()
    try:
        t = time.monotonic()
        p.compose("up", "-d", timeout=600)
        p.wait_healthy()
        p.up_seconds = time.monotonic() - t
        print("compose up: 8 containers healthy in %.1f s" % p.up_seconds)
        yield p
    finally:
        for c in p.containers():  # what the brokers said, for a failing run's log
            logs = run(["docker", "logs", "--tail", "15", c], check=False)
            print("== %s\n%s%s" % (c, logs.stdout[-1500:], logs.stderr[-1500:]))
        p.compose("down", "-v", "--remove-orphans", timeout=300, check=False)
        left = p.leftovers()
        assert left == [], "compose down left %s" % left


def test_up_healthy_and_brokers_seen_from_host(project):
    assert project.up_seconds is not None
    md = run(["kcat", "-b", project.bootstrap, "-L", "-m", "15"]).stdout
    assert " 3 brokers:" in md, md
    for i, port in enumerate(project.ports, 1):
        assert "broker %d at 127.0.0.1:%d" % (i, port) in md, md
    modes = []
    for i in (1, 2, 3):
        out = run(["docker", "exec", project.container("zookeeper-%d" % i), "bash", "-c",
                   "exec 3<>/dev/tcp/127.0.0.1/2181 && echo srvr >&3 && cat <&3"]).stdout
        modes.append(re.search(r"^Mode: (\w+)", out, re.M).group(1))
    assert sorted(modes) == ["follower", "follower", "leader"], modes


def test_connect_workers_answer_rest_from_host(project):
    import json
    import urllib.request
    ids = set()
    for port in project.connect_ports:
        with urllib.request.urlopen("http://127.0.0.1:%d/" % port, timeout=10) as r:
            root = json.loads(r.read())
        assert root["version"] and root["kafka_cluster_id"], root
        ids.add(root["kafka_cluster_id"])
        with urllib.request.urlopen("http://127.0.0.1:%d/connector-plugins" % port,
                                    timeout=10) as r:
            assert any(p["class"].endswith("FileStreamSourceConnector")
                       for p in json.loads(r.read()))
    assert len(ids) == 1


def isr_sizes(project, topic):
    out = run([os.path.join(BIN, "kafka-topics"), "--bootstrap-server", project.bootstrap,
               "--describe", "--topic", topic], check=False).stdout
    return [len(m.split(",")) for m in re.findall(r"Isr: ([0-9,]+)", out)], out


def test_create_rf3_min_isr2_topic(project):
    run([os.path.join(BIN, "kafka-topics"), "--bootstrap-server", project.bootstrap, "--create",
         "--topic", TOPIC, "--partitions", "3", "--replication-factor", "3", "--config",
         "min.insync.replicas=2"])
    wait_until(lambda: isr_sizes(project, TOPIC)[0] == [3, 3, 3], 60, interval=1,
               what="ISR 3 on every partition")
    out = isr_sizes(project, TOPIC)[1]
    assert "ReplicationFactor: 3" in out and "min.insync.replicas=2" in out, out


def test_produce_and_consume_through_published_listeners(project):
    msgs = "".join("k%d:v%d\n" % (i, i) for i in range(100))
    subprocess.run(["kcat", "-b", project.bootstrap, "-P", "-t", TOPIC, "-K:", "-X", "acks=all"],
                   input=msgs, text=True, check=True, timeout=60)
    out = run(["kcat", "-b", project.bootstrap, "-C", "-t", TOPIC, "-e", "-q", "-f", "%k=%s\n"],
              timeout=60).stdout.split()
    assert sorted(out) == sorted("k%d=v%d" % (i, i) for i in range(100))


def test_kill_the_leader_nothing_acknowledged_lost(project):
    """Needs replication (followers, ISR, acks=all, idempotent producer)."""
    r = subprocess.run([os.path.join(BIN, "kafka-drill"), "--drill", "kill-leader",
                        "--compose-project", project.name, "--topic", TOPIC,
                        "--warmup-s", "3", "--tail-s", "3"],
                       capture_output=True, text=True, timeout=600)
    print(r.stdout)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    assert re.search(r"lost \(acked, not read\):\s+0\b", r.stdout)


def test_isr_is_three_again(project):
    wait_until(lambda: isr_sizes(project, TOPIC)[0] == [3, 3, 3], 120, interval=1,
               what="ISR 3 again on every partition")
    md = run(["kcat", "-b", project.bootstrap, "-L", "-t", TOPIC, "-m", "15"]).stdout
    assert md.count("isrs: ") == 3 and all(len(m.split(",")) == 3 for m in
                                          re.findall(r"isrs: ([0-9,]+)", md)), md


def test_restart_keeps_data(project):
    project.compose("restart", timeout=300)
    project.wait_healthy()
    def all_back():
        out = run(["kcat", "-b", project.bootstrap, "-C", "-t", TOPIC, "-e", "-q", "-f",
                   "%k=%s\n"], timeout=60, check=False).stdout.split()
        return set("k%d=v%d" % (i, i) for i in range(100)) <= set(out)
    wait_until(all_back, 120, interval=2, what="the first 100 messages after a restart")

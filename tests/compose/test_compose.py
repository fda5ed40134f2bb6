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
import subprocess

import pytest

from composeproj import Project, build_image, port_env, run
from ports import free_range
from kafkabroker import ROOT, wait_until

COMPOSE_FILE = os.path.join(ROOT, "deploy", "docker-compose.yml")
BIN = os.path.join(ROOT, "bin")
TOPIC = "compose-rf3"


@pytest.fixture(scope="module")
def project():
    build_image()
    base, cbase = free_range(3), free_range(2)
    ports, connect_ports = [base, base + 1, base + 2], [cbase, cbase + 1]
    env = dict(port_env("KAFKA_C_PORT_", ports), **port_env("KAFKA_C_CONNECT_PORT_", connect_ports))
    p = Project("kafkac-test-%d" % os.getpid(), COMPOSE_FILE, 8, env, ports)
    p.connect_ports = connect_ports
    yield from p.up()


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

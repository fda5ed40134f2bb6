"""Every failover drill of bin/kafka-drill against a real process cluster (scripts/cluster.sh:
3 ZooKeeper nodes, 3 brokers each in its own network namespace) with an idempotent acks=all
producer on an RF3, min.insync.replicas=2 topic: nothing acknowledged may be lost, nothing
duplicated or reordered, acknowledgements must resume after the fault and the ISR must be full
again. Each report is kept in build/failover/<drill>.txt (the figures quoted in notes).
Run by `make test-failover` and `make test-all` (tests/run.sh --all), not by `make test`."""
import json
import os
import subprocess

import pytest

from ports import free_range, free_net
from kafkabroker import ROOT

CLUSTER = os.path.join(ROOT, "scripts", "cluster.sh")
DRILL = os.path.join(ROOT, "bin", "kafka-drill")
REPORTS = os.path.join(ROOT, "build", "failover")
# Failure detection quick enough for a test run; everything else at Kafka's defaults
# (the same settings as tests/lib/cluster.py).
FAST = ["zookeeper.session.timeout.ms=6000", "replica.lag.time.max.ms=10000",
        "controlled.shutdown.retry.backoff.ms=500", "leader.imbalance.check.interval.seconds=3600"]

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="network namespaces need root")


def sh(*args, timeout=300):
    return subprocess.run(["bash", CLUSTER] + list(args), capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("drills") / "cluster")
    args = ["--dir", d, "--brokers", "3", "--zookeepers", "3", "--base-port", str(free_range(3)),
            "--zk-port", str(free_range(3)), "--zk-peer-port", str(free_range(103)),
            "--netns", "--net-id", str(free_net())]
    for p in FAST:
        args += ["--broker-prop", p]
    r = sh("start", *args)
    try:
        assert r.returncode == 0, r.stdout + r.stderr
        yield d
    finally:
        stop = sh("stop", "--dir", d)
        assert stop.returncode == 0, stop.stderr


def heal(d):
    """Whatever a failed drill left behind: every node running, every broker connected."""
    for i in (1, 2, 3):
        sh("heal", "broker-%d" % i, "--dir", d)
    st = sh("status", "--dir", d).stdout
    for line in st.splitlines():
        if ": not running" in line:
            sh("start-node", line.split(":")[0], "--dir", d)


DRILLS = ["kill-leader", "kill-controller", "stop-leader", "isolate", "rolling-restart",
          "full-restart", "kill-zk-leader"]


@pytest.mark.parametrize("drill", DRILLS)
def test_drill(cluster, drill):
    os.makedirs(REPORTS, exist_ok=True)
    js = os.path.join(REPORTS, drill + ".json")
    txt = os.path.join(REPORTS, drill + ".txt")
    try:
        with open(txt, "w") as out:  # streamed: a drill that hangs still leaves its story
            r = subprocess.run([DRILL, "--drill", drill, "--cluster-dir", cluster,
                                "--partitions", "3", "--warmup-s", "3", "--tail-s", "3",
                                "--report-json", js], stdout=out, stderr=subprocess.STDOUT,
                               timeout=900)
        with open(txt) as f:
            story = f.read()
        assert r.returncode == 0, story[-5000:]
        with open(js) as f:
            rep = json.load(f)
        assert rep["acked"] > 0
        assert rep["lost"] == 0 and rep["rewritten"] == 0
        assert rep["duplicated"] == 0 and rep["out_of_order"] == 0
        assert rep["faults"] and all(f["first_ack_after_ms"] >= 0 and f["isr_full_ms"] >= 0
                                     for f in rep["faults"])
        if drill in ("kill-leader", "kill-controller", "stop-leader", "isolate"):
            # the cluster failed over while the broker was gone (after its ZooKeeper session
            # of 6 s expired), not when it came back
            moved = rep["faults"][0]["leadership_moved_ms"]
            assert 0 < moved < 9000, rep["faults"]
    finally:
        heal(cluster)

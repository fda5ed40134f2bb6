"""bin/kafka-drill against scripts/cluster.sh clusters on 127.0.0.1: its option errors, a
kill -9 of the only broker with a plain (--no-idempotence) acks=all producer, and a kill -9 of
the leader of an RF3 min.insync.replicas=2 topic with the idempotent producer: nothing
acknowledged lost, acknowledgements resume, the ISR is full again. The whole drill set runs in
tests/failover (make test-failover)."""
import json
import os
import subprocess

import pytest

from ports import free_range
from kafkabroker import ROOT

CLUSTER = os.path.join(ROOT, "scripts", "cluster.sh")
DRILL = os.path.join(ROOT, "bin", "kafka-drill")


def sh(*args):
    return subprocess.run(["bash", CLUSTER] + list(args), capture_output=True, text=True,
                          timeout=300)


@pytest.fixture
def cluster(tmp_path):
    made = []

    def start(brokers):
        d = str(tmp_path / ("cluster-%d" % len(made)))
        r = sh("start", "--dir", d, "--brokers", str(brokers), "--base-port",
               str(free_range(brokers)), "--zk-port", str(free_range(1)),
               "--broker-prop", "zookeeper.session.timeout.ms=6000",
               "--broker-prop", "replica.lag.time.max.ms=10000")
        made.append(d)
        assert r.returncode == 0, r.stdout + r.stderr
        return d
    yield start
    for d in made:
        assert sh("stop", "--dir", d).returncode == 0


def drill(*args, timeout=600):
    return subprocess.run([DRILL] + list(args), capture_output=True, text=True, timeout=timeout)


def test_drill_option_errors(tmp_path):
    r = drill("--help")
    assert r.returncode == 0 and "--drill" in r.stdout + r.stderr
    r = drill("--cluster-dir", str(tmp_path))
    assert r.returncode == 1 and "--drill is required" in r.stderr
    r = drill("--drill", "kill-leader", "--cluster-dir", str(tmp_path))
    assert r.returncode == 1 and "no cluster in" in r.stderr


def test_kill_the_only_broker_without_idempotence(cluster, tmp_path):
    d = cluster(1)
    js = str(tmp_path / "r.json")
    r = drill("--drill", "kill-leader", "--cluster-dir", d, "--no-idempotence", "--warmup-s",
              "2", "--down-s", "3", "--tail-s", "2", "--report-json", js)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    assert "kill -9 broker 1 (leader of partition 0)" in r.stdout
    rep = json.load(open(js))
    assert rep["idempotence"] is False and rep["acked"] > 0 and rep["lost"] == 0
    # the broker was down 3 s: no ack for at least that long, then acks again
    f = rep["faults"][0]
    assert f["unavailable_ms"] >= 3000 and f["first_ack_after_ms"] >= 3000
    # no other broker could take its partition over
    assert f["leadership_moved_ms"] == -1 and "leadership moved:       not while" in r.stdout
    assert "result: PASS" in r.stdout
    assert "broker-1: running" in sh("status", "--dir", d).stdout


def test_kill_the_leader_of_an_rf3_topic_idempotent(cluster, tmp_path):
    d = cluster(3)
    js = str(tmp_path / "r.json")
    r = drill("--drill", "kill-leader", "--cluster-dir", d, "--partitions", "2", "--warmup-s",
              "2", "--tail-s", "2", "--report-json", js)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    rep = json.load(open(js))
    assert rep["idempotence"] is True and rep["acked"] > 0
    assert rep["lost"] == 0 and rep["duplicated"] == 0 and rep["out_of_order"] == 0
    assert rep["faults"][0]["isr_full_ms"] > 0
    # the cluster's own failover, seen in metadata: after the dead broker's ZooKeeper session
    # expired, before it came back
    moved = rep["faults"][0]["leadership_moved_ms"]
    assert 0 < moved < rep["faults"][0]["isr_full_ms"], rep["faults"]
    print("leadership moved %.0f ms after kill -9, unavailability %.0f ms" %
          (moved, rep["faults"][0]["unavailable_ms"]))
    assert "replication factor 3, min.insync.replicas 2" in r.stdout


def test_kill_the_leader_transactional(cluster, tmp_path):
    """--transactional (issue 13): a transactional producer committing every 100 ms while the
    leader is killed; nothing committed lost or doubled, nothing aborted visible."""
    d = cluster(3)
    js = str(tmp_path / "r.json")
    r = drill("--drill", "kill-leader", "--cluster-dir", d, "--partitions", "2", "--warmup-s",
              "2", "--tail-s", "2", "--transactional", "--report-json", js)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    rep = json.load(open(js))
    assert rep["transactional"] is True and rep["acked"] > 0
    assert rep["lost"] == 0 and rep["duplicated"] == 0 and rep["unacked_written"] == 0
    assert "transactional" in r.stdout
    print("transactional drill: %d sent, %d committed, %d failed (aborted), %d read back" %
          (rep["sent"], rep["acked"], rep["failed"], rep["consumed"]))

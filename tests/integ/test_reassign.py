"""Partition reassignment (KIP-455) on a real cluster through kafka-reassign-partitions: an RF3
topic moved from brokers 1,2,3 to 2,3,4 (a fourth broker started by the test) under an
idempotent acks=all load, every acknowledged message read back, --verify reporting completion,
the old replica's directory gone; --list and --cancel while a new replica cannot catch up; the
pre-KIP-455 /admin/reassign_partitions znode still honoured."""
import json
import os
import signal
import subprocess
import time

import pytest
from confluent_kafka.admin import NewTopic

from cluster import Cluster, SeqProducer, read_all, verify
from kafkabroker import Broker, wait_until

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TOOL = os.path.join(ROOT, "bin", "kafka-reassign-partitions")


def tool(c, *args, check=True):
    p = subprocess.run([TOOL, "--bootstrap-server", c.bootstrap] + list(args),
                       capture_output=True, text=True, timeout=120)
    if check:
        assert p.returncode == 0, "kafka-reassign-partitions %s: %s%s" % (args, p.stdout, p.stderr)
    return p


@pytest.fixture
def cluster4(tmp_path):
    c = Cluster(str(tmp_path), 3).start()
    # the fourth broker joins later, as an operator adds one
    c.brokers[4] = Broker(str(tmp_path), c.zk.connect, 4, overrides=dict(c.brokers[1].overrides))
    yield c
    c.stop()


def create_on(c, topic, assignment):
    a = c.admin()
    fs = a.create_topics([NewTopic(topic, len(assignment), replica_assignment=assignment)], operation_timeout=30)
    fs[topic].result(60)
    wait_until(lambda: all(v[0] >= 0 and len(v[2]) == len(assignment[p])
                           for p, v in c.partitions(topic).items()) and
               len(c.partitions(topic)) == len(assignment), 60, what="topic %s online" % topic)


def write_json(tmp_path, name, obj):
    path = tmp_path / name
    path.write_text(json.dumps(obj))
    return str(path)


def replicas_in_zk(c, topic):
    return {int(p): r for p, r in c.zk_json("/brokers/topics/%s" % topic)["partitions"].items()}


def test_move_rf3_topic_to_a_new_broker_under_load(cluster4, tmp_path):
    c = cluster4
    create_on(c, "moving", [[1, 2, 3], [2, 3, 1], [3, 1, 2]])
    c.brokers[4].start()
    wait_until(lambda: c.metadata_brokers(1) == {1, 2, 3, 4}, 60, what="broker 4 registered")

    gen = tool(c, "--generate", "--broker-list", "2,3,4", "--topics-to-move-json-file",
               write_json(tmp_path, "topics.json", {"version": 1, "topics": [{"topic": "moving"}]}))
    lines = gen.stdout.split("\n")
    assert lines[0] == "Current partition replica assignment"
    current = json.loads(lines[1])
    assert [(p["partition"], p["replicas"]) for p in current["partitions"]] == \
        [(0, [1, 2, 3]), (1, [2, 3, 1]), (2, [3, 1, 2])]
    assert lines[3] == "Proposed partition reassignment configuration"
    proposed = json.loads(lines[4])
    assert all(sorted(p["replicas"]) == [2, 3, 4] and p["log_dirs"] == ["any"] * 3
               for p in proposed["partitions"])

    target = {"version": 1, "partitions": [
        {"topic": "moving", "partition": p, "replicas": r}
        for p, r in ((0, [2, 3, 4]), (1, [3, 4, 2]), (2, [4, 2, 3]))]}
    plan = write_json(tmp_path, "plan.json", target)
    load = SeqProducer(c.bootstrap, "moving", rate=300)
    load.start()
    wait_until(lambda: len(load.acked) > 300, 60, what="the load to be acknowledged")
    ex = tool(c, "--execute", "--reassignment-json-file", plan)
    assert ex.stdout.startswith("Current partition replica assignment\n\n{\"version\":1,")
    assert "Save this to use as the --reassignment-json-file option during rollback\n" in ex.stdout
    assert ex.stdout.endswith(
        "Successfully started partition reassignments for moving-0,moving-1,moving-2\n")

    def done():
        v = tool(c, "--verify", "--reassignment-json-file", plan).stdout
        return all("Reassignment of partition moving-%d is complete." % p in v for p in range(3))
    wait_until(done, 120, interval=0.5, what="--verify to report completion")
    v = tool(c, "--verify", "--reassignment-json-file", plan).stdout
    assert v.startswith("Status of partition reassignment:\n")
    assert "Clearing broker-level throttles on brokers 1,2,3,4\n" in v
    assert "Clearing topic-level throttles on topic moving\n" in v
    wait_until(lambda: len(load.acked) > 1500, 60, what="more load after the move")
    load.finish()
    assert replicas_in_zk(c, "moving") == {0: [2, 3, 4], 1: [3, 4, 2], 2: [4, 2, 3]}
    assert c.zk_json("/brokers/topics/moving").get("adding_replicas") == {}
    wait_until(lambda: all(sorted(v[2]) == [2, 3, 4] and v[0] in (2, 3, 4)
                           for v in c.partitions("moving").values()), 60,
               what="metadata: ISR 2,3,4 and leaders among them")
    consumed = read_all(c.bootstrap, "moving")
    summary = verify(load.acked, consumed)
    assert summary["acked"] >= 1500 and not load.errors, (summary, load.errors[:3])
    # the replicas broker 1 gave up are deleted from its disk
    wait_until(lambda: not any(d.startswith("moving-") for d in os.listdir(c.brokers[1].log_dir)),
               60, what="broker 1's moving-* directories removed")
    assert sorted(d for d in os.listdir(c.brokers[4].log_dir) if d.startswith("moving-")) == \
        ["moving-0", "moving-1", "moving-2"]
    assert tool(c, "--list").stdout == "No partition reassignments found.\n"


def test_list_and_cancel_while_a_new_replica_cannot_catch_up(cluster4, tmp_path):
    c = cluster4
    create_on(c, "stuck", [[1, 2, 3]])
    c.brokers[4].start()
    wait_until(lambda: c.metadata_brokers(1) == {1, 2, 3, 4}, 60, what="broker 4 registered")
    os.kill(c.brokers[4].proc.pid, signal.SIGSTOP)  # registered, but it fetches nothing
    try:
        plan = write_json(tmp_path, "plan.json", {"version": 1, "partitions": [
            {"topic": "stuck", "partition": 0, "replicas": [4, 2, 3]}]})
        assert tool(c, "--execute", "--reassignment-json-file", plan).stdout.endswith(
            "Successfully started partition reassignment for stuck-0\n")
        assert tool(c, "--list").stdout == (
            "Current partition reassignments:\n"
            "stuck-0: replicas: 4,2,3,1. adding: 4. removing: 1.\n")
        zk = c.zk_json("/brokers/topics/stuck")
        assert zk["partitions"]["0"] == [4, 2, 3, 1]
        assert zk["adding_replicas"] == {"0": [4]} and zk["removing_replicas"] == {"0": [1]}
        v = tool(c, "--verify", "--reassignment-json-file", plan).stdout
        assert v == "Status of partition reassignment:\n" \
                    "Reassignment of partition stuck-0 is still in progress.\n"
        again = tool(c, "--execute", "--reassignment-json-file", plan, check=False)
        assert again.returncode == 1 and again.stdout.startswith(
            "Cannot execute because there is an existing partition assignment.")
        # --preserve-throttles: clearing would ask the stopped broker 4 to change its configs
        cancel = tool(c, "--cancel", "--reassignment-json-file", plan, "--preserve-throttles").stdout
        assert cancel == ("Successfully cancelled partition reassignment for: stuck-0\n"
                          "None of the specified partition moves are active.\n")
        # back to the original replicas in Kafka's order: RS minus the adding ones
        assert replicas_in_zk(c, "stuck") == {0: [2, 3, 1]}
        assert tool(c, "--list").stdout == "No partition reassignments found.\n"
        v = tool(c, "--verify", "--reassignment-json-file", plan, "--preserve-throttles").stdout
        assert "There is no active reassignment of partition stuck-0, but replica set is " \
               "2,3,1 rather than 4,2,3." in v
        again = tool(c, "--cancel", "--reassignment-json-file", plan, "--preserve-throttles").stdout
        assert again.startswith("None of the specified partition reassignments are active.\n")
    finally:
        os.kill(c.brokers[4].proc.pid, signal.SIGCONT)
    # broker 4 was told to drop the replica it never finished
    wait_until(lambda: not os.path.exists(os.path.join(c.brokers[4].log_dir, "stuck-0")), 60,
               what="broker 4's stuck-0 removed")


def test_throttled_move_is_bounded_and_verify_clears_the_throttles(cluster4, tmp_path):
    c = cluster4
    create_on(c, "slow", [[1, 2, 3]])
    c.brokers[4].start()
    wait_until(lambda: c.metadata_brokers(1) == {1, 2, 3, 4}, 60, what="broker 4 registered")
    from confluent_kafka import Producer
    p = Producer({"bootstrap.servers": c.bootstrap, "acks": "all", "linger.ms": 20,
                  "compression.type": "none"})
    payload = b"0123456789" * 100
    for _ in range(6000):  # 6 MB
        while True:
            try:
                p.produce("slow", value=payload, partition=0)
                break
            except BufferError:
                p.poll(0.1)
    assert p.flush(60) == 0
    rate = 300000
    plan = write_json(tmp_path, "plan.json", {"version": 1, "partitions": [
        {"topic": "slow", "partition": 0, "replicas": [2, 3, 4]}]})
    t0 = time.monotonic()
    ex = tool(c, "--execute", "--reassignment-json-file", plan, "--throttle", str(rate)).stdout
    assert "Warning: You must run --verify periodically, until the reassignment completes, to " \
           "ensure the throttle is removed.\nThe inter-broker throttle limit was set to 300000 B/s\n" \
           "Successfully started partition reassignment for slow-0\n" in ex
    cfg = c.zk_json("/config/topics/slow")["config"]
    assert cfg["leader.replication.throttled.replicas"] == "0:1,0:2,0:3"
    assert cfg["follower.replication.throttled.replicas"] == "0:4"
    for b in (1, 2, 3, 4):
        bc = c.zk_json("/config/brokers/%d" % b)["config"]
        assert bc == {"leader.replication.throttled.rate": "300000",
                      "follower.replication.throttled.rate": "300000"}, bc

    def done():
        return "is complete." in tool(c, "--verify", "--reassignment-json-file", plan,
                                      "--preserve-throttles").stdout
    wait_until(done, 120, interval=0.5, what="the throttled move to complete")
    elapsed = time.monotonic() - t0
    print("throttled move of 6 MB at %d B/s took %.1f s" % (rate, elapsed))
    # Kafka's quota lets about ten seconds' worth through at first (its Rate spans the whole
    # sample window), then holds the rest to the rate: at least (6 MB - 3 MB) / 300 KB/s
    # = 10 s, where unthrottled it takes well under a second on loopback
    assert elapsed >= 7, "6 MB moved in %.1f s despite a %d B/s throttle" % (elapsed, rate)
    v = tool(c, "--verify", "--reassignment-json-file", plan).stdout
    assert "Clearing broker-level throttles on brokers 1,2,3,4\n" \
           "Clearing topic-level throttles on topic slow\n" in v
    assert "leader.replication.throttled.replicas" not in c.zk_json("/config/topics/slow")["config"]
    for b in (1, 2, 3, 4):
        assert c.zk_json("/config/brokers/%d" % b)["config"] == {}
    consumed = read_all(c.bootstrap, "slow")
    assert len(consumed[0]) == 6000


def test_tool_refuses_bad_plans(cluster4, tmp_path):
    c = cluster4
    create_on(c, "plain", [[1, 2]])
    bad = tool(c, "--execute", "--reassignment-json-file", write_json(tmp_path, "b.json", {
        "version": 1, "partitions": [{"topic": "plain", "partition": 0, "replicas": [1, 9]}]}),
        check=False)
    assert bad.returncode == 1 and "Unknown broker id 9" in bad.stdout
    dup = tool(c, "--execute", "--reassignment-json-file", write_json(tmp_path, "d.json", {
        "version": 1, "partitions": [{"topic": "plain", "partition": 0, "replicas": [1, 1]}]}),
        check=False)
    assert dup.returncode == 1 and "plain-0 contains multiple entries for 1" in dup.stdout
    two = subprocess.run([TOOL, "--bootstrap-server", c.bootstrap, "--list", "--verify"],
                         capture_output=True, text=True, timeout=60)
    assert two.returncode == 1 and "exactly one action" in two.stderr
    assert replicas_in_zk(c, "plain") == {0: [1, 2]}


def test_admin_reassign_partitions_znode(cluster4):
    c = cluster4
    create_on(c, "legacy", [[1, 2]])
    c.kz.create("/admin/reassign_partitions", json.dumps({"version": 1, "partitions": [
        {"topic": "legacy", "partition": 0, "replicas": [2, 3]}]}).encode(), makepath=True)
    wait_until(lambda: replicas_in_zk(c, "legacy") == {0: [2, 3]} and
               not c.kz.exists("/admin/reassign_partitions"), 60,
               what="the znode's reassignment done and the znode removed")
    wait_until(lambda: sorted(c.partitions("legacy")[0][2]) == [2, 3], 60, what="ISR 2,3")

"""Failover drills on a real 3-broker cluster with a sequence-numbered idempotent acks=all
librdkafka producer running throughout: kill -9 of a partition leader and of the controller,
a SIGSTOPped (zombie) leader, a follower whose log diverged, controlled shutdown and a rolling
restart. After each drill a consumer reads everything back: every acknowledged message must be
there exactly once, at the offset it was acknowledged with, in order per partition.
The unavailability windows (last ack before a fault to the first ack after it) are printed."""
import os
import signal
import time

import pytest

from cluster import Cluster, SeqProducer, read_all, verify
from kafkabroker import wait_until

TOPIC_CFG = {"min.insync.replicas": "2"}


@pytest.fixture
def cluster(tmp_path):
    c = Cluster(str(tmp_path), 3).start()
    yield c
    c.stop()
    c.check_sanitizers()


def report(name, **kv):
    line = "DRILL %s: %s" % (name, ", ".join("%s=%s" % (k, v) for k, v in kv.items()))
    print(line)
    with open(os.path.join(os.path.dirname(__file__), "..", "..", "build", "drills.log"), "a") as f:
        f.write(line + "\n")


def wait_acks_after(sp, t, n=20, timeout=90):
    wait_until(lambda: sum(1 for x in sp.ack_times() if x > t) >= n, timeout,
               what="acknowledgments to resume after the fault")


def wait_full_isr(cluster, topic, nparts, timeout=120):
    for p in range(nparts):
        cluster.wait_isr(topic, p, 3, timeout)


def test_kill_leader_then_controller_five_times(cluster):
    windows = []
    for it in range(5):
        topic = "drill-%d" % it
        cluster.create_topic(topic, partitions=3, rf=3, config=TOPIC_CFG)
        sp = SeqProducer(cluster.bootstrap, topic, rate=400)
        sp.start()
        wait_until(lambda: len(sp.acked) >= 200, 60, what="acks before the fault")
        leader = cluster.leader(topic, 0)
        t1 = time.monotonic()
        cluster.kill9(leader)
        cluster.wait_leader_not(topic, 0, leader)
        wait_acks_after(sp, t1)
        ctl = wait_until(lambda: cluster.controller(), 60, what="a controller")
        t2 = time.monotonic()
        w1 = sp.gap_around(t1, t2)
        cluster.kill9(ctl)
        wait_until(lambda: cluster.controller() not in (None, ctl), 60, what="a new controller")
        # with two of three brokers down, min.insync.replicas=2 holds acks=all back until a
        # broker returns: the producer keeps retrying and nothing acknowledged may be lost
        for i in {leader, ctl}:
            cluster.restart(i, wait=False)
        for i in {leader, ctl}:
            cluster.brokers[i].wait_ready()
        wait_acks_after(sp, t2)
        wait_full_isr(cluster, topic, 3)
        time.sleep(1)
        sp.finish()
        consumed = read_all(cluster.bootstrap, topic)
        s = verify(sp.acked, consumed)
        w2 = sp.gap_around(t2)
        windows.append((w1, w2))
        report("kill-leader-then-controller #%d" % (it + 1), acked=s["acked"], lost=0,
               duplicates=0, errors=len(sp.errors), leader_gap_s="%.2f" % w1,
               controller_gap_s="%.2f" % w2, killed_leader=leader, killed_controller=ctl)
        assert not sp.errors, sp.errors[:5]


def test_zombie_leader_is_fenced_and_truncates(cluster):
    topic = "zombie"
    cluster.create_topic(topic, partitions=1, rf=3, config=TOPIC_CFG)
    # A stopped broker keeps its TCP connections open: librdkafka waits for the requests in
    # flight to it to time out (socket.timeout.ms, 60 s by default) before it acts on the new
    # leader, exactly as it would against Apache Kafka. Shorter timeouts keep the drill short;
    # the broker side is what is under test.
    sp = SeqProducer(cluster.bootstrap, topic, rate=300, extra={"request.timeout.ms": 5000, "socket.timeout.ms": 5000})
    sp.start()
    wait_until(lambda: len(sp.acked) >= 200, 60, what="acks before the fault")
    zombie = cluster.leader(topic, 0)
    t = time.monotonic()
    cluster.sigstop(zombie)  # longer than the 6 s ZooKeeper session: it is declared dead
    new = cluster.wait_leader_not(topic, 0, zombie, 60)
    wait_acks_after(sp, t)
    epoch_new = cluster.zk_state(topic, 0)["leader_epoch"]
    time.sleep(2)
    cluster.sigcont(zombie)  # it wakes up believing it leads
    # it learns it is fenced, becomes a follower of the new leader and catches up
    cluster.wait_isr(topic, 0, 3, 90)
    out = cluster.brokers[zombie].output()
    assert "following broker %d at leader epoch %d" % (new, epoch_new) in out
    sp.finish()
    s = verify(sp.acked, read_all(cluster.bootstrap, topic))
    report("zombie-leader", acked=s["acked"], lost=0, duplicates=0, errors=len(sp.errors),
           gap_s="%.2f" % sp.gap_around(t), zombie=zombie, new_leader=new)
    assert not sp.errors, sp.errors[:5]
    # the zombie's copy now matches the leader's byte for byte
    logs = [open("%s/%s-0/00000000000000000000.log" % (cluster.brokers[i].log_dir, topic),
                 "rb").read() for i in (zombie, new)]
    assert logs[0] == logs[1]


def test_diverged_follower_truncates_by_leader_epoch(cluster):
    """The leader appends batches no follower has (acks=1), then dies; a follower leads at a
    new epoch and takes different writes at the same offsets. The old leader comes back and
    must cut its log where the epochs diverge (OffsetForLeaderEpoch), not keep its extra
    batches, and end up with the new leader's log."""
    from cluster import Producer  # noqa: F401  (confluent_kafka, re-exported)
    topic = "diverge"
    cluster.create_topic(topic, partitions=1, rf=3)
    old = cluster.leader(topic, 0)
    followers = [i for i in (1, 2, 3) if i != old]
    boot = cluster.brokers[old].bootstrap

    def produce(bootstrap, values, acks):
        from confluent_kafka import Producer as P
        p = P({"bootstrap.servers": bootstrap, "acks": str(acks), "linger.ms": 0})
        for v in values:
            p.produce(topic, value=v.encode(), partition=0)
            p.flush(30)
        assert p.flush(30) == 0

    produce(boot, ["a%d" % i for i in range(10)], "all")  # committed everywhere
    for i in followers:
        cluster.sigstop(i)  # followers stop fetching; the ISR still lists them for now
    produce(boot, ["old%d" % i for i in range(5)], 1)  # only on the old leader
    old_leo = 15
    cluster.kill9(old)
    for i in followers:
        cluster.sigcont(i)
    new = cluster.wait_leader_not(topic, 0, old, 60)
    produce(cluster.brokers[new].bootstrap, ["new%d" % i for i in range(3)], "all")
    cluster.restart(old)
    cluster.wait_isr(topic, 0, 3, 90)
    out = cluster.brokers[old].output()
    import re
    cut = re.findall(r"%s-0: truncating to offset (\d+) \(log end was %d\)" % (topic, old_leo), out)
    assert cut, out[-3000:]
    cut = int(cut[-1])
    # the new leader had the committed ten and whatever of the old leader's acks=1 tail it
    # had fetched before it stopped (at most the first batch of it): the rest was cut
    assert 10 <= cut < old_leo, cut
    vals = [v for _, v in read_all(cluster.brokers[old].bootstrap, topic)[0]]
    assert vals == (["a%d" % i for i in range(10)] + ["old%d" % i for i in range(cut - 10)] +
                    ["new0", "new1", "new2"])
    logs = [open("%s/%s-0/00000000000000000000.log" % (cluster.brokers[i].log_dir, topic),
                 "rb").read() for i in (old, new)]
    assert logs[0] == logs[1]


def test_sigterm_moves_leadership_first_and_rolling_restart_loses_nothing(cluster):
    topic = "rolling"
    cluster.create_topic(topic, partitions=6, rf=3, config=TOPIC_CFG)
    sp = SeqProducer(cluster.bootstrap, topic, rate=400)
    sp.start()
    wait_until(lambda: len(sp.acked) >= 200, 60, what="acks before the restarts")
    faults = []
    for i in (1, 2, 3):
        led = [p for p, v in cluster.partitions(topic).items() if v[0] == i]
        t = time.monotonic()
        faults.append(t)
        cluster.brokers[i].stop(60)  # SIGTERM: controlled shutdown, then exit
        # its leaderships moved before it exited: ZooKeeper has the new leaders (written before
        # the controller answered the shutdown request), and the brokers' metadata follows
        states = {p: cluster.zk_state(topic, p) for p in led}
        assert all(st["leader"] not in (i, -1) and i not in st["isr"] for st in states.values()), \
            states
        wait_until(lambda: all(cluster.partitions(topic)[p][0] not in (i, -1) for p in led), 10,
                   what="metadata to show the new leaders")
        wait_acks_after(sp, t)
        err_window = [e for e in sp.errors if e[0] > t]
        cluster.restart(i)
        wait_full_isr(cluster, topic, 6)
        assert not err_window, err_window[:3]
    time.sleep(1)
    sp.finish()
    ends = faults[1:] + [time.monotonic()]
    gaps = [sp.gap_around(t, e) for t, e in zip(faults, ends)]
    s = verify(sp.acked, read_all(cluster.bootstrap, topic))
    report("rolling-restart", acked=s["acked"], lost=0, duplicates=0, errors=len(sp.errors),
           gaps_s="/".join("%.2f" % g for g in gaps))
    assert max(gaps) < 5, gaps

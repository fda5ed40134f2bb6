"""scripts/cluster.sh (what `make cluster` runs): start ZooKeeper and brokers on free ports,
kcat -L lists the brokers, a second start says it is running, stop leaves no process behind
(checked by PID); a 3-node ZooKeeper ensemble elects a leader and survives losing it; with
--netns a broker runs in its own network namespace and can be cut off and healed."""
import os
import subprocess

import pytest

from ports import free_net, free_range
from kafkabroker import ROOT, free_port, metadata_brokers, wait_until


def run(*args, timeout=180):
    return subprocess.run(["bash", os.path.join(ROOT, "scripts", "cluster.sh")] + list(args),
                          capture_output=True, text=True, timeout=timeout)


def pids(d):
    out = {}
    for f in os.listdir(d):
        if f.endswith(".pid"):
            with open(os.path.join(d, f)) as fh:
                out[f[:-4]] = int(fh.read().strip())
    return out


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def test_cluster_start_status_stop(tmp_path):
    d = str(tmp_path / "cluster")
    port, zk_port = free_port(), free_port()
    opts = ["--dir", d, "--base-port", str(port), "--zk-port", str(zk_port), "--brokers", "1"]
    r = run("start", *opts)
    try:
        assert r.returncode == 0, r.stdout + r.stderr
        assert "Bootstrap servers: 127.0.0.1:%d" % port in r.stdout
        md = subprocess.run(["kcat", "-b", "127.0.0.1:%d" % port, "-L"], capture_output=True,
                            text=True, timeout=30)
        assert md.returncode == 0 and "1 brokers" in md.stdout
        again = run("start", *opts)
        assert again.returncode == 0 and "already running" in again.stdout
        st = run("status", "--dir", d)
        assert "broker-1: running" in st.stdout and "zookeeper-1: running" in st.stdout
        assert "mode standalone" in st.stdout
        started = pids(d)
        assert sorted(started) == ["broker-1", "zookeeper-1"]
    finally:
        stop = run("stop", "--dir", d)
    assert stop.returncode == 0
    assert not any(alive(p) for p in started.values())
    assert pids(d) == {}


def test_three_zookeepers_three_brokers(tmp_path):
    d = str(tmp_path / "cluster")
    base, zk = free_range(3), free_range(3)
    peer = free_range(103)
    r = run("start", "--dir", d, "--brokers", "3", "--zookeepers", "3", "--base-port", str(base),
            "--zk-port", str(zk), "--zk-peer-port", str(peer))
    started = pids(d)
    try:
        assert r.returncode == 0, r.stdout + r.stderr
        boot = ",".join("127.0.0.1:%d" % (base + i) for i in range(3))
        assert "Bootstrap servers: " + boot in r.stdout
        assert sorted(started) == ["broker-1", "broker-2", "broker-3",
                                   "zookeeper-1", "zookeeper-2", "zookeeper-3"]
        st = run("status", "--dir", d).stdout
        modes = [line for line in st.splitlines() if line.startswith("zookeeper-")]
        assert sum("mode leader" in m for m in modes) == 1, st
        assert sum("mode follower" in m for m in modes) == 2, st
        # Every broker registered: the controller's Metadata lists all three.
        def all_three():
            for i in range(3):
                md = metadata_brokers(base + i)
                if md and sorted(md[0]) == [1, 2, 3]:
                    return True
            return False
        wait_until(all_three, 30, what="3 brokers in Metadata")

        # The ensemble survives losing its leader: a new leader, brokers stay registered.
        leader = run("zk-leader", "--dir", d).stdout.strip()
        assert leader.startswith("zookeeper-")
        assert run("kill-node", leader, "--dir", d).returncode == 0
        assert not alive(started[leader])
        wait_until(lambda: run("zk-leader", "--dir", d).returncode == 0, 60,
                   what="a new ZooKeeper leader")
        assert run("zk-leader", "--dir", d).stdout.strip() != leader
        back = run("start-node", leader, "--dir", d)
        assert back.returncode == 0, back.stdout + back.stderr
        started = pids(d)
        assert "%s: running" % leader in run("status", "--dir", d).stdout
    finally:
        stop = run("stop", "--dir", d)
    assert stop.returncode == 0, stop.stderr
    assert not any(alive(p) for p in started.values())
    assert pids(d) == {}


@pytest.mark.skipif(os.geteuid() != 0, reason="network namespaces need root")
def test_netns_isolate_and_heal(tmp_path):
    d = str(tmp_path / "cluster")
    net = free_net()
    base, zk = free_range(2), free_range(1)
    r = run("start", "--dir", d, "--brokers", "2", "--base-port", str(base), "--zk-port", str(zk),
            "--netns", "--net-id", str(net), "--broker-prop", "zookeeper.session.timeout.ms=4000")
    started = pids(d)
    try:
        assert r.returncode == 0, r.stdout + r.stderr
        h1, h2 = "10.200.%d.1" % net, "10.200.%d.2" % net
        assert "Bootstrap servers: %s:%d,%s:%d" % (h1, base, h2, base + 1) in r.stdout
        assert "netns kc%d-b2" % net in run("status", "--dir", d).stdout

        def controller_view():
            for h, p in ((h1, base), (h2, base + 1)):
                try:
                    md = metadata_brokers(p, host=h)
                except OSError:  # the isolated one does not answer
                    continue
                if md and md[1] in md[0]:
                    return md
            return None
        wait_until(lambda: sorted(controller_view()[0]) == [1, 2], 30, what="both brokers")
        ctl = controller_view()[1]
        other = 3 - ctl
        assert run("isolate", "broker-%d" % other, "--dir", d).returncode == 0
        # Cut off: its session expires and the controller drops it.
        wait_until(lambda: sorted(controller_view()[0]) == [ctl], 30, what="broker dropped")
        assert run("heal", "broker-%d" % other, "--dir", d).returncode == 0
        wait_until(lambda: sorted(controller_view()[0]) == [1, 2], 30, what="broker back")
    finally:
        stop = run("stop", "--dir", d)
    assert stop.returncode == 0, stop.stderr
    assert not any(alive(p) for p in started.values())
    assert subprocess.run(["ip", "netns", "list"], capture_output=True,
                          text=True).stdout.count("kc%d-" % net) == 0
    assert subprocess.run(["ip", "link", "show", "kcbr%d" % net], capture_output=True).returncode

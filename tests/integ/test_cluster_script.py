"""scripts/cluster.sh (what `make cluster` runs): start ZooKeeper and a broker on free ports,
kcat -L lists the broker, a second start says it is running, stop leaves no process behind."""
import os
import subprocess

from kafkabroker import ROOT, free_port


def run(*args, timeout=120):
    return subprocess.run(["bash", os.path.join(ROOT, "scripts", "cluster.sh")] + list(args),
                          capture_output=True, text=True, timeout=timeout)


def pids(d):
    out = []
    for f in os.listdir(d):
        if f.endswith(".pid"):
            with open(os.path.join(d, f)) as fh:
                out.append(int(fh.read().strip()))
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
        st = run("status", *opts)
        assert "broker-1: running" in st.stdout and "zookeeper: running" in st.stdout
        started = pids(d)
        assert len(started) == 2
    finally:
        stop = run("stop", *opts)
    assert stop.returncode == 0
    assert not any(alive(p) for p in started)
    assert pids(d) == []

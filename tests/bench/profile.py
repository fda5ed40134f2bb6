#!/usr/bin/python3
"""profile.py: where the brokers spend their CPU (`make bench-profile`). Starts ZooKeeper + 3
brokers with scripts/cluster.sh (temporary directory, free ports), warms memory as run.py
does, and for each scenario records `perf record -e cpu-clock` (software clock: this VM has no
hardware counters) of the three broker processes while build/tests/bench/bench drives them,
then prints the top symbols (user space [.] and kernel [k]) with their share of the samples.
The perf.data files stay in --out (default tests/bench/results/profile-<time>/) for
`perf report -i FILE`. --callgraph records DWARF call graphs (larger, slower).

  /usr/bin/python3 tests/bench/profile.py [--only NAME] [--top N] [--callgraph] [--out DIR]
"""
import argparse
import datetime
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402  (Cluster, pretouch, paths)

SCENARIOS = [
    ("produce-rf1-100B", ["throughput", "--phases", "produce", "--keep", "--topic", "prof-a",
                          "--size", "100", "--count", "3000000", "--rf", "1", "--acks", "1"]),
    ("produce-rf3-1KB-acks-all", ["throughput", "--phases", "produce", "--topic", "prof-b",
                                  "--size", "1000", "--count", "600000", "--rf", "3",
                                  "--acks", "all", "--min-isr", "2"]),
    ("consume-100B", ["throughput", "--phases", "consume", "--topic", "prof-a", "--size", "100",
                      "--count", "3000000", "--rf", "1"]),
    ("latency-rf3-100B-300k", ["latency", "--topic", "prof-c", "--size", "100", "--rf", "3",
                               "--acks", "all", "--min-isr", "2", "--rate", "300000",
                               "--seconds", "4", "--fetch-wait-ms", "5"]),
]


def top(path, n):
    r = subprocess.run(["perf", "report", "-i", path, "--no-children", "--sort", "sym",
                        "--stdio", "--percent-limit", "0.3"], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True)
    lines = [l for l in r.stdout.splitlines() if l.strip() and not l.startswith("#")]
    samples = [l for l in r.stdout.splitlines() if l.startswith("# Samples")]
    user = sum(float(l.split("%")[0]) for l in lines if "[.]" in l)
    return (samples[0][2:] if samples else "?"), user, lines[:n]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only")
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--callgraph", action="store_true")
    ap.add_argument("--out")
    a = ap.parse_args()
    if not shutil.which("perf"):
        sys.exit("profile.py: perf not found (Debian: apt-get install linux-perf)")
    out = a.out or os.path.join(run.RESULTS, "profile-" +
                                datetime.datetime.now().strftime("%Y%m%d-%H%M%S"))
    os.makedirs(out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="kafka-c-prof-")
    cluster = run.Cluster(work)
    try:
        gib, secs = run.pretouch(run.PRETOUCH_GIB)
        run.log("warm-up: touched %.1f GiB in %.1f s" % (gib, secs))
        cluster.start()
        time.sleep(2)
        pids = ",".join(str(p) for p in cluster.pids().values())
        for name, args in SCENARIOS:
            if a.only and a.only not in name:
                continue
            data = os.path.join(out, name + ".data")
            cmd = ["perf", "record", "-q", "-e", "cpu-clock", "-F", "1000" if a.callgraph else "4000",
                   "-p", pids, "-o", data]
            if a.callgraph:
                cmd[2:2] = ["--call-graph", "dwarf,8192"]
            rec = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(0.5)
            r = subprocess.run([run.BENCH] + args + ["--bootstrap", cluster.bootstrap,
                                                     "--cpu-pids", pids],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            rec.send_signal(2)
            rec.wait(60)
            print("== %s: %s" % (name, r.stdout.strip() if r.returncode == 0 else
                                 "FAILED " + r.stderr.strip()[-500:]))
            samples, user, lines = top(data, a.top)
            print("   %s; user space %.1f%% of samples (symbols >= 0.3%%)" % (samples, user))
            for l in lines:
                print("   " + l.strip())
            sys.stdout.flush()
    finally:
        cluster.stop()
        subprocess.run(["rm", "-rf", work])
    print("perf data in %s" % out)


if __name__ == "__main__":
    main()

"""benchdrv.py: what the bench scripts share: running the librdkafka bench driver
(build/tests/bench/bench, tests/bench/bench.c) and reading the machine's load average."""
import json
import os
import subprocess

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BENCH = os.path.join(ROOT, "build", "tests", "bench", "bench")


def run_driver(args, timeout=300):
    """The driver with args; its last stdout line (JSON) as a dict. Raises on a failed run."""
    r = subprocess.run([BENCH] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError("bench %s failed (%d): %s" % (" ".join(args), r.returncode,
                                                         r.stderr.strip()[-800:]))
    return json.loads(r.stdout.strip().splitlines()[-1])


def loadavg():
    """The 1, 5 and 15 minute load averages, as /proc/loadavg writes them."""
    with open("/proc/loadavg") as f:
        return f.read().split()[:3]

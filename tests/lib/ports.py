"""ports.py: fixed-size port ranges and network ids for tests that start whole clusters
(scripts/cluster.sh, docker-compose): a range b..b+n-1 free on 127.0.0.1, taken below the
kernel's ephemeral range so that other tests' free_port() picks (port 0 binds, which land in
it) cannot take a port between the check and the start; and a free cluster.sh --net-id."""
import random
import socket
import subprocess


def free_range(n, lo=20000, hi=32000):
    for _ in range(200):
        b = random.randrange(lo, hi - n)
        socks = []
        try:
            for p in range(b, b + n):
                s = socket.socket()
                s.bind(("127.0.0.1", p))
                socks.append(s)
            return b
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no free port range")


def free_net():
    """A --net-id N whose bridge kcbrN does not exist (10.200.N.0/24 unused by us)."""
    for _ in range(100):
        n = random.randrange(100, 250)
        if subprocess.run(["ip", "link", "show", "kcbr%d" % n], capture_output=True).returncode:
            return n
    raise RuntimeError("no free --net-id")

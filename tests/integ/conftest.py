"""Shared pytest fixtures: a real ZooKeeper and real brokers (tests/lib), each test in its own
temp directory, everything bound to 127.0.0.1 and stopped by PID."""
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))

from kafkabroker import Broker, wait_until  # noqa: E402
from zkserver import ZooKeeper  # noqa: E402


@pytest.fixture
def zk(tmp_path):
    z = ZooKeeper(str(tmp_path / "zk"))
    os.makedirs(z.dir, exist_ok=True)
    z.start()
    yield z
    z.stop()


@pytest.fixture
def broker_factory(tmp_path, zk):
    made = []

    def make(broker_id=1, overrides=None, start=True):
        b = Broker(str(tmp_path), zk.connect, broker_id, overrides=overrides)
        made.append(b)
        if start:
            b.start()
        return b

    yield make
    for b in made:
        try:
            b.stop()
        except Exception:
            b.kill9()
    for b in made:  # the ASan/UBSan build reports here (make test-asan)
        out = b.output()
        assert "ERROR: AddressSanitizer" not in out and "runtime error:" not in out and \
            "ERROR: LeakSanitizer" not in out, out[-4000:]


@pytest.fixture
def broker(broker_factory):
    return broker_factory()


@pytest.fixture
def pg(tmp_path):
    """A real PostgreSQL 15 server (tests/lib/pg.py) with role kc / database kc."""
    from pg import Postgres
    p = Postgres(str(tmp_path))
    p.start()
    yield p
    p.cleanup()

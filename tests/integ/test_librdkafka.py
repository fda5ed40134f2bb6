"""1,000,000 keyed messages (values 100 B to 100 KB) through a librdkafka program, 200,000 in
each compression codec, consumed back byte-identical, exactly once and in order per partition;
values over message.max.bytes are refused with MESSAGE_TOO_LARGE while small ones pass."""
import os
import subprocess

import pytest
from confluent_kafka.admin import AdminClient, NewTopic

from kafkabroker import ROOT

RDK_LOAD = os.path.join(ROOT, "build", "tests", "integ", "rdk_load")


@pytest.mark.parametrize("codec", ["none", "gzip", "snappy", "lz4", "zstd"])
def test_200k_keyed_messages_per_codec(broker, codec):
    a = AdminClient({"bootstrap.servers": broker.bootstrap})
    topic = "load_" + codec
    a.create_topics([NewTopic(topic, 4, 1)])[topic].result(30)
    r = subprocess.run([RDK_LOAD, "-b", broker.bootstrap, "-t", topic, "-n", "200000", "-z", codec,
                        "-s", "100", "-S", "100000"], capture_output=True, text=True, timeout=600)
    print(r.stdout, r.stderr)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "acked 200000 failed 0" in r.stdout
    assert "consume: 200000 msgs" in r.stdout and "mismatches 0" in r.stdout


def test_messages_over_max_bytes_are_refused(broker):
    r = subprocess.run([RDK_LOAD, "-b", broker.bootstrap, "-t", "big", "--too-large", "3"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "3 rejected with MSG_SIZE_TOO_LARGE, 3 small acked, 0 other errors" in r.stdout

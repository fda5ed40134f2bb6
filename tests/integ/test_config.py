"""Broker start-up configuration: a bad value stops start-up naming the key and the value,
KAFKA_* environment variables and --override apply in Kafka's precedence."""
import json
import subprocess

from kafkabroker import SERVER_BIN, Broker


def test_bad_value_stops_startup_naming_key(tmp_path, zk):
    b = Broker(str(tmp_path), zk.connect, 1, overrides={"num.partitions": "lots"})
    r = subprocess.run([SERVER_BIN, b.config_path], capture_output=True, text=True, timeout=30)
    assert r.returncode != 0
    assert "num.partitions" in r.stderr and "lots" in r.stderr
    r = subprocess.run([SERVER_BIN, b.config_path, "--override", "num.partitions=2",
                        "--override", "log.segment.bytes=-3"], capture_output=True, text=True,
                       timeout=30)
    assert r.returncode != 0 and "log.segment.bytes" in r.stderr
    r = subprocess.run([SERVER_BIN, "/nonexistent.properties"], capture_output=True, text=True,
                       timeout=30)
    assert r.returncode != 0 and "/nonexistent.properties" in r.stderr
    r = subprocess.run([SERVER_BIN], capture_output=True, text=True, timeout=30)
    assert r.returncode != 0 and "USAGE" in r.stderr


def test_environment_and_override_precedence(tmp_path, zk):
    b = Broker(str(tmp_path), zk.connect, 1, overrides={"num.partitions": "2"})
    b.start(env={"KAFKA_NUM_PARTITIONS": "4"})  # env beats the file
    r = subprocess.run(["kcat", "-b", b.bootstrap, "-P", "-t", "envtopic"], input=b"x\n",
                       capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr
    md = json.loads(subprocess.run(["kcat", "-b", b.bootstrap, "-L", "-J", "-t", "envtopic"],
                                   capture_output=True, timeout=30).stdout)
    assert len(md["topics"][0]["partitions"]) == 4
    b.stop()
    b.start(extra_args=["--override", "num.partitions=3"], env={"KAFKA_NUM_PARTITIONS": "4"})
    subprocess.run(["kcat", "-b", b.bootstrap, "-P", "-t", "ovtopic"], input=b"x\n",
                   capture_output=True, timeout=60)
    md = json.loads(subprocess.run(["kcat", "-b", b.bootstrap, "-L", "-J", "-t", "ovtopic"],
                                   capture_output=True, timeout=30).stdout)
    assert len(md["topics"][0]["partitions"]) == 3
    b.stop()

"""The znodes read back with ZooKeeper's own zkCli.sh in Kafka's JSON formats."""
import json

from confluent_kafka.admin import AdminClient, NewTopic

from kafkabroker import wait_until


def test_znodes_in_kafka_format(zk, broker):
    a = AdminClient({"bootstrap.servers": broker.bootstrap})
    a.create_topics([NewTopic("zt", 2, 1, config={"retention.ms": "1000000"})])["zt"].result(30)

    cid = json.loads(zk.cli_get("/cluster/id"))
    assert cid["version"] == "1" and len(cid["id"]) == 22

    reg = json.loads(zk.cli_get("/brokers/ids/1"))
    assert reg["version"] == 5
    assert reg["host"] == "127.0.0.1" and reg["port"] == broker.port
    assert reg["endpoints"] == ["PLAINTEXT://127.0.0.1:%d" % broker.port]
    assert reg["listener_security_protocol_map"] == {"PLAINTEXT": "PLAINTEXT"}
    assert reg["jmx_port"] == -1 and reg["timestamp"].isdigit()

    t = json.loads(zk.cli_get("/brokers/topics/zt"))
    assert t["version"] == 3 and t["partitions"] == {"0": [1], "1": [1]}
    assert len(t["topic_id"]) == 22
    assert t["adding_replicas"] == {} and t["removing_replicas"] == {}

    st = json.loads(zk.cli_get("/brokers/topics/zt/partitions/0/state"))
    assert st == {"controller_epoch": st["controller_epoch"], "leader": 1, "version": 1,
                  "leader_epoch": 0, "isr": [1]}
    assert st["controller_epoch"] >= 1

    ctl = json.loads(zk.cli_get("/controller"))
    assert ctl["brokerid"] == 1 and ctl["version"] in (1, 2)
    assert int(zk.cli_get("/controller_epoch")) == st["controller_epoch"]

    cfg = json.loads(zk.cli_get("/config/topics/zt"))
    assert cfg == {"version": 1, "config": {"retention.ms": "1000000"}}

    a.delete_topics(["zt"], operation_timeout=20)["zt"].result(30)
    wait_until(lambda: "zt" not in zk.cli("ls", "/brokers/topics"), 30, what="topic znode removed")
    assert "zt" not in zk.cli("ls", "/admin/delete_topics")

    assert broker.stop() == 0
    wait_until(lambda: "[]" in zk.cli("ls", "/brokers/ids"), 30, what="registration removed")

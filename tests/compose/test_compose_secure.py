"""make compose-test, the secure variant: deploy/docker-compose.secure.yml with the
certificates and secrets of deploy/make-certs.sh. 3 ZooKeeper nodes and 3 brokers whose
listeners are all SASL_SSL (PLAIN between brokers), AclAuthorizer with User:admin as the super
user, zookeeper.set.acl. From the host: a client without TLS and SASL gets nothing; the admin
(PLAIN) sees the 3 brokers, makes SCRAM-SHA-512 users with kafka-configs and ACLs with
kafka-acls over SASL_SSL; alice (SCRAM, with ACLs) produces with acks=all to an RF3 topic
and reads it back, bob (SCRAM, no ACLs) is refused; kafka-drill kills the leader over SASL_SSL
and nothing acknowledged is lost; an unauthenticated ZooKeeper client cannot change the
brokers' znodes. Everything the test made is removed at the end."""
import os
import re
import shutil
import subprocess
import tempfile

import pytest

from composeproj import Project, build_image, port_env, run
from ports import free_range
from kafkabroker import ROOT, wait_until

COMPOSE_FILE = os.path.join(ROOT, "deploy", "docker-compose.secure.yml")
BIN = os.path.join(ROOT, "bin")
TOPIC = "secure-rf3"


@pytest.fixture(scope="module")
def project():
    build_image()
    secrets = tempfile.mkdtemp(prefix="kafkac-secure-")
    run(["bash", os.path.join(ROOT, "deploy", "make-certs.sh"), secrets])
    base = free_range(3)
    ports = [base, base + 1, base + 2]
    env = dict(port_env("KAFKA_C_SECURE_PORT_", ports), KAFKA_C_SECRETS=secrets)
    p = Project("kafkac-secure-%d" % os.getpid(), COMPOSE_FILE, 6, env, ports)
    p.secrets = secrets
    p.admin = os.path.join(secrets, "client-admin.properties")
    try:
        yield from p.up()
    finally:
        shutil.rmtree(secrets, ignore_errors=True)


def kcat(p, *args, user=None, pw=None, mech="SCRAM-SHA-512", input=None, check=True):
    sec = []
    if user:
        sec = ["-X", "security.protocol=SASL_SSL", "-X", "ssl.ca.location=%s/ca.pem" % p.secrets,
               "-X", "sasl.mechanisms=" + mech, "-X", "sasl.username=" + user,
               "-X", "sasl.password=" + pw]
    return run(["kcat", "-b", p.bootstrap] + sec + list(args), timeout=90, check=check,
               input=input)


def admin_pw(p):
    text = open(p.admin).read()
    return re.search(r'password="([^"]+)"', text).group(1)


def tool(p, name, *args, check=True):
    return run([os.path.join(BIN, name), "--bootstrap-server", p.bootstrap, "--command-config",
                p.admin] + list(args), timeout=120, check=check)


def test_only_tls_and_sasl_clients_are_served(project):
    md = kcat(project, "-L", "-m", "15", user="admin", pw=admin_pw(project), mech="PLAIN").stdout
    assert " 3 brokers:" in md, md
    for i, port in enumerate(project.ports, 1):
        assert "broker %d at 127.0.0.1:%d" % (i, port) in md, md
    r = kcat(project, "-L", "-m", "5", check=False)  # plaintext on a SASL_SSL port
    assert r.returncode != 0 and " 3 brokers:" not in r.stdout, r.stdout
    r = kcat(project, "-L", "-m", "10", user="admin", pw="wrong", mech="PLAIN", check=False)
    assert r.returncode != 0 and " 3 brokers:" not in r.stdout, r.stdout


def test_scram_users_acls_and_an_rf3_topic(project):
    for user in ("alice", "bob"):
        tool(project, "kafka-configs", "--alter", "--add-config",
             "SCRAM-SHA-512=[password=%s-pw]" % user, "--entity-type", "users",
             "--entity-name", user)
    tool(project, "kafka-topics", "--create", "--topic", TOPIC, "--partitions", "3",
         "--replication-factor", "3", "--config", "min.insync.replicas=2")
    tool(project, "kafka-acls", "--add", "--allow-principal", "User:alice", "--producer",
         "--consumer", "--topic", TOPIC, "--group", "*")
    out = tool(project, "kafka-acls", "--list", "--topic", TOPIC).stdout
    assert "principal=User:alice" in out and "operation=WRITE" in out, out

    msgs = "".join("k%d:v%d\n" % (i, i) for i in range(100))

    def alice_produced():  # the new user and ACLs reach every broker
        r = kcat(project, "-P", "-t", TOPIC, "-K:", "-X", "acks=all", user="alice",
                 pw="alice-pw", input=msgs, check=False)
        return r.returncode == 0 and "ERROR" not in r.stderr
    wait_until(alice_produced, 60, interval=1, what="alice's acks=all produce over SASL_SSL")
    out = kcat(project, "-C", "-t", TOPIC, "-e", "-q", "-f", "%k=%s\n", user="alice",
               pw="alice-pw").stdout.split()
    assert set("k%d=v%d" % (i, i) for i in range(100)) <= set(out), out[:10]
    r = kcat(project, "-P", "-t", TOPIC, "-X", "acks=all", "-X", "message.timeout.ms=15000",
             user="bob", pw="bob-pw", input="refused\n", check=False)
    assert "authoriz" in (r.stdout + r.stderr).lower(), r.stdout + r.stderr


def test_kill_the_leader_over_sasl_ssl_nothing_acknowledged_lost(project):
    r = subprocess.run([os.path.join(BIN, "kafka-drill"), "--drill", "kill-leader",
                        "--compose-project", project.name, "--command-config", project.admin,
                        "--topic", TOPIC, "--warmup-s", "3", "--tail-s", "3"],
                       capture_output=True, text=True, timeout=600)
    print(r.stdout)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    assert re.search(r"lost \(acked, not read\):\s+0\b", r.stdout)


def test_unauthenticated_zookeeper_client_cannot_change_broker_znodes(project):
    from kazoo.client import KazooClient
    from kazoo.exceptions import NoAuthError
    zk = KazooClient(hosts="%s:2181" % project.ip("zookeeper-1"), timeout=15)
    zk.start(timeout=30)
    try:
        ids = zk.get_children("/brokers/ids")  # world READ, as Kafka
        assert sorted(ids) == ["1", "2", "3"], ids
        for change in (lambda: zk.delete("/brokers/ids/" + ids[0]),
                       lambda: zk.create("/brokers/ids/99", b"{}"),
                       lambda: zk.set("/brokers/topics/" + TOPIC, b"{}"),
                       lambda: zk.create("/config/topics/evil", b"{}"),
                       lambda: zk.get("/config/users/alice")):
            with pytest.raises(NoAuthError):
                change()
    finally:
        zk.stop()
        zk.close()

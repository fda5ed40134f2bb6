"""The web console's login (console.authentication=sasl, issue 17): 3 brokers with a
SASL_PLAINTEXT listener (SCRAM-SHA-512 and PLAIN), the AclAuthorizer on, SCRAM users alice (ACLs:
Describe and Read on topic t1 only) and admin (a super user), and carol, a PLAIN user of the
listener's JAAS config without ACLs. Over HTTP: no session 401, a wrong password or an unknown
user 401 with the same answer, repeated failures 429; alice sees t1 and not t2, is refused
(403) deleting t1, altering its configs, reading t2's messages, producing to t1 and seeing a
group, does not see t1's config overrides (no DescribeConfigs), reads t1's messages; admin sees
everything and creates a topic; logout ends the session; a change without
X-Console-Request is refused (403). In headless Chromium (tests/lib/cdp.py): the login form,
alice logging in and the topics page showing t1 and not t2 (screenshots in the test's temp dir).
Without console.authentication nothing asks for a login; a bad value stops start-up naming
the key."""
import http.cookies
import json
import os
import re
import subprocess
import urllib.error
import urllib.request

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition

from cdp import Browser
from cluster import Cluster
from kafkabroker import ROOT, SERVER_BIN, Broker, free_port, wait_until

BIN = os.path.join(ROOT, "bin")
PLAIN_JAAS = ('org.apache.kafka.common.security.plain.PlainLoginModule required '
              'username="admin" password="admin-secret" user_carol="carol-secret";')
CHANGE = {"Content-Type": "application/json", "X-Console-Request": "1"}


def tool(name, *args):
    r = subprocess.run([os.path.join(BIN, name)] + list(args), capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, "%s %s: %s%s" % (name, args, r.stdout, r.stderr)
    return r.stdout


@pytest.fixture(scope="module")
def secured(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("console-login"))
    c = Cluster(d, n=3, overrides={
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT",
        "listener.name.sasl_plaintext.sasl.enabled.mechanisms": "SCRAM-SHA-512,PLAIN",
        "listener.name.sasl_plaintext.plain.sasl.jaas.config": PLAIN_JAAS,
        "authorizer.class.name": "kafka.security.authorizer.AclAuthorizer",
        # the brokers and the test's own clients use PLAINTEXT, i.e. User:ANONYMOUS
        "super.users": "User:admin;User:ANONYMOUS",
        "console.authentication": "sasl",
    }).enable_http()
    for b in c.brokers.values():
        b.sasl_port = free_port()
        b.overrides["listeners"] = ("PLAINTEXT://127.0.0.1:%d,SASL_PLAINTEXT://127.0.0.1:%d"
                                    % (b.port, b.sasl_port))
        b._write_config()
    zk = c.zk.connect
    for user, pw in (("alice", "alice-secret"), ("admin", "admin-secret")):
        tool("kafka-configs", "--zookeeper", zk, "--alter", "--add-config",
             "SCRAM-SHA-512=[password=%s]" % pw, "--entity-type", "users", "--entity-name", user)
    tool("kafka-acls", "--authorizer-properties", "zookeeper.connect=" + zk, "--add",
         "--allow-principal", "User:alice", "--operation", "Describe", "--operation", "Read",
         "--topic", "t1")
    c.start()
    for t in ("t1", "t2"):
        c.create_topic(t, partitions=1, rf=3, config={"retention.ms": "86400000"})
    p = Producer({"bootstrap.servers": c.bootstrap, "acks": "all"})
    for t in ("t1", "t2"):
        p.produce(t, key=b"k", value=b"hello " + t.encode(), partition=0)
    assert p.flush(30) == 0
    cons = Consumer({"bootstrap.servers": c.bootstrap, "group.id": "g-t1"})
    cons.commit(offsets=[TopicPartition("t1", 0, 1)], asynchronous=False)
    cons.close()
    yield c
    c.stop()
    c.check_sanitizers()


class Session:
    """One browser-like client of one broker's console: keeps the session cookie."""

    def __init__(self, port):
        self.port, self.cookie, self.last_set_cookie = port, None, None

    def call(self, path, method="GET", doc=None, headers=None):
        h = dict(CHANGE if method != "GET" else {})
        h.update(headers or {})
        if self.cookie:
            h["Cookie"] = self.cookie
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (self.port, path), method=method,
                                     data=None if doc is None else json.dumps(doc).encode(),
                                     headers=h)
        try:
            with urllib.request.urlopen(req, timeout=20) as r:
                status, hdrs, body = r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            status, hdrs, body = e.code, e.headers, e.read()
        self.last_set_cookie = hdrs.get("Set-Cookie")
        if path.startswith("/v1/"):
            assert hdrs.get("Content-Type") == "application/json", (path, hdrs)
            return status, json.loads(body)
        return status, body

    def login(self, user, pw, headers=None):
        status, doc = self.call("/v1/login", "POST", {"username": user, "password": pw},
                                headers)
        if status == 200:
            morsel = http.cookies.SimpleCookie(self.last_set_cookie)["console_session"]
            self.cookie = "console_session=" + morsel.value
        return status, doc


def topic_names(s):
    status, doc = s.call("/v1/topics")
    assert status == 200, doc
    return {t["name"] for t in doc["topics"]}


def test_login_sessions_and_acls_over_http(secured):
    c = secured
    b = c.brokers[1]
    anon = Session(b.http_port)
    assert anon.call("/")[0] == 200  # the page itself needs no login: it shows the form
    for path in ("/v1/topics", "/v1/cluster", "/v1/groups", "/v1/session", "/v1/bogus"):
        status, e = anon.call(path)
        assert status == 401 and e["error"] == "login required", (path, status, e)
    # refused logins: the same answer for a wrong password and an unknown user
    wrong = anon.login("alice", "nope")
    assert wrong == (401, {"error": "invalid username or password"}), wrong
    assert anon.login("mallory", "alice-secret") == wrong
    assert anon.login("alice", "alice-secret", {"X-Console-Request": "0"})[0] == 403
    assert anon.call("/v1/login", "POST", {"username": "alice"})[0] == 400
    # too many failures of one user: 429 even with the right password, others unaffected
    for _ in range(5):
        assert anon.login("admin", "bad")[0] == 401
    status, e = anon.login("admin", "admin-secret")
    assert status == 429 and "too many failed logins" in e["error"], e

    alice = Session(b.http_port)
    status, who = alice.login("alice", "alice-secret")
    assert status == 200 and who["user"] == "alice" and who["principal"] == "User:alice", who
    set_cookie = alice.last_set_cookie
    assert re.match(r"console_session=[0-9a-f]{32}; ", set_cookie), set_cookie
    assert "HttpOnly" in set_cookie and "SameSite=Strict" in set_cookie, set_cookie
    assert alice.call("/v1/session") == (200, {"authentication": "sasl", "user": "alice",
                                                "principal": "User:alice"})
    names = topic_names(alice)
    assert "t1" in names and "t2" not in names, names
    status, one = alice.call("/v1/topics/t1")  # overrides need DescribeConfigs
    assert status == 200 and one["configs"] == {}, one
    status, e = alice.call("/v1/topics/t1/configs", "PUT", {"set": {"retention.ms": "1"}})
    assert status == 403 and "may not ALTER_CONFIGS TOPIC t1" in e["error"], e
    status, cl = alice.call("/v1/cluster")
    assert status == 200 and cl["partitions"]["topics"] == 1, cl["partitions"]
    status, e = alice.call("/v1/topics/t2")
    assert status == 403 and e["error_name"] == "TOPIC_AUTHORIZATION_FAILED", e
    status, e = alice.call("/v1/topics/t1", "DELETE")
    assert status == 403 and e["error"] == "User:alice may not DELETE TOPIC t1", e
    status, e = alice.call("/v1/topics/t2/partitions/0/messages")
    assert status == 403 and e["error_name"] == "TOPIC_AUTHORIZATION_FAILED", e
    status, e = alice.call("/v1/topics/t1/partitions/0/messages", "POST", {"value": "x"})
    assert status == 403 and "may not WRITE TOPIC t1" in e["error"], e
    status, e = alice.call("/v1/topics", "POST", {"name": "alices", "partitions": 1,
                                                  "replication_factor": 1})
    assert status == 403 and "may not CREATE TOPIC alices" in e["error"], e
    status, g = alice.call("/v1/groups")
    assert status == 200 and g["groups"] == [], g  # no Describe on group g-t1
    status, e = alice.call("/v1/groups/g-t1")
    assert status == 403 and e["error_name"] == "GROUP_AUTHORIZATION_FAILED", e
    status, e = alice.call("/v1/groups/g-t1/reset-offsets", "POST", {"strategy": "to-earliest",
                                                                    "topics": ["t1"]})
    assert status == 403, e
    status, bd = alice.call("/v1/brokers/1")  # cluster DescribeConfigs / Describe: not hers
    assert status == 200 and bd["configs"] == [] and bd["log_dirs"] == [], bd
    assert "CLUSTER_AUTHORIZATION_FAILED" in " ".join(bd["errors"]), bd
    # the CSRF guard of a logged-in session: a change without X-Console-Request
    status, e = alice.call("/v1/topics/t1", "DELETE", headers={"X-Console-Request": ""})
    assert status == 403 and "X-Console-Request" in e["error"], e
    # Read on t1: its messages from the console of its leader (sessions are per broker)
    leader = c.brokers[c.leader("t1", 0)]
    at_leader = Session(leader.http_port)
    assert at_leader.call("/v1/topics/t1/partitions/0/messages")[0] == 401
    assert at_leader.login("alice", "alice-secret")[0] == 200
    status, m = at_leader.call("/v1/topics/t1/partitions/0/messages?offset=0")
    assert status == 200 and m["messages"][0]["value"]["data"] == "hello t1", m

    # admin (a super user) sees everything and creates a topic through the controller
    admin = Session(c.brokers[2].http_port)
    assert admin.login("admin", "admin-secret")[0] == 200  # broker 2 saw no failures
    assert {"t1", "t2"} <= topic_names(admin)
    assert admin.call("/v1/topics/t1")[1]["configs"] == {"retention.ms": "86400000"}
    status, e = admin.call("/v1/topics", "POST", {"name": "t3", "partitions": 1,
                                                  "replication_factor": 3})
    assert status == 201 and e == {"created": "t3"}, e
    wait_until(lambda: "t3" in topic_names(admin), 30, what="t3 in admin's topics")
    status, g = admin.call("/v1/groups/g-t1")
    assert status == 200 and g["offsets"][0]["topic"] == "t1", g
    assert "t3" not in topic_names(alice)

    # a PLAIN user of the listener's JAAS config logs in too; no ACLs, so no topics
    carol = Session(b.http_port)
    assert carol.login("carol", "carol-secret")[0] == 200
    assert topic_names(carol) == set()

    # logout: the old cookie is worth nothing afterwards
    status, out = alice.call("/v1/logout", "POST")
    assert status == 200 and out == {"logged_out": True}, out
    assert "Max-Age=0" in alice.last_set_cookie, alice.last_set_cookie
    status, e = alice.call("/v1/topics")
    assert status == 401 and e["error"] == "login required", e
    assert topic_names(at_leader) == {"t1"}  # another broker's session of hers lives on


def test_login_page_in_chromium(secured, tmp_path):
    b = secured.brokers[3]
    br = Browser(str(tmp_path))
    try:
        br.goto("http://127.0.0.1:%d/#topics" % b.http_port)
        br.wait("!document.getElementById('login').hidden", what="the login form")
        assert br.eval("getComputedStyle(document.getElementById('page-topics')).display") \
            == "none"
        br.set_value("#login-user", "alice")
        br.set_value("#login-password", "wrong")
        br.click("#login-form button[type=submit]")
        br.wait("document.getElementById('login-msg').textContent",
                what="the refusal shown")
        assert br.eval("document.getElementById('login-msg').textContent") == \
            "invalid username or password"
        br.screenshot(os.path.join(str(tmp_path), "console-login.png"))
        br.set_value("#login-password", "alice-secret")
        br.click("#login-form button[type=submit]")
        br.wait("document.getElementById('whoami-user').textContent === 'alice'",
                what="alice shown as logged in")
        br.wait("!!document.querySelector('#topics tbody tr[data-topic=\"t1\"]')",
                what="t1 in the topics table")
        shown = br.eval("[...document.querySelectorAll('#topics tbody tr')]"
                        ".map(r => r.dataset.topic)")
        assert "t1" in shown and "t2" not in shown, shown
        assert br.eval("document.cookie") == ""  # HttpOnly: the page cannot read the token
        br.screenshot(os.path.join(str(tmp_path), "console-login-topics.png"))
        br.click("#logout")
        br.wait("!document.getElementById('login').hidden", what="the login form again")
    finally:
        br.close()
    assert os.path.getsize(os.path.join(str(tmp_path), "console-login-topics.png")) > 0


def test_without_login_nothing_changes(broker_factory):
    port = free_port()
    broker_factory(overrides={"http.listeners": "http://127.0.0.1:%d" % port})
    s = Session(port)
    assert s.call("/v1/session") == (200, {"authentication": "none"})
    assert s.call("/v1/topics")[0] == 200
    status, e = s.login("alice", "x")
    assert status == 404 and "console.authentication is none" in e["error"], e


def test_bad_console_authentication_stops_startup(tmp_path, zk):
    b = Broker(str(tmp_path), zk.connect, 1, overrides={
        "http.listeners": "http://127.0.0.1:%d" % free_port(),
        "console.authentication": "password"})
    r = subprocess.run([SERVER_BIN, b.config_path], capture_output=True, text=True, timeout=30)
    assert r.returncode != 0
    assert "console.authentication" in r.stderr and "password" in r.stderr, r.stderr

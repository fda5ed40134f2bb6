"""The web console (issue 17) on http.listeners: the embedded files and the /v1/ JSON API checked
over HTTP, then the pages rendered by a real headless Chromium (Debian's chromium, --dump-dom
and --screenshot) against 3 brokers: the overview lists the brokers (with the partitions each
leads and holds) and the controller, and draws the traffic charts, a topic created with
kafka-topics appears with its partitions, the lag shown for a group equals kafka-consumer-groups
--describe's, a group id holding HTML shows as text (no script element injected), and the
message browser finds messages produced with kcat by offset (HTML key, value and header as text,
a 100 kB value cut to 4 KiB, a binary value in hex, a JSON value indented, one found by time,
the whole big value downloadable). Screenshots of each page (1280x800) are left in the test's
temp dir."""
import json
import os
import re
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser

from confluent_kafka import Consumer, Producer, TopicPartition

from cluster import Cluster
from kafkabroker import ROOT, free_port, wait_until

CHROMIUM = "/usr/bin/chromium"
BIN = os.path.join(ROOT, "bin")
EVIL = "<script>alert(1)</script>"
PAGES = ("overview", "topics", "groups", "brokers")


def http(port, path, method="GET"):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def api(port, path):
    status, headers, body = http(port, path)
    assert headers.get("Content-Type") == "application/json", (path, headers.get("Content-Type"))
    return status, json.loads(body)


def test_assets_and_api_over_http(broker_factory):
    port = free_port()
    b = broker_factory(overrides={"http.listeners": "http://127.0.0.1:%d" % port})
    for path, name, ctype in (("/", "index.html", "text/html; charset=utf-8"),
                              ("/index.html", "index.html", "text/html; charset=utf-8"),
                              ("/app.js", "app.js", "text/javascript; charset=utf-8"),
                              ("/app.css", "app.css", "text/css; charset=utf-8")):
        status, headers, body = http(port, path)
        assert status == 200, path
        assert headers.get("Content-Type") == ctype, (path, headers.get("Content-Type"))
        assert headers.get("Cache-Control") == "no-store", path
        with open(os.path.join(ROOT, "console", name), "rb") as f:
            assert body == f.read(), "%s differs from console/%s" % (path, name)
    assert http(port, "/nope.html")[0] == 404
    assert http(port, "/app.js", method="POST")[0] == 405
    status, c = api(port, "/v1/cluster")
    assert status == 200
    assert c["broker_id"] == b.id and c["controller_id"] == b.id and c["this_is_controller"]
    assert c["zookeeper"] == "CONNECTED" and c["cluster_id"]
    assert [(x["id"], x["host"], x["port"]) for x in c["brokers"]] == [(b.id, "127.0.0.1", b.port)]
    status, t = api(port, "/v1/topics")
    assert status == 200 and isinstance(t["topics"], list)
    status, e = api(port, "/v1/topics/no-such-topic")
    assert status == 404 and e["error"] == "unknown topic: no-such-topic"
    status, e = api(port, "/v1/topics/%ff%3Cb%3E")  # not UTF-8: still a JSON answer
    assert status == 404 and e["error"] == "unknown topic: ?<b>"
    status, e = api(port, "/v1/bogus")
    assert status == 404 and "/v1/bogus" in e["error"]
    status, headers, body = http(port, "/v1/cluster", method="POST")
    assert status == 405 and "error" in json.loads(body)
    status, g = api(port, "/v1/groups")
    assert status == 200 and g["groups"] == []


class Dom(HTMLParser):
    """Rows of the dumped DOM: (tr attributes, [cell texts]) by table id; script elements;
    text of elements by id."""

    def __init__(self, html):
        super().__init__()
        self.tables, self.scripts, self.by_id, self.attrs_by_id = {}, [], {}, {}
        self.links = []
        self._table = self._row = self._cell = None
        self._open_ids = []
        self.html = html
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script":
            self.scripts.append(a)
        if tag == "a":
            self.links.append(a)
        if tag == "table":
            self._table = self.tables.setdefault(a.get("id"), [])
        elif tag == "tr" and self._table is not None:
            self._row = (a, [])
            self._table.append(self._row)
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        if "id" in a:
            self.attrs_by_id[a["id"]] = a
            self.by_id[a["id"]] = ""
            self._open_ids.append((tag, a["id"]))

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row[1].append("".join(self._cell))
            self._cell = None
        elif tag == "tr":
            self._row = None
        elif tag == "table":
            self._table = None
        if self._open_ids and self._open_ids[-1][0] == tag:
            self._open_ids.pop()

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        for _, i in self._open_ids:
            self.by_id[i] += data

    def rows(self, table):
        return [(a, cells) for a, cells in self.tables.get(table, []) if cells and a]


def chromium(tmp_path, url, screenshot=None, budget_ms=5000):
    assert os.path.exists(CHROMIUM), "Debian's chromium is needed (scripts/install-deps.sh)"
    args = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
            "--user-data-dir=%s" % os.path.join(str(tmp_path), "chromium-profile"),
            "--virtual-time-budget=%d" % budget_ms]
    args += ["--screenshot=%s" % screenshot, "--window-size=1280,800"] if screenshot else ["--dump-dom"]
    p = subprocess.run(args + [url], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, "chromium: %s" % p.stderr[-2000:]
    return p.stdout


def run_tool(tool, *args):
    p = subprocess.run([os.path.join(BIN, tool)] + list(args), capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 0, "%s %s: %s%s" % (tool, args, p.stdout, p.stderr)
    return p.stdout


def describe_lags(bootstrap, group):
    """{(topic, partition): LAG} from kafka-consumer-groups --describe."""
    out = run_tool("kafka-consumer-groups", "--bootstrap-server", bootstrap, "--describe",
                   "--group", group)
    lines = [l for l in out.splitlines() if l.strip()]
    head = next(i for i, l in enumerate(lines) if l.startswith("GROUP "))
    cols = lines[head].split()
    rows = [dict(zip(cols, l.split())) for l in lines[head + 1:]]
    return {(r["TOPIC"], int(r["PARTITION"])): int(r["LAG"]) for r in rows}


def commit(bootstrap, group, topic, offsets):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        c.commit(offsets=[TopicPartition(topic, p, o) for p, o in offsets.items()],
                 asynchronous=False)
    finally:
        c.close()


def test_console_pages_in_chromium(tmp_path):
    c = Cluster(str(tmp_path), 3).enable_http()
    c.start()
    try:
        check_console(c, tmp_path)
    finally:
        c.stop()


def check_console(c, tmp_path):
    topic = "console-orders"
    run_tool("kafka-topics", "--bootstrap-server", c.bootstrap, "--create", "--topic", topic,
             "--partitions", "3", "--replication-factor", "3")
    wait_until(lambda: all(c.leader(topic, p) >= 0 for p in range(3)), 30, what="leaders")
    p = Producer({"bootstrap.servers": c.bootstrap, "acks": "all"})
    counts = {0: 10, 1: 7, 2: 5}
    for part, n in counts.items():
        for i in range(n):
            p.produce(topic, value=b"v%d" % i, partition=part)
    assert p.flush(30) == 0
    committed = {0: 4, 1: 7, 2: 0}
    for g in ("console-readers", EVIL):
        commit(c.bootstrap, g, topic, committed)
    expect = {(topic, part): counts[part] - committed[part] for part in counts}
    assert describe_lags(c.bootstrap, "console-readers") == expect
    assert describe_lags(c.bootstrap, EVIL) == expect

    # the console of the broker coordinating the group; its lag settled (followers' HW)
    def coordinator():
        for b in c.brokers.values():
            _, g = api(b.http_port, "/v1/groups")
            for grp in g["groups"]:
                if grp["group_id"] == "console-readers" and all(
                        "lag" in o for o in grp["offsets"]) and len(grp["offsets"]) == 3:
                    lags = {(o["topic"], o["partition"]): o["lag"] for o in grp["offsets"]}
                    return b if lags == expect else None
        return None
    b = wait_until(coordinator, 30, 0.2, what="a console listing the group with its lag")
    url = "http://127.0.0.1:%d/" % b.http_port
    html = chromium(tmp_path, url)
    with open(os.path.join(str(tmp_path), "console-dom.html"), "w") as f:
        f.write(html)
    dom = Dom(html)
    assert dom.attrs_by_id.get("status") is not None
    assert "error" not in dom.by_id["status"], dom.by_id["status"]

    # overview: 3 brokers and the controller
    brokers = {int(a["data-broker-id"]): cells for a, cells in dom.rows("overview-brokers")}
    assert sorted(brokers) == sorted(c.brokers), brokers
    for i, cells in brokers.items():
        assert cells[1:3] == ["127.0.0.1", str(c.brokers[i].port)], cells
    ctl = c.controller()
    assert dom.by_id["controller"] == "broker %d" % ctl
    assert brokers[ctl][4] == "controller"
    assert [i for i, cells in brokers.items() if cells[4] == "controller"] == [ctl]
    assert dom.by_id["n-brokers"] == "3"
    # leaders and replicas per broker, as Metadata has them (50 __consumer_offsets + 3)
    md = c.admin().list_topics(timeout=10)
    for i, cells in brokers.items():
        parts = [pm for t in md.topics.values() for pm in t.partitions.values()]
        assert cells[5] == str(sum(pm.leader == i for pm in parts)), (i, cells)
        assert cells[6] == str(sum(i in pm.replicas for pm in parts)), (i, cells)

    # traffic: each broker's messages-in counter; together, the 22 messages produced
    assert sum(api(x.http_port, "/v1/cluster")[1]["traffic"]["messages_in"]
               for x in c.brokers.values()) == sum(counts.values())
    # the charts: three polls (virtual time: 0, 5 and 10 s) give two rates per line
    dom_c = Dom(chromium(tmp_path, url, budget_ms=12000))
    lines = re.findall(r'<svg id="chart-([a-z-]+)"[^>]*><polyline points="([^"]*)"', dom_c.html)
    assert sorted(n for n, _ in lines) == ["bytes-in", "bytes-out", "messages"], lines
    assert all(len(pts.split()) == 2 for _, pts in lines), lines

    # topics: the one made with kafka-topics, 3 partitions, RF 3
    topics = {a["data-topic"]: cells for a, cells in dom.rows("topics")}
    assert topics[topic][1:3] == ["3", "3"], topics.get(topic)

    # the topic's partitions (#topics/<name>): leader, replicas, ISR as Metadata has them
    dom_t = Dom(chromium(tmp_path, url + "#topics/" + topic))
    shown = {int(a["data-partition"]): cells for a, cells in dom_t.rows("topic-detail")
             if a.get("data-topic") == topic}
    assert sorted(shown) == [0, 1, 2], shown
    for part, cells in shown.items():
        assert cells[1] == str(c.leader(topic, part)), (part, cells)
        assert sorted(cells[2].split(",")) == ["1", "2", "3"] and sorted(cells[3].split(",")) == ["1", "2", "3"]
        if c.leader(topic, part) == b.id:  # hosted here as leader: its offsets
            assert cells[5] == cells[6] == str(counts[part]), (part, cells)

    # groups: the lag per partition equals kafka-consumer-groups --describe's, for both groups
    for g in ("console-readers", EVIL):
        shown = {(a["data-topic"], int(a["data-partition"])): int(cells[5])
                 for a, cells in dom.rows("group-offsets") if a["data-group"] == g}
        assert shown == describe_lags(c.bootstrap, g), (g, shown)
    groups = {a["data-group"]: cells for a, cells in dom.rows("groups")}
    assert groups["console-readers"][0] == "console-readers"
    assert groups["console-readers"][4] == str(sum(expect.values()))

    # one group: /v1/groups/<id> on its coordinator, 404 elsewhere; #groups/<id> on the page
    status, one = api(b.http_port, "/v1/groups/" + urllib.parse.quote(EVIL, safe=""))
    assert status == 200 and one["group_id"] == EVIL and len(one["offsets"]) == 3, one
    for x in c.brokers.values():
        if x is not b:
            status, e = api(x.http_port, "/v1/groups/console-readers")
            assert status == 404 and e["error"] == (
                "unknown group: console-readers (not coordinated by this broker)"), e
    dom_g = Dom(chromium(tmp_path, url + "#groups/console-readers"))
    assert {a["data-group"] for a, _ in dom_g.rows("group-offsets")} == {"console-readers"}
    assert dom_g.by_id["group-message"] == ""
    dom_g = Dom(chromium(tmp_path, url + "#groups/nope"))
    assert dom_g.rows("groups") == []
    assert dom_g.by_id["group-message"] == "Unknown group: nope (not coordinated by broker %d)" % b.id
    dom_t = Dom(chromium(tmp_path, url + "#topics/nope"))
    assert dom_t.by_id["topic-detail-title"] == "Unknown topic: nope"

    # the group id holding HTML is text: present as such, no script element injected
    assert groups[EVIL][0] == EVIL
    assert EVIL not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert [s.get("src") for s in dom.scripts] == ["/app.js"], dom.scripts

    check_messages(c, tmp_path, topic)

    for page in PAGES:
        shot = os.path.join(str(tmp_path), "console-%s.png" % page)
        chromium(tmp_path, url + "#" + (page if page != "topics" else "topics/" + topic),
                 screenshot=shot, budget_ms=12000 if page == "overview" else 5000)
        assert os.path.getsize(shot) > 10000, shot


def check_messages(c, tmp_path, topic):
    """Messages at offsets 10 (kcat: HTML key and value, a header), 11 (100 kB value), 12
    (binary value), 13 (JSON) of partition 0, shown by the browser page of its leader."""
    p = subprocess.run(["kcat", "-P", "-b", c.bootstrap, "-t", topic, "-p", "0", "-K", ":",
                        "-H", "trace=<i>t1</i>", "-X", "acks=all"],
                       input="<b>key</b>:%s\n" % EVIL, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    prod = Producer({"bootstrap.servers": c.bootstrap, "acks": "all"})
    prod.produce(topic, value=b"x" * 100000, key=b"big", partition=0)
    prod.produce(topic, value=b"\x00\x01\xfe\xff", key=None, partition=0)
    prod.produce(topic, value=b'{"id":7,"tags":["<a>"]}', key=b"json", partition=0)
    assert prod.flush(30) == 0
    leader = c.brokers[c.leader(topic, 0)]
    path = "/v1/topics/%s/partitions/0/messages" % topic
    status, m = api(leader.http_port, path + "?offset=10&limit=5")
    assert status == 200, m
    assert [x["offset"] for x in m["messages"]] == [10, 11, 12, 13] and m["next_offset"] == 14
    evil, big, binary, js = m["messages"]
    assert evil["key"] == {"encoding": "text", "data": "<b>key</b>", "size": 10, "truncated": False}
    assert evil["value"]["data"] == EVIL
    assert evil["headers"][0]["key"]["data"] == "trace"
    assert evil["headers"][0]["value"]["data"] == "<i>t1</i>"
    assert big["value"]["size"] == 100000 and big["value"]["truncated"]
    assert big["value"]["data"] == "x" * 4096
    assert binary["key"] is None and binary["value"]["encoding"] == "hex"
    assert binary["value"]["data"] == "0001feff"
    assert js["value"]["data"] == '{"id":7,"tags":["<a>"]}'  # as stored; the page indents it
    status, m = api(leader.http_port, path + "?limit=2")  # newest: the last 2 below the HW
    assert status == 200 and [x["offset"] for x in m["messages"]] == [12, 13], m
    status, headers, raw = http(leader.http_port, path + "/11/value")  # the whole big value
    assert status == 200 and raw == b"x" * 100000
    assert headers.get("Content-Type") == "application/octet-stream"
    assert http(leader.http_port, path + "/12/value")[2] == b"\x00\x01\xfe\xff"
    assert http(leader.http_port, path + "/14/value")[0] == 404  # at the HW: none yet
    assert http(leader.http_port, path + "/11/valu")[0] == 404
    # ?timestamp=T: from the first record whose timestamp is >= T
    _, every = api(leader.http_port, path + "?offset=0&limit=100")
    ts10 = every["messages"][10]["timestamp"]
    first = next(x["offset"] for x in every["messages"] if x["timestamp"] >= ts10)
    status, m = api(leader.http_port, path + "?timestamp=%d&limit=2" % ts10)
    assert status == 200 and m["messages"][0]["offset"] == first <= 10, m
    status, m = api(leader.http_port, path + "?timestamp=%d" % (ts10 + 10 ** 9))
    assert status == 200 and m["messages"] == [] and m["offset"] == m["high_watermark"], m
    assert api(leader.http_port, path + "?timestamp=1&offset=1")[0] == 400
    other = next(b for b in c.brokers.values() if b is not leader)
    status, e = api(other.http_port, path)
    assert status == 409 and e["leader"] == leader.id, e
    assert api(leader.http_port, "/v1/topics/%s/partitions/3/messages" % topic)[0] == 404
    assert api(leader.http_port, path + "?offset=-1")[0] == 400
    assert api(leader.http_port, path + "?limit=1000")[0] == 400

    url = "http://127.0.0.1:%d/#messages/%s/0/10" % (leader.http_port, topic)
    html = chromium(tmp_path, url)
    dom = Dom(html)
    rows = {int(a["data-offset"]): cells for a, cells in dom.rows("messages")}
    assert sorted(rows) == [10, 11, 12, 13], (rows, dom.by_id.get("msg-status"))
    assert rows[10][2] == "<b>key</b>" and rows[10][3] == EVIL
    assert rows[10][4] == "trace=<i>t1</i>"
    assert rows[11][3].startswith("x" * 4096) and "100000 bytes" in rows[11][3]
    assert rows[12][2] == "null" and rows[12][3] == "0x0001feff"
    assert rows[13][3] == json.dumps({"id": 7, "tags": ["<a>"]}, indent=2), rows[13]
    links = [a for a in dom.links if a.get("class") == "download"]
    assert [a["href"] for a in links] == [path + "/11/value"], links
    assert EVIL not in html and "<b>key</b>" not in html
    assert [s.get("src") for s in dom.scripts] == ["/app.js"], dom.scripts
    dom = Dom(chromium(tmp_path, "http://127.0.0.1:%d/#messages/%s/0/@%d" % (
        leader.http_port, topic, ts10)))
    assert min(int(a["data-offset"]) for a, _ in dom.rows("messages")) == first
    chromium(tmp_path, url, screenshot=os.path.join(str(tmp_path), "console-messages.png"))

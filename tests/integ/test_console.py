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

from cdp import Browser
from cluster import Cluster
from kafkabroker import ROOT, free_port, wait_until

CHROMIUM = "/usr/bin/chromium"
BIN = os.path.join(ROOT, "bin")
EVIL = "<script>alert(1)</script>"
PAGES = ("overview", "topics", "groups", "brokers")
SCRIPTS = ["/app.js", "/actions.js", "/txns.js", "/connect.js"]  # the page's own, nothing else


def http(port, path, method="GET", body=None, headers=None):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), method=method,
                                 data=body, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def api(port, path, method="GET", doc=None, headers=None):
    h = {"Content-Type": "application/json"} if method != "GET" else {}
    h.update(headers or {})
    status, headers, body = http(port, path, method, None if doc is None else
                                 json.dumps(doc).encode(), h)
    assert headers.get("Content-Type") == "application/json", (path, headers.get("Content-Type"))
    return status, json.loads(body)


def test_assets_and_api_over_http(broker_factory):
    port = free_port()
    b = broker_factory(overrides={"http.listeners": "http://127.0.0.1:%d" % port})
    for path, name, ctype in (("/", "index.html", "text/html; charset=utf-8"),
                              ("/index.html", "index.html", "text/html; charset=utf-8"),
                              ("/app.js", "app.js", "text/javascript; charset=utf-8"),
                              ("/actions.js", "actions.js", "text/javascript; charset=utf-8"),
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
    status, e = api(port, "/v1/cluster", "POST", {})
    assert status == 405 and "error" in e
    status, g = api(port, "/v1/groups")
    assert status == 200 and g["groups"] == [] and g["errors"] == [], g
    status, e = api(port, "/v1/groups/nope")
    assert status == 404 and e["error"] == "unknown group: nope", e
    # the CSRF guard: a change needs a JSON body type, and a browser's Origin must be ours
    new = {"name": "csrf", "partitions": 1, "replication_factor": 1}
    status, headers, body = http(port, "/v1/topics", "POST", json.dumps(new).encode(),
                                 {"Content-Type": "text/plain"})
    assert status == 403 and "Content-Type: application/json" in json.loads(body)["error"]
    status, e = api(port, "/v1/topics", "POST", new, {"Origin": "http://evil.example"})
    assert status == 403, e
    status, e = api(port, "/v1/topics", "POST", new,
                    {"Origin": "http://127.0.0.1:%d" % port})
    assert status == 201 and e == {"created": "csrf"}, e
    wait_until(lambda: api(port, "/v1/topics/csrf")[0] == 200, 30, what="topic csrf")
    # Kafka's errors as JSON: exists 409, bad replication 400, unknown 404, bad body 400
    status, e = api(port, "/v1/topics", "POST", new)
    assert status == 409 and e["error_name"] == "TOPIC_ALREADY_EXISTS", e
    assert e["error"] == "Topic 'csrf' already exists." and e["error_code"] == 36, e
    status, e = api(port, "/v1/topics", "POST", dict(new, name="rf9", replication_factor=9))
    assert status == 400 and e["error_name"] == "INVALID_REPLICATION_FACTOR", e
    assert api(port, "/v1/topics/nope", "DELETE")[0] == 404
    assert api(port, "/v1/topics/csrf/configs", "PUT", {"set": "x"})[0] == 400
    status, headers, body = http(port, "/v1/topics", "POST", b"{", {"Content-Type": "application/json"})
    assert status == 400 and json.loads(body)["error"] == "the body must be a JSON object"
    status, e = api(port, "/v1/groups/g/reset-offsets", "POST", {"strategy": "to-nowhere"})
    assert status == 400 and "strategy must be one of" in e["error"], e
    status, e = api(port, "/v1/groups/g/reset-offsets", "POST", {"strategy": "to-latest"})
    assert status == 400 and "reset scopes" in e["error"], e
    status, bd = api(port, "/v1/brokers/%d" % b.id)
    assert status == 200 and bd["errors"] == [], bd
    cfg = {x["name"]: x for x in bd["configs"]}
    assert cfg["broker.id"]["value"] == str(b.id), cfg.get("broker.id")
    assert cfg["http.listeners"]["source"] == "STATIC_BROKER_CONFIG"
    assert "DEFAULT_CONFIG" in {x["source"] for x in bd["configs"]}
    assert len(bd["log_dirs"]) == 1 and bd["log_dirs"][0]["error"] is None, bd["log_dirs"]
    assert api(port, "/v1/brokers/77")[0] == 404


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


def describe_lags(bootstrap, group, column="LAG"):
    """{(topic, partition): LAG (or another column)} from kafka-consumer-groups --describe."""
    out = run_tool("kafka-consumer-groups", "--bootstrap-server", bootstrap, "--describe",
                   "--group", group)
    lines = [l for l in out.splitlines() if l.strip()]
    head = next(i for i, l in enumerate(lines) if l.startswith("GROUP "))
    cols = lines[head].split()
    rows = [dict(zip(cols, l.split())) for l in lines[head + 1:]]
    return {(r["TOPIC"], int(r["PARTITION"])): int(r[column]) for r in rows}


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
                if grp["group_id"] == "console-readers" and grp["coordinator"] == b.id and all(
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
    assert dom.by_id["group-errors"] == "", dom.by_id["group-errors"]  # every broker answered
    assert groups["console-readers"][0] == "console-readers"
    assert groups["console-readers"][5] == str(b.id)  # its coordinator
    assert groups["console-readers"][4] == str(sum(expect.values()))

    # one group: /v1/groups/<id> on every broker (asked of the coordinator); #groups/<id>
    status, one = api(b.http_port, "/v1/groups/" + urllib.parse.quote(EVIL, safe=""))
    assert status == 200 and one["group_id"] == EVIL and len(one["offsets"]) == 3, one
    for x in c.brokers.values():
        status, one = api(x.http_port, "/v1/groups/console-readers")
        assert status == 200 and one["coordinator"] == b.id, one
        assert {(o["topic"], o["partition"]): o["lag"] for o in one["offsets"]} == expect, one
    dom_g = Dom(chromium(tmp_path, url + "#groups/console-readers"))
    assert {a["data-group"] for a, _ in dom_g.rows("group-offsets")} == {"console-readers"}
    assert dom_g.by_id["group-message"] == ""
    dom_g = Dom(chromium(tmp_path, url + "#groups/nope"))
    assert dom_g.rows("groups") == []
    assert dom_g.by_id["group-message"] == "Unknown group: nope"
    dom_t = Dom(chromium(tmp_path, url + "#topics/nope"))
    assert dom_t.by_id["topic-detail-title"] == "Unknown topic: nope"

    # the group id holding HTML is text: present as such, no script element injected
    assert groups[EVIL][0] == EVIL
    assert EVIL not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert [s.get("src") for s in dom.scripts] == SCRIPTS, dom.scripts

    check_messages(c, tmp_path, topic)
    check_actions(c, tmp_path, topic, b)

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
    assert [s.get("src") for s in dom.scripts] == SCRIPTS, dom.scripts
    dom = Dom(chromium(tmp_path, "http://127.0.0.1:%d/#messages/%s/0/@%d" % (
        leader.http_port, topic, ts10)))
    assert min(int(a["data-offset"]) for a, _ in dom.rows("messages")) == first
    chromium(tmp_path, url, screenshot=os.path.join(str(tmp_path), "console-messages.png"))


def describe_offsets(bootstrap, group):
    """{(topic, partition): CURRENT-OFFSET} from kafka-consumer-groups --describe."""
    return describe_lags(bootstrap, group, "CURRENT-OFFSET")


def check_actions(c, tmp_path, topic, coord):
    """The pages' actions, driven in Chromium over the DevTools protocol: a reset of a group
    coordinated by another broker than the page's, a topic created, edited and deleted, a test
    message produced and found by offset, a broker's configs and log dirs."""
    other = next(x for x in c.brokers.values() if x is not coord)
    br = Browser(str(tmp_path))
    try:
        check_reset_page(c, br, tmp_path, topic, coord, other)
        check_reset_refused_when_active(c, topic, other)
        check_topic_page(c, br, tmp_path, other)
        check_produce_page(c, br, tmp_path, topic)
        check_broker_page(c, br, tmp_path, other)
    finally:
        br.close()


def check_reset_page(c, br, tmp_path, topic, coord, page_broker):
    group = "console-readers"
    before = describe_offsets(c.bootstrap, group)
    br.goto("http://127.0.0.1:%d/#groups/%s" % (page_broker.http_port, group))
    # listed with its coordinator, another broker than the page's
    cells = br.wait("(() => { const r = document.querySelector('#groups tr[data-group]');"
                    " return r && [...r.cells].map(c => c.textContent); })()")
    assert cells[0] == group and cells[5] == str(coord.id) != str(page_broker.id), cells
    br.wait("!document.getElementById('group-detail').hidden", what="the group detail")
    br.eval("document.getElementById('rs-strategy').value = 'to-offset'")
    br.set_value("#rs-value", "2")
    br.set_value("#rs-topics", topic)
    br.click("#rs-preview")
    plan = br.wait("(() => { const rs = [...document.querySelectorAll('#reset-plan tr[data-topic]')];"
                   " return rs.length === 3 && rs.map(r => [...r.cells].map(c => c.textContent)); })()")
    assert sorted(plan) == [[topic, str(p), str(before[(topic, p)]), "2", "dry run"]
                            for p in range(3)], plan
    assert describe_offsets(c.bootstrap, group) == before  # a dry run changes nothing
    assert br.eval("document.getElementById('rs-execute').disabled") is False
    br.click("#rs-execute")
    assert "Reset the offsets of group console-readers" in br.eval(
        "document.getElementById('confirm-text').textContent")
    br.click("#confirm-yes")
    br.wait("[...document.querySelectorAll('#reset-plan tr[data-topic]')]"
            ".every(r => r.cells[4].textContent === 'committed')", what="the reset committed")
    assert describe_offsets(c.bootstrap, group) == {(topic, p): 2 for p in range(3)}
    assert "coordinator: broker %d" % coord.id in br.eval(
        "document.getElementById('reset-msg').textContent")
    # by-duration (the tool's ISO form, parsed by the page): a day back is the log start
    br.eval("document.getElementById('rs-strategy').value = 'by-duration'")
    br.set_value("#rs-value", "P1DT0H")
    br.click("#rs-preview")
    br.wait("[...document.querySelectorAll('#reset-plan tr[data-topic]')]"
            ".every(r => r.cells[3].textContent === '0' && r.cells[4].textContent === 'dry run')")
    # the lag chart: one point per poll the page made
    br.wait("!!document.querySelector('#chart-lag polyline')", what="the lag chart")
    br.screenshot(os.path.join(str(tmp_path), "console-group-reset.png"))


def check_reset_refused_when_active(c, topic, page_broker):
    """As the tool: a group with members is not reset (409 with Kafka's message)."""
    group = "live-readers"
    cons = Consumer({"bootstrap.servers": c.bootstrap, "group.id": group,
                     "session.timeout.ms": 6000})
    try:
        cons.subscribe([topic])
        wait_until(lambda: cons.poll(0.2) is not None or cons.assignment(), 30,
                   what="the consumer's assignment")
        # its member and the member's partitions, from DescribeGroups' assignment bytes
        def member():
            g = api(page_broker.http_port, "/v1/groups/%s" % group)[1]
            return g.get("state") == "Stable" and g["members"] and g["members"][0]
        m = wait_until(member, 30, 0.2, what="the member listed")
        assert m["assignment"] == [{"topic": topic, "partitions": [0, 1, 2]}], m
        req = {"strategy": "to-earliest", "topics": [topic], "execute": True}
        status, e = api(page_broker.http_port, "/v1/groups/%s/reset-offsets" % group, "POST", req)
        assert status == 409 and e["error"] == (
            "Assignments can only be reset if the group 'live-readers' is inactive, but the "
            "current state is Stable."), e
    finally:
        cons.close()


def check_topic_page(c, br, tmp_path, page_broker):
    name = "page-made"
    br.goto("http://127.0.0.1:%d/#topics" % page_broker.http_port)
    br.wait("document.body.getAttribute('data-loaded') === '1'")
    br.set_value("#tc-name", name)
    br.set_value("#tc-partitions", "2")
    br.set_value("#tc-rf", "2")
    br.set_value("#tc-configs", "retention.ms=3600000")
    br.click("#topic-create button")
    assert br.eval("document.getElementById('confirm-text').textContent") == (
        "Create topic page-made with 2 partitions, replication 2, configs retention.ms=3600000?")
    br.click("#confirm-yes")
    br.wait("document.getElementById('topic-action-msg').textContent === 'Created topic page-made.'")
    wait_until(lambda: c.leader(name, 1) >= 0, 30, what="the new topic's leaders")
    out = run_tool("kafka-topics", "--bootstrap-server", c.bootstrap, "--describe", "--topic", name)
    assert "PartitionCount: 2" in out and "ReplicationFactor: 2" in out, out
    assert "retention.ms=3600000" in out, out
    br.goto("http://127.0.0.1:%d/#topics/%s" % (page_broker.http_port, name))
    br.wait("!!document.querySelector('#topic-configs tr[data-config=\"retention.ms\"]')",
            what="the topic's configs")
    br.set_value("#tcfg-key", "cleanup.policy")
    br.set_value("#tcfg-value", "compact")
    br.click("#topic-configs input[data-remove='retention.ms']")
    br.click("#topic-config-save")
    assert br.eval("document.getElementById('confirm-text').textContent") == (
        "Change configs of page-made: set cleanup.policy=compact remove retention.ms?")
    br.click("#confirm-yes")
    br.wait("document.getElementById('topic-action-msg').textContent === 'Configs of page-made changed.'")
    def changed():  # the brokers apply a config change when ZooKeeper tells them
        out = run_tool("kafka-configs", "--bootstrap-server", c.bootstrap, "--describe",
                       "--entity-type", "topics", "--entity-name", name)
        return "cleanup.policy=compact" in out and "retention.ms" not in out
    wait_until(changed, 30, 0.2, what="kafka-configs showing the change")
    br.wait("!!document.querySelector('#topic-configs tr[data-config=\"cleanup.policy\"]')",
            what="the edited configs shown")
    br.screenshot(os.path.join(str(tmp_path), "console-topic-edit.png"))
    br.click("#topic-delete")
    br.click("#confirm-yes")
    br.wait("document.getElementById('topic-action-msg').textContent === 'Deleted topic page-made.'")
    wait_until(lambda: name not in run_tool("kafka-topics", "--bootstrap-server", c.bootstrap,
                                            "--list").split(), 30, what="the topic deleted")
    # an error from Kafka, shown on the page: creating a topic that exists
    topic_exists = "console-orders"
    br.set_value("#tc-name", topic_exists)
    br.click("#topic-create button")
    br.click("#confirm-yes")
    br.wait("document.getElementById('topic-action-msg').textContent === "
            "\"Cannot create %s: Topic '%s' already exists.\"" % (topic_exists, topic_exists))


def check_produce_page(c, br, tmp_path, topic):
    leader = c.brokers[c.leader(topic, 1)]
    base = "http://127.0.0.1:%d/" % leader.http_port
    br.goto(base + "#messages/%s/1" % topic)
    br.wait("document.body.getAttribute('data-loaded') === '1'")
    br.set_value("#pm-key", "page-key")
    br.set_value("#pm-value", EVIL)
    br.set_value("#pm-headers", "src=<b>console</b>")
    br.set_value("#pm-partition", "1")
    br.click("#produce-form button")
    off = int(br.wait("document.getElementById('produce-msg').getAttribute('data-offset')"))
    assert off == 7, off  # partition 1 held offsets 0..6
    p = subprocess.run(["kcat", "-C", "-b", c.bootstrap, "-t", topic, "-p", "1", "-o", str(off),
                        "-c", "1", "-e", "-f", "%k|%s|%h"], capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 0 and p.stdout == "page-key|%s|src=<b>console</b>" % EVIL, (p.stdout, p.stderr)
    br.goto(base + "#messages/%s/1/%d" % (topic, off))
    cells = br.wait("(() => { const r = document.querySelector('#messages tr[data-offset=\"%d\"]');"
                    " return r && [...r.cells].map(c => c.textContent); })()" % off)
    assert cells[2:] == ["page-key", EVIL, "src=<b>console</b>"], cells
    assert br.eval("document.querySelectorAll('script').length") == len(SCRIPTS)  # none injected
    br.screenshot(os.path.join(str(tmp_path), "console-produce.png"))


def check_broker_page(c, br, tmp_path, b):
    br.goto("http://127.0.0.1:%d/#brokers/%d" % (b.http_port, b.id))
    cfg = br.wait("(() => { const r = document.querySelector('#broker-configs tr[data-config=\"broker.id\"]');"
                  " return r && [...r.cells].map(c => c.textContent); })()")
    assert cfg == ["broker.id", str(b.id), "STATIC_BROKER_CONFIG"], cfg
    dirs = br.eval("[...document.querySelectorAll('#broker-logdirs tr[data-dir]')]"
                   ".map(r => [...r.cells].map(c => c.textContent))")
    assert len(dirs) == 1 and int(dirs[0][1]) > 0 and dirs[0][3] == "", dirs
    title = br.eval("document.getElementById('broker-title').textContent")
    assert re.match(r"Broker %d: leads \d+ partitions, holds \d+$" % b.id, title), title
    br.screenshot(os.path.join(str(tmp_path), "console-broker.png"))

"""The console's Connect page (issue 17): a broker whose console.connect.urls names a dead port
first and then a real connect-distributed worker; through the console's API (/v1/connect/...) a
FileStreamSource connector is created, listed RUNNING with its task, paused (the worker's own
REST then says PAUSED), resumed and restarted; Connect's validation 400 and unknown-class 500
come back with Connect's message; a failing plugin task shows FAILED with its trace. Headless
Chromium (DevTools protocol) shows the connectors with their states, a connector named
<script>alert(1)</script> as text, the FAILED task's trace, and deletes a connector through the
page's button and confirmation. Screenshot console-connect.png (1280x800) in the temp dir."""
import json
import os
import subprocess
import urllib.error
import urllib.request

from cdp import Browser
from connectworker import Worker
from kafkabroker import ROOT, SERVER_BIN, Broker, free_port, wait_until

PLUGINS = os.path.join(ROOT, "build", "tests", "integ", "connect-plugins")
XSS = "<script>alert(1)</script>"


def api(port, method, path, body=None):
    """(status, JSON) of one console request; changes carry the JSON content type."""
    data = json.dumps(body).encode() if body is not None else None
    headers = {} if method == "GET" else {"Content-Type": "application/json"}
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), data=data,
                                 method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            assert r.headers.get("Content-Type") == "application/json"
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def create(port, name, config):
    """Create through the console; 409 (the worker's group still forming) is retried."""
    last = {}

    def ok():
        st, doc = last["r"] = api(port, "POST", "/v1/connect/connectors",
                                  {"name": name, "config": config})
        if st == 409:  # passed through with Connect's message
            assert "rebalance" in doc["error"] and doc["error_code"] == 409, doc
        return st == 201
    try:
        wait_until(ok, 40, interval=0.3, what="create %s through the console" % name)
    except TimeoutError:
        raise AssertionError("last answer: %r" % (last.get("r"),))
    return last["r"][1]


def settled(port, method, path):
    """The answer once the worker is not rebalancing: a 409 carries Connect's message."""
    last = {}

    def ok():
        st, doc = last["r"] = api(port, method, path)
        if st == 409:
            assert "rebalance" in doc["error"] and doc["connect"]["error_code"] == 409, doc
        return st != 409
    wait_until(ok, 30, interval=0.3, what="%s %s without a rebalance" % (method, path))
    return last["r"]


def listed(port):
    st, doc = api(port, "GET", "/v1/connect/connectors")
    assert st == 200, doc
    return {c["name"]: c for c in doc["connectors"]}, doc


def worker_state(w, name):
    st, body, _ = w.rest("GET", "/connectors/%s/status" % name, timeout=5)
    return body["connector"]["state"] if st == 200 else None


def test_connect_page(broker_factory, tmp_path):
    port, dead, wport = free_port(), free_port(), free_port()
    b = broker_factory(overrides={
        "http.listeners": "http://127.0.0.1:%d" % port,
        "console.connect.urls": "http://127.0.0.1:%d, http://127.0.0.1:%d" % (dead, wport)})
    worker = Worker(str(tmp_path / "connect"), b.bootstrap, mode="distributed",
                    port=wport, overrides={
                        "group.id": "console-connect",
                        "config.storage.topic": "cc-configs",
                        "offset.storage.topic": "cc-offsets",
                        "status.storage.topic": "cc-status",
                        "config.storage.replication.factor": "1",
                        "offset.storage.replication.factor": "1",
                        "status.storage.replication.factor": "1",
                        "offset.storage.partitions": "1",
                        "status.storage.partitions": "1",
                        "plugin.path": PLUGINS,
                        "rest.advertised.host.name": "127.0.0.1"}).start()
    try:
        assert api(port, "GET", "/v1/")[1]["connect"] is True
        # the dead first URL is skipped, and named; the worker that answered is asked first next
        by, doc = listed(port)
        assert by == {} and doc["worker"] == worker.url
        assert len(doc["tried"]) == 1 and "127.0.0.1:%d" % dead in doc["tried"][0]
        assert "refused" in doc["tried"][0]
        src = str(tmp_path / "in.txt")
        with open(src, "w") as f:
            f.write("a\nb\n")
        cfg = {"connector.class": "FileStreamSource", "file": src, "topic": "cc-topic"}
        made = create(port, "cc-src", cfg)
        assert made["action"] == "create" and made["connect_status"] == 201
        assert made["result"]["name"] == "cc-src" and made["worker"] == worker.url

        def running():
            by, doc = listed(port)
            c = by.get("cc-src")
            return (c, doc) if c and c["state"] == "RUNNING" and c["tasks"] and \
                c["tasks"][0]["state"] == "RUNNING" else None
        c, doc = wait_until(running, 30, what="cc-src RUNNING with its task in the console")
        assert c["type"] == "source" and c["class"] == "FileStreamSource"
        assert c["worker_id"] == "127.0.0.1:%d" % worker.port
        assert c["tasks"][0]["id"] == 0 and c["tasks"][0]["worker_id"] == c["worker_id"]
        assert doc["worker"] == worker.url and doc["tried"] == []  # the one that answered last

        # pause / resume / restart through the console, checked on the worker's own REST
        st, doc = settled(port, "POST", "/v1/connect/connectors/cc-src/pause")
        assert st == 200 and doc["action"] == "pause" and doc["connect_status"] == 202, doc
        wait_until(lambda: worker_state(worker, "cc-src") == "PAUSED", 30, what="PAUSED")
        st, doc = settled(port, "POST", "/v1/connect/connectors/cc-src/resume")
        assert st == 200, doc
        wait_until(lambda: worker_state(worker, "cc-src") == "RUNNING", 30, what="RUNNING")
        st, doc = settled(port, "POST", "/v1/connect/connectors/cc-src/restart")
        assert st == 200 and doc["connect_status"] == 202 and doc["result"]["name"] == "cc-src"
        st, doc = api(port, "GET", "/v1/connect/connectors/cc-src")
        assert st == 200 and doc["config"] == dict(cfg, name="cc-src"), doc
        assert [t["id"] for t in doc["tasks"]] == [0]

        # Connect's errors, passed through with their status and message
        st, doc = api(port, "POST", "/v1/connect/connectors",
                      {"name": "cc-bad-conv", "config": dict(
                          cfg, **{"value.converter": "no.such.Converter"})})
        assert st == 400 and doc["error_code"] == 400, doc
        assert doc["error"].startswith("Connector configuration is invalid and contains the "
                                       "following 1 error(s):\n")
        assert "Class no.such.Converter could not be found" in doc["error"]
        st, doc = api(port, "POST", "/v1/connect/connectors",
                      {"name": "cc-nope", "config": {"connector.class": "NoSuchConnector"}})
        assert st == 500 and doc["error"] == ("Failed to find any class that implements "
                                              "Connector and which name matches NoSuchConnector")
        st, doc = api(port, "GET", "/v1/connect/plugins")
        assert st == 200 and "org.apache.kafka.connect.file.FileStreamSourceConnector" in \
            [p["class"] for p in doc["plugins"]], doc
        st, doc = api(port, "GET", "/v1/connect/connectors/no-such")
        assert st == 404 and "no-such" in doc["error"], doc
        st, doc = api(port, "POST", "/v1/connect/connectors/cc-src/explode")
        assert st == 404

        # a FAILED task with its trace; a connector whose name is HTML
        create(port, "cc-fail", {"connector.class": "test.FailingSourceConnector",
                                 "topic": "cc-fail", "fail.after": "1"})
        create(port, XSS, cfg)
        failed = wait_until(lambda: (api(port, "GET", "/v1/connect/connectors/cc-fail")[1]
                                     .get("tasks") or [{}])[0].get("state") == "FAILED" and
                            api(port, "GET", "/v1/connect/connectors/cc-fail")[1], 40,
                            what="cc-fail's task FAILED")
        assert "boom after 1 records" in failed["tasks"][0]["trace"]
        st, doc = settled(port, "POST", "/v1/connect/connectors/cc-fail/tasks/0/restart")
        assert st == 200 and doc["action"] == "restart-task" and doc["connect_status"] == 204, doc
        st, doc = settled(port, "POST", "/v1/connect/connectors/cc-fail/tasks/7/restart")
        assert st == 404 and doc["error_code"] == 404, doc
        wait_until(lambda: XSS in listed(port)[0], 20, what="the HTML-named connector listed")

        br = Browser(str(tmp_path))
        try:
            br.call("Page.enable")
            br.call("Page.addScriptToEvaluateOnNewDocument",
                    source="window.alerted = 0; window.alert = () => { window.alerted++; };")
            br.goto("http://127.0.0.1:%d/#connect" % port)
            br.wait("document.querySelectorAll('#connectors tbody tr').length == 3",
                    what="three connectors on the Connect page")
            assert br.eval("!document.getElementById('nav-connect').hidden")
            rows = br.eval("[...document.querySelectorAll('#connectors tbody tr')].map(r =>"
                           " [r.dataset.connector, r.cells[0].textContent, r.cells[3].textContent,"
                           "  r.cells[3].className])")
            by = {r[0]: r for r in rows}
            assert by["cc-src"][1:] == ["cc-src", "RUNNING", "state-running"], rows
            assert by[XSS][1] == XSS  # shown as text
            assert br.eval("document.querySelectorAll('main script').length") == 0
            assert br.eval("window.alerted") == 0
            br.goto("http://127.0.0.1:%d/#connect/cc-fail" % port)
            br.wait("document.querySelector('#connector-tasks pre.trace') !== null &&"
                    " document.getElementById('connector-detail').dataset.connector == 'cc-fail'",
                    what="the FAILED task's trace")
            task = br.eval("[...document.querySelector('#connector-tasks tbody tr').cells]"
                           ".map(c => c.textContent)")
            assert task[1] == "FAILED" and "boom after 1 records" in task[3], task
            assert task[4] == "Restart task…"
            br.screenshot(os.path.join(str(tmp_path), "console-connect.png"))
            # the create form shows Connect's validation message
            br.set_value("#cc-json", json.dumps({"name": "cc-form", "config": dict(
                cfg, **{"key.converter": "no.such.KeyConverter"})}))
            br.click("#connect-create button")
            br.click("#confirm-yes")
            msg = br.wait("(t => t.includes('could not be found') && t)"
                          "(document.getElementById('connect-msg').textContent)",
                          what="Connect's 400 on the page")
            assert msg.startswith("Cannot create cc-form: Connector configuration is invalid"), msg
            # delete through the page: the button, then the confirmation
            br.goto("http://127.0.0.1:%d/#connect/cc-src" % port)
            br.wait("document.getElementById('connector-detail').dataset.connector == 'cc-src'",
                    what="cc-src's detail")
            br.click("#cc-delete")
            assert "Delete connector cc-src?" in br.eval(
                "document.getElementById('confirm-text').textContent")
            br.click("#confirm-yes")
            wait_until(lambda: worker.rest("GET", "/connectors/cc-src", timeout=5)[0] == 404, 30,
                       what="cc-src deleted on the worker")
            br.wait("document.getElementById('connect-msg').textContent.includes('done')",
                    what="the page saying the delete is done")
        finally:
            br.close()
    finally:
        worker.stop()


def test_connect_urls_config(tmp_path, zk):
    """A bad URL stops start-up naming the key; without workers no Connect page; workers that
    are all down give 502 naming each."""
    bad = Broker(str(tmp_path / "bad"), zk.connect, 1, overrides={
        "console.connect.urls": "http://127.0.0.1:8083,localhost:8083"})
    r = subprocess.run([SERVER_BIN, bad.config_path], capture_output=True, text=True, timeout=30)
    assert r.returncode != 0
    assert "console.connect.urls" in r.stderr and "'localhost:8083'" in r.stderr, r.stderr
    port, dead = free_port(), free_port()
    b = Broker(str(tmp_path / "ok"), zk.connect, 1, overrides={
        "http.listeners": "http://127.0.0.1:%d" % port,
        "console.connect.urls": "http://127.0.0.1:%d" % dead})
    b.start()
    try:
        assert api(port, "GET", "/v1/")[1]["connect"] is True
        st, doc = api(port, "GET", "/v1/connect/connectors")
        assert st == 502 and "127.0.0.1:%d" % dead in doc["error"], doc
        assert "refused" in doc["tried"][0]
        st, doc = api(port, "POST", "/v1/connect/connectors/x/pause")
        assert st == 502, doc
    finally:
        b.stop()
    port = free_port()
    b = Broker(str(tmp_path / "none"), zk.connect, 1, overrides={
        "http.listeners": "http://127.0.0.1:%d" % port})
    b.start()
    try:
        assert api(port, "GET", "/v1/")[1]["connect"] is False
        st, doc = api(port, "GET", "/v1/connect/connectors")
        assert st == 404 and "console.connect.urls" in doc["error"]
    finally:
        b.stop()

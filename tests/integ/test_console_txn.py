"""The console's Transactions page (issue 17): /v1/transactions lists, from every broker's
ListTransactions and DescribeTransactions, the open transactions of two confluent-kafka
transactional producers (state, producer id/epoch, timeout, start time, partitions), one of
them Ongoing past its 3 s timeout (the coordinator's abort of timed-out transactions is turned
off here) and so flagged hanging; the page, rendered by headless Chromium over the DevTools
protocol, shows both rows, the hanging one highlighted. A screenshot (1280x800) is left in
the test's temp dir."""
import json
import os
import subprocess
import urllib.error
import urllib.request

from confluent_kafka import Producer

from cdp import Browser
from kafkabroker import ROOT, free_port, wait_until

TOPIC = "console-txn"


def get(port, path):
    with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=10) as r:
        assert r.headers.get("Content-Type") == "application/json"
        return json.loads(r.read())


def open_txn(boot, tid, timeout_ms, partition):
    p = Producer({"bootstrap.servers": boot, "transactional.id": tid, "linger.ms": 5,
                  "transaction.timeout.ms": timeout_ms, "message.timeout.ms": timeout_ms})
    p.init_transactions(60)
    p.begin_transaction()
    p.produce(TOPIC, value=b"in flight", partition=partition)
    assert p.flush(30) == 0
    return p


def test_transactions_page(broker_factory, tmp_path):
    port = free_port()
    b = broker_factory(overrides={
        "http.listeners": "http://127.0.0.1:%d" % port,
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "transaction.state.log.num.partitions": "2",
        "transaction.abort.timed.out.transaction.cleanup.interval.ms": "3600000"})
    boot = "127.0.0.1:%d" % b.port
    subprocess.run([os.path.join(ROOT, "bin", "kafka-topics"), "--bootstrap-server", boot,
                    "--create", "--topic", TOPIC, "--partitions", "2", "--replication-factor",
                    "1"], check=True, capture_output=True, timeout=60)
    slow = open_txn(boot, "console-tx-open", 60000, 0)
    stuck = open_txn(boot, "console-tx-stuck", 3000, 1)
    try:
        last = {}

        def listed():
            d = last["doc"] = get(port, "/v1/transactions")
            by = {t["transactional_id"]: t for t in d["transactions"]}
            ok = by.get("console-tx-stuck", {}).get("hanging") and "console-tx-open" in by
            return by if ok else None
        try:
            by = wait_until(listed, 30, what="both transactions listed, one hanging")
        except TimeoutError:
            raise AssertionError("last answer: %r" % last.get("doc"))
        o, s = by["console-tx-open"], by["console-tx-stuck"]
        assert o["state"] == "Ongoing" and not o["hanging"] and o["timeout_ms"] == 60000
        assert s["state"] == "Ongoing" and s["timeout_ms"] == 3000
        assert o["coordinator"] == b.id and o["producer_id"] >= 0 and o["producer_epoch"] >= 0
        assert o["start_time_ms"] > 0
        assert o["topics"] == [{"topic": TOPIC, "partitions": [0]}]
        assert s["topics"] == [{"topic": TOPIC, "partitions": [1]}]
        assert o["producer_id"] != s["producer_id"]

        br = Browser(str(tmp_path))
        try:
            br.goto("http://127.0.0.1:%d/#transactions" % port)
            br.wait("document.querySelectorAll('#txns tbody tr').length == 2",
                    what="two rows on the transactions page")
            rows = br.eval("[...document.querySelectorAll('#txns tbody tr')].map(r =>"
                           " [r.dataset.txn, r.className, r.cells[1].textContent])")
            assert rows == [["console-tx-open", "", "Ongoing"],
                            ["console-tx-stuck", "hanging", "Ongoing (hanging)"]], rows
            assert br.eval("document.getElementById('txn-count').textContent") == \
                "2 transactional ids, 1 hanging"
            br.screenshot(os.path.join(str(tmp_path), "console-transactions.png"))
        finally:
            br.close()
        slow.commit_transaction(30)
        wait_until(lambda: get(port, "/v1/transactions")["transactions"] and
                   {t["transactional_id"]: t["state"] for t in
                    get(port, "/v1/transactions")["transactions"]}
                   .get("console-tx-open") == "CompleteCommit", 30, what="committed")
    finally:
        for p in (slow, stuck):
            try:
                p.abort_transaction(5)
            except Exception:
                pass


def test_transactions_api_methods(broker_factory):
    port = free_port()
    broker_factory(overrides={"http.listeners": "http://127.0.0.1:%d" % port})
    assert get(port, "/v1/transactions")["transactions"] == []
    req = urllib.request.Request("http://127.0.0.1:%d/v1/transactions/x" % port)
    try:
        urllib.request.urlopen(req, timeout=10)
        assert False, "404 expected"
    except urllib.error.HTTPError as e:
        assert e.code == 404 and "/v1/transactions/x" in json.loads(e.read())["error"]

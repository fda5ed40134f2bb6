"""kafka-producer-perf-test and kafka-consumer-perf-test against a real broker: Kafka's summary
and progress lines parse, the counts and byte totals are exact, throttling holds the rate,
payload files and monotonic payloads arrive as sent, and misuse fails fast with one line."""
import os
import re
import subprocess
import time

from kafkabroker import ROOT

BIN = os.path.join(ROOT, "bin")

# Kafka's ProducerPerformance formats (printTotal / printWindow)
TOTAL = re.compile(r"^(\d+) records sent, (\d+\.\d{6}) records/sec \((\d+\.\d{2}) MB/sec\), "
                   r"(\d+\.\d{2}) ms avg latency, (\d+\.\d{2}) ms max latency, (\d+) ms 50th, "
                   r"(\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99\.9th\.$")
WINDOW = re.compile(r"^(\d+) records sent, (\d+\.\d) records/sec \((\d+\.\d{2}) MB/sec\), "
                    r"(\d+\.\d) ms avg latency, (\d+\.\d) ms max latency\.$")
# Kafka's ConsumerPerformance header and line
HEADER = ("start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, "
          "rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec")
DETAILED_HEADER = ("time, threadId, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, "
                   "rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec")
DATE = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d:\d{3}"
LINE = re.compile(r"^(%s), (%s), (\d+\.\d{4}), (\d+\.\d{4}|Infinity|NaN), (\d+), ([\d.]+|Infinity|NaN), "
                  r"(\d+), (-?\d+), ([\d.]+|Infinity|NaN), ([\d.]+|Infinity|NaN)$" % (DATE, DATE))
DETAILED = re.compile(r"^(%s), 0, (\d+\.\d{4}), (\d+\.\d{4}), (\d+), (\d+\.\d{4}), (\d+), (\d+), "
                      r"(\d+\.\d{4}), (\d+\.\d{4})$" % DATE)


def run(tool, *args, timeout=120):
    return subprocess.run([os.path.join(BIN, tool)] + list(args), capture_output=True, text=True,
                          timeout=timeout)


def produce_perf(b, topic, n, size, *extra, throughput="-1"):
    r = run("kafka-producer-perf-test.sh", "--topic", topic, "--num-records", str(n),
            "--record-size", str(size), "--throughput", throughput, "--producer-props",
            "bootstrap.servers=" + b, "acks=1", *extra)
    assert r.returncode == 0, r.stderr
    return r


def test_producer_summary_line_and_consumer_counts(broker):
    b = broker.bootstrap
    r = produce_perf(b, "perf", 20000, 100)
    last = r.stdout.splitlines()[-1]
    m = TOTAL.match(last)
    assert m, last
    assert int(m.group(1)) == 20000
    p50, p95, p99, p999 = (int(m.group(i)) for i in range(6, 10))
    assert p50 <= p95 <= p99 <= p999 <= float(m.group(5))  # max latency bounds the percentiles
    assert float(m.group(4)) <= float(m.group(5))
    rate, mb = float(m.group(2)), float(m.group(3))
    assert abs(rate * 100 / 1048576 - mb) <= 0.01 + mb * 0.01  # MB/sec = records/sec x size

    r = run("kafka-consumer-perf-test", "--bootstrap-server", b, "--topic", "perf", "--messages",
            "20000", "--timeout", "20000")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == HEADER
    m = LINE.match(lines[1])
    assert m, lines[1]
    assert int(m.group(5)) == 20000
    assert m.group(3) == "%.4f" % (20000 * 100 / 1048576.0)  # data.consumed.in.MB exact
    assert len(lines) == 2

    # --hide-header, and --broker-list (the old name) still accepted
    r = run("kafka-consumer-perf-test.sh", "--broker-list", b, "--topic", "perf", "--messages",
            "500", "--hide-header")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == 1 and LINE.match(lines[0]) and LINE.match(lines[0]).group(5) == "500"
    # --print-metrics: Kafka's "Metric Name  Value" table, counts of what the tool consumed
    r = run("kafka-consumer-perf-test", "--bootstrap-server", b, "--topic", "perf", "--messages",
            "700", "--hide-header", "--print-metrics")
    assert r.returncode == 0, r.stderr
    assert re.search(r"^Metric Name +Value$", r.stdout, re.M)
    assert re.search(r"^consumer-fetch-manager-metrics:records-consumed-total:"
                     r"\{client-id=perf-consumer-client\} +: 700\.000$", r.stdout, re.M), r.stdout
    assert re.search(r"^consumer-fetch-manager-metrics:bytes-consumed-total:"
                     r"\{client-id=perf-consumer-client\} +: 70000\.000$", r.stdout, re.M), r.stdout


def test_consumer_timeout_warning_and_detailed_stats(broker):
    b = broker.bootstrap
    produce_perf(b, "perf-d", 3000, 50)
    r = run("kafka-consumer-perf-test", "--bootstrap-server", b, "--topic", "perf-d", "--messages",
            "5000", "--timeout", "1500", "--show-detailed-stats", "--reporting-interval", "1")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == DETAILED_HEADER
    assert lines[-1] == ("WARNING: Exiting before consuming the expected number of messages: "
                         "timeout (1500 ms) exceeded. You can use the --timeout option to increase "
                         "the timeout.")
    rows = [DETAILED.match(l) for l in lines[1:-1]]
    assert rows and all(rows), lines
    counts = [int(x.group(4)) for x in rows]
    assert counts == sorted(counts) and counts[-1] <= 3000
    # --from-latest: nothing new arrives, so the timeout ends the run with 0 messages
    r = run("kafka-consumer-perf-test", "--bootstrap-server", b, "--topic", "perf-d", "--messages",
            "10", "--timeout", "1000", "--from-latest", "--hide-header")
    m = LINE.match(r.stdout.splitlines()[-1])
    assert m and m.group(5) == "0", r.stdout


def test_throttled_producer_prints_progress_windows(broker):
    b = broker.bootstrap
    t0 = time.monotonic()
    r = produce_perf(b, "perf-t", 14000, 10, throughput="2000")
    elapsed = time.monotonic() - t0
    assert elapsed >= 6.0  # 14000 records at 2000/s take 7 s
    lines = r.stdout.splitlines()
    windows = [WINDOW.match(l) for l in lines[:-1]]
    assert windows and all(windows), lines
    for w in windows:  # every 5 s window holds close to the target rate
        assert 1700 <= float(w.group(2)) <= 2300, w.group(0)
    m = TOTAL.match(lines[-1])
    assert m and int(m.group(1)) == 14000
    assert 1700 <= float(m.group(2)) <= 2300


def test_payload_file_monotonic_and_java_only_props(broker, tmp_path):
    b = broker.bootstrap
    f = tmp_path / "payloads.txt"
    f.write_text("alpha|beta|gamma")
    r = run("kafka-producer-perf-test", "--topic", "perf-f", "--num-records", "30", "--payload-file",
            str(f), "--payload-delimiter", "|", "--throughput", "-1", "--producer-props",
            "bootstrap.servers=" + b, "buffer.memory=33554432", "key.serializer=x")
    assert r.returncode == 0, r.stderr
    assert "Number of messages read: 3" in r.stdout
    # a Java-only key is ignored with the Java client's warning
    assert "WARN The configuration 'key.serializer' was supplied but isn't a known config." in r.stderr
    out = run("kafka-console-consumer", "--bootstrap-server", b, "--topic", "perf-f",
              "--from-beginning", "--max-messages", "30").stdout.split()
    assert len(out) == 30 and set(out) <= {"alpha", "beta", "gamma"}

    cfg = tmp_path / "producer.properties"
    cfg.write_text("bootstrap.servers=%s\nlinger.ms=1\n" % b)
    r = run("kafka-producer-perf-test", "--topic", "perf-m", "--num-records", "50",
            "--payload-monotonic", "--throughput", "-1", "--producer.config", str(cfg),
            "--print-metrics")
    assert r.returncode == 0, r.stderr
    assert re.search(r"^producer-metrics:record-send-total:\{client-id=perf-producer-client\}\s+: "
                     r"50\.000$", r.stdout, re.M), r.stdout
    out = run("kafka-console-consumer", "--bootstrap-server", b, "--topic", "perf-m",
              "--from-beginning", "--max-messages", "50").stdout.split()
    assert sorted(int(x) for x in out) == list(range(50))


def test_perf_tools_unknown_topic_and_unreachable(broker):
    t0 = time.monotonic()
    r = run("kafka-consumer-perf-test", "--bootstrap-server", broker.bootstrap, "--topic",
            "no-such-topic", "--messages", "1")
    assert r.returncode == 1 and r.stderr.strip() == "kafka-consumer-perf-test: Topic no-such-topic does not exist"
    r = run("kafka-producer-perf-test", "--topic", "t", "--num-records", "1", "--record-size", "1",
            "--throughput", "-1", "--producer-props", "bootstrap.servers=127.0.0.1:1")
    assert r.returncode == 1 and "127.0.0.1:1" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert time.monotonic() - t0 < 40

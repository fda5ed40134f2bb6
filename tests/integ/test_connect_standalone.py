"""Kafka's quickstart Connect step replayed on our brokers: connect-standalone with the shipped
file source and sink properties moves test.txt through connect-test into test.sink.txt; lines
appended later follow; a restart resumes from the stored offset without duplicates."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))

from connectworker import Worker, write_props  # noqa: E402
from kafkabroker import ROOT, wait_until  # noqa: E402


def shipped(name, cwd, **changes):
    """A config/ file as Kafka ships it, with a few keys changed, written into cwd."""
    props = {}
    with open(os.path.join(ROOT, "config", name)) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                k, v = line.split("=", 1)
                props[k] = v
    props.update(changes)
    return write_props(os.path.join(cwd, name), props)


def sink_lines(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return f.read().splitlines()


def test_quickstart_file_source_to_file_sink_resumes_without_duplicates(tmp_path, broker):
    work = str(tmp_path / "connect")
    os.makedirs(work)
    with open(os.path.join(work, "test.txt"), "w") as f:
        f.write("foo\nbar\n")
    src = shipped("connect-file-source.properties", work)
    sink = shipped("connect-file-sink.properties", work)
    assert "file=test.txt" in open(src).read() and "topics=connect-test" in open(sink).read()
    w = Worker(work, broker.bootstrap, connectors=[src, sink]).start()
    out = os.path.join(work, "test.sink.txt")
    try:
        wait_until(lambda: sink_lines(out) == ["foo", "bar"], 60, what="foo, bar in the sink")
        with open(os.path.join(work, "test.txt"), "a") as f:
            f.write("baz\n")
        wait_until(lambda: sink_lines(out) == ["foo", "bar", "baz"], 30, what="baz follows")
        st = w.rest("GET", "/connectors/local-file-source/status")[1]
        assert st["connector"]["state"] == "RUNNING" and st["tasks"][0]["state"] == "RUNNING"
        assert st["type"] == "source"
        # the source offset is flushed (offset.flush.interval.ms=500) before the restart
        wait_until(lambda: '"position":12' in open(os.path.join(work, "connect.offsets")).read(),
                   30, what="the source offset after baz in the offsets file")
    finally:
        w.stop()
    with open(os.path.join(work, "test.txt"), "a") as f:
        f.write("qux\n")
    w2 = Worker(work, broker.bootstrap, connectors=[src, sink], port=w.port).start()
    try:
        wait_until(lambda: sink_lines(out)[-1:] == ["qux"], 60, what="qux after the restart")
        assert sink_lines(out) == ["foo", "bar", "baz", "qux"], sink_lines(out)
    finally:
        w2.stop()


def test_misuse_exits_non_zero_with_a_reason(tmp_path):
    import subprocess
    exe = os.path.join(ROOT, "bin", "connect-standalone")
    r = subprocess.run([exe], capture_output=True, text=True, timeout=30)
    assert r.returncode == 1 and "Usage: connect-standalone" in r.stderr
    r = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0 and "Usage: connect-standalone" in r.stdout
    w = write_props(str(tmp_path / "w.properties"), {"bootstrap.servers": "127.0.0.1:1"})
    r = subprocess.run([exe, w], capture_output=True, text=True, timeout=30)
    assert r.returncode == 1
    assert 'Missing required configuration "key.converter"' in r.stderr, r.stderr
    w = write_props(str(tmp_path / "w2.properties"), {
        "key.converter": "StringConverter", "value.converter": "StringConverter",
        "offset.storage.file.filename": str(tmp_path / "o"), "listeners": "ftp://x"})
    r = subprocess.run([exe, w], capture_output=True, text=True, timeout=30)
    assert r.returncode == 1 and "configuration listeners" in r.stderr, r.stderr
    r = subprocess.run([os.path.join(ROOT, "bin", "connect-distributed"), w],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 1 and 'Missing required configuration "group.id"' in r.stderr


def test_file_sink_without_file_writes_stdout(tmp_path, broker):
    work = str(tmp_path / "connect")
    os.makedirs(work)
    with open(os.path.join(work, "in.txt"), "w") as f:
        f.write("to-stdout-1\nto-stdout-2\n")
    src = write_props(os.path.join(work, "src.properties"), {
        "name": "s", "connector.class": "FileStreamSource", "file": "in.txt", "topic": "so"})
    sink = write_props(os.path.join(work, "sink.properties"), {
        "name": "k", "connector.class": "FileStreamSink", "topics": "so"})
    w = Worker(work, broker.bootstrap, connectors=[src, sink]).start()
    try:  # the worker's stdout is its log file; a line is flushed at the offset flush
        wait_until(lambda: "to-stdout-1\nto-stdout-2\n" in w.output(), 60,
                   what="the records on the worker's stdout")
    finally:
        w.stop()

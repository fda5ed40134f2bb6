"""Bad input closes only the offending connection: garbage, huge and negative sizes, negative
lengths and counts, truncated frames, unknown API keys and versions, oversized frames. A
connection opened before the bad one keeps working, and new clients are served.
Runs against KAFKA_SERVER_BIN (the ASan build in `make test-asan`)."""
import socket
import struct
import subprocess
import time

import pytest


def frame(api_key, version, corr, body, client_id=b"t"):
    hdr = struct.pack(">hhih", api_key, version, corr, len(client_id)) + client_id
    msg = hdr + body
    return struct.pack(">i", len(msg)) + msg


def recv_frame(s, timeout=10):
    s.settimeout(timeout)
    hdr = b""
    while len(hdr) < 4:
        chunk = s.recv(4 - len(hdr))
        if not chunk:
            return None
        hdr += chunk
    n = struct.unpack(">i", hdr)[0]
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def api_versions_ok(sock, corr=7):
    sock.sendall(frame(18, 0, corr, b""))
    resp = recv_frame(sock)
    assert resp is not None
    rcorr, err, n = struct.unpack(">ihi", resp[:10])
    assert rcorr == corr and err == 0 and n >= 5
    return resp


def closed_by_peer(s, timeout=10):
    s.settimeout(timeout)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            d = s.recv(65536)
            if not d:
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False
    return False


def connect(broker):
    return socket.create_connection(("127.0.0.1", broker.port), timeout=10)


BAD_INPUTS = {
    "garbage": b"\x13\x37" * 50,
    "size_2^31-1": struct.pack(">i", 2**31 - 1) + b"\x00" * 16,
    "negative_size": struct.pack(">i", -5) + b"\x00" * 16,
    "tiny_size": struct.pack(">i", 3) + b"\x00\x00\x00",
    # Metadata v1 with a topics count of -5 (only -1 means null)
    "negative_array_count": frame(3, 1, 1, struct.pack(">i", -5)),
    # Metadata v1 claiming 1,000,000 topics in a 4-byte body
    "huge_array_count": frame(3, 1, 1, struct.pack(">i", 1000000)),
    # Metadata v1, one topic whose name length is -7
    "negative_string_length": frame(3, 1, 1, struct.pack(">ih", 1, -7)),
    # Produce v3: transactional id null, acks 1, timeout, 1 topic "t", 1 partition, records len -9
    "negative_bytes_length": frame(0, 3, 1, struct.pack(">hhii", -1, 1, 1000, 1) + struct.pack(">h", 1)
                                   + b"t" + struct.pack(">iii", 1, 0, -9)),
    "header_negative_client_id": struct.pack(">i", 10) + struct.pack(">hhih", 18, 0, 1, -9),
    "unknown_api_key": frame(999, 0, 1, b""),
    "unknown_version": frame(3, 77, 1, b""),
    "fetch_version_below_min": frame(1, 0, 1, b"\x00" * 40),
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_closes_only_that_connection(broker, name):
    healthy = connect(broker)
    api_versions_ok(healthy, 1)
    bad = connect(broker)
    bad.sendall(BAD_INPUTS[name])
    if name == "size_2^31-1":
        # refused before reading (or allocating) 2 GiB
        assert closed_by_peer(bad)
    else:
        assert closed_by_peer(bad), "connection not closed after %s" % name
    bad.close()
    api_versions_ok(healthy, 2)
    fresh = connect(broker)
    api_versions_ok(fresh, 3)
    fresh.close()
    healthy.close()
    assert broker.alive()


def test_truncated_frame_then_disconnect(broker):
    healthy = connect(broker)
    s = connect(broker)
    full = frame(3, 1, 5, struct.pack(">i", -1))
    s.sendall(full[: len(full) - 3])
    s.close()
    for cut in range(1, 12):  # every short prefix of a header
        t = connect(broker)
        t.sendall(full[:cut])
        t.close()
    api_versions_ok(healthy, 9)
    assert broker.alive()


def test_apiversions_unknown_version_gets_v0_answer(broker):
    s = connect(broker)
    s.sendall(frame(18, 99, 42, b""))
    resp = recv_frame(s)
    corr, err, n = struct.unpack(">ihi", resp[:10])
    assert corr == 42 and err == 35 and n >= 5
    keys = [struct.unpack(">hhh", resp[10 + 6 * i: 16 + 6 * i]) for i in range(n)]
    assert (18, 0, 3) in keys and any(k[0] == 0 for k in keys)
    api_versions_ok(s, 43)  # the connection stays usable
    s.close()


def test_frame_over_socket_request_max_bytes(broker_factory):
    b = broker_factory(overrides={"socket.request.max.bytes": str(1024 * 1024)})
    healthy = connect(b)
    s = connect(b)
    s.sendall(struct.pack(">i", 2 * 1024 * 1024) + b"\x00" * 1000)
    assert closed_by_peer(s)
    api_versions_ok(healthy, 11)
    assert "socket.request.max.bytes" in b.output()


def test_kcat_still_works_after_abuse(broker):
    for data in BAD_INPUTS.values():
        s = connect(broker)
        s.sendall(data)
        s.close()
    r = subprocess.run(["kcat", "-b", broker.bootstrap, "-L"], capture_output=True, timeout=30)
    assert r.returncode == 0 and b"1 brokers" in r.stdout

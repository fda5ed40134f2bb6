"""Bad input closes only the offending connection: garbage, huge and negative sizes, negative
lengths and counts, truncated frames, unknown API keys and versions, oversized frames. A
connection opened before the bad one keeps working, and new clients are served.
Runs against KAFKA_SERVER_BIN (the ASan build in `make test-asan`)."""
import socket
import struct
import subprocess
import time

import pytest

import kafkabroker


def frame(api_key, version, corr, body, client_id=b"t"):
    hdr = struct.pack(">hhih", api_key, version, corr, len(client_id)) + client_id
    msg = hdr + body
    return struct.pack(">i", len(msg)) + msg


def frame_flex(api_key, version, corr, body, client_id=b"t"):
    """Request header v2 (flexible versions): header v1 plus an empty tagged-field section."""
    msg = struct.pack(">hhih", api_key, version, corr, len(client_id)) + client_id + b"\x00" + body
    return struct.pack(">i", len(msg)) + msg


def recv_frame(s, timeout=10):
    return kafkabroker.recv_frame(s, timeout)


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
    # AlterPartitionReassignments v0 (flexible: the header's tag byte first) claiming 2^28
    # topics in a few bytes
    "reassign_huge_topic_count": frame(45, 0, 1, b"\x00" + struct.pack(">i", 30000) +
                                       b"\xff\xff\xff\x7f"),
    # DescribeClientQuotas v0: one component, type "user", then the body ends
    "describe_client_quotas_truncated": frame(48, 0, 1, struct.pack(">ih", 1, 4) + b"user"),
    # AlterClientQuotas v0: 1,000,000 entries in an 8-byte body
    "alter_client_quotas_huge_count": frame(49, 0, 1, struct.pack(">ii", 1000000, 0)),
    # DeleteRecords v0: one topic "t" claiming 100,000 partitions in 12 bytes
    "deleterecords_huge_partition_count": frame(21, 0, 1, struct.pack(">ih", 1, 1) + b"t"
                                                + struct.pack(">iiq", 100000, 0, 1)),
    # DescribeLogDirs v1: one topic whose partition array count is -3
    "describelogdirs_negative_partitions": frame(35, 1, 1, struct.pack(">ih", 1, 1) + b"t"
                                                 + struct.pack(">i", -3)),
    # AlterReplicaLogDirs v1: one dir whose path length is -2
    "alterreplicalogdirs_negative_path": frame(34, 1, 1, struct.pack(">ih", 1, -2)),
    # WriteTxnMarkers v0: 1,000,000 markers in a 4-byte body
    "writetxnmarkers_huge_marker_count": frame(27, 0, 1, struct.pack(">i", 1000000)),
    # WriteTxnMarkers v0: one marker whose topic name length is -4
    "writetxnmarkers_negative_topic": frame(27, 0, 1, struct.pack(">iqh?ih", 1, 1, 0, True, 1, -4)),
    # WriteTxnMarkers v0: one marker, one topic "t" claiming 50,000 partitions, then it ends
    "writetxnmarkers_truncated_partitions": frame(27, 0, 1, struct.pack(">iqh?ih", 1, 1, 0, True, 1, 1)
                                                  + b"t" + struct.pack(">ii", 50000, 0)),
    # TxnOffsetCommit v0: null transactional id
    "txnoffsetcommit_null_txn_id": frame(28, 0, 1, struct.pack(">h", -1) + struct.pack(">h", 1) + b"g"
                                         + struct.pack(">qhi", 1, 0, 0)),
    # TxnOffsetCommit v2: 2^31-1 topics
    "txnoffsetcommit_huge_topic_count": frame(28, 2, 1, struct.pack(">h", 1) + b"x" + struct.pack(">h", 1)
                                              + b"g" + struct.pack(">qhi", 1, 0, 2**31 - 1)),
    # SaslHandshake v1 whose mechanism length runs past the frame
    "sasl_handshake_truncated": frame(17, 1, 1, struct.pack(">h", 40) + b"PLAIN"),
    # SaslAuthenticate v2 (flexible) whose compact bytes length claims 2^28 bytes
    "sasl_authenticate_huge_token": frame(36, 2, 1, b"\x00" + b"\xff\xff\xff\x7f"),
    # AlterUserScramCredentials v0 (flexible) claiming 2^28 deletions in a few bytes
    "alter_scram_huge_count": frame(51, 0, 1, b"\x00" + b"\xff\xff\xff\x7f\x01"),
    # DescribeUserScramCredentials v0: one user whose name length runs past the frame
    "describe_scram_truncated": frame(50, 0, 1, b"\x00" + b"\x02" + b"\x30abc"),
    # CreateAcls v1: one creation (TOPIC) whose resource name is null
    "createacls_null_name": frame(30, 1, 1, struct.pack(">ibh", 1, 2, -1) + b"\x03" +
                                  struct.pack(">h", 6) + b"User:a" + struct.pack(">h", 1) + b"*"
                                  + b"\x04\x03"),
    # CreateAcls v0 claiming a million creations in a 4-byte body
    "createacls_huge_count": frame(30, 0, 1, struct.pack(">i", 1000000)),
    # DescribeAcls v2 (flexible): the filter's resource name claims 126 bytes
    "describeacls_string_too_long": frame_flex(29, 2, 1, b"\x02\x7fab"),
    # DeleteAcls v1 with a negative (non-null) filter count
    "deleteacls_negative_count": frame(31, 1, 1, struct.pack(">i", -3)),
    # DeleteAcls v0: one filter cut after its resource type
    "deleteacls_truncated_filter": frame(31, 0, 1, struct.pack(">ib", 1, 2)),
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


# ---- consumer group requests (issue 5, item 6): wrong input gets Kafka's errors; malformed
# ---- input closes that connection only; the broker keeps serving.

def s16(b):
    return struct.pack(">h", len(b)) + b


def call(sock, api_key, version, corr, body):
    sock.sendall(frame(api_key, version, corr, body))
    resp = recv_frame(sock)
    assert resp is not None, "no answer to api %d v%d" % (api_key, version)
    assert struct.unpack(">i", resp[:4])[0] == corr
    return resp[4:]


def join_body(group, member=b"", ptype=b"consumer", protos=((b"range", b"\x00\x01meta"),),
              session=10000, rebalance=10000):
    body = s16(group) + struct.pack(">ii", session, rebalance) + s16(member) + s16(ptype)
    body += struct.pack(">i", len(protos))
    for name, meta in protos:
        body += s16(name) + struct.pack(">i", len(meta)) + meta
    return body


def parse_join_v1(r):
    """error, generation, protocol, leader, member id (JoinGroup v1 response)."""
    err, gen = struct.unpack(">hi", r[:6])
    pos, out = 6, []
    for _ in range(3):
        n = struct.unpack(">h", r[pos:pos + 2])[0]
        out.append(r[pos + 2:pos + 2 + max(n, 0)])
        pos += 2 + max(n, 0)
    return err, gen, out[0], out[1], out[2]


def wait_coordinator(broker, group):
    def ready():
        with connect(broker) as s:
            r = call(s, 10, 0, 1, s16(group))
            return struct.unpack(">h", r[:2])[0] == 0
    from kafkabroker import wait_until
    wait_until(ready, 30, 0.2, what="group coordinator")


def test_group_protocol_errors(broker):
    g = b"bad-input-group"
    wait_coordinator(broker, g)
    s = connect(broker)
    # FindCoordinator for a transaction: none yet
    r = call(s, 10, 1, 2, s16(b"txn") + b"\x01")
    assert struct.unpack(">ih", r[:6])[1] == 15  # COORDINATOR_NOT_AVAILABLE
    # a first member (v1: no MEMBER_ID_REQUIRED) becomes leader of generation 1
    err, gen, proto, leader, member = parse_join_v1(call(s, 11, 1, 3, join_body(g)))
    assert (err, gen, proto) == (0, 1, b"range") and leader == member and member.startswith(b"t-")
    # another protocol type, or no common protocol: INCONSISTENT_GROUP_PROTOCOL
    s2 = connect(broker)
    assert parse_join_v1(call(s2, 11, 1, 4, join_body(g, ptype=b"connect")))[0] == 23
    assert parse_join_v1(call(s2, 11, 1, 5, join_body(g, protos=((b"sticky", b"x"),))))[0] == 23
    # no protocols at all for a new group: INCONSISTENT_GROUP_PROTOCOL too
    assert parse_join_v1(call(s2, 11, 1, 6, join_body(b"other-group", protos=())))[0] == 23
    # session timeout outside group.min/max.session.timeout.ms
    assert parse_join_v1(call(s2, 11, 1, 7, join_body(g, session=10)))[0] == 26
    # empty group id
    assert parse_join_v1(call(s2, 11, 1, 8, join_body(b"")))[0] == 24
    # unknown member id
    assert parse_join_v1(call(s2, 11, 1, 9, join_body(g, member=b"nobody")))[0] == 25
    # JoinGroup v4 without a member id: MEMBER_ID_REQUIRED, with the id to use
    r = call(s2, 11, 4, 10, join_body(g))
    err, gen = struct.unpack(">hi", r[4:10])
    assert err == 79 and gen == -1
    # SyncGroup from the leader with a bad generation, then unknown member
    sync = lambda gen_, mem: s16(g) + struct.pack(">i", gen_) + s16(mem) + struct.pack(">i", 0)
    assert struct.unpack(">h", call(s, 14, 0, 11, sync(7, member))[:2])[0] == 22  # ILLEGAL_GENERATION
    assert struct.unpack(">h", call(s, 14, 0, 12, sync(1, b"nobody"))[:2])[0] == 25
    # the real SyncGroup: the leader's assignment comes back
    body = s16(g) + struct.pack(">i", 1) + s16(member) + struct.pack(">i", 1) + s16(member) + \
        struct.pack(">i", 4) + b"asgn"
    r = call(s, 14, 0, 13, body)
    assert struct.unpack(">h", r[:2])[0] == 0 and r[2:] == struct.pack(">i", 4) + b"asgn"
    # Heartbeat: bad generation, unknown member, then fine
    hb = lambda gen_, mem: s16(g) + struct.pack(">i", gen_) + s16(mem)
    assert struct.unpack(">h", call(s, 12, 0, 14, hb(5, member))[:2])[0] == 22
    assert struct.unpack(">h", call(s, 12, 0, 15, hb(1, b"ghost"))[:2])[0] == 25
    assert struct.unpack(">h", call(s, 12, 0, 16, hb(1, member))[:2])[0] == 0
    # OffsetCommit v2 with a bad generation: ILLEGAL_GENERATION for the partition
    oc = s16(g) + struct.pack(">i", 9) + s16(member) + struct.pack(">q", -1) + struct.pack(">i", 1) + \
        s16(b"no-such-topic") + struct.pack(">iiq", 1, 0, 5) + s16(b"")
    r = call(s, 8, 2, 17, oc)
    assert struct.unpack(">h", r[-2:])[0] == 22
    # LeaveGroup v0 for an unknown member, then the leader leaves
    assert struct.unpack(">h", call(s, 13, 0, 18, s16(g) + s16(b"ghost"))[:2])[0] == 25
    assert struct.unpack(">h", call(s, 13, 0, 19, s16(g) + s16(member))[:2])[0] == 0
    s.close()
    s2.close()
    assert broker.alive()


# ConsumerGroupHeartbeat v1 (KIP-848): group "g", member "m", epoch 0, null instance and rack,
# rebalance timeout 30000, then the subscribed names array (flexible: uvarint count + 1)
CGH_HEAD = b"\x02g\x02m" + struct.pack(">i", 0) + b"\x00\x00" + struct.pack(">i", 30000)
CGH_JOIN = CGH_HEAD + b"\x02\x02t" + b"\x00" + b"\x08uniform" + b"\x01" + b"\x00"

GROUP_BAD_INPUTS = {
    # JoinGroup v1 whose protocol metadata claims 1 GiB in a small frame
    "join_oversized_metadata": frame(11, 1, 1, join_body(b"g")[:-(4 + 6)] + struct.pack(">i", 2**30) + b"meta"),
    # JoinGroup v1 claiming a million protocols
    "join_huge_protocol_count": frame(11, 1, 1, join_body(b"g", protos=())[:-4] + struct.pack(">i", 10**6)),
    # JoinGroup v1 with a negative (non-null) protocols count
    "join_negative_protocols": frame(11, 1, 1, join_body(b"g", protos=())[:-4] + struct.pack(">i", -3)),
    # SyncGroup v0 with an assignment longer than the frame
    "sync_assignment_too_long": frame(14, 0, 1, s16(b"g") + struct.pack(">i", 1) + s16(b"m") +
                                      struct.pack(">i", 1) + s16(b"m") + struct.pack(">i", 99999)),
    # OffsetCommit v2 with 2^31-1 topics
    "commit_huge_topic_count": frame(8, 2, 1, s16(b"g") + struct.pack(">i", 1) + s16(b"m") +
                                     struct.pack(">qi", -1, 2**31 - 1)),
    # DescribeGroups v0 with a group name of negative length
    "describe_negative_name": frame(15, 0, 1, struct.pack(">ih", 1, -4)),
    # OffsetFetch v1 with a null topics array (only v2+ may ask for all)
    "fetch_offsets_null_topics_v1": frame(9, 1, 1, s16(b"g") + struct.pack(">i", -1)),
    # ConsumerGroupHeartbeat v1 claiming 2^28 subscribed topics in a few bytes
    "cgh_huge_subscribed_count": frame_flex(68, 1, 1, CGH_HEAD + b"\x80\x80\x80\x80\x01"),
    # ConsumerGroupHeartbeat v1 whose group id claims 127 bytes
    "cgh_string_too_long": frame_flex(68, 1, 1, b"\x7fgroup"),
    # ConsumerGroupHeartbeat v1 with a subscribed topic name that is null
    "cgh_null_topic_name": frame_flex(68, 1, 1, CGH_HEAD + b"\x02\x00" + b"\x00\x00\x01\x00"),
    # ConsumerGroupDescribe v0 claiming a million group ids
    "cgd_huge_group_count": frame_flex(69, 0, 1, b"\xc1\x84\x3d\x00\x00"),
}


def closes_only_that_connection(broker, data, name):
    healthy = connect(broker)
    api_versions_ok(healthy, 1)
    bad = connect(broker)
    bad.sendall(data)
    assert closed_by_peer(bad), "connection not closed after %s" % name
    bad.close()
    api_versions_ok(healthy, 2)
    healthy.close()
    assert broker.alive()


@pytest.mark.parametrize("name", sorted(GROUP_BAD_INPUTS))
def test_bad_group_input_closes_only_that_connection(broker, name):
    closes_only_that_connection(broker, GROUP_BAD_INPUTS[name], name)
    assert broker.alive()


def test_truncated_join_group_frames(broker):
    body = join_body(b"trunc", protos=((b"range", b"m" * 40),))
    healthy = connect(broker)
    for cut in range(0, len(body), 3):
        s = connect(broker)
        s.sendall(frame(11, 1, 1, body[:cut]))
        assert closed_by_peer(s)
        s.close()
    api_versions_ok(healthy, 3)
    assert broker.alive()


# TxnOffsetCommit v3 (flexible): tid "x", group "g", producer 1 epoch 0, generation -1, member "",
# null instance, one topic "t" with one partition (offset 5, epoch -1, metadata "")
TOC_V3 = (b"\x02x\x02g" + struct.pack(">qhi", 1, 0, -1) + b"\x01\x00" + b"\x02\x02t\x02"
          + struct.pack(">iqi", 0, 5, -1) + b"\x01\x00\x00\x00")
# WriteTxnMarkers v1 (flexible): one COMMIT marker for topic "t" partitions [0, 1]
WTM_V1 = (b"\x02" + struct.pack(">qh?", 1, 0, True) + b"\x02\x02t\x03" + struct.pack(">ii", 0, 1)
          + b"\x00" + struct.pack(">i", 0) + b"\x00\x00")



@pytest.mark.parametrize("api,body", [(28, TOC_V3), (27, WTM_V1)], ids=["txnoffsetcommit", "writetxnmarkers"])
def test_truncated_transaction_frames(broker, api, body):
    """Every strict prefix of a well-formed TxnOffsetCommit v3 / WriteTxnMarkers v1 body closes
    that connection."""
    healthy = connect(broker)
    ver = 3 if api == 28 else 1
    for cut in range(0, len(body)):
        s = connect(broker)
        s.sendall(frame_flex(api, ver, 1, body[:cut]))
        assert closed_by_peer(s), "prefix of %d bytes not refused" % cut
        s.close()
    s = connect(broker)  # the whole body is answered
    s.sendall(frame_flex(api, ver, 5, body))
    assert struct.unpack(">i", recv_frame(s)[:4])[0] == 5
    s.close()
    api_versions_ok(healthy, 3)
    assert broker.alive()


def test_truncated_consumer_group_heartbeat_frames(broker):
    """Every prefix of a well-formed ConsumerGroupHeartbeat v1 body closes that connection."""
    healthy = connect(broker)
    for cut in range(0, len(CGH_JOIN)):
        s = connect(broker)
        s.sendall(frame_flex(68, 1, 1, CGH_JOIN[:cut]))
        assert closed_by_peer(s), "prefix of %d bytes not refused" % cut
        s.close()
    api_versions_ok(healthy, 3)
    assert broker.alive()


def test_sasl_on_a_plaintext_listener_is_an_illegal_state(broker):
    """Kafka answers SaslHandshake/SaslAuthenticate on a PLAINTEXT listener with
    ILLEGAL_SASL_STATE (34) and serves on."""
    s = connect(broker)
    s.sendall(frame(17, 1, 5, struct.pack(">h", 5) + b"PLAIN"))
    r = recv_frame(s)
    assert struct.unpack(">ih", r[:6]) == (5, 34)
    s.sendall(frame(36, 1, 6, struct.pack(">i", 3) + b"abc"))
    r = recv_frame(s)
    assert struct.unpack(">ih", r[:6]) == (6, 34)
    api_versions_ok(s, 8)
    s.close()


TXN_BAD_INPUTS = {
    # AddPartitionsToTxn v0: txn id "t", pid, epoch, then 1,000,000 topics in a few bytes
    "addparts_huge_topic_count": frame(24, 0, 1, s16(b"t") + struct.pack(">qhi", 1, 0, 10**6)),
    # AddPartitionsToTxn v3 (flexible) with a null transactional id
    "addparts_null_txn_id_v3": frame_flex(24, 3, 1, b"\x00" + struct.pack(">qh", 1, 0) + b"\x01\x00"),
    # AddPartitionsToTxn v1: one topic whose partitions array is -2
    "addparts_negative_partitions": frame(24, 1, 1, s16(b"t") + struct.pack(">qhi", 1, 0, 1) +
                                          s16(b"x") + struct.pack(">i", -2)),
    # AddOffsetsToTxn v0 whose group id claims 30,000 bytes
    "addoffsets_group_too_long": frame(25, 0, 1, s16(b"t") + struct.pack(">qhh", 1, 0, 30000) + b"g"),
    # AddOffsetsToTxn v3 truncated after the producer id
    "addoffsets_truncated_v3": frame_flex(25, 3, 1, b"\x02t" + struct.pack(">q", 1)),
    # EndTxn v0 without the committed flag
    "endtxn_truncated": frame(26, 0, 1, s16(b"t") + struct.pack(">qh", 1, 0)),
    # EndTxn v3 with a negative-length (null) transactional id
    "endtxn_null_txn_id_v3": frame_flex(26, 3, 1, b"\x00" + struct.pack(">qhb", 1, 0, 1) + b"\x00"),
    # DescribeTransactions v0 claiming 2^28 transactional ids
    "describetxn_huge_count": frame_flex(65, 0, 1, b"\x80\x80\x80\x80\x01"),
    # DescribeTransactions v0 with a null transactional id in the array
    "describetxn_null_id": frame_flex(65, 0, 1, b"\x02\x00\x00"),
    # ListTransactions v1: empty state filter, 1,000,000 producer id filters
    "listtxn_huge_pid_count": frame_flex(66, 1, 1, b"\x01" + b"\xc1\x84\x3d"),
    # DescribeProducers v0: one topic "t" claiming 2^28 partitions
    "describeproducers_huge_partitions": frame_flex(61, 0, 1, b"\x02\x02t" + b"\x80\x80\x80\x80\x01"),
    # DescribeProducers v0 with a null topic name
    "describeproducers_null_topic": frame_flex(61, 0, 1, b"\x02\x00\x01\x00\x00"),
    # ListTransactions v1 truncated before the duration filter
    "listtxn_truncated_v1": frame_flex(66, 1, 1, b"\x01\x01"),
}


@pytest.mark.parametrize("name", sorted(TXN_BAD_INPUTS))
def test_bad_txn_input_closes_only_that_connection(broker, name):
    closes_only_that_connection(broker, TXN_BAD_INPUTS[name], name)

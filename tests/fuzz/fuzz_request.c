/* fuzz_request.c: libFuzzer harness for everything a client (or another broker) can put in a
 * request frame. The input is one frame without its size prefix, as conn.c hands it to
 * api_dispatch(): the header is peeked and decoded with the flexibility the dispatch table
 * gives for that (key, version), then the body goes through that API's decoder; Produce
 * records then take the broker's validation path (MessageSet up-conversion for v0-2,
 * batch_validate, decompression and a walk over every record). Anything outside the table is
 * dropped, as the broker drops it. ASan/UBSan turn any overread, overflow or undefined
 * behaviour into a crash; a decoder must only ever return an error. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "proto/kp.h"
#include "proto/kp_acls.h"
#include "proto/kp_alterclientquotas.h"
#include "proto/kp_alterconfigs.h"
#include "proto/kp_alterpartition.h"
#include "proto/kp_consumergroupdescribe.h"
#include "proto/kp_consumergroupheartbeat.h"
#include "proto/kp_alterreplicalogdirs.h"
#include "proto/kp_apiversions.h"
#include "proto/kp_controlledshutdown.h"
#include "proto/kp_createpartitions.h"
#include "proto/kp_createtopics.h"
#include "proto/kp_ctl.h"
#include "proto/kp_deletegroups.h"
#include "proto/kp_deleterecords.h"
#include "proto/kp_writetxnmarkers.h"
#include "proto/kp_addoffsetstotxn.h"
#include "proto/kp_addpartitionstotxn.h"
#include "proto/kp_describeproducers.h"
#include "proto/kp_describetransactions.h"
#include "proto/kp_endtxn.h"
#include "proto/kp_listtransactions.h"
#include "proto/kp_txnoffsetcommit.h"
#include "proto/kp_deletetopics.h"
#include "proto/kp_describeclientquotas.h"
#include "proto/kp_describecluster.h"
#include "proto/kp_describeconfigs.h"
#include "proto/kp_describegroups.h"
#include "proto/kp_describelogdirs.h"
#include "proto/kp_electleaders.h"
#include "proto/kp_reassign.h"
#include "proto/kp_fetch.h"
#include "proto/kp_findcoordinator.h"
#include "proto/kp_heartbeat.h"
#include "proto/kp_incrementalalterconfigs.h"
#include "proto/kp_initproducerid.h"
#include "proto/kp_joingroup.h"
#include "proto/kp_leavegroup.h"
#include "proto/kp_listgroups.h"
#include "proto/kp_listoffsets.h"
#include "proto/kp_metadata.h"
#include "proto/kp_offsetcommit.h"
#include "proto/kp_offsetdelete.h"
#include "proto/kp_offsetfetch.h"
#include "proto/kp_offsetforleaderepoch.h"
#include "proto/kp_produce.h"
#include "proto/kp_sasl.h"
#include "proto/kp_scram.h"
#include "proto/kp_syncgroup.h"
#include "fuzz_records.h"
#include "kp_adapt.h"
#include "rec/msgset.h"

typedef kerr_t decode_fn(rbuf_t *rb, int16_t ver, arena_t *a, void *out);
#define DEC(f) ((decode_fn *)(f))

/* Which decoder reads each API's body (the versions come from the dispatch table). */
static const struct {
    int16_t key;
    decode_fn *decode;
} decoders[] = {
    {KAPI_PRODUCE, DEC(kp_produce_req_decode)},
    {KAPI_FETCH, DEC(kp_fetch_req_decode)},
    {KAPI_LIST_OFFSETS, DEC(kp_listoffsets_req_decode)},
    {KAPI_METADATA, DEC(kp_metadata_req_decode)},
    {KAPI_LEADER_AND_ISR, kp_adapt_leaderandisr},
    {KAPI_STOP_REPLICA, kp_adapt_stopreplica},
    {KAPI_UPDATE_METADATA, kp_adapt_updatemetadata},
    {KAPI_CONTROLLED_SHUTDOWN, kp_adapt_cshut_req},
    {KAPI_OFFSET_COMMIT, DEC(kp_offsetcommit_req_decode)},
    {KAPI_OFFSET_FETCH, DEC(kp_offsetfetch_req_decode)},
    {KAPI_FIND_COORDINATOR, DEC(kp_findcoordinator_req_decode)},
    {KAPI_JOIN_GROUP, DEC(kp_joingroup_req_decode)},
    {KAPI_HEARTBEAT, DEC(kp_heartbeat_req_decode)},
    {KAPI_LEAVE_GROUP, DEC(kp_leavegroup_req_decode)},
    {KAPI_SYNC_GROUP, DEC(kp_syncgroup_req_decode)},
    {KAPI_DESCRIBE_GROUPS, DEC(kp_describegroups_req_decode)},
    {KAPI_LIST_GROUPS, DEC(kp_listgroups_req_decode)},
    {KAPI_API_VERSIONS, DEC(kp_apiversions_req_decode)},
    {KAPI_CREATE_TOPICS, DEC(kp_createtopics_req_decode)},
    {KAPI_DELETE_TOPICS, DEC(kp_deletetopics_req_decode)},
    {KAPI_DELETE_RECORDS, DEC(kp_deleterecords_req_decode)},
    {KAPI_ADD_PARTITIONS_TO_TXN, DEC(kp_addparts_req_decode)},
    {KAPI_ADD_OFFSETS_TO_TXN, DEC(kp_addoffsets_req_decode)},
    {KAPI_END_TXN, DEC(kp_endtxn_req_decode)},
    {KAPI_WRITE_TXN_MARKERS, DEC(kp_wtm_req_decode)},
    {KAPI_DESCRIBE_PRODUCERS, DEC(kp_dprod_req_decode)},
    {KAPI_DESCRIBE_TRANSACTIONS, DEC(kp_dtxn_req_decode)},
    {KAPI_LIST_TRANSACTIONS, DEC(kp_ltxn_req_decode)},
    {KAPI_TXN_OFFSET_COMMIT, DEC(kp_txnoffsetcommit_req_decode)},
    {KAPI_INIT_PRODUCER_ID, DEC(kp_initpid_req_decode)},
    {KAPI_OFFSET_FOR_LEADER_EPOCH, DEC(kp_ofle_req_decode)},
    {KAPI_DESCRIBE_ACLS, DEC(kp_describeacls_req_decode)},
    {KAPI_CREATE_ACLS, DEC(kp_createacls_req_decode)},
    {KAPI_DELETE_ACLS, DEC(kp_deleteacls_req_decode)},
    {KAPI_DESCRIBE_CONFIGS, DEC(kp_describeconfigs_req_decode)},
    {KAPI_ALTER_CONFIGS, DEC(kp_alterconfigs_req_decode)},
    {KAPI_ALTER_REPLICA_LOG_DIRS, DEC(kp_alterreplicalogdirs_req_decode)},
    {KAPI_DESCRIBE_LOG_DIRS, DEC(kp_describelogdirs_req_decode)},
    {KAPI_CREATE_PARTITIONS, DEC(kp_createpartitions_req_decode)},
    {KAPI_DELETE_GROUPS, DEC(kp_deletegroups_req_decode)},
    {KAPI_ELECT_LEADERS, DEC(kp_elect_req_decode)},
    {KAPI_INCREMENTAL_ALTER_CONFIGS, DEC(kp_incrementalalterconfigs_req_decode)},
    {KAPI_ALTER_PARTITION_REASSIGNMENTS, DEC(kp_reassign_req_decode)},
    {KAPI_LIST_PARTITION_REASSIGNMENTS, DEC(kp_listreassign_req_decode)},
    {KAPI_OFFSET_DELETE, DEC(kp_offsetdelete_req_decode)},
    {KAPI_DESCRIBE_CLIENT_QUOTAS, DEC(kp_describeclientquotas_req_decode)},
    {KAPI_ALTER_CLIENT_QUOTAS, DEC(kp_alterclientquotas_req_decode)},
    {KAPI_ALTER_PARTITION, kp_adapt_altpart_req},
    {KAPI_DESCRIBE_CLUSTER, DEC(kp_describecluster_req_decode)},
    {KAPI_CONSUMER_GROUP_HEARTBEAT, DEC(kp_cgh_req_decode)},
    {KAPI_CONSUMER_GROUP_DESCRIBE, DEC(kp_cgd_req_decode)},
    {KAPI_SASL_HANDSHAKE, DEC(kp_saslhandshake_req_decode)},
    {KAPI_SASL_AUTHENTICATE, DEC(kp_saslauth_req_decode)},
    {KAPI_DESCRIBE_USER_SCRAM_CREDENTIALS, DEC(kp_dusc_req_decode)},
    {KAPI_ALTER_USER_SCRAM_CREDENTIALS, DEC(kp_ausc_req_decode)},
};

/* Room for any decoded request struct (checked at start-up below). */
static union {
    max_align_t align;
    uint8_t bytes[4096];
} out;

/* What the broker does with one partition's records before appending (api_produce.c):
 * MessageSet up-conversion for v0-2, then every batch checked and walked. */
static void records(const uint8_t *p, size_t len, int16_t ver)
{
    wbuf_t up;
    wbuf_init(&up);
    int32_t n;
    if (ver > 2)
        fuzz_walk_batches(p, len, false);
    else if (msgset_to_batch(p, len, 1700000000000, 1 << 20, &up, &n) == KERR_NONE)
        fuzz_walk_batches(up.p, up.len, false);
    wbuf_free(&up);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kp_req_hdr_t h;
    if (kp_req_hdr_peek(data, size, &h) != KERR_NONE) return 0;
    const api_def_t *d = api_lookup(h.api_key);
    if (!d || h.api_version < d->min || h.api_version > d->max) return 0;
    decode_fn *decode = NULL;
    for (size_t i = 0; i < sizeof(decoders) / sizeof(decoders[0]); i++)
        if (decoders[i].key == h.api_key) decode = decoders[i].decode;
    if (!decode) __builtin_trap(); /* the table serves an API this harness does not know */

    /* an exact-size copy, so ASan sees a read one byte past the frame */
    uint8_t *frame = malloc(size);
    memcpy(frame, data, size);
    rbuf_t rb;
    rbuf_init(&rb, frame, size);
    arena_t a;
    arena_init(&a);
    if (kp_req_hdr_decode(&rb, h.api_version >= d->flexible_from, &h) == KERR_NONE &&
        decode(&rb, h.api_version, &a, &out) == KERR_NONE && h.api_key == KAPI_PRODUCE) {
        const kp_produce_req_t *req = (const kp_produce_req_t *)&out;
        for (int32_t t = 0; t < req->ntopics; t++)
            for (int32_t i = 0; i < req->topics[t].nparts; i++) {
                const kp_produce_part_t *pp = &req->topics[t].parts[i];
                if (pp->records.len > 0)
                    records(pp->records.p, (size_t)pp->records.len, h.api_version);
            }
    }
    arena_free(&a);
    free(frame);
    return 0;
}

/* Every request struct fits in out. */
_Static_assert(sizeof(kp_produce_req_t) <= sizeof(out), "out too small");
_Static_assert(sizeof(kp_fetch_req_t) <= sizeof(out), "out too small");
_Static_assert(sizeof(kp_ctl_req_t) <= sizeof(out), "out too small");
_Static_assert(sizeof(kp_joingroup_req_t) <= sizeof(out), "out too small");
_Static_assert(sizeof(kp_offsetcommit_req_t) <= sizeof(out), "out too small");
_Static_assert(sizeof(kp_createtopics_req_t) <= sizeof(out), "out too small");
_Static_assert(sizeof(kp_metadata_req_t) <= sizeof(out), "out too small");
_Static_assert(sizeof(kp_cgh_req_t) <= sizeof(out), "out too small");
_Static_assert(sizeof(kp_cgd_req_t) <= sizeof(out), "out too small");
_Static_assert(sizeof(kp_describeacls_req_t) <= sizeof(out), "out too small");

/* fuzz_response.c: libFuzzer harness for the responses our own code reads from another broker
 * (a follower's Fetch and OffsetForLeaderEpoch answers, the controller's LeaderAndIsr /
 * UpdateMetadata / StopReplica answers, AlterPartition and ControlledShutdown answers) and from
 * the CLI's Metadata request. Input: byte 0 picks the decoder, byte 1 the version, the rest is
 * the response body (after the response header). Fetched records then go through the
 * follower's checks (header parse and CRC of every batch) and a record walk. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/kp_alterpartition.h"
#include "proto/kp_controlledshutdown.h"
#include "proto/kp_ctl.h"
#include "proto/kp_fetch.h"
#include "proto/kp_metadata.h"
#include "proto/kp_offsetforleaderepoch.h"
#include "fuzz_records.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    int which = data[0] % 8;
    int16_t ver = (int16_t)(data[1] % 16);
    size -= 2;
    uint8_t *body = malloc(size ? size : 1); /* exact size: ASan sees any overread */
    memcpy(body, data + 2, size);
    rbuf_t rb;
    rbuf_init(&rb, body, size);
    arena_t a;
    arena_init(&a);
    int16_t err16;
    switch (which) {
    case 0: {
        if (ver < 4 || ver > 12) break;
        kp_fetch_resp_t r;
        if (kp_fetch_resp_decode(&rb, ver, &a, &r) != KERR_NONE) break;
        for (int32_t t = 0; t < r.ntopics; t++)
            for (int32_t i = 0; i < r.topics[t].nparts; i++)
                if (r.topics[t].parts[i].rec_len > 0)
                    fuzz_walk_batches(r.topics[t].parts[i].rec_mem,
                                      (size_t)r.topics[t].parts[i].rec_len, true);
        break;
    }
    case 1: {
        if (ver > 4) break;
        kp_ofle_resp_t r;
        kp_ofle_resp_decode(&rb, ver, &a, &r);
        break;
    }
    case 2: {
        kp_altpart_t r;
        kp_altpart_resp_decode(&rb, &a, &r);
        break;
    }
    case 3: {
        kp_cshut_resp_t r;
        kp_cshut_resp_decode(&rb, &a, &r);
        break;
    }
    case 4:
        kp_ctl_resp_decode(&rb, KAPI_LEADER_AND_ISR, &err16);
        break;
    case 5:
        kp_ctl_resp_decode(&rb, KAPI_UPDATE_METADATA, &err16);
        break;
    case 6:
        kp_ctl_resp_decode(&rb, KAPI_STOP_REPLICA, &err16);
        break;
    case 7: {
        if (ver > 12) break;
        kp_metadata_resp_t r;
        kp_metadata_resp_decode(&rb, ver, &a, &r);
        break;
    }
    }
    arena_free(&a);
    free(body);
    return 0;
}

/* rsel.c: KIP-392's rack-aware replica selection on the leader (see rsel.h). */
#include "rsel.h"

#include <string.h>

#include "mdcache.h"
#include "partition.h"

/* The broker is alive, reachable on listener, and in rack. */
static bool rsel_in_rack(const md_broker_t *b, const char *rack, size_t rack_len,
                         const char *listener)
{
    return b && strlen(b->rack) == rack_len && memcmp(b->rack, rack, rack_len) == 0 &&
           md_broker_endpoint(b, listener) != NULL;
}

int32_t rsel_preferred(const mdcache_t *md, int32_t self, const partition_t *part, const char *rack,
                       size_t rack_len, const char *listener, int64_t fetch_offset)
{
    if (!part->is_leader || rack_len == 0) return -1;
    if (rsel_in_rack(mdcache_broker(md, self), rack, rack_len, listener))
        return -1; /* the leader is in the consumer's rack */
    const replica_state_t *best = NULL;
    for (int i = 0; i < part->nfollowers; i++) {
        const replica_state_t *f = &part->followers[i];
        if (!partition_in_isr(part, f->id) || f->leo < fetch_offset || f->log_start > fetch_offset)
            continue;
        if (!rsel_in_rack(mdcache_broker(md, f->id), rack, rack_len, listener)) continue;
        if (!best || f->leo > best->leo ||
            (f->leo == best->leo && f->last_caught_up_ms > best->last_caught_up_ms))
            best = f;
    }
    return best ? best->id : -1;
}

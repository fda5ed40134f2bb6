/* grp_txn.c: the group coordinator's side of transactions (KIP-98/447): transactional offset
 * commits pending per (group, producer id) until the producer's marker on the group's
 * __consumer_offsets partition makes them committed (COMMIT) or drops them (ABORT). */
#include <string.h>

#include "grp.h"
#include "grp_int.h"

void grp_txn_marker(grp_coord_t *gc, const char *topic, int32_t partition, int64_t producer_id,
                    bool commit)
{
    (void)gc;
    (void)partition;
    (void)producer_id;
    (void)commit;
    if (strcmp(topic, "__consumer_offsets") != 0) return;
}

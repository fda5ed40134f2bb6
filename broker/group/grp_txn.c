/* grp_txn.c: the group coordinator's side of transactions (KIP-98, KIP-447).
 *
 * TxnOffsetCommit (grp_txn_commit in grp_offsets.c, sharing OffsetCommit's path) writes the
 * offset records to the group's __consumer_offsets partition as a transactional batch of the
 * producer (its id and epoch), acks=all; once committed there the
 * offsets are pending for (group, producer id), invisible to OffsetFetch (which answers
 * UNSTABLE_OFFSET_COMMIT for them when asked require_stable). The producer's COMMIT marker on
 * that partition (WriteTxnMarkers, grp_txn_marker) makes them the group's committed offsets;
 * ABORT drops them. Loading a partition replays the same from the log (grp_offsets.c): a
 * transactional batch's offsets are pending, a marker completes them, so after a coordinator
 * failover offsets become visible only if their COMMIT marker is in the log.
 * Reactor thread only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grp.h"
#include "grp_int.h"
#include "log.h"

/* One producer's pending offsets in one group. */
typedef struct grp_txn {
    struct grp_txn *next;
    int64_t pid;
    dict_t *offsets; /* "topic:partition" -> grp_offset_t* */
} grp_txn_t;

static grp_txn_t *grp_txn_find(grp_t *g, int64_t pid, bool create)
{
    for (grp_txn_t *t = g->txns; t; t = t->next)
        if (t->pid == pid) return t;
    if (!create) return NULL;
    grp_txn_t *t = calloc(1, sizeof(*t));
    if (!t) abort();
    t->pid = pid;
    t->offsets = dict_new();
    t->next = g->txns;
    g->txns = t;
    return t;
}

static void grp_txn_drop(grp_t *g, grp_txn_t *t)
{
    for (grp_txn_t **pp = &g->txns; *pp; pp = &(*pp)->next) {
        if (*pp != t) continue;
        *pp = t->next;
        break;
    }
    dict_free(t->offsets, grp_offset_free);
    free(t);
}

void grp_txn_free_all(grp_t *g)
{
    while (g->txns) grp_txn_drop(g, g->txns);
}

void grp_txn_put(grp_t *g, int64_t pid, const char *topic, int32_t partition, int64_t offset,
                 int32_t leader_epoch, kstr_t metadata, int64_t commit_ts)
{
    grp_txn_t *t = grp_txn_find(g, pid, true);
    grp_offset_set(t->offsets, topic, partition, offset, leader_epoch, metadata, commit_ts, -1);
}

/* pid's transaction in g is over: its offsets move to the committed ones, or go. */
static void grp_txn_complete(grp_t *g, int64_t pid, bool commit)
{
    grp_txn_t *t = grp_txn_find(g, pid, false);
    if (!t) return;
    size_t it = 0;
    const char *key;
    void *v;
    while (commit && dict_next(t->offsets, &it, &key, &v)) {
        grp_offset_free(dict_set(g->offsets, key, v)); /* the key is copied */
        dict_del(t->offsets, key);
    }
    log_debug("grp", "group %s: transactional offsets of producer %lld %s", g->id, (long long)pid,
              commit ? "committed" : "aborted");
    grp_txn_drop(g, t);
}

void grp_txn_complete_part(grp_coord_t *gc, int32_t p, int64_t pid, bool commit)
{
    size_t it = 0;
    void *v;
    while (dict_next(gc->groups, &it, NULL, &v)) {
        grp_t *g = v;
        if (g->partition == p) grp_txn_complete(g, pid, commit);
    }
}

void grp_txn_marker(grp_coord_t *gc, const char *topic, int32_t partition, int64_t producer_id,
                    bool commit)
{
    if (strcmp(topic, GRP_OFFSETS_TOPIC) != 0 || partition < 0 || partition >= gc->nparts) return;
    if (gc->parts[partition].state == GC_PART_NONE) return;
    grp_txn_complete_part(gc, partition, producer_id, commit);
}

static bool grp_txn_pending(grp_t *g, kstr_t topic, int32_t partition)
{
    char key[320];
    snprintf(key, sizeof(key), "%.*s:%d", topic.len > 250 ? 250 : topic.len, topic.p, partition);
    for (grp_txn_t *t = g->txns; t; t = t->next)
        if (dict_get(t->offsets, key)) return true;
    return false;
}

void grp_txn_mark_unstable(grp_t *g, kp_offsetfetch_resp_t *resp)
{
    for (int32_t i = 0; i < resp->ntopics; i++) {
        kp_offsetfetch_topic_t *t = &resp->topics[i];
        for (int32_t j = 0; j < t->nparts; j++) {
            kp_offsetfetch_part_t *p = &t->parts[j];
            if (p->error_code || !grp_txn_pending(g, t->name, p->partition_index)) continue;
            p->error_code = KERR_UNSTABLE_OFFSET_COMMIT;
            p->committed_offset = -1;
            p->committed_leader_epoch = -1;
        }
    }
}

/* assign.c: Kafka's replica assignment, rack-unaware and rack-aware (see assign.h). */
#include "assign.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

void assign_replicas(const int32_t *brokers, int nb, int32_t first, int32_t nparts, int16_t rf,
                     int32_t start, int32_t shift, int32_t *out)
{
    for (int32_t i = 0; i < nparts; i++) {
        int32_t cur = first + i;
        if (cur > 0 && cur % nb == 0) shift++;
        int32_t firsti = (cur + start) % nb;
        out[i * rf] = brokers[firsti];
        for (int16_t j = 0; j < rf - 1; j++) {
            int32_t s = 1 + (shift + j) % (nb - 1);
            out[i * rf + j + 1] = brokers[(firsti + s) % nb];
        }
    }
}

static int assign_cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The distinct racks, sorted, into racks[] (pointers into brokers); returns their count. */
static int assign_racks(const assign_broker_t *brokers, int nb, const char **racks)
{
    int n = 0;
    for (int i = 0; i < nb; i++) {
        bool seen = false;
        for (int j = 0; j < n && !seen; j++) seen = strcmp(racks[j], brokers[i].rack) == 0;
        if (!seen) racks[n++] = brokers[i].rack;
    }
    qsort(racks, (size_t)n, sizeof(*racks), assign_cmp_str);
    return n;
}

static int assign_rack_index(const char **racks, int nracks, const char *rack)
{
    for (int i = 0; i < nracks; i++)
        if (strcmp(racks[i], rack) == 0) return i;
    return -1;
}

/* Rack-alternated order as indexes into brokers (which are sorted by id, so each rack's
 * brokers come in id order). */
static void assign_alternate(const assign_broker_t *brokers, int nb, const char **racks, int nracks,
                             int *order)
{
    int next[ASSIGN_MAX_BROKERS]; /* per rack: where to look for its next broker */
    for (int r = 0; r < nracks; r++) next[r] = 0;
    int n = 0;
    for (int r = 0; n < nb; r = (r + 1) % nracks) {
        int i = next[r];
        while (i < nb && strcmp(brokers[i].rack, racks[r]) != 0) i++;
        if (i < nb) {
            order[n++] = i;
            next[r] = i + 1;
        } else {
            next[r] = nb;
        }
    }
}

void assign_rack_alternated(const assign_broker_t *brokers, int nb, int32_t *out)
{
    assert(nb <= ASSIGN_MAX_BROKERS);
    const char *racks[ASSIGN_MAX_BROKERS];
    int order[ASSIGN_MAX_BROKERS];
    int nracks = assign_racks(brokers, nb, racks);
    assign_alternate(brokers, nb, racks, nracks, order);
    for (int i = 0; i < nb; i++) out[i] = brokers[order[i]].id;
}

void assign_replicas_rack(const assign_broker_t *brokers, int nb, int32_t first, int32_t nparts,
                          int16_t rf, int32_t start, int32_t shift, int32_t *out)
{
    assert(nb <= ASSIGN_MAX_BROKERS && rf <= nb);
    const char *racks[ASSIGN_MAX_BROKERS];
    int order[ASSIGN_MAX_BROKERS], rack_of[ASSIGN_MAX_BROKERS];
    int nracks = assign_racks(brokers, nb, racks);
    assign_alternate(brokers, nb, racks, nracks, order);
    for (int i = 0; i < nb; i++)
        rack_of[i] = assign_rack_index(racks, nracks, brokers[order[i]].rack);
    for (int32_t i = 0; i < nparts; i++) {
        int32_t cur = first + i;
        if (cur > 0 && cur % nb == 0) shift++;
        int32_t firsti = (cur + start) % nb;
        bool rack_used[ASSIGN_MAX_BROKERS] = {false}, used[ASSIGN_MAX_BROKERS] = {false};
        int nrack_used = 1, nused = 1;
        rack_used[rack_of[firsti]] = true;
        used[firsti] = true;
        out[i * rf] = brokers[order[firsti]].id;
        int32_t k = 0;
        for (int16_t j = 1; j < rf; j++) {
            for (;; k++) {
                int32_t idx = (firsti + 1 + (shift * nracks + k) % (nb - 1)) % nb;
                /* skip a rack that has a replica while another has none, and a broker that
                 * has one while another has none */
                if ((rack_used[rack_of[idx]] && nrack_used < nracks) || (used[idx] && nused < nb))
                    continue;
                nrack_used += !rack_used[rack_of[idx]];
                nused += !used[idx];
                rack_used[rack_of[idx]] = used[idx] = true;
                out[i * rf + j] = brokers[order[idx]].id;
                k++;
                break;
            }
        }
    }
}

bool assign_racks_mixed(const assign_broker_t *brokers, int nb)
{
    int with = 0;
    for (int i = 0; i < nb; i++) with += brokers[i].rack[0] != '\0';
    return with > 0 && with < nb;
}

kerr_t assign_auto(const assign_broker_t *brokers, int nb, bool rack_aware, int32_t first,
                   int32_t nparts, int16_t rf, int32_t start, int32_t shift, int32_t *out)
{
    bool any = false;
    for (int i = 0; i < nb && !any; i++) any = brokers[i].rack[0] != '\0';
    if (rack_aware && any) {
        if (assign_racks_mixed(brokers, nb)) return KERR__INVAL;
        assign_replicas_rack(brokers, nb, first, nparts, rf, start, shift, out);
        return KERR_NONE;
    }
    int32_t ids[ASSIGN_MAX_BROKERS];
    for (int i = 0; i < nb && i < ASSIGN_MAX_BROKERS; i++) ids[i] = brokers[i].id;
    assign_replicas(ids, nb, first, nparts, rf, start, shift, out);
    return KERR_NONE;
}

int32_t assign_start_after(const assign_broker_t *brokers, int nb, int32_t first_replica)
{
    for (int i = 0; i < nb; i++)
        if (brokers[i].id >= first_replica) return i;
    return 0;
}

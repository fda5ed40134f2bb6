/* assign.c: Kafka's rack-unaware replica assignment. */
#include "assign.h"

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

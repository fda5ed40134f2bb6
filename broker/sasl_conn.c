/* sasl_conn.c: one connection's SASL state (see sasl_conn.h). */
#include "sasl_conn.h"

#include <stdlib.h>

sasl_conn_t *sasl_conn_new(void)
{
    return calloc(1, sizeof(sasl_conn_t));
}

void sasl_conn_free(sasl_conn_t *s)
{
    if (!s) return;
    scram_server_free(s->scram);
    free(s);
}

bool sasl_conn_done(const sasl_conn_t *s)
{
    return s->done;
}

bool sasl_conn_raw(const sasl_conn_t *s)
{
    return s->raw && !s->done;
}

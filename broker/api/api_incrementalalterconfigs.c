/* api_incrementalalterconfigs.c: IncrementalAlterConfigs: SET, DELETE, APPEND and SUBTRACT of
 * single configs. Resources are handled as AlterConfigs' are (api_alterconfigs.c), with the
 * operations applied in order to the current overrides on the coordinator thread. */
#include "api.h"
#include "proto/kp_incrementalalterconfigs.h"

void api_incrementalalterconfigs(req_t *r, rbuf_t *rb)
{
    kp_alterconfigs_req_t req;
    if (kp_incrementalalterconfigs_req_decode(rb, r->hdr.api_version, &r->arena, &req) !=
        KERR_NONE) {
        req_fail(r, "malformed IncrementalAlterConfigs request");
        return;
    }
    api_alterconfigs_run(r, &req, true);
}

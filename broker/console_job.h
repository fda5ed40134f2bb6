/* console_job.h: the console's requests to the brokers of the cluster over the Kafka protocol,
 * for API answers that need other brokers (groups they coordinate, offsets of partitions they
 * lead, topic changes through the controller, their configs and log dirs).
 *
 * A job belongs to one deferred HTTP request (http_defer). It sends requests (cjob_call) to
 * brokers by id, over one peer connection per broker (this broker included: it asks itself
 * over its own inter-broker listener, so local and remote answers take the same path),
 * encoded and decoded as JSON by kpjson schemas. Each response callback runs on the reactor;
 * when the last outstanding one has run, the step given to cjob_then runs, which may send more
 * requests and name a next step, or answer with cjob_reply (which frees the job).
 *
 * Owner: the job owns its state (st) and frees itself in cjob_reply; the peers belong to
 * con->peers and are closed by console_jobs_stop (jobs in flight then see KERR__DESTROY and
 * answer 503). Reactor thread only. */
#ifndef CONSOLE_JOB_H
#define CONSOLE_JOB_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "console_auth.h"
#include "http.h"
#include "kerr.h"

typedef struct console console_t;
typedef struct cjob cjob_t;

#define CJOB_TIMEOUT_MS 10000

typedef void cjob_fn(cjob_t *j);
/* One response: resp (borrowed, valid during the call) is the decoded body, NULL when err is
 * not KERR_NONE (transport failure, timeout, or a body that does not match the schema). */
typedef void cjob_resp_fn(cjob_t *j, void *tag, int32_t broker, kerr_t err, json_t *resp);

struct cjob {
    console_t *con;
    http_pending_t *pend;
    int outstanding;
    int busy;     /* callbacks of this job on the stack: the free waits for them */
    bool replied; /* answered: later responses are dropped, the job freed after the last */
    cjob_fn *next;
    json_t *st;    /* the job's own state, a JSON object (freed with the job) */
    cauth_as_t as; /* the principal it acts for: checked (cauth_may) before each request */
};

/* Defer req and start a job for it (st is an empty object). */
cjob_t *cjob_new(console_t *con, const http_req_t *req);
/* Send req (taken) to broker as (api, ver), non-flexible encoding; cb gets the response. */
void cjob_call(cjob_t *j, int32_t broker, int16_t api, int16_t ver, const char *req_schema,
               json_t *req, const char *resp_schema, cjob_resp_fn *cb, void *tag);
/* The same for a flexible version (compact encoding, request header v2). */
void cjob_call_flex(cjob_t *j, int32_t broker, int16_t api, int16_t ver, bool flexible,
                    const char *req_schema, json_t *req, const char *resp_schema, cjob_resp_fn *cb,
                    void *tag);
/* Run next once no response is outstanding (now, when none is; never once the job has
 * replied). Do not touch j after. */
void cjob_then(cjob_t *j, cjob_fn *next);
/* Answer (doc taken; see console_send); the job is freed once no callback of it runs and
 * no response is outstanding (so a callback may reply and return safely). */
void cjob_reply(cjob_t *j, int status, json_t *doc);
void cjob_error(cjob_t *j, int status, const char *fmt, const char *arg);

/* The broker's inter-broker endpoint is looked up at each call; close every connection. */
void console_jobs_stop(console_t *con);

#endif

/* taskpipe.c: a task's converters, transformation chain and error handling (worker.h).
 * Converter selection as Kafka's: the connector's key.converter / value.converter with its
 * "key.converter." / "value.converter." keys, else the worker's with the worker's keys. */
#include "worker.h"

#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

char *kc_trace(const char *exception, const char *msg, const char *cause)
{
    size_t n = strlen(exception) + strlen(msg) + (cause ? strlen(cause) : 0) + 128;
    char *s = malloc(n);
    if (!s) abort();
    if (cause)
        snprintf(s, n, "%s: %s\n\tat kafka-c connect runtime\nCaused by: %s\n", exception, msg,
                 cause);
    else
        snprintf(s, n, "%s: %s\n\tat kafka-c connect runtime\n", exception, msg);
    return s;
}

static int conv_init(kc_pipe_t *p, kc_task_t *t, bool is_key, char *err, size_t errlen)
{
    const char *key = is_key ? "key.converter" : "value.converter";
    const json_t *src = t->cconfig;
    const char *cls = json_string_value(json_object_get(src, key));
    if (!cls) {
        src = t->h->wcfg;
        cls = json_string_value(json_object_get(src, key));
    }
    const kc_plugin_t *cp = kc_plugin_find(KC_PLUGIN_CONVERTER, cls);
    if (!cp) {
        snprintf(err, errlen,
                 "Failed to find any class that implements Converter and which name "
                 "matches %s",
                 cls ? cls : "null");
        return KC_ERR;
    }
    char prefix[64];
    snprintf(prefix, sizeof prefix, "%s.", key);
    json_t *props = kc_props_prefixed(src, prefix);
    void *inst = cp->ops.converter.configure(props, is_key, err, errlen);
    json_decref(props);
    if (!inst) return KC_ERR;
    if (is_key) {
        p->kconv_p = cp;
        p->kconv = inst;
    } else {
        p->vconv_p = cp;
        p->vconv = inst;
    }
    return KC_OK;
}

static int xf_init(kc_pipe_t *p, const json_t *cfg, const char *alias, char *err, size_t errlen)
{
    if (p->nxf == KC_MAX_TRANSFORMS) {
        snprintf(err, errlen, "more than %d transforms", KC_MAX_TRANSFORMS);
        return KC_ERR;
    }
    char prefix[200];
    snprintf(prefix, sizeof prefix, "transforms.%s.", alias);
    json_t *props = kc_props_prefixed(cfg, prefix);
    const char *type = json_string_value(json_object_get(props, "type"));
    const kc_plugin_t *xp = kc_plugin_find(KC_PLUGIN_TRANSFORM, type);
    if (!xp || json_object_get(props, "predicate")) {
        snprintf(err, errlen,
                 xp ? "Invalid value for configuration transforms.%s.predicate: predicates are "
                      "not supported"
                    : "Invalid value %s for configuration transforms.%s.type: Class %s could "
                      "not be found.",
                 xp ? alias : (type ? type : "null"), alias, type ? type : "null");
        json_decref(props);
        return KC_ERR;
    }
    json_object_del(props, "type");
    void *inst = xp->ops.transform.configure(props, err, errlen);
    json_decref(props);
    if (!inst) return KC_ERR;
    p->xf[p->nxf].p = xp;
    p->xf[p->nxf].inst = inst;
    snprintf(p->xf[p->nxf].alias, sizeof p->xf[p->nxf].alias, "%s", alias);
    p->nxf++;
    return KC_OK;
}

int kc_pipe_init(kc_pipe_t *p, kc_task_t *t, char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    p->cname = t->cname;
    p->task_id = t->id;
    const json_t *c = t->cconfig;
    const kc_cfg_def_t *d = kc_common_defs;
    size_t nd = kc_ncommon_defs;
    const char *tol = kc_cfg_str(d, nd, c, "errors.tolerance");
    p->tolerate_all = tol && strcasecmp(tol, "all") == 0;
    p->log_errors = kc_cfg_bool(d, nd, c, "errors.log.enable");
    p->log_messages = kc_cfg_bool(d, nd, c, "errors.log.include.messages");
    if (conv_init(p, t, true, err, errlen) || conv_init(p, t, false, err, errlen)) return KC_ERR;
    json_t *aliases = kc_cfg_list(d, nd, c, "transforms");
    size_t i;
    json_t *a;
    int rc = KC_OK;
    json_array_foreach(aliases, i, a) if ((rc = xf_init(p, c, json_string_value(a), err, errlen)) !=
                                          KC_OK) break;
    json_decref(aliases);
    return rc;
}

void kc_pipe_close(kc_pipe_t *p)
{
    if (p->kconv) p->kconv_p->ops.converter.close(p->kconv);
    if (p->vconv) p->vconv_p->ops.converter.close(p->vconv);
    for (int i = 0; i < p->nxf; i++)
        if (p->xf[i].p->ops.transform.close) p->xf[i].p->ops.transform.close(p->xf[i].inst);
    p->kconv = p->vconv = NULL;
    p->nxf = 0;
}

int kc_pipe_transform(kc_pipe_t *p, cd_record_t **rec, char *err, size_t errlen)
{
    for (int i = 0; i < p->nxf && *rec; i++) {
        char e[512] = "";
        if (p->xf[i].p->ops.transform.apply(p->xf[i].inst, rec, e, sizeof e) != KC_OK) {
            snprintf(err, errlen, "transform %s (%s): %s", p->xf[i].alias, p->xf[i].p->class_name,
                     e);
            return KC_ERR;
        }
    }
    return KC_OK;
}

bool kc_pipe_tolerate(kc_pipe_t *p, const char *stage, const char *topic, int32_t partition,
                      int64_t offset, const char *msg)
{
    if (p->log_errors || !p->tolerate_all)
        log_error("connect",
                  "Error encountered in task %s-%d. Executing stage '%s' with class '%s'%s%s, "
                  "where consumed record is {topic='%s', partition=%d, offset=%lld}: %s",
                  p->cname, p->task_id, stage,
                  strcmp(stage, "KEY_CONVERTER") == 0     ? p->kconv_p->class_name
                  : strcmp(stage, "VALUE_CONVERTER") == 0 ? p->vconv_p->class_name
                                                          : "transformation",
                  "", "", topic ? topic : "", partition, (long long)offset, msg);
    if (!p->tolerate_all) return false;
    p->errors_total++;
    return true;
}

static __thread sigjmp_buf *guard_jb;

static void guard_handler(int sig)
{
    if (guard_jb) siglongjmp(*guard_jb, sig);
    signal(sig, SIG_DFL); /* not a task thread: crash as usual */
    raise(sig);
}

void kc_guard_install(void)
{
    static const int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL};
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = guard_handler;
    sa.sa_flags = SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], &sa, NULL);
}

void *kc_task_thread(kc_task_t *t, void (*body)(void *))
{
    int sig = kc_guard_run(body, t);
    if (sig) {
        char msg[128];
        snprintf(msg, sizeof msg, "the task crashed with signal %d (%s) in the plugin", sig,
                 strsignal(sig));
        char *trace = kc_trace("org.apache.kafka.connect.errors.ConnectException", msg, NULL);
        kc_task_report(t, KC_ST_FAILED, trace);
        free(trace);
        atomic_store(&t->done, true);
    }
    return NULL;
}

int kc_guard_run(void (*body)(void *), void *arg)
{
    /* an alternate stack, so a plugin's stack overflow is caught too */
    stack_t ss = {.ss_size = 1 << 16};
    ss.ss_sp = malloc(ss.ss_size);
    if (ss.ss_sp) sigaltstack(&ss, NULL);
    sigjmp_buf jb;
    int sig = sigsetjmp(jb, 1);
    if (sig == 0) {
        guard_jb = &jb;
        body(arg);
    }
    guard_jb = NULL;
    stack_t off = {.ss_flags = SS_DISABLE};
    sigaltstack(&off, NULL);
    free(ss.ss_sp);
    return sig;
}

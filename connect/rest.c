/* rest.c: Connect's REST API (worker.h) on common/http in a thread of its own with its own ev
 * loop, so a handler may block on the herder (its lock, a config write being read back).
 * Paths, methods and status codes as Connect's; bodies from herder_ops.c. In distributed
 * mode a write that reaches a follower is forwarded to the leader's URL, and while the group
 * rebalances writes get 409, as Connect's. */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "herder_ops.h"
#include "http.h"
#include "log.h"

struct kc_rest {
    kc_herder_t *h;
    ev_loop_t *loop;
    http_server_t *srv;
    pthread_t thread;
};

static void send_json(http_resp_t *resp, int status, json_t *body)
{
    resp->status = status;
    resp->content_type = "application/json";
    if (body) {
        char *text = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
        wbuf_append(&resp->body, text, strlen(text));
        free(text);
        json_decref(body);
    }
}

static bool flag(const http_req_t *req, const char *name)
{
    const char *v = http_query(req, name);
    return v && strcasecmp(v, "true") == 0;
}

/* Split "/connectors/a/tasks/0/status" into up to 6 segments. */
static int split_path(const char *path, char seg[6][512])
{
    int n = 0;
    const char *p = path;
    while (*p == '/') p++;
    while (*p && n < 6) {
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len >= 512) return -1;
        memcpy(seg[n], p, len);
        seg[n++][len] = '\0';
        p += len;
        while (*p == '/') p++;
    }
    return *p ? -1 : n;
}

/* The body as JSON; on failure the 415 / 400 Connect gives is in *err_status / *body. */
static json_t *json_body(const http_req_t *req, int *err_status, json_t **body)
{
    const char *ct = http_header(req, "Content-Type");
    if (!ct || strncasecmp(ct, "application/json", 16) != 0) {
        *err_status = 415;
        *body = kc_rest_error(415, "HTTP 415 Unsupported Media Type");
        return NULL;
    }
    json_error_t je;
    json_t *j = json_loadb(req->body, req->body_len, 0, &je);
    if (!j) {
        *err_status = 400;
        *body = kc_rest_error(400, "Cannot deserialize the request body: %s (line %d, column %d)",
                              je.text, je.line, je.column);
    }
    return j;
}

static bool is_write(const char *method, int n, char seg[6][512])
{
    if (strcmp(method, "GET") == 0) return false;
    if (n >= 1 && strcmp(seg[0], "connector-plugins") == 0) return false; /* validate is local */
    return true;
}

/* A blocking HTTP/1.1 exchange with the leader (Connection: close). 0 and the status/body, or
 * -1 when the leader cannot be reached. */
static int forward(const char *url, const http_req_t *req, int *status, char **out)
{
    char host[256];
    int port;
    char err[128];
    char base[320];
    snprintf(base, sizeof base, "%s", url);
    size_t bl = strlen(base);
    if (bl && base[bl - 1] == '/') base[bl - 1] = '\0';
    if (http_parse_listener(base, host, sizeof host, &port, err, sizeof err) != 0) return -1;
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *ai;
    char ps[16];
    snprintf(ps, sizeof ps, "%d", port);
    if (getaddrinfo(host[0] ? host : "127.0.0.1", ps, &hints, &ai) != 0) return -1;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct timeval tv = {60, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        freeaddrinfo(ai);
        if (fd >= 0) close(fd);
        return -1;
    }
    freeaddrinfo(ai);
    const char *q = http_query(req, "includeTasks") ? "?" : "";
    char qs[256] = "";
    if (*q)
        snprintf(qs, sizeof qs, "?includeTasks=%s&onlyFailed=%s",
                 flag(req, "includeTasks") ? "true" : "false",
                 flag(req, "onlyFailed") ? "true" : "false");
    char head[2048];
    int hl = snprintf(head, sizeof head,
                      "%s %s%s HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: application/json\r\n"
                      "Content-Length: %zu\r\nX-Forwarded-By: kafka-c\r\nConnection: close\r\n\r\n",
                      req->method, req->path, qs, host, port, req->body_len);
    bool ok = write(fd, head, (size_t)hl) == hl &&
              (req->body_len == 0 || write(fd, req->body, req->body_len) == (ssize_t)req->body_len);
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap);
    ssize_t r;
    while (ok && (r = read(fd, buf + len, cap - len - 1)) > 0) {
        len += (size_t)r;
        if (len + 1 == cap) buf = realloc(buf, cap *= 2);
    }
    close(fd);
    buf[len] = '\0';
    char *sp = strchr(buf, ' ');
    char *sep = strstr(buf, "\r\n\r\n");
    if (!ok || !sp || !sep) {
        free(buf);
        return -1;
    }
    *status = atoi(sp + 1);
    *out = strdup(sep + 4);
    free(buf);
    return 0;
}

static int route_connector(kc_herder_t *h, const http_req_t *req, int n, char seg[6][512],
                           json_t **body, bool *bad_method)
{
    const char *m = req->method, *name = seg[1];
    bool get = strcmp(m, "GET") == 0, put = strcmp(m, "PUT") == 0, post = strcmp(m, "POST") == 0;
    int st = 0;
    if (n == 2) {
        if (get) return kc_op_info(h, name, body);
        if (strcmp(m, "DELETE") == 0) return kc_op_delete(h, name, body);
    } else if (n == 3) {
        const char *sub = seg[2];
        if (strcmp(sub, "config") == 0 && get) return kc_op_config_get(h, name, body);
        if (strcmp(sub, "config") == 0 && put) {
            json_t *cfg = json_body(req, &st, body);
            if (!cfg) return st;
            int rc = kc_op_config_put(h, name, cfg, body);
            json_decref(cfg);
            return rc;
        }
        if (strcmp(sub, "status") == 0 && get) return kc_op_status(h, name, body);
        if (strcmp(sub, "tasks") == 0 && get) return kc_op_tasks(h, name, body);
        if (strcmp(sub, "offsets") == 0 && get) return kc_op_offsets(h, name, body);
        if (strcmp(sub, "topics") == 0 && get) return kc_op_topics(h, name, body);
        if (strcmp(sub, "restart") == 0 && post)
            return kc_op_restart(h, name, flag(req, "includeTasks"), flag(req, "onlyFailed"), body);
        if (strcmp(sub, "pause") == 0 && put) return kc_op_target(h, name, KC_TARGET_PAUSED, body);
        if (strcmp(sub, "resume") == 0 && put)
            return kc_op_target(h, name, KC_TARGET_STARTED, body);
        if (strcmp(sub, "stop") == 0 && put) return kc_op_target(h, name, KC_TARGET_STOPPED, body);
        bool fence = h->distributed && strcmp(sub, "fence") == 0; /* KIP-618, inter-worker */
        if (fence && put) return kc_op_fence(h, name, body);
        if (strcmp(sub, "config") && strcmp(sub, "status") && strcmp(sub, "tasks") &&
            strcmp(sub, "offsets") && strcmp(sub, "topics") && strcmp(sub, "restart") &&
            strcmp(sub, "pause") && strcmp(sub, "resume") && strcmp(sub, "stop") && !fence)
            return 0;
    } else if (n == 4 && strcmp(seg[2], "topics") == 0 && strcmp(seg[3], "reset") == 0) {
        if (put) return kc_op_topics_reset(h, name, body);
    } else if (n == 5 && strcmp(seg[2], "tasks") == 0) {
        if (strcmp(seg[4], "status") == 0 && get) return kc_op_task_status(h, name, seg[3], body);
        if (strcmp(seg[4], "restart") == 0 && post)
            return kc_op_task_restart(h, name, seg[3], body);
        if (strcmp(seg[4], "status") && strcmp(seg[4], "restart")) return 0;
    } else
        return 0;
    *bad_method = true;
    return 405;
}

static enum MHD_Result each_expand(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    (void)kind;
    int *mask = cls;
    if (key && value && strcmp(key, "expand") == 0)
        *mask |= strcmp(value, "status") == 0 ? 1 : strcmp(value, "info") == 0 ? 2 : 0;
    return MHD_YES;
}

/* Returns the status (0 = no such path). */
static int route(kc_herder_t *h, const http_req_t *req, int n, char seg[6][512], json_t **body,
                 bool *bad_method)
{
    const char *m = req->method;
    bool get = strcmp(m, "GET") == 0;
    int st = 0;
    if (n == 0) {
        if (get) return kc_op_root(h, body);
        return (*bad_method = true), 405;
    }
    if (strcmp(seg[0], "connectors") == 0 && n == 1) {
        if (get) {
            int ex = 0; /* ?expand=status&expand=info: both may be given */
            MHD_get_connection_values(req->mhd_conn, MHD_GET_ARGUMENT_KIND, each_expand, &ex);
            return kc_op_list(h, ex & 1, ex & 2, body);
        }
        if (strcmp(m, "POST") == 0) {
            json_t *j = json_body(req, &st, body);
            if (!j) return st;
            int rc = kc_op_create(h, j, body);
            json_decref(j);
            return rc;
        }
        return (*bad_method = true), 405;
    }
    if (strcmp(seg[0], "connectors") == 0) return route_connector(h, req, n, seg, body, bad_method);
    if (strcmp(seg[0], "connector-plugins") == 0 && n == 1) {
        if (get) {
            const char *co = http_query(req, "connectorsOnly");
            return kc_op_plugins(h, !co || strcasecmp(co, "false") != 0, body);
        }
        return (*bad_method = true), 405;
    }
    if (strcmp(seg[0], "connector-plugins") == 0 && n == 4 && strcmp(seg[2], "config") == 0 &&
        strcmp(seg[3], "validate") == 0) {
        if (strcmp(m, "PUT") != 0) return (*bad_method = true), 405;
        json_t *j = json_body(req, &st, body);
        if (!j) return st;
        int rc = kc_op_validate(h, seg[1], j, body);
        json_decref(j);
        return rc;
    }
    return 0;
}

/* Distributed: the URL of the worker running task seg[1]-seg[3] when it is another one (a task
 * restart goes to the worker that runs the task, as Connect forwards it). Caller frees. */
static bool is_task_restart(int n, char seg[6][512], const char *method)
{
    return n == 5 && strcmp(seg[0], "connectors") == 0 && strcmp(seg[2], "tasks") == 0 &&
           strcmp(seg[4], "restart") == 0 && strcmp(method, "POST") == 0;
}

static char *task_owner_url(kc_herder_t *h, int n, char seg[6][512], const char *method)
{
    if (!h->distributed || !is_task_restart(n, seg, method)) return NULL;
    char *url = NULL, key[1100];
    snprintf(key, sizeof key, "status-task-%s-%s", seg[1], seg[3]);
    pthread_mutex_lock(&h->lock);
    const char *owner =
        json_string_value(json_object_get(json_object_get(h->status, key), "worker_id"));
    if (owner && strcmp(owner, h->worker_id) != 0 &&
        !kc_herder_assigned_task(h, seg[1], atoi(seg[3])) && asprintf(&url, "http://%s", owner) < 0)
        url = NULL;
    pthread_mutex_unlock(&h->lock);
    return url;
}

/* Send the request on to url and pass its answer back; 409 when it cannot be reached. */
static void forward_to(const char *url, const http_req_t *req, http_resp_t *resp)
{
    int status;
    char *out = NULL;
    if (forward(url, req, &status, &out) != 0)
        return send_json(resp, 409,
                         kc_rest_error(409, "Cannot complete request because of a "
                                            "conflicting operation (e.g. worker "
                                            "rebalance)"));
    resp->status = status;
    resp->content_type = "application/json";
    wbuf_append(&resp->body, out, strlen(out));
    free(out);
}

static void rest_handle(void *arg, const http_req_t *req, http_resp_t *resp)
{
    kc_rest_t *r = arg;
    kc_herder_t *h = r->h;
    char seg[6][512];
    int n = split_path(req->path, seg);
    json_t *body = NULL;
    if (n < 0) return send_json(resp, 404, kc_rest_error(404, "HTTP 404 Not Found"));
    if (h->distributed && is_write(req->method, n, seg)) {
        pthread_mutex_lock(&h->lock);
        bool rebalancing = h->rebalancing;
        char *leader = h->leader_url ? strdup(h->leader_url) : NULL;
        pthread_mutex_unlock(&h->lock);
        if (rebalancing) {
            free(leader);
            return send_json(resp, 409,
                             kc_rest_error(409, "Cannot complete request because of a "
                                                "conflicting operation (e.g. worker "
                                                "rebalance)"));
        }
        /* A task restart goes straight to the worker running the task (never through the
         * leader: two single-threaded REST loops forwarding to each other would wait on each
         * other); everything else to the leader. A forwarded request is served here. */
        bool forwarded = http_header(req, "X-Forwarded-By") != NULL;
        char *owner = forwarded ? NULL : task_owner_url(h, n, seg, req->method);
        const char *to = owner ? owner : is_task_restart(n, seg, req->method) ? NULL : leader;
        if (to && !forwarded) {
            forward_to(to, req, resp);
            free(owner);
            free(leader);
            return;
        }
        free(owner);
        free(leader);
    }
    bool bad_method = false;
    int status = route(h, req, n, seg, &body, &bad_method);
    if (status == 0) return send_json(resp, 404, kc_rest_error(404, "HTTP 404 Not Found"));
    if (bad_method) return send_json(resp, 405, kc_rest_error(405, "HTTP 405 Method Not Allowed"));
    send_json(resp, status, body);
}

static void *rest_main(void *arg)
{
    kc_rest_t *r = arg;
    ev_run(r->loop);
    return NULL;
}

kc_rest_t *kc_rest_start(kc_herder_t *h, char *err, size_t errlen)
{
    char host[256];
    int port;
    if (kc_first_listener(h->wcfg, host, sizeof host, &port, err, errlen) != 0) return NULL;
    kc_rest_t *r = calloc(1, sizeof *r);
    r->h = h;
    r->loop = ev_new();
    r->srv = http_server_start(r->loop, host, port, rest_handle, r, err, errlen);
    if (!r->srv) {
        ev_free(r->loop);
        free(r);
        return NULL;
    }
    if (pthread_create(&r->thread, NULL, rest_main, r) != 0) {
        snprintf(err, errlen, "cannot start the REST thread");
        http_server_stop(r->srv);
        ev_free(r->loop);
        free(r);
        return NULL;
    }
    return r;
}

int kc_rest_port(const kc_rest_t *r)
{
    return http_server_port(r->srv);
}

static void rest_stop_cb(ev_loop_t *loop, void *arg)
{
    (void)arg;
    ev_stop(loop);
}

void kc_rest_stop(kc_rest_t *r)
{
    if (!r) return;
    ev_post(r->loop, rest_stop_cb, NULL);
    pthread_join(r->thread, NULL);
    http_server_stop(r->srv);
    ev_free(r->loop);
    free(r);
}

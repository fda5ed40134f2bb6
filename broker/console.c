/* console.c: serves the web console's embedded files (console/ in the repository, compiled in
 * as console_assets[]) and hands /v1/ paths to the JSON API (console_api.c). Content types
 * come from the file extension; every answer carries Cache-Control: no-store (http.c), so a
 * new broker binary never leaves a browser on stale scripts. */
#include "console.h"

#include <string.h>

static const struct {
    const char *ext, *ctype;
} console_types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".svg", "image/svg+xml"},
};

static const char *console_ctype(const char *path)
{
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof(console_types) / sizeof(console_types[0]); i++)
        if (strcmp(dot, console_types[i].ext) == 0) return console_types[i].ctype;
    return "application/octet-stream";
}

const console_asset_t *console_asset(const char *path)
{
    if (strcmp(path, "/") == 0) path = "/index.html";
    for (const console_asset_t *a = console_assets; a->path; a++)
        if (strcmp(a->path, path) == 0) return a;
    return NULL;
}

void console_handle(console_t *con, const http_req_t *req, http_resp_t *resp)
{
    if (strncmp(req->path, "/v1/", 4) == 0) {
        console_api(con, req, resp);
        return;
    }
    const console_asset_t *a = console_asset(req->path);
    if (!a) {
        resp->status = 404;
        wbuf_printf(&resp->body, "no such resource: %s\n", req->path);
        return;
    }
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        resp->status = 405;
        wbuf_printf(&resp->body, "%s takes GET\n", req->path);
        return;
    }
    resp->content_type = console_ctype(a->path);
    wbuf_append(&resp->body, a->data, a->len);
}

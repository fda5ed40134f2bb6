/* file_conn.c: FileStreamSource and FileStreamSink as Kafka's connect-file connectors.
 *
 * Source: one task reads the file line by line (stdin when file is unset); each line is a
 * STRING value on `topic`, with source partition {"filename": file} and offset
 * {"position": byte offset after the line}, so a restart seeks past what was delivered.
 * Sink: one line per record value (Java's toString) appended to file (stdout when unset),
 * written out by the end of each put() (Java's PrintStream over an unbuffered file stream
 * writes each line as it prints it). Threads as connector.h: each task on its own thread. */
#include "connector.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NDEFS(a) (sizeof(a) / sizeof((a)[0]))

static const kc_cfg_def_t source_defs[] = {
    {.name = "file",
     .type = KC_CFG_STRING,
     .importance = KC_IMP_HIGH,
     .doc = "Source filename. If not specified, the standard input will be used"},
    {.name = "topic",
     .type = KC_CFG_LIST,
     .required = true,
     .importance = KC_IMP_HIGH,
     .doc = "The topic to publish data to",
     .validator = kc_valid_non_empty},
    {.name = "batch.size",
     .type = KC_CFG_INT,
     .default_value = "2000",
     .importance = KC_IMP_LOW,
     .validator = kc_valid_at_least,
     .valid_arg = "1",
     .doc = "The maximum number of records the source task can read from the file each time "
            "it is polled"},
};

static const kc_cfg_def_t sink_defs[] = {
    {.name = "file",
     .type = KC_CFG_STRING,
     .importance = KC_IMP_HIGH,
     .doc = "Destination filename. If not specified, the standard output will be used"},
};

/* --- connectors: one task, carrying the connector's keys --- */

static void *conn_start(const json_t *props, kc_connector_ctx_t *ctx, char *err, size_t errlen)
{
    (void)ctx, (void)err, (void)errlen;
    return json_deep_copy(props);
}

static json_t *conn_task_configs(void *conn, int max_tasks)
{
    json_t *arr = json_array();
    if (max_tasks >= 1) json_array_append_new(arr, json_deep_copy(conn));
    return arr;
}

static void conn_stop(void *conn)
{
    json_decref(conn);
}

static void source_validate(const json_t *props, json_t *errors)
{
    const char *topic = json_string_value(json_object_get(props, "topic"));
    if (topic && strchr(topic, ','))
        json_array_append_new(json_object_get(errors, "topic"),
                              json_string("'topic' in FileStreamSourceConnector configuration "
                                          "requires definition of a single topic"));
}

/* Kafka's FileStreamSourceConnector: exactly once when reading a file (appended to only),
 * never from stdin, whose lines cannot be read again. */
static kc_support_t source_eos_support(const json_t *props)
{
    const char *file = json_string_value(json_object_get(props, "file"));
    return file && *file ? KC_SUPPORTED : KC_UNSUPPORTED;
}

/* --- source task --- */

typedef struct fsrc {
    kc_source_ctx_t *ctx;
    char *file; /* NULL = stdin */
    char *topic;
    int batch;
    FILE *fp;
    int64_t pos; /* byte offset after the last line handed out */
    char *line;  /* getline buffer */
    size_t linecap;
    char *partial; /* a line read without its newline yet */
    size_t partial_len;
} fsrc_t;

static void *src_start(const json_t *props, kc_source_ctx_t *ctx, char *err, size_t errlen)
{
    fsrc_t *t = calloc(1, sizeof *t);
    const char *file = kc_cfg_str(source_defs, NDEFS(source_defs), props, "file");
    t->ctx = ctx;
    t->file = file && *file ? strdup(file) : NULL;
    t->topic = strdup(kc_cfg_str(source_defs, NDEFS(source_defs), props, "topic"));
    t->batch = (int)kc_cfg_int(source_defs, NDEFS(source_defs), props, "batch.size");
    if (!t->file) {
        t->fp = stdin;
        return t;
    }
    json_t *part = json_pack("{ss}", "filename", t->file);
    json_t *off = ctx->offset(ctx, part);
    json_decref(part);
    json_t *pos = json_object_get(off, "position");
    if (pos && !json_is_integer(pos)) {
        snprintf(err, errlen, "Offset position is the incorrect type");
        json_decref(off);
        free(t->file), free(t->topic), free(t);
        return NULL;
    }
    t->pos = pos ? json_integer_value(pos) : 0;
    json_decref(off);
    return t;
}

/* Open the file (it may appear later) and seek to the stored position. */
static bool src_open(fsrc_t *t)
{
    if (t->fp) return true;
    t->fp = fopen(t->file, "r");
    if (!t->fp) return false;
    if (t->pos > 0 && fseeko(t->fp, t->pos, SEEK_SET) != 0) {
        fclose(t->fp);
        t->fp = NULL;
        return false;
    }
    return true;
}

static cd_record_t *src_record(fsrc_t *t, const char *line, size_t len)
{
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r')) len--;
    cd_record_t *r = cd_record_new(t->topic);
    cd_record_set_value(r, cd_schema_prim(CD_STRING, false), cd_string_n(line, len));
    if (t->file)
        cd_record_set_source(r, json_pack("{ss}", "filename", t->file),
                             json_pack("{sI}", "position", (json_int_t)t->pos));
    return r;
}

/* One line into t->partial; true when it ended with a newline. */
static bool src_read_line(fsrc_t *t)
{
    ssize_t n = getline(&t->line, &t->linecap, t->fp);
    if (n <= 0) {
        clearerr(t->fp); /* EOF: the file may grow */
        return false;
    }
    t->partial = realloc(t->partial, t->partial_len + (size_t)n + 1);
    memcpy(t->partial + t->partial_len, t->line, (size_t)n);
    t->partial_len += (size_t)n;
    t->partial[t->partial_len] = '\0';
    return t->partial[t->partial_len - 1] == '\n';
}

static int src_poll(void *task, kc_batch_t *out, char *err, size_t errlen)
{
    fsrc_t *t = task;
    (void)err, (void)errlen;
    for (int waited = 0; waited < 1000 && !t->ctx->stopping(t->ctx); waited += 50) {
        if (t->file && !src_open(t)) {
            struct timespec ts = {0, 50 * 1000000};
            nanosleep(&ts, NULL);
            continue;
        }
        int got = 0;
        while (got < t->batch && src_read_line(t)) {
            t->pos += (int64_t)t->partial_len;
            kc_batch_push(out, src_record(t, t->partial, t->partial_len));
            t->partial_len = 0;
            got++;
        }
        if (got) return KC_OK;
        struct timespec ts = {0, 50 * 1000000};
        nanosleep(&ts, NULL);
    }
    return KC_OK;
}

static void src_stop(void *task)
{
    fsrc_t *t = task;
    if (t->fp && t->fp != stdin) fclose(t->fp);
    free(t->line);
    free(t->partial);
    free(t->file);
    free(t->topic);
    free(t);
}

/* --- sink task --- */

/* The sink's stdio buffer: a 100 B record per line makes BUFSIZ (8 KB) a write(2) every 80
 * records; put() empties it before it returns, so a batch costs a few writes and its lines
 * are in the file as soon as put() is done, as Java's are. */
#define SINK_BUF (256 * 1024)

typedef struct fsink {
    FILE *fp;
    bool is_stdout;
} fsink_t;

static void *sink_start(const json_t *props, kc_sink_ctx_t *ctx, char *err, size_t errlen)
{
    (void)ctx;
    fsink_t *t = calloc(1, sizeof *t);
    const char *file = kc_cfg_str(sink_defs, NDEFS(sink_defs), props, "file");
    if (!file || !*file) {
        t->fp = stdout;
        t->is_stdout = true;
        return t;
    }
    t->fp = fopen(file, "a");
    if (!t->fp) {
        snprintf(err, errlen, "Couldn't find or create file '%s' for FileStreamSinkTask: %s", file,
                 strerror(errno));
        free(t);
        return NULL;
    }
    setvbuf(t->fp, NULL, _IOFBF, SINK_BUF);
    return t;
}

/* The value as Java's println(record.value()) prints it, via StringConverter's text.
 * The caller holds fp's lock (flockfile), hence the _unlocked calls. */
static void sink_print(FILE *fp, const cd_value_t *v)
{
    extern const kc_plugin_t kc_string_converter_plugin;
    const kc_converter_ops_t *sc = &kc_string_converter_plugin.ops.converter;
    if (v && v->type == CD_STRING) {
        fwrite_unlocked(v->u.s.p, 1, v->u.s.len, fp);
    } else if (!v) {
        fputs_unlocked("null", fp);
    } else {
        uint8_t *out;
        size_t len;
        char e[64];
        if (sc->from_connect(NULL, NULL, NULL, v, &out, &len, e, sizeof e) == KC_OK && out) {
            fwrite_unlocked(out, 1, len, fp);
            free(out);
        }
    }
    putc_unlocked('\n', fp);
}

static int sink_put(void *task, cd_record_t *const *records, size_t n, char *err, size_t errlen)
{
    fsink_t *t = task;
    flockfile(t->fp); /* once per batch, not twice per record */
    for (size_t i = 0; i < n; i++) sink_print(t->fp, records[i]->value);
    funlockfile(t->fp);
    if (fflush(t->fp) != 0 || ferror(t->fp)) {
        snprintf(err, errlen, "Error writing to the file: %s", strerror(errno));
        return KC_ERR;
    }
    return KC_OK;
}

static int sink_flush(void *task, const kc_tp_offset_t *offsets, size_t n, char *err, size_t errlen)
{
    fsink_t *t = task;
    (void)offsets, (void)n;
    if (fflush(t->fp) != 0) {
        snprintf(err, errlen, "Error flushing the file: %s", strerror(errno));
        return KC_ERR;
    }
    return KC_OK;
}

static void sink_stop(void *task)
{
    fsink_t *t = task;
    if (t->is_stdout)
        fflush(t->fp);
    else
        fclose(t->fp);
    free(t);
}

static const char *const source_aliases[] = {"FileStreamSource", NULL};
static const char *const sink_aliases[] = {"FileStreamSink", NULL};

const kc_plugin_t kc_file_source_plugin = {
    .abi = KC_PLUGIN_ABI,
    .kind = KC_PLUGIN_SOURCE,
    .class_name = "org.apache.kafka.connect.file.FileStreamSourceConnector",
    .aliases = source_aliases,
    .version = "3.7.0",
    .defs = source_defs,
    .ndefs = NDEFS(source_defs),
    .validate = source_validate,
    .ops.source = {{conn_start, conn_task_configs, conn_stop},
                   {src_start, src_poll, NULL, NULL, src_stop},
                   source_eos_support},
};

const kc_plugin_t kc_file_sink_plugin = {
    .abi = KC_PLUGIN_ABI,
    .kind = KC_PLUGIN_SINK,
    .class_name = "org.apache.kafka.connect.file.FileStreamSinkConnector",
    .aliases = sink_aliases,
    .version = "3.7.0",
    .defs = sink_defs,
    .ndefs = NDEFS(sink_defs),
    .ops.sink = {{conn_start, conn_task_configs, conn_stop},
                 {sink_start, sink_put, sink_flush, NULL, sink_stop}},
};

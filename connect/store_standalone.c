/* store_standalone.c: standalone mode's backing (worker.h): connector configs, targets and
 * task configs applied straight to the herder (in memory, as Kafka's standalone herder keeps
 * them); source offsets in offset.storage.file.filename, one JSON object of Kafka's offset
 * keys (["name",{partition}] as compact JSON text) -> offset, rewritten atomically (temp file
 * + rename) on every flush. The offsets have their own lock: task threads read and write them
 * without the herder lock. */
#include "worker.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

static struct {
    pthread_mutex_t lock;
    json_t *offsets;
    char path[4096];
} st = {.lock = PTHREAD_MUTEX_INITIALIZER};

static int sa_put_config(kc_herder_t *h, const char *name, const json_t *config)
{
    kc_herder_apply_config(h, name, config);
    return 0;
}

static int sa_put_target(kc_herder_t *h, const char *name, kc_target_t t)
{
    kc_herder_apply_target(h, name, t);
    return 0;
}

static int sa_put_tasks(kc_herder_t *h, const char *name, const json_t *tasks)
{
    kc_herder_apply_tasks(h, name, tasks);
    return 0;
}

static int sa_put_restart(kc_herder_t *h, const char *name, bool include_tasks, bool only_failed)
{
    kc_herder_restart(h, name, include_tasks, only_failed);
    return 0;
}

static void sa_put_status(kc_herder_t *h, const char *key, const json_t *status)
{
    (void)h, (void)key, (void)status; /* kept in h->status only */
}

static json_t *sa_offset_get(kc_herder_t *h, const char *connector, const json_t *partition)
{
    (void)h;
    char *key = kc_offset_key(connector, partition);
    pthread_mutex_lock(&st.lock);
    json_t *v = json_object_get(st.offsets, key);
    json_t *out = json_is_object(v) ? json_deep_copy(v) : NULL;
    pthread_mutex_unlock(&st.lock);
    free(key);
    return out;
}

static int save_locked(void)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", st.path);
    if (json_dump_file(st.offsets, tmp, JSON_COMPACT) != 0) {
        log_error("connect", "cannot write offsets file %s: %s", tmp, strerror(errno));
        return -1;
    }
    if (rename(tmp, st.path) != 0) {
        log_error("connect", "cannot rename %s to %s: %s", tmp, st.path, strerror(errno));
        return -1;
    }
    return 0;
}

static int sa_offsets_put(kc_herder_t *h, const json_t *entries)
{
    (void)h;
    pthread_mutex_lock(&st.lock);
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)entries, k, v)
    {
        if (json_is_null(v))
            json_object_del(st.offsets, k);
        else
            json_object_set_new(st.offsets, k, json_deep_copy(v));
    }
    int rc = save_locked();
    pthread_mutex_unlock(&st.lock);
    return rc;
}

static json_t *sa_offsets_of(kc_herder_t *h, const char *connector)
{
    (void)h;
    pthread_mutex_lock(&st.lock);
    json_t *out = kc_offsets_filter(st.offsets, connector);
    pthread_mutex_unlock(&st.lock);
    return out;
}

static const kc_backing_t standalone_backing = {
    .put_config = sa_put_config,
    .put_target = sa_put_target,
    .put_task_configs = sa_put_tasks,
    .put_restart = sa_put_restart,
    .put_status = sa_put_status,
    .offset_get = sa_offset_get,
    .offsets_put = sa_offsets_put,
    .offsets_of = sa_offsets_of,
};

const kc_backing_t *kc_standalone_backing(kc_herder_t *h, char *err, size_t errlen)
{
    const char *path = kc_wcfg_str(h->wcfg, "offset.storage.file.filename");
    snprintf(st.path, sizeof st.path, "%s", path);
    struct stat sb;
    if (stat(path, &sb) != 0 || sb.st_size == 0) {
        st.offsets = json_object();
        return &standalone_backing;
    }
    json_error_t je;
    st.offsets = json_load_file(path, 0, &je);
    if (!json_is_object(st.offsets)) {
        snprintf(err, errlen, "offset.storage.file.filename %s is not a kafka-c offsets file: %s",
                 path, je.text);
        json_decref(st.offsets);
        st.offsets = NULL;
        return NULL;
    }
    return &standalone_backing;
}

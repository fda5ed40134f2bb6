/* plugins.c: the plugin registry: the built-in table and plugin.path shared objects
 * (connector.h). Filled once at start-up, read-only afterwards (any thread may look up). */
#include "connector.h"
#include "conv_json.h" /* pgconn: JsonConverter, transforms, JDBC connectors */
#include "jdbc.h"
#include "xform.h"

#include <dirent.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Built-in plugins: add a line here for a new one (declared in its own header or here). */
extern const kc_plugin_t kc_file_source_plugin;
extern const kc_plugin_t kc_file_sink_plugin;
extern const kc_plugin_t kc_string_converter_plugin;
extern const kc_plugin_t kc_bytearray_converter_plugin;

static const kc_plugin_t *const builtins[] = {
    &kc_file_source_plugin,
    &kc_file_sink_plugin,
    &kc_string_converter_plugin,
    &kc_bytearray_converter_plugin,
    &cj_plugin,
    &xf_insert_key_plugin,
    &xf_insert_value_plugin,
    &xf_replace_key_plugin,
    &xf_replace_value_plugin,
    &xf_mask_key_plugin,
    &xf_mask_value_plugin,
    &xf_value_to_key_plugin,
    &xf_extract_key_plugin,
    &xf_extract_value_plugin,
    &xf_regex_router_plugin,
    &xf_timestamp_router_plugin,
    &jdbc_sink_plugin,
    &jdbc_source_plugin,
};

#define MAX_PLUGINS 256
static const kc_plugin_t *registry[MAX_PLUGINS];
static size_t nregistry;

static int reg_add(void *arg, const kc_plugin_t *p)
{
    const char *file = arg;
    if (!p || p->abi != KC_PLUGIN_ABI || !p->class_name) {
        fprintf(stderr, "WARN plugin %s: a plugin with ABI %d (want %d) skipped\n",
                file ? file : "(built-in)", p ? p->abi : -1, KC_PLUGIN_ABI);
        return -1;
    }
    if (nregistry == MAX_PLUGINS) return -1;
    for (size_t i = 0; i < nregistry; i++)
        if (strcmp(registry[i]->class_name, p->class_name) == 0)
            return 0; /* first one wins, as Kafka's isolation picks one */
    registry[nregistry++] = p;
    return 0;
}

static void load_so(const char *path)
{
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        fprintf(stderr, "WARN plugin.path: cannot load %s: %s\n", path, dlerror());
        return;
    }
    kc_plugin_register_fn *fn = (kc_plugin_register_fn *)dlsym(h, KC_PLUGIN_SYMBOL);
    if (!fn) {
        fprintf(stderr, "WARN plugin.path: %s exports no %s\n", path, KC_PLUGIN_SYMBOL);
        dlclose(h);
        return;
    }
    if (fn(reg_add, (void *)path) != 0)
        fprintf(stderr, "WARN plugin.path: %s refused to register\n", path);
    /* never dlclose a registered library: its plugins are static data */
}

static bool ends_with_so(const char *name)
{
    size_t n = strlen(name);
    return n > 3 && strcmp(name + n - 3, ".so") == 0;
}

/* *.so in dir, and one level of subdirectories (Kafka's plugin directories). */
static void scan_dir(const char *dir, int depth)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "WARN plugin.path: cannot open %s\n", dir);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(path, &st) != 0) continue;
        if (S_ISDIR(st.st_mode) && depth == 0)
            scan_dir(path, 1);
        else if (S_ISREG(st.st_mode) && ends_with_so(e->d_name))
            load_so(path);
    }
    closedir(d);
}

int kc_plugins_init(const char *plugin_path, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    if (nregistry) return 0;
    for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++) reg_add(NULL, builtins[i]);
    char *copy = strdup(plugin_path ? plugin_path : "");
    for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ') tok++;
        char *end = tok + strlen(tok);
        while (end > tok && end[-1] == ' ') *--end = '\0';
        if (*tok) scan_dir(tok, 0);
    }
    free(copy);
    return 0;
}

/* The simple name after the last '.' ("FileStreamSourceConnector"). */
static const char *simple_name(const char *cls)
{
    const char *dot = strrchr(cls, '.');
    return dot ? dot + 1 : cls;
}

static bool names(const kc_plugin_t *p, const char *name)
{
    if (strcmp(p->class_name, name) == 0 || strcmp(simple_name(p->class_name), name) == 0)
        return true;
    for (const char *const *a = p->aliases; a && *a; a++)
        if (strcmp(*a, name) == 0) return true;
    return false;
}

const kc_plugin_t *kc_plugin_find(kc_plugin_kind_t kind, const char *name)
{
    for (size_t i = 0; name && i < nregistry; i++)
        if (registry[i]->kind == kind && names(registry[i], name)) return registry[i];
    return NULL;
}

const kc_plugin_t *kc_plugin_find_any(const char *name)
{
    const kc_plugin_t *p = kc_plugin_find(KC_PLUGIN_SOURCE, name);
    if (!p) p = kc_plugin_find(KC_PLUGIN_SINK, name);
    if (!p) p = kc_plugin_find(KC_PLUGIN_CONVERTER, name);
    if (!p) p = kc_plugin_find(KC_PLUGIN_TRANSFORM, name);
    return p;
}

const kc_plugin_t *kc_plugin_at(size_t i)
{
    return i < nregistry ? registry[i] : NULL;
}

const char *kc_plugin_kind_name(kc_plugin_kind_t kind)
{
    static const char *const n[] = {"source", "sink", "converter", "transformation"};
    return (unsigned)kind < 4 ? n[kind] : "unknown";
}

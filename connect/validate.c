/* validate.c: PUT /connector-plugins/{class}/config/validate and the validation of create /
 * update: the connector-level keys (ConnectorConfig, SinkConnectorConfig), the plugin's own
 * definition and its validate(), answered as Connect's ConfigInfos. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "herder_ops.h"

static const char *const cfg_type_names[] = {"BOOLEAN", "STRING", "INT",   "SHORT",   "LONG",
                                             "DOUBLE",  "LIST",   "CLASS", "PASSWORD"};
static const char *const imp_names[] = {"HIGH", "MEDIUM", "LOW"};

/* One {"definition","value"} entry. order: 1-based for the common keys, -1 for the plugin's. */
static json_t *config_info(const kc_cfg_def_t *d, int order, const json_t *props, json_t *errors)
{
    const char *v = json_string_value(json_object_get(props, d->name));
    if (!v) v = d->default_value;
    json_t *def = json_pack(
        "{ss ss sb so ss ss so ss ss s[] si}", "name", d->name, "type", cfg_type_names[d->type],
        "required", d->required, "default_value",
        d->default_value ? json_string(d->default_value) : json_null(), "importance",
        imp_names[d->importance], "documentation", d->doc ? d->doc : "", "group",
        d->group ? json_string(d->group) : json_null(), "width", order > 0 ? "MEDIUM" : "NONE",
        "display_name", d->display_name ? d->display_name : d->name, "dependents", "order", order);
    json_t *val =
        json_pack("{ss so s[] so sb}", "name", d->name, "value",
                  !v                           ? json_null()
                  : d->type == KC_CFG_PASSWORD ? json_string("[hidden]")
                                               : json_string(v),
                  "recommended_values", "errors", errors ? errors : json_array(), "visible", true);
    return json_pack("{soso}", "definition", def, "value", val);
}

/* Sink keys: exactly one of topics / topics.regex; the DLQ topic not consumed. */
static void sink_checks(const json_t *props, json_t *errs)
{
    const char *topics = json_string_value(json_object_get(props, "topics"));
    const char *regex = json_string_value(json_object_get(props, "topics.regex"));
    bool has_t = topics && *topics, has_r = regex && *regex;
    const char *msg = has_t && has_r ? "topics and topics.regex are mutually exclusive options, "
                                       "but both are set."
                      : !has_t && !has_r ? "Must configure one of topics or topics.regex"
                                         : NULL;
    if (msg) {
        json_array_append_new(json_object_get(errs, "topics"), json_string(msg));
        json_array_append_new(json_object_get(errs, "topics.regex"), json_string(msg));
    }
    const char *dlq =
        json_string_value(json_object_get(props, "errors.deadletterqueue.topic.name"));
    if (dlq && *dlq && has_t) {
        json_t *l = kc_cfg_list(kc_sink_defs, kc_nsink_defs, props, "topics");
        size_t i;
        json_t *t;
        json_array_foreach(l, i, t) if (strcmp(json_string_value(t), dlq) == 0)
        {
            char m[1024];
            snprintf(m, sizeof m,
                     "The DLQ topic '%s' may not be included in the list of "
                     "topics ('topics=%s') to be consumed.",
                     dlq, topics);
            json_array_append_new(json_object_get(errs, "errors.deadletterqueue.topic.name"),
                                  json_string(m));
        }
        json_decref(l);
    }
}

/* Converters and transforms named by the config must exist. */
static void class_checks(const json_t *props, json_t *errs)
{
    static const char *const convs[] = {"key.converter", "value.converter"};
    for (int i = 0; i < 2; i++) {
        const char *c = json_string_value(json_object_get(props, convs[i]));
        if (c && !kc_plugin_find(KC_PLUGIN_CONVERTER, c)) {
            char m[1024];
            snprintf(m, sizeof m,
                     "Invalid value %s for configuration %s: Class %s could not be "
                     "found.",
                     c, convs[i], c);
            json_array_append_new(json_object_get(errs, convs[i]), json_string(m));
        }
    }
    json_t *aliases = kc_cfg_list(kc_common_defs, kc_ncommon_defs, props, "transforms");
    size_t i;
    json_t *a;
    json_array_foreach(aliases, i, a)
    {
        char key[300];
        snprintf(key, sizeof key, "transforms.%s.type", json_string_value(a));
        const char *t = json_string_value(json_object_get(props, key));
        if (!t || !kc_plugin_find(KC_PLUGIN_TRANSFORM, t)) {
            char m[1024];
            snprintf(m, sizeof m,
                     "Invalid value %s for configuration %s: Class %s could not be "
                     "found.",
                     t ? t : "null", key, t ? t : "null");
            json_array_append_new(json_object_get(errs, "transforms"), json_string(m));
        }
    }
    json_decref(aliases);
}

static int count_errors(const json_t *errs)
{
    int n = 0;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)errs, k, v) n += (int)json_array_size(v);
    return n;
}

int kc_op_validate(kc_herder_t *h, const char *cls, const json_t *config, json_t **body)
{
    (void)h;
    const kc_plugin_t *p = kc_plugin_find(KC_PLUGIN_SOURCE, cls);
    if (!p) p = kc_plugin_find(KC_PLUGIN_SINK, cls);
    if (!p) {
        *body = kc_rest_error(500,
                              "Failed to find any class that implements Connector and "
                              "which name matches %s",
                              cls);
        return 500;
    }
    if (!json_is_object(config)) {
        *body = kc_rest_error(400, "Connector config must be a JSON object");
        return 400;
    }
    const char *inc = json_string_value(json_object_get(config, "connector.class"));
    if (inc && kc_plugin_find(p->kind, inc) != p) {
        *body = kc_rest_error(400, "Included connector type %s does not match request type %s", inc,
                              cls);
        return 400;
    }
    json_t *props = json_deep_copy(config);
    if (!inc) json_object_set_new(props, "connector.class", json_string(cls));
    bool sink = p->kind == KC_PLUGIN_SINK;
    json_t *cerr, *serr = NULL, *perr;
    kc_cfg_validate(kc_common_defs, kc_ncommon_defs, props, &cerr);
    if (sink) {
        kc_cfg_validate(kc_sink_defs, kc_nsink_defs, props, &serr);
        json_object_update(cerr, serr);
        sink_checks(props, cerr);
    }
    class_checks(props, cerr);
    kc_cfg_validate(p->defs, p->ndefs, props, &perr);
    if (p->validate) p->validate(props, perr);
    int nerr = count_errors(cerr) + count_errors(perr);
    json_t *configs = json_array();
    int order = 1;
    for (size_t i = 0; i < kc_ncommon_defs; i++, order++)
        json_array_append_new(
            configs, config_info(&kc_common_defs[i], order, props,
                                 json_incref(json_object_get(cerr, kc_common_defs[i].name))));
    for (size_t i = 0; sink && i < kc_nsink_defs; i++, order++)
        json_array_append_new(
            configs, config_info(&kc_sink_defs[i], order, props,
                                 json_incref(json_object_get(cerr, kc_sink_defs[i].name))));
    for (size_t i = 0; i < p->ndefs; i++)
        json_array_append_new(configs,
                              config_info(&p->defs[i], -1, props,
                                          json_incref(json_object_get(perr, p->defs[i].name))));
    *body = json_pack("{ss si s[ssss] so}", "name", p->class_name, "error_count", nerr, "groups",
                      "Common", "Transforms", "Predicates", "Error Handling", "configs", configs);
    json_decref(cerr);
    json_decref(serr);
    json_decref(perr);
    json_decref(props);
    return 200;
}

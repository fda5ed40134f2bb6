/* validate.c: PUT /connector-plugins/{class}/config/validate and the validation of create /
 * update: the connector-level keys (ConnectorConfig, SinkConnectorConfig), the plugin's own
 * definition and its validate(), answered as Connect's ConfigInfos. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* KIP-618's preflight checks (DistributedHerder.validateSourceConnectorConfig), with Kafka's
 * messages: exactly.once.support=required needs an enabled worker and a connector that says it
 * can; transaction.boundary=connector needs a connector that defines boundaries, which none can
 * here (connector.h has no TransactionContext). This worker has no per-connector offsets topic:
 * a set offsets.storage.topic is an error, not ignored. Distributed mode only, as Kafka's
 * (standalone has no exactly-once source and ignores offsets.storage.topic). */
static void source_checks(const kc_herder_t *h, const kc_plugin_t *p, const json_t *props,
                          json_t *errs)
{
    json_t *e = json_object_get(errs, "exactly.once.support");
    const char *eos = kc_cfg_str(kc_source_defs, kc_nsource_defs, props, "exactly.once.support");
    if (!json_array_size(e) && eos && strcasecmp(eos, "required") == 0) {
        if (!kc_wcfg_eos(h->wcfg))
            json_array_append_new(
                e, json_string("This worker does not have exactly-once source support enabled."));
        kc_support_t s = p->ops.source.exactly_once_support
                             ? p->ops.source.exactly_once_support(props)
                             : KC_SUPPORT_UNKNOWN;
        if (s == KC_SUPPORT_UNKNOWN)
            json_array_append_new(
                e, json_string("The connector does not implement the API required for preflight "
                               "validation of exactly-once source support. Please consult the "
                               "documentation for the connector to determine whether it supports "
                               "exactly-once semantics, and then consider reconfiguring the "
                               "connector to use the value \"requested\" for this property "
                               "(which will disable this preflight check and allow the connector "
                               "to be created)."));
        else if (s == KC_UNSUPPORTED)
            json_array_append_new(e, json_string("The connector does not support exactly-once "
                                                 "semantics with the provided configuration."));
    }
    e = json_object_get(errs, "transaction.boundary");
    const char *tb = kc_cfg_str(kc_source_defs, kc_nsource_defs, props, "transaction.boundary");
    if (!json_array_size(e) && tb && strcasecmp(tb, "connector") == 0) /* no TransactionContext */
        json_array_append_new(
            e, json_string("The connector does not support connector-defined transaction "
                           "boundaries with the given configuration. Please reconfigure it to use "
                           "a different transaction boundary definition."));
    const char *ot = json_string_value(json_object_get(props, "offsets.storage.topic"));
    if (ot && *ot)
        json_array_append_new(json_object_get(errs, "offsets.storage.topic"),
                              json_string("Connector-specific offsets topics are not supported by "
                                          "this worker; remove offsets.storage.topic to use the "
                                          "worker's offsets topic"));
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
    const kc_cfg_def_t *kdefs = sink ? kc_sink_defs : kc_source_defs;
    size_t nkdefs = sink ? kc_nsink_defs : kc_nsource_defs;
    json_t *cerr, *serr = NULL, *perr;
    kc_cfg_validate(kc_common_defs, kc_ncommon_defs, props, &cerr);
    kc_cfg_validate(kdefs, nkdefs, props, &serr);
    json_object_update(cerr, serr);
    if (sink)
        sink_checks(props, cerr);
    else if (h->distributed) /* Kafka's StandaloneHerder has no KIP-618 preflight checks */
        source_checks(h, p, props, cerr);
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
    for (size_t i = 0; i < nkdefs; i++, order++)
        json_array_append_new(configs,
                              config_info(&kdefs[i], order, props,
                                          json_incref(json_object_get(cerr, kdefs[i].name))));
    for (size_t i = 0; i < p->ndefs; i++)
        json_array_append_new(configs,
                              config_info(&p->defs[i], -1, props,
                                          json_incref(json_object_get(perr, p->defs[i].name))));
    json_t *groups = json_pack("[ssss]", "Common", "Transforms", "Predicates", "Error Handling");
    if (!sink) { /* SourceConnectorConfig's (its "Topic Creation" keys are not built) */
        json_array_append_new(groups, json_string("Exactly Once Support"));
        json_array_append_new(groups, json_string("offsets.topic"));
    }
    *body = json_pack("{ss si so so}", "name", p->class_name, "error_count", nerr, "groups", groups,
                      "configs", configs);
    json_decref(cerr);
    json_decref(serr);
    json_decref(perr);
    json_decref(props);
    return 200;
}

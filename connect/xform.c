/* xform.c: helpers shared by the transforms (xform.h). */
#include "xform.h"

#include "jdbc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

cd_schema_t *xf_schema(const cd_record_t *r, xf_which_t w)
{
    return w == XF_KEY ? r->key_schema : r->value_schema;
}

cd_value_t *xf_value(const cd_record_t *r, xf_which_t w)
{
    return w == XF_KEY ? r->key : r->value;
}

void xf_set(cd_record_t *r, xf_which_t w, cd_schema_t *s, cd_value_t *v)
{
    if (w == XF_KEY)
        cd_record_set_key(r, s, v);
    else
        cd_record_set_value(r, s, v);
}

cd_schema_t *xf_cache_get(xf_cache_t *c, const cd_schema_t *in)
{
    if (c->in && (c->in == in || cd_schema_equal(c->in, in))) return cd_schema_ref(c->out);
    return NULL;
}

void xf_cache_put(xf_cache_t *c, const cd_schema_t *in, cd_schema_t *out)
{
    xf_cache_clear(c);
    c->in = cd_schema_ref((cd_schema_t *)in);
    c->out = out;
}

void xf_cache_clear(xf_cache_t *c)
{
    cd_schema_unref(c->in);
    cd_schema_unref(c->out);
    c->in = c->out = NULL;
}

int xf_errf(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

int xf_check(const kc_cfg_def_t *defs, size_t ndefs, const json_t *props, char *err, size_t errlen)
{
    return jdbc_config_check(defs, ndefs, props, NULL, err, errlen); /* the same first-error rule */
}

cd_schema_t *xf_struct_basics(const cd_schema_t *s)
{
    cd_schema_t *o = cd_schema_new(CD_STRUCT);
    if (s->name) cd_schema_set_name(o, s->name);
    o->version = s->version;
    if (s->doc) cd_schema_set_doc(o, s->doc);
    if (s->parameters) {
        const char *k;
        json_t *v;
        json_object_foreach(s->parameters, k, v) cd_schema_set_param(o, k, json_string_value(v));
    }
    return o;
}

bool xf_list_has(const json_t *list, const char *name)
{
    size_t i;
    const json_t *e;
    json_array_foreach(list, i, e) if (strcmp(json_string_value(e), name) == 0) return true;
    return false;
}

cd_value_t *xf_take_field(cd_value_t *st, size_t i)
{
    cd_value_t *v = st->u.st.fields[i];
    st->u.st.fields[i] = NULL;
    return v;
}

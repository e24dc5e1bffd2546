/* Building an alert from a matched rule: the rendered output (plus append_output extra_output
 * and -p), the typed JSON output_fields (every %field of the output as written, the evt.time
 * prefix field as an integer, append_output extra_fields, static_fields). */
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "config.h"
#include "fields.h"
#include "fields_ids.h"
#include "format.h"
#include "ruleset.h"
#include "state.h"

#define MSG_CAP (64 * 1024)

struct extra_field {
    const char *name;
    struct fmt *f;
    int plain; /* a plain field name: typed value */
};

struct rule_extra {
    struct fmt *extra; /* what is appended to the output, or NULL */
    struct extra_field *fields;
    size_t nfields;
};

struct alert_builder {
    size_t nrules;
    struct rule_extra *rx;
    int iso;
    /* static_fields: arrays owned by the configuration (heap, kept when the struct moves) */
    char *const *static_names, *const *static_values;
    size_t nstatic;
    char msg[MSG_CAP];
    json_t *fields;
};

static int rule_matches(const struct append_output *ao, const struct rule *r)
{
    if (ao->source && (!r->source || strcmp(ao->source, r->source)))
        return 0;
    if (ao->rule && strcmp(ao->rule, r->name))
        return 0;
    for (size_t i = 0; i < ao->ntags; i++) {
        int found = 0;
        for (size_t j = 0; j < r->ntags && !found; j++)
            found = !strcmp(ao->tags[i], r->tags[j]);
        if (!found)
            return 0;
    }
    return 1;
}

static int append_text(char **buf, size_t *len, const char *s)
{
    size_t l = strlen(s);
    char *nb = realloc(*buf, *len + l + 2);
    if (!nb)
        return -1;
    *buf = nb;
    if (*len)
        nb[(*len)++] = ' ';
    memcpy(nb + *len, s, l + 1);
    *len += l;
    return 0;
}

struct alert_builder *alert_builder_new(const struct ruleset *rs, const struct engine_config *cfg,
                                        const char *append_format, char *err, size_t n)
{
    struct alert_builder *b = calloc(1, sizeof *b);
    if (!b)
        goto oom;
    b->static_names = cfg->static_names;
    b->static_values = cfg->static_values;
    b->nstatic = cfg->nstatic;
    b->iso = cfg->time_format_iso_8601;
    b->nrules = rs ? ruleset_nrules(rs) : 0;
    b->rx = calloc(b->nrules ? b->nrules : 1, sizeof *b->rx);
    if (!b->rx)
        goto oom;
    for (size_t i = 0; i < b->nrules; i++) {
        const struct rule *r = ruleset_rule(rs, i);
        struct rule_extra *x = &b->rx[i];
        char *text = NULL;
        size_t len = 0;
        size_t nf = 0;
        for (size_t k = 0; k < cfg->nappend; k++)
            if (rule_matches(&cfg->append[k], r))
                nf += cfg->append[k].nextra_fields;
        if (nf && !(x->fields = calloc(nf, sizeof *x->fields)))
            goto oom;
        for (size_t k = 0; k < cfg->nappend; k++) {
            const struct append_output *ao = &cfg->append[k];
            if (!rule_matches(ao, r))
                continue;
            if (ao->extra_output && ao->extra_output[0] &&
                append_text(&text, &len, ao->extra_output))
                goto oom;
            for (size_t j = 0; j < ao->nextra_fields; j++) {
                struct extra_field *ef = &x->fields[x->nfields];
                char tmp[512];
                ef->name = ao->extra_field_names[j];
                ef->plain = ao->extra_field_formats[j] == NULL;
                if (ef->plain)
                    snprintf(tmp, sizeof tmp, "%%%s", ef->name);
                else
                    snprintf(tmp, sizeof tmp, "%s", ao->extra_field_formats[j]);
                char ferr[256];
                ef->f = fmt_compile(tmp, ferr, sizeof ferr);
                if (!ef->f) {
                    snprintf(err, n, "append_output extra_fields '%s': %s", ef->name, ferr);
                    free(text);
                    alert_builder_free(b);
                    return NULL;
                }
                x->nfields++;
            }
        }
        if (append_format && append_format[0] && append_text(&text, &len, append_format))
            goto oom;
        if (text) {
            char ferr[256];
            x->extra = fmt_compile(text, ferr, sizeof ferr);
            if (!x->extra) {
                snprintf(err, n, "append_output for rule '%s': %s", r->name, ferr);
                free(text);
                alert_builder_free(b);
                return NULL;
            }
            free(text);
        }
    }
    return b;
oom:
    snprintf(err, n, "out of memory");
    alert_builder_free(b);
    return NULL;
}

void alert_builder_free(struct alert_builder *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->nrules; i++) {
        fmt_free(b->rx[i].extra);
        for (size_t j = 0; j < b->rx[i].nfields; j++)
            fmt_free(b->rx[i].fields[j].f);
        free(b->rx[i].fields);
    }
    free(b->rx);
    json_decref(b->fields);
    free(b);
}

static json_t *json_str_n(const char *p, size_t len)
{
    char *s = alert_sanitize(p, len, 0);
    json_t *j = s ? json_string(s) : NULL;
    free(s);
    return j ? j : json_null();
}

/* Typed JSON value as libsinsp's tojson: numbers, booleans, strings (IPs as text, buffers in
 * the default printable form); the time fields (evt.time, evt.datetime...) are the event's
 * integer timestamp in ns. */
static json_t *value_json(const struct fld_ref *ref, const struct fld_value *v,
                          const struct eval_ctx *ctx)
{
    char buf[1024];
    if (ref && ref->info && ctx && ctx->ev) {
        switch (ref->info->id) {
        case FLD_EVT_TIME:
        case FLD_EVT_TIME_S:
        case FLD_EVT_TIME_ISO:
        case FLD_EVT_DATETIME:
        case FLD_EVT_DATETIME_S:
            return json_integer((json_int_t)ctx->ev->ts_ns);
        default:
            break;
        }
    }
    switch (v->type) {
    case FT_STRING:
        return json_str_n(v->v.s.p ? v->v.s.p : "", v->v.s.p ? v->v.s.len : 0);
    case FT_INT64:
    case FT_RELTIME:
        return json_integer((json_int_t)v->v.i);
    case FT_UINT64:
    case FT_PORT:
    case FT_ABSTIME:
        return json_integer((json_int_t)v->v.u);
    case FT_BOOL:
        return json_boolean(v->v.b);
    default: /* IP addresses, buffers */
        fld_value_to_text(v, buf, sizeof buf);
        return json_str_n(buf, strlen(buf));
    }
}

static void add_fmt_fields(json_t *obj, const struct fmt *f, struct eval_ctx *ctx)
{
    if (!f)
        return;
    size_t nf = fmt_nfields(f);
    for (size_t i = 0; i < nf; i++) {
        if (fmt_field_is_transformed(f, i))
            continue;
        struct fld_value v;
        json_t *j = fmt_field_value(f, i, ctx, &v) == 1 ? value_json(fmt_field_ref(f, i), &v, ctx)
                                                        : json_null();
        json_object_set_new(obj, fmt_field_name(f, i), j ? j : json_null());
    }
}

int alert_build(struct alert_builder *b, const struct rule *r, struct eval_ctx *ctx,
                struct alert *a)
{
    memset(a, 0, sizeof *a);
    struct rule_extra *x = r->index < b->nrules ? &b->rx[r->index] : NULL;
    size_t len;
    if (r->fmt) {
        int l = fmt_render(r->fmt, ctx, b->msg, sizeof b->msg);
        len = l < 0 ? 0 : ((size_t)l >= sizeof b->msg ? sizeof b->msg - 1 : (size_t)l);
    } else {
        len = (size_t)snprintf(b->msg, sizeof b->msg, "%s", r->output ? r->output : "");
        if (len >= sizeof b->msg)
            len = sizeof b->msg - 1;
    }
    b->msg[len] = '\0';
    if (x && x->extra && len + 2 < sizeof b->msg) {
        b->msg[len++] = ' ';
        fmt_render(x->extra, ctx, b->msg + len, sizeof b->msg - len);
    }
    json_decref(b->fields);
    b->fields = json_object();
    if (!b->fields)
        return -1;
    add_fmt_fields(b->fields, r->fmt, ctx);
    if (x)
        add_fmt_fields(b->fields, x->extra, ctx);
    uint64_t ts = ctx && ctx->ev ? ctx->ev->ts_ns : 0;
    json_object_set_new(b->fields, b->iso ? "evt.time.iso8601" : "evt.time",
                        json_integer((json_int_t)ts));
    for (size_t i = 0; x && i < x->nfields; i++) {
        struct extra_field *ef = &x->fields[i];
        json_t *j;
        if (ef->plain) {
            struct fld_value v;
            j = fmt_field_value(ef->f, 0, ctx, &v) == 1
                    ? value_json(fmt_field_ref(ef->f, 0), &v, ctx)
                    : json_null();
        } else {
            char tmp[4096];
            int l = fmt_render(ef->f, ctx, tmp, sizeof tmp);
            j = json_str_n(tmp, l < 0 ? 0 : ((size_t)l >= sizeof tmp ? sizeof tmp - 1 : (size_t)l));
        }
        json_object_set_new(b->fields, ef->name, j ? j : json_null());
    }
    for (size_t i = 0; i < b->nstatic; i++)
        json_object_set_new(b->fields, b->static_names[i],
                            json_str_n(b->static_values[i], strlen(b->static_values[i])));
    a->ts_ns = ts;
    a->priority = r->priority;
    a->rule = r->name;
    a->source = r->source ? r->source : "syscall";
    a->tags = r->tags;
    a->ntags = r->ntags;
    a->message = b->msg;
    a->output_fields = b->fields;
    return 0;
}

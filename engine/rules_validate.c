/* -V/--validate report and -L/-l rule descriptions, in Falco's text and JSON shapes. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "rules_int.h"

static json_t *diag_json(const struct rules_diag *g)
{
    json_t *o = json_object(), *ctx = json_object(), *locs = json_array();
    if (!o || !ctx || !locs) {
        json_decref(o);
        json_decref(ctx);
        json_decref(locs);
        return NULL;
    }
    for (size_t i = 0; i < g->nlocs; i++) {
        const struct rules_diag_loc *l = &g->locs[i];
        json_t *jl = json_pack("{s:s,s:s,s:{s:s,s:i,s:i,s:I}}", "item_type", l->item_type,
                               "item_name", l->item_name, "position", "name", l->name, "line",
                               l->line, "column", l->column, "offset", (json_int_t)l->offset);
        if (jl)
            json_array_append_new(locs, jl);
    }
    json_object_set_new(ctx, "locations", locs);
    json_object_set_new(ctx, "snippet", json_string(g->snippet ? g->snippet : ""));
    json_object_set_new(o, "context", ctx);
    json_object_set_new(o, "code", json_string(rules_diag_code_str(g->code)));
    json_object_set_new(o, "codedesc", json_string(rules_diag_code_desc(g->code)));
    json_object_set_new(o, "message", json_string(g->message));
    if (g->deprecated_field)
        json_object_set_new(o, "deprecated_field", json_string(g->deprecated_field));
    return o;
}

static json_t *file_json(const struct rules_diags *d, size_t fi)
{
    const struct rules_file_result *f = &d->files[fi];
    json_t *o = json_object(), *errs = json_array(), *warns = json_array();
    if (!o || !errs || !warns) {
        json_decref(o);
        json_decref(errs);
        json_decref(warns);
        return NULL;
    }
    for (size_t i = f->first; i < f->first + f->n; i++) {
        json_t *j = diag_json(&d->v[i]);
        if (j)
            json_array_append_new(RULES_DIAG_IS_ERROR(d->v[i].code) ? errs : warns, j);
    }
    json_object_set_new(o, "name", json_string(f->name));
    json_object_set_new(o, "successful", json_boolean(f->ok));
    json_object_set_new(o, "errors", errs);
    json_object_set_new(o, "warnings", warns);
    return o;
}

int rules_validate_main(const char *const *paths, size_t n, int json, FILE *out, FILE *warn_out)
{
    struct rules_diags d;
    rules_diags_init(&d);
    struct ruleset_opts o;
    memset(&o, 0, sizeof(o));
    o.keep_going = 1;
    o.no_details = 1; /* -V reports diagnostics only */
    struct ruleset *rs = ruleset_load(paths, n, &o, &d);
    int ok = rs != NULL && d.nerrors == 0;
    for (size_t i = 0; i < d.nfiles; i++)
        ok &= d.files[i].ok;
    if (json) {
        json_t *arr = json_array(), *root = json_object();
        for (size_t i = 0; arr && i < d.nfiles; i++) {
            json_t *j = file_json(&d, i);
            if (j)
                json_array_append_new(arr, j);
        }
        if (root && arr) {
            json_object_set_new(root, "falco_load_results", arr);
            char *s = json_dumps(root, JSON_SORT_KEYS | JSON_COMPACT);
            if (s) {
                fprintf(out, "%s\n", s);
                free(s);
            }
            json_decref(root);
        } else {
            json_decref(arr);
            json_decref(root);
        }
    } else {
        for (size_t i = 0; i < d.nfiles; i++) {
            const struct rules_file_result *f = &d.files[i];
            int has_warn = 0;
            for (size_t k = f->first; k < f->first + f->n; k++)
                has_warn |= !RULES_DIAG_IS_ERROR(d.v[k].code);
            if (i)
                fputc('\n', out);
            if (f->ok && has_warn) {
                fprintf(out, "%s: Ok, with warnings", f->name);
                if (warn_out) {
                    rules_diags_print_file(&d, i, warn_out);
                    fputc('\n', warn_out);
                }
            } else {
                rules_diags_print_file(&d, i, out);
            }
        }
        fputc('\n', out);
    }
    ruleset_free(rs);
    rules_diags_free(&d);
    return ok ? 0 : 1;
}

/* Falco's wrap_text(desc, 51, 110) then "%-50s %s". */
static void print_two_columns(FILE *out, const char *l, const char *desc)
{
    fprintf(out, "%-50s ", l);
    const char *p = desc;
    unsigned len = 0;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\v' || *p == '\f')
            p++;
        if (!*p)
            break;
        const char *w = p;
        while (*p &&
               !(*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\v' || *p == '\f'))
            p++;
        unsigned wl = (unsigned)(p - w);
        if (len + wl + 1 <= 110 - 51) {
            len += wl + 1;
        } else {
            fprintf(out, "\n%-51s", " ");
            len = wl + 1;
        }
        fwrite(w, 1, wl, out);
        fputc(' ', out);
    }
    fputs("\n\n", out);
}

static json_t *strs_json(const struct rs_strs *v)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < v->n; i++)
        json_array_append_new(a, json_string(v->v[i]));
    return a ? a : json_array();
}

static void details_json(json_t *det, const struct rs_details *d)
{
    json_object_set_new(det, "macros", strs_json(&d->macros));
    json_object_set_new(det, "lists", strs_json(&d->lists));
    json_object_set_new(det, "condition_operators", strs_json(&d->ops));
    json_object_set_new(det, "condition_fields", strs_json(&d->fields));
    json_object_set_new(det, "events", strs_json(&d->events));
    json_object_set_new(det, "condition_compiled", json_string(d->compiled ? d->compiled : ""));
    json_object_set_new(det, "plugins", json_array());
}

static json_t *rule_json(const struct rs_rule *rr)
{
    const struct rule *r = &rr->pub;
    json_t *tags = json_array(), *ef = json_array(), *of = json_array();
    for (size_t i = 0; tags && i < r->ntags; i++)
        json_array_append_new(tags, json_string(r->tags[i]));
    for (size_t i = 0; ef && i < r->nexception_fields; i++) {
        int dup = 0;
        for (size_t j = 0; j < i; j++)
            dup |= strcmp(r->exception_fields[i], r->exception_fields[j]) == 0;
        if (!dup)
            json_array_append_new(ef, json_string(r->exception_fields[i]));
    }
    for (size_t i = 0; of && r->fmt && i < fmt_nfields(r->fmt); i++)
        json_array_append_new(of, json_string(fmt_field_name(r->fmt, i)));
    json_t *info = json_pack(
        "{s:s,s:s,s:s,s:s,s:s,s:b,s:s,s:b,s:I,s:o}", "name", r->name, "condition",
        rr->info_cond ? rr->info_cond : r->condition, "priority", priority_name(r->priority),
        "output", rr->info_output ? rr->info_output : r->output, "description", r->desc, "enabled",
        rr->info_enabled, "source", r->source, "capture", r->capture, "capture_duration",
        (json_int_t)r->capture_duration, "tags", tags ? tags : json_array());
    json_t *det = json_object();
    if (!info || !det) {
        json_decref(info);
        json_decref(det);
        json_decref(ef);
        json_decref(of);
        return NULL;
    }
    details_json(det, &rr->d);
    json_object_set_new(det, "output_fields", of ? of : json_array());
    json_object_set_new(det, "exception_fields", ef ? ef : json_array());
    json_object_set_new(det, "exception_names", strs_json(&rr->exc_names));
    json_object_set_new(det, "exception_operators", strs_json(&rr->exc_ops));
    json_object_set_new(det, "output_compiled", json_string(r->output));
    return json_pack("{s:o,s:o}", "info", info, "details", det);
}

static json_t *macro_json(const struct rs_macro *m)
{
    json_t *det = json_object();
    if (!det)
        return NULL;
    details_json(det, &m->d);
    json_object_set_new(det, "used", json_boolean(m->used));
    return json_pack("{s:{s:s,s:s},s:o}", "info", "name", m->name, "condition", m->cond, "details",
                     det);
}

static json_t *list_json(const struct rs_list *l)
{
    return json_pack("{s:{s:s,s:o},s:{s:b,s:o,s:o,s:o}}", "info", "name", l->name, "items",
                     strs_json(&l->items), "details", "used", l->used, "lists",
                     strs_json(&l->lists), "items_compiled", strs_json(&l->compiled), "plugins",
                     json_array());
}

static json_t *describe_all_json(const struct ruleset *rs)
{
    json_t *root = json_object(), *rules = json_array(), *macros = json_array(),
           *lists = json_array(), *reqs = json_array();
    if (!root || !rules || !macros || !lists || !reqs) {
        json_decref(root);
        json_decref(rules);
        json_decref(macros);
        json_decref(lists);
        json_decref(reqs);
        return NULL;
    }
    for (size_t i = 0; i < rs->nrules; i++) {
        json_t *j = rule_json(&rs->rules[i]);
        if (j)
            json_array_append_new(rules, j);
    }
    for (size_t i = 0; i < rs->nmacros; i++) {
        json_t *j = macro_json(&rs->macros[i]);
        if (j)
            json_array_append_new(macros, j);
    }
    for (size_t i = 0; i < rs->nlists; i++) {
        json_t *j = list_json(&rs->lists[i]);
        if (j)
            json_array_append_new(lists, j);
    }
    for (size_t i = 0; i < rs->npreqs; i++) {
        const struct rs_plugin_req *q = &rs->preqs[i];
        json_t *alts = json_array();
        for (size_t k = 0; alts && k < q->alt_names.n; k++)
            json_array_append_new(alts, json_pack("{s:s,s:s}", "name", q->alt_names.v[k], "version",
                                                  q->alt_versions.v[k]));
        json_t *j = json_pack("{s:s,s:s,s:o}", "name", q->name, "version", q->version,
                              "alternatives", alts ? alts : json_array());
        if (j)
            json_array_append_new(reqs, j);
    }
    json_object_set_new(root, "required_engine_version", json_string(rs->engine_version));
    json_object_set_new(root, "required_plugin_versions", reqs);
    json_object_set_new(root, "rules", rules);
    json_object_set_new(root, "macros", macros);
    json_object_set_new(root, "lists", lists);
    return root;
}

int rules_describe(const struct ruleset *rs, const char *rule_or_null, int json, FILE *out)
{
    size_t n = ruleset_nrules(rs);
    int found = 0;
    if (json) {
        json_t *root = NULL;
        if (!rule_or_null) {
            root = rs ? describe_all_json(rs) : json_object();
            found = 1;
        } else {
            json_t *arr = json_array();
            for (size_t i = 0; arr && i < n; i++) {
                if (strcmp(rs->rules[i].pub.name, rule_or_null) != 0)
                    continue;
                json_t *j = rule_json(&rs->rules[i]);
                if (j)
                    json_array_append_new(arr, j);
                found = 1;
            }
            root = arr ? json_pack("{s:o}", "rules", arr) : NULL;
        }
        char *s = root && found ? json_dumps(root, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
        if (s) {
            fprintf(out, "%s\n", s);
            free(s);
        }
        json_decref(root);
        if (!found)
            fprintf(stderr, "Error: Rule \"%s\" is not loaded\n", rule_or_null);
        return found ? 0 : 1;
    }
    for (size_t i = 0; i < n; i++) {
        const struct rule *r = ruleset_rule(rs, i);
        if (rule_or_null && strcmp(r->name, rule_or_null) != 0)
            continue;
        if (!found) {
            fprintf(out, "%-50s %s\n", "Rule", "Description");
            fprintf(out, "%-50s %s\n", "----", "-----------");
        }
        found = 1;
        print_two_columns(out, r->name, r->desc);
    }
    if (!found && !rule_or_null) {
        fprintf(out, "%-50s %s\n", "Rule", "Description");
        fprintf(out, "%-50s %s\n", "----", "-----------");
    }
    if (rule_or_null && !found)
        fprintf(stderr, "Error: Rule \"%s\" is not loaded\n", rule_or_null);
    return rule_or_null && !found ? 1 : 0;
}

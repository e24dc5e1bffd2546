/* Details of rules, macros and lists for `-L` JSON (Falco's describe_rule): macros and lists
 * named in the condition as written, operators, fields and event types of the expanded
 * condition. Computed once when the ruleset is built; every array is sorted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_load.h"

static const char *rs_ast_string(struct arena *a, const struct cnode *n);

struct sset {
    const char **v;
    size_t n, cap;
    int oom;
};

static void sset_add(struct sset *s, const char *x)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i], x) == 0)
            return;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        const char **v = realloc(s->v, cap * sizeof(*v));
        if (!v) {
            s->oom = 1;
            return;
        }
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = x;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted copy into the arena (strings copied too); frees the set. */
int rs_strs_from(struct arena *a, const char *const *v, size_t n, struct rs_strs *out)
{
    out->v = arena_alloc(a, (n + 1) * sizeof(*out->v));
    out->n = 0;
    if (!out->v)
        return -1;
    for (size_t i = 0; i < n; i++) {
        out->v[i] = arena_strdup(a, v[i]);
        if (!out->v[i])
            return -1;
    }
    out->n = n;
    if (n > 1)
        qsort((void *)out->v, n, sizeof(*out->v), cmp_str);
    return 0;
}

static int sset_finish(struct arena *a, struct sset *s, struct rs_strs *out)
{
    int rc = s->oom ? -1 : rs_strs_from(a, s->v, s->n, out);
    free(s->v);
    memset(s, 0, sizeof(*s));
    return rc;
}

/* Condition as written: macro identifiers and list names inside list values. */
static void walk_raw(struct loader *ld, const struct cnode *n, struct sset *macros,
                     struct sset *lists, int depth)
{
    if (!n || depth > 1200)
        return;
    switch (n->kind) {
    case CN_IDENT:
        if (ld_find_macro(ld, n->str))
            sset_add(macros, n->str);
        return;
    case CN_LIST:
        for (size_t i = 0; i < n->nvals; i++)
            if (ld_find_list(ld, n->vals[i]))
                sset_add(lists, n->vals[i]);
        return;
    default:
        for (size_t i = 0; i < n->nkids; i++)
            walk_raw(ld, n->kids[i], macros, lists, depth + 1);
        return;
    }
}

static void field_name(struct arena *a, const struct cnode *f, struct sset *fields)
{
    if (!f->arg || !*f->arg) {
        sset_add(fields, f->str);
        return;
    }
    size_t n = strlen(f->str) + strlen(f->arg) + 3;
    char *s = arena_alloc(a, n);
    if (!s)
        return;
    snprintf(s, n, "%s[%s]", f->str, f->arg);
    sset_add(fields, s);
}

static void fields_in(struct arena *a, const struct cnode *n, struct sset *fields)
{
    if (n->kind == CN_FIELD) {
        field_name(a, n, fields);
        return;
    }
    for (size_t i = 0; i < n->nkids; i++)
        fields_in(a, n->kids[i], fields);
}

/* Expanded condition: operators and fields (shared macro trees make it a DAG: budgeted). */
static void walk_compiled(struct arena *a, const struct cnode *n, struct sset *ops,
                          struct sset *fields, long *budget)
{
    if (!n || --*budget < 0)
        return;
    switch (n->kind) {
    case CN_AND:
    case CN_OR:
    case CN_NOT:
        for (size_t i = 0; i < n->nkids; i++)
            walk_compiled(a, n->kids[i], ops, fields, budget);
        return;
    case CN_UCHECK:
    case CN_BCHECK:
        sset_add(ops, n->str);
        for (size_t i = 0; i < n->nkids; i++)
            fields_in(a, n->kids[i], fields);
        return;
    default:
        return;
    }
}

static int rs_events_from(struct arena *a, const uint8_t *set, struct rs_strs *out)
{
    const char *v[TT_EV_COUNT + 1];
    size_t n = 0;
    v[n++] = "asyncevent";
    for (unsigned t = 1; t < TT_EV_COUNT; t++)
        if (set[t] && tt_event_name(t))
            v[n++] = tt_event_name(t);
    return rs_strs_from(a, v, n, out);
}

int rs_details_fill(struct arena *out, struct loader *ld, const char *raw_text,
                    const struct cnode *compiled, const uint8_t *evset, struct rs_details *d)
{
    struct sset macros = {0}, lists = {0}, ops = {0}, fields = {0};
    struct arena tmp;
    arena_init(&tmp);
    struct cparse_err err;
    struct cnode *raw = raw_text ? cond_parse(&tmp, raw_text, 1000, &err) : NULL;
    walk_raw(ld, raw, &macros, &lists, 0);
    long budget = 100000;
    walk_compiled(&tmp, compiled, &ops, &fields, &budget);
    int rc = 0;
    rc |= sset_finish(out, &macros, &d->macros);
    rc |= sset_finish(out, &lists, &d->lists);
    rc |= sset_finish(out, &ops, &d->ops);
    rc |= sset_finish(out, &fields, &d->fields);
    rc |= rs_events_from(out, evset, &d->events);
    d->compiled = compiled ? rs_ast_string(out, compiled) : "";
    if (!d->compiled)
        rc = -1;
    arena_free(&tmp);
    return rc ? -1 : 0;
}

/* libsinsp's escape_str: quote when the value has a blank, '=', a quote, a backslash or a
 * control character among \b \f \n \r \t. */
static void escape_str(struct sbuf *b, const char *v)
{
    if (!strpbrk(v, "\b\f\n\r\t =\\\"'")) {
        sb_puts(b, v);
        return;
    }
    /* each escaped character and the letter after its backslash */
    static const char plain[] = "\b\f\n\r\t\\\"", letter[] = "bfnrt\\\"";
    sb_putc(b, '"');
    for (const char *p = v; *p; p++) {
        const char *e = strchr(plain, *p);
        if (e) {
            sb_putc(b, '\\');
            sb_putc(b, letter[e - plain]);
        } else {
            sb_putc(b, *p);
        }
    }
    sb_putc(b, '"');
}

static void arg_str(struct sbuf *b, const char *arg)
{
    if (!arg)
        return;
    if (!*arg) {
        sb_puts(b, "[\"\"]");
        return;
    }
    sb_putc(b, '[');
    escape_str(b, arg);
    sb_putc(b, ']');
}

static void ast_str(struct sbuf *b, const struct cnode *n, size_t max);

/* "(kid,kid,...)": a transformer's arguments, a transformer list. */
static void kids_str(struct sbuf *b, const struct cnode *n, size_t max)
{
    sb_putc(b, '(');
    for (size_t i = 0; i < n->nkids; i++) {
        if (i)
            sb_putc(b, ',');
        ast_str(b, n->kids[i], max);
    }
    sb_putc(b, ')');
}

/* libsinsp's ast::as_string, bounded to max bytes. */
static void ast_str(struct sbuf *b, const struct cnode *n, size_t max)
{
    if (b->len > max || b->oom)
        return;
    switch (n->kind) {
    case CN_AND:
    case CN_OR:
        sb_putc(b, '(');
        for (size_t i = 0; i < n->nkids; i++) {
            if (i)
                sb_puts(b, n->kind == CN_AND ? " and " : " or ");
            ast_str(b, n->kids[i], max);
        }
        sb_putc(b, ')');
        return;
    case CN_NOT:
        sb_puts(b, "not ");
        ast_str(b, n->kids[0], max);
        return;
    case CN_IDENT:
        sb_puts(b, n->str);
        return;
    case CN_VALUE:
        escape_str(b, n->str);
        return;
    case CN_LIST:
        sb_putc(b, '(');
        for (size_t i = 0; i < n->nvals; i++) {
            if (i)
                sb_puts(b, ", ");
            escape_str(b, n->vals[i]);
        }
        sb_putc(b, ')');
        return;
    case CN_TLIST:
        kids_str(b, n, max);
        return;
    case CN_UCHECK:
        ast_str(b, n->kids[0], max);
        sb_putc(b, ' ');
        sb_puts(b, n->str);
        return;
    case CN_BCHECK:
        ast_str(b, n->kids[0], max);
        sb_putc(b, ' ');
        sb_puts(b, n->str);
        sb_putc(b, ' ');
        ast_str(b, n->kids[1], max);
        return;
    case CN_FIELD:
        sb_puts(b, n->str);
        arg_str(b, n->arg);
        return;
    case CN_TRANSFORMER:
        sb_puts(b, n->str);
        kids_str(b, n, max);
        arg_str(b, n->arg);
        return;
    }
}

/* libsinsp's ast::as_string of an expanded condition (for -L condition_compiled). */
static const char *rs_ast_string(struct arena *a, const struct cnode *n)
{
    struct sbuf b;
    sb_init(&b);
    ast_str(&b, n, 1u << 20);
    const char *r = b.oom ? NULL : arena_strdup(a, sb_str(&b));
    sb_free(&b);
    return r;
}

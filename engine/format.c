/* Output format strings: compile "%field" tokens once, render them per alert into a caller
 * buffer (see format.h). */
#include "format.h"

#include "cond_expr.h"
#include "state.h"
#include "tt_strbuf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FMT_VALUE_MAX 8192

struct fmt_tok {
    size_t lit_off, lit_len; /* literal text before the field (in f->text) */
    int has_field;
    int width;            /* 0: natural */
    struct fld_ref ref;   /* the field (a transformer call's innermost one) */
    struct cond_expr *tr; /* a transformer call, compiled by the condition compiler; or NULL */
    char *name;           /* token as written */
    int field_index;      /* index in the unique field list */
};

struct fmt {
    char *text;
    struct fmt_tok *toks;
    size_t ntoks;
    size_t *uniq; /* token index of each unique field name */
    size_t nuniq;
};

static int is_name_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '.';
}

/* Parse a field at s: longest resolvable prefix of name chars, plus optional [arg].
 * Returns chars consumed, 0 if none resolves. */
static size_t parse_field(const char *s, struct fld_ref *ref, char *err, size_t n)
{
    size_t len = 0;
    while (is_name_char(s[len]))
        len++;
    char name[160];
    for (size_t l = len; l > 0; l--) {
        if (s[l - 1] == '.' || l >= sizeof name)
            continue;
        memcpy(name, s, l);
        name[l] = '\0';
        size_t used = l;
        char arg[96];
        const char *argp = NULL;
        if (s[l] == '[') {
            const char *e = strchr(s + l + 1, ']');
            if (e && (size_t)(e - s - l - 1) < sizeof arg) {
                size_t al = (size_t)(e - s - l - 1);
                memcpy(arg, s + l + 1, al);
                arg[al] = '\0';
                if (al >= 2 && (arg[0] == '"' || arg[0] == '\'') && arg[al - 1] == arg[0]) {
                    memmove(arg, arg + 1, al - 2);
                    arg[al - 2] = '\0';
                }
                argp = arg;
                used = (size_t)(e - s) + 1;
            }
        }
        char e2[200];
        if (fld_resolve(name, argp, ref, e2, sizeof e2) == 0)
            return used;
        if (argp && fld_resolve(name, NULL, ref, e2, sizeof e2) == 0)
            return l;
    }
    snprintf(err, n, "invalid formatting token %%%.*s", (int)(len ? len : 1), s);
    return 0;
}

/* Field or transformer call at s. Returns consumed chars or 0 on error. */
static size_t parse_expr(const char *s, struct fmt_tok *t, char *err, size_t n)
{
    if (!cond_expr_is_call(s))
        return parse_field(s, &t->ref, err, n);
    size_t used = 0;
    t->tr = cond_expr_compile(s, &used, err, n);
    if (!t->tr)
        return 0;
    t->ref = *cond_expr_field(t->tr);
    return used;
}

static void free_toks(struct fmt *f)
{
    for (size_t i = 0; i < f->ntoks; i++) {
        free(f->toks[i].name);
        cond_expr_free(f->toks[i].tr);
    }
    free(f->toks);
    free(f->uniq);
}

void fmt_free(struct fmt *f)
{
    if (!f)
        return;
    free_toks(f);
    free(f->text);
    free(f);
}

struct fmt *fmt_compile(const char *s, char *err, size_t n)
{
    if (!s) {
        snprintf(err, n, "no format");
        return NULL;
    }
    struct fmt *f = calloc(1, sizeof *f);
    size_t slen = strlen(s);
    if (!f || !(f->text = malloc(slen + 1)) || !(f->toks = calloc(slen / 2 + 2, sizeof *f->toks)) ||
        !(f->uniq = calloc(slen / 2 + 2, sizeof *f->uniq))) {
        snprintf(err, n, "out of memory");
        fmt_free(f);
        return NULL;
    }
    size_t tl = 0, lit_start = 0;
    const char *p = s;
    while (*p) {
        if (*p != '%') {
            f->text[tl++] = *p++;
            continue;
        }
        if (p[1] == '%') {
            f->text[tl++] = '%';
            p += 2;
            continue;
        }
        if (!p[1]) {
            snprintf(err, n, "invalid formatting token: lone %% at end of format");
            fmt_free(f);
            return NULL;
        }
        struct fmt_tok *t = &f->toks[f->ntoks];
        const char *q = p + 1;
        /* (capped while read: a width of many digits must not overflow) */
        for (; isdigit((unsigned char)*q); q++)
            if (t->width <= FMT_VALUE_MAX)
                t->width = t->width * 10 + (*q - '0');
        if (t->width > FMT_VALUE_MAX)
            t->width = FMT_VALUE_MAX;
        size_t used = parse_expr(q, t, err, n);
        if (!used) {
            fmt_free(f);
            return NULL;
        }
        t->has_field = 1;
        t->lit_off = lit_start;
        t->lit_len = tl - lit_start;
        t->name = strndup(q, used);
        if (!t->name) {
            snprintf(err, n, "out of memory");
            cond_expr_free(t->tr); /* not counted in ntoks yet */
            fmt_free(f);
            return NULL;
        }
        t->field_index = -1;
        for (size_t u = 0; u < f->nuniq; u++)
            if (strcmp(f->toks[f->uniq[u]].name, t->name) == 0)
                t->field_index = (int)u;
        if (t->field_index < 0) {
            t->field_index = (int)f->nuniq;
            f->uniq[f->nuniq++] = f->ntoks;
        }
        f->ntoks++;
        lit_start = tl;
        p = q + used;
    }
    /* trailing literal as a field-less token */
    struct fmt_tok *t = &f->toks[f->ntoks++];
    t->lit_off = lit_start;
    t->lit_len = tl - lit_start;
    f->text[tl] = '\0';
    return f;
}

/* Typed value of token t: 1, or 0 when missing. A transformer's text result stays valid until
 * this thread evaluates the next token. */
static int tok_value(const struct fmt_tok *t, struct eval_ctx *ctx, struct fld_value *v)
{
    static __thread char space[COND_EXPR_SPACE];
    if (t->tr)
        return cond_expr_value(t->tr, ctx, v, space, sizeof space);
    return fld_extract(&t->ref, ctx, FX_OUTPUT, v, 1) > 0;
}

/* Text of token t into buf (cap >= 64); returns length or -1 when missing. */
static int tok_text(const struct fmt_tok *t, struct eval_ctx *ctx, char *buf, size_t cap)
{
    struct fld_value v;
    if (!tok_value(t, ctx, &v))
        return -1;
    int n = fld_value_to_text(&v, buf, cap);
    if (n < 0)
        return -1;
    return (size_t)n < cap ? n : (int)cap - 1;
}

int fmt_render(const struct fmt *f, struct eval_ctx *ctx, char *buf, size_t cap)
{
    if (!f || !ctx)
        return -1;
    static __thread char val[FMT_VALUE_MAX + 1];
    size_t n = 0;
    if (cap)
        buf[0] = '\0';
    for (size_t i = 0; i < f->ntoks; i++) {
        const struct fmt_tok *t = &f->toks[i];
        n = tt_buf_put(buf, cap, n, f->text + t->lit_off, t->lit_len);
        if (!t->has_field)
            continue;
        int l = tok_text(t, ctx, val, sizeof val);
        const char *s = val;
        size_t len;
        if (l < 0) {
            s = "<NA>";
            len = 4;
        } else {
            len = (size_t)l;
        }
        if (t->width > 0) {
            size_t w = (size_t)t->width;
            if (len >= w) {
                n = tt_buf_put(buf, cap, n, s, w);
            } else {
                n = tt_buf_put(buf, cap, n, s, len);
                for (size_t k = len; k < w; k++)
                    n = tt_buf_put(buf, cap, n, " ", 1);
            }
        } else {
            n = tt_buf_put(buf, cap, n, s, len);
        }
    }
    return (int)n;
}

size_t fmt_nfields(const struct fmt *f)
{
    return f ? f->nuniq : 0;
}

const char *fmt_field_name(const struct fmt *f, size_t i)
{
    return f && i < f->nuniq ? f->toks[f->uniq[i]].name : NULL;
}

const struct fld_ref *fmt_field_ref(const struct fmt *f, size_t i)
{
    return f && i < f->nuniq ? &f->toks[f->uniq[i]].ref : NULL;
}

int fmt_field_is_transformed(const struct fmt *f, size_t i)
{
    return f && i < f->nuniq ? f->toks[f->uniq[i]].tr != NULL : 0;
}

int fmt_field_value(const struct fmt *f, size_t i, struct eval_ctx *ctx, struct fld_value *out)
{
    if (!f || i >= f->nuniq || !ctx)
        return 0;
    return tok_value(&f->toks[f->uniq[i]], ctx, out);
}

int fmt_field_text(const struct fmt *f, size_t i, struct eval_ctx *ctx, char *buf, size_t cap)
{
    if (!f || i >= f->nuniq || !ctx || cap < 8)
        return -1;
    int l = tok_text(&f->toks[f->uniq[i]], ctx, buf, cap);
    if (l < 0)
        return snprintf(buf, cap, "<NA>");
    return l;
}

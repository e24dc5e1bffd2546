/* Output format strings: compile "%field" tokens once, render them per alert into a caller
 * buffer (see format.h). */
#include "format.h"

#include "state.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FMT_MAX_XFORMS 4
#define FMT_VALUE_MAX 8192

struct fmt_tok {
    size_t lit_off, lit_len; /* literal text before the field (in f->text) */
    int has_field;
    int width; /* 0: natural */
    struct fld_ref ref;
    int nx;
    enum fmt_xform xf[FMT_MAX_XFORMS]; /* innermost first */
    char *name;                        /* token as written */
    int field_index;                   /* index in the unique field list */
};

struct fmt {
    char *text;
    struct fmt_tok *toks;
    size_t ntoks;
    size_t *uniq; /* token index of each unique field name */
    size_t nuniq;
};

static const struct {
    const char *name;
    enum fmt_xform x;
} xforms[] = {
    {"tolower", FMT_X_TOLOWER},   {"toupper", FMT_X_TOUPPER}, {"b64", FMT_X_B64},
    {"basename", FMT_X_BASENAME}, {"len", FMT_X_LEN},
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

/* Field or transformer expression at s. Returns consumed chars or 0 on error. */
static size_t parse_expr(const char *s, struct fmt_tok *t, char *err, size_t n)
{
    for (size_t i = 0; i < sizeof xforms / sizeof xforms[0]; i++) {
        size_t l = strlen(xforms[i].name);
        if (strncmp(s, xforms[i].name, l) == 0 && s[l] == '(') {
            size_t used = parse_expr(s + l + 1, t, err, n);
            if (!used)
                return 0;
            if (s[l + 1 + used] != ')') {
                snprintf(err, n, "missing ')' after transformer %s", xforms[i].name);
                return 0;
            }
            if (t->ref.info && (t->ref.info->flags & FF_NO_TRANSFORMER)) {
                snprintf(err, n, "field '%s' does not support transformers", t->ref.info->name);
                return 0;
            }
            if (t->nx >= FMT_MAX_XFORMS) {
                snprintf(err, n, "too many nested transformers");
                return 0;
            }
            t->xf[t->nx++] = xforms[i].x;
            return l + 1 + used + 1;
        }
    }
    return parse_field(s, &t->ref, err, n);
}

static void free_toks(struct fmt *f)
{
    for (size_t i = 0; i < f->ntoks; i++)
        free(f->toks[i].name);
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
        while (isdigit((unsigned char)*q))
            t->width = t->width * 10 + (*q++ - '0');
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

static size_t b64_decode(const char *in, size_t n, char *out)
{
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        char c = in[i];
        int v = c >= 'A' && c <= 'Z'   ? c - 'A'
                : c >= 'a' && c <= 'z' ? c - 'a' + 26
                : c >= '0' && c <= '9' ? c - '0' + 52
                : c == '+'             ? 62
                : c == '/'             ? 63
                                       : -1;
        if (v < 0)
            continue;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (char)((acc >> bits) & 0xff);
        }
    }
    return o;
}

/* Text of token t into buf (cap >= 64); returns length or -1 when missing. */
static int tok_text(const struct fmt_tok *t, struct eval_ctx *ctx, char *buf, size_t cap)
{
    struct fld_value v[1];
    if (fld_extract(&t->ref, ctx, FX_OUTPUT, v, 1) < 1)
        return -1;
    int n = fld_value_to_text(v, buf, cap);
    if (n < 0)
        return -1;
    size_t len = (size_t)n < cap ? (size_t)n : cap - 1;
    for (int i = 0; i < t->nx; i++) {
        switch (t->xf[i]) {
        case FMT_X_TOLOWER:
            for (size_t k = 0; k < len; k++)
                buf[k] = (char)tolower((unsigned char)buf[k]);
            break;
        case FMT_X_TOUPPER:
            for (size_t k = 0; k < len; k++)
                buf[k] = (char)toupper((unsigned char)buf[k]);
            break;
        case FMT_X_BASENAME: {
            char *sl = memrchr(buf, '/', len);
            if (sl) {
                size_t rest = len - (size_t)(sl + 1 - buf);
                memmove(buf, sl + 1, rest);
                len = rest;
            }
            break;
        }
        case FMT_X_B64:
            len = b64_decode(buf, len, buf);
            break;
        case FMT_X_LEN:
            len = (size_t)snprintf(buf, cap, "%zu", len);
            break;
        default:
            break;
        }
        buf[len] = '\0';
    }
    return (int)len;
}

static size_t put(char *buf, size_t cap, size_t n, const char *s, size_t len)
{
    if (n < cap) {
        size_t c = cap - 1 - n < len ? cap - 1 - n : len;
        memcpy(buf + n, s, c);
        buf[n + c] = '\0';
    }
    return n + len;
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
        n = put(buf, cap, n, f->text + t->lit_off, t->lit_len);
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
                n = put(buf, cap, n, s, w);
            } else {
                n = put(buf, cap, n, s, len);
                for (size_t k = len; k < w; k++)
                    n = put(buf, cap, n, " ", 1);
            }
        } else {
            n = put(buf, cap, n, s, len);
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
    return f && i < f->nuniq ? f->toks[f->uniq[i]].nx > 0 : 0;
}

int fmt_field_value(const struct fmt *f, size_t i, struct eval_ctx *ctx, struct fld_value *out)
{
    if (!f || i >= f->nuniq || !ctx)
        return 0;
    const struct fmt_tok *t = &f->toks[f->uniq[i]];
    if (t->nx == 0)
        return fld_extract(&t->ref, ctx, FX_OUTPUT, out, 1) > 0;
    char *buf = ctx_scratch(ctx, 1024);
    if (!buf)
        return 0;
    int l = tok_text(t, ctx, buf, 1024);
    if (l < 0)
        return 0;
    out->type = FT_STRING;
    out->v.s.p = buf;
    out->v.s.len = (size_t)l;
    return 1;
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

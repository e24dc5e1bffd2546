/* Field transformers (cond_transformers.def): their names, the types they take and give, and
 * what they do to a value. The one implementation behind conditions (cond_compile.c checks the
 * types, cond_vm.c applies them) and output formats (format.c, through cond_expr.h), so that
 * `b64(x)` in a condition and `%b64(x)` in an output cannot differ. Semantics are libsinsp's
 * (sinsp_filter_transformer_*): tolower/toupper per byte in the C locale, basename after the
 * last '/', len in bytes, b64 with lib/tt_base64's rules and the value dropped when it is not
 * base64. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "rules_int.h"
#include "tt_base64.h"

static const struct {
    const char *name;
    int evaluated;
} trs[TR_COUNT] = {
#define COND_TR(id, name, evaluated) [TR_##id] = {name, evaluated},
#include "cond_transformers.def"
#undef COND_TR
};

const char *cond_tr_name(int tr)
{
    return tr >= 0 && tr < TR_COUNT ? trs[tr].name : NULL;
}

int cond_tr_lookup(const char *name)
{
    for (int i = 0; i < TR_COUNT; i++)
        if (strcmp(name, trs[i].name) == 0)
            return i;
    return -1;
}

int cond_tr_evaluated(int tr)
{
    return tr >= 0 && tr < TR_COUNT && trs[tr].evaluated;
}

int cond_tr_type(int tr, enum fld_type in, enum fld_type *out, char *err, size_t n)
{
    if (!cond_tr_evaluated(tr)) {
        snprintf(err, n, "transformer '%s' is not supported", tr >= 0 ? cond_tr_name(tr) : "?");
        return -1;
    }
    switch ((enum tr_kind)tr) {
    case TR_TOLOWER:
    case TR_TOUPPER:
    case TR_BASENAME:
        if (in != FT_STRING) {
            snprintf(err, n, "transformer '%s' is only supported on string fields", trs[tr].name);
            return -1;
        }
        *out = in;
        return 0;
    case TR_B64:
    case TR_LEN:
        if (in != FT_STRING && in != FT_BYTES) {
            snprintf(err, n, "transformer '%s' is only supported on string or buffer fields",
                     trs[tr].name);
            return -1;
        }
        *out = tr == TR_LEN ? FT_UINT64 : in;
        return 0;
    default:
        snprintf(err, n, "transformer '%s' is not supported", trs[tr].name);
        return -1;
    }
}

static char *space(char *buf, size_t cap, size_t *used, size_t n)
{
    if (cap - *used < n)
        return NULL;
    char *p = buf + *used;
    *used += n;
    return p;
}

int cond_tr_apply(int tr, struct fld_value *v, char *buf, size_t cap, size_t *used)
{
    switch ((enum tr_kind)tr) {
    case TR_TOLOWER:
    case TR_TOUPPER: {
        char *p = space(buf, cap, used, v->v.s.len + 1);
        if (!p)
            return -1;
        for (size_t i = 0; i < v->v.s.len; i++) {
            unsigned char c = (unsigned char)v->v.s.p[i];
            p[i] = (char)(tr == TR_TOLOWER ? tolower(c) : toupper(c));
        }
        v->v.s.p = p;
        return 0;
    }
    case TR_BASENAME: {
        const char *q = v->v.s.p;
        size_t n = v->v.s.len;
        size_t i = n;
        while (i > 0 && q[i - 1] != '/')
            i--;
        v->v.s.p = q + i;
        v->v.s.len = n - i;
        return 0;
    }
    case TR_B64: {
        /* libsinsp decodes the value without its terminating NULs (a buffer may carry them) */
        size_t n = v->v.s.len;
        while (n > 0 && v->v.s.p[n - 1] == '\0')
            n--;
        /* room for the whole input, as for the other transformers: a value too long for the
         * scratch space has no result, whatever it decodes to */
        char *p = space(buf, cap, used, v->v.s.len + 1);
        if (!p)
            return -1;
        ssize_t o = tt_b64_decode(v->v.s.p, n, p, TT_B64_STRICT);
        if (o < 0)
            return -1;
        v->v.s.p = p;
        v->v.s.len = (size_t)o;
        return 0;
    }
    case TR_LEN: {
        uint64_t len = v->v.s.len;
        v->type = FT_UINT64;
        v->v.u = len;
        return 0;
    }
    default:
        return -1;
    }
}

/* Condition evaluation: runs a compiled program (cond_compile.c) on one event.
 *
 * Each instruction is one check; its result picks the next instruction (t or f) until the
 * program accepts (-1) or rejects (-2). No parsing and no allocation: extracted values point
 * into the state tables, transformer results and NUL-terminated copies go to the ruleset's
 * scratch area, which is reset for every check. A field without a value makes the check false
 * whatever the operator (Falco's rule); a `not` above it then makes it true. */
#include <ctype.h>
#include <fnmatch.h>
#include <string.h>

#include "rules_int.h"

int cval_cmp(const struct fld_value *a, const struct fld_value *b);

static char *sc_alloc(struct cscratch *s, size_t n)
{
    if (CSCRATCH_BUF - s->used < n)
        return NULL;
    char *p = s->buf + s->used;
    s->used += n;
    return p;
}

/* NUL-terminated copy of a string value (NULL if the scratch is full). */
static const char *cstr_of(struct cscratch *s, const struct fld_value *v)
{
    char *p = sc_alloc(s, v->v.s.len + 1);
    if (!p)
        return NULL;
    if (v->v.s.len)
        memcpy(p, v->v.s.p, v->v.s.len);
    p[v->v.s.len] = '\0';
    return p;
}

/* The n values in out through e's transformers; the values a transformer drops are left out.
 * Returns how many remain. */
static int transform(const struct cexpr *e, struct fld_value *out, int n, char *space, size_t cap,
                     size_t *used)
{
    if (n <= 0)
        return 0;
    if (!e->ntr)
        return n;
    int k = 0;
    for (int i = 0; i < n; i++) {
        struct fld_value v = out[i];
        int ok = 1;
        for (int j = 0; j < e->ntr && ok; j++)
            ok = cond_tr_apply(e->tr[j], &v, space, cap, used) == 0;
        if (ok)
            out[k++] = v;
    }
    return k;
}

static int extract(const struct cond_fields *fp, const struct cexpr *e, struct eval_ctx *ctx,
                   struct fld_value *out, struct cscratch *s)
{
    int n;
    struct cslot *cs = NULL;
    if (e->slot >= 0 && (size_t)e->slot < s->ncache) {
        cs = &s->cache[e->slot];
        if (cs->gen == s->gen && cs->n >= 0) {
            n = cs->n;
            for (int i = 0; i < n; i++)
                out[i] = cs->v[i];
            goto got;
        }
    }
    n = fp->extract(fp->arg, &e->ref, ctx, FX_FILTER, out, CSCRATCH_VALS);
    if (n > CSCRATCH_VALS)
        n = CSCRATCH_VALS;
    if (cs) {
        cs->gen = s->gen;
        cs->n = n <= CSLOT_VALS ? (n < 0 ? 0 : n) : -1;
        for (int i = 0; i < cs->n; i++)
            cs->v[i] = out[i];
    }
got:
    return transform(e, out, n, s->buf, CSCRATCH_BUF, &s->used);
}

int cond_expr_values(const struct cond_fields *fp, const struct cexpr *e, struct eval_ctx *ctx,
                     enum fld_mode mode, struct fld_value *out, int max, char *space, size_t cap,
                     size_t *used)
{
    int n = fp->extract(fp->arg, &e->ref, ctx, mode, out, max);
    return transform(e, out, n < max ? n : max, space, cap, used);
}

static int ip_eq(const struct fld_value *v, const struct fld_value *lit)
{
    const struct fld_ip *a = &v->v.ip, *b = &lit->v.ip;
    if (a->family != b->family)
        return 0;
    unsigned bits = lit->type == FT_IPNET ? b->prefix : (b->family == 4 ? 32 : 128);
    unsigned full = bits / 8, rem = bits % 8;
    if (memcmp(a->addr, b->addr, full) != 0)
        return 0;
    if (rem) {
        uint8_t mask = (uint8_t)(0xff << (8 - rem));
        if ((a->addr[full] & mask) != (b->addr[full] & mask))
            return 0;
    }
    return 1;
}

static int num_cmp(enum fld_type t, const struct fld_value *v, const struct fld_value *lit)
{
    if (t == FT_INT64 || t == FT_RELTIME)
        return v->v.i < lit->v.i ? -1 : v->v.i > lit->v.i;
    return v->v.u < lit->v.u ? -1 : v->v.u > lit->v.u;
}

static int val_eq(enum fld_type t, const struct fld_value *v, const struct fld_value *lit)
{
    switch (t) {
    case FT_STRING:
    case FT_BYTES:
        return v->v.s.len == lit->v.s.len &&
               (v->v.s.len == 0 || memcmp(v->v.s.p, lit->v.s.p, v->v.s.len) == 0);
    case FT_BOOL:
        return (v->v.b != 0) == (lit->v.b != 0);
    case FT_IPADDR:
    case FT_IPNET:
        return ip_eq(v, lit);
    default:
        return num_cmp(t, v, lit) == 0;
    }
}

static int ci_contains(const char *h, size_t hn, const char *n, size_t nn)
{
    if (nn == 0)
        return 1;
    for (size_t i = 0; i + nn <= hn; i++) {
        size_t j = 0;
        while (j < nn && tolower((unsigned char)h[i + j]) == tolower((unsigned char)n[j]))
            j++;
        if (j == nn)
            return 1;
    }
    return 0;
}

/* Path-prefix match on '/'-separated components; pattern components may be globs. */
static int pmatch_one(const char *pat, const char *val, size_t vlen)
{
    const char *p = pat, *v = val, *vend = val + vlen;
    for (;;) {
        while (*p == '/')
            p++;
        while (v < vend && *v == '/')
            v++;
        if (!*p)
            return 1;
        if (v >= vend)
            return 0;
        const char *pe = strchr(p, '/');
        size_t pl = pe ? (size_t)(pe - p) : strlen(p);
        const char *ve = memchr(v, '/', (size_t)(vend - v));
        size_t vl = ve ? (size_t)(ve - v) : (size_t)(vend - v);
        char pb[256], vb[256];
        if (pl < sizeof(pb) && vl < sizeof(vb) && strpbrk(p, "*?[") &&
            (size_t)(strpbrk(p, "*?[") - p) < pl) {
            memcpy(pb, p, pl);
            pb[pl] = '\0';
            memcpy(vb, v, vl);
            vb[vl] = '\0';
            if (fnmatch(pb, vb, 0) != 0)
                return 0;
        } else if (pl != vl || memcmp(p, v, pl) != 0) {
            return 0;
        }
        p += pl;
        v += vl;
    }
}

/* One value against literal i. */
static int cmp_lit(const struct cins *in, enum fld_type t, const struct fld_value *v, size_t i,
                   struct cscratch *s)
{
    const struct fld_value *lit = &in->vals[i];
    switch ((enum cop)in->op) {
    case OP_EQ:
    case OP_IN:
    case OP_INTERSECTS:
        return val_eq(t, v, lit);
    case OP_NE:
        return !val_eq(t, v, lit);
    case OP_LT:
    case OP_LE:
    case OP_GT:
    case OP_GE: {
        int r = (t == FT_STRING) ? cval_cmp(v, lit) : num_cmp(t, v, lit);
        switch ((enum cop)in->op) {
        case OP_LT:
            return r < 0;
        case OP_LE:
            return r <= 0;
        case OP_GT:
            return r > 0;
        default:
            return r >= 0;
        }
    }
    case OP_CONTAINS:
    case OP_BCONTAINS:
        return lit->v.s.len == 0 || memmem(v->v.s.p, v->v.s.len, lit->v.s.p, lit->v.s.len) != NULL;
    case OP_ICONTAINS:
        return ci_contains(v->v.s.p, v->v.s.len, lit->v.s.p, lit->v.s.len);
    case OP_STARTSWITH:
    case OP_BSTARTSWITH:
        return v->v.s.len >= lit->v.s.len &&
               (lit->v.s.len == 0 || memcmp(v->v.s.p, lit->v.s.p, lit->v.s.len) == 0);
    case OP_ENDSWITH:
        return v->v.s.len >= lit->v.s.len &&
               (lit->v.s.len == 0 ||
                memcmp(v->v.s.p + v->v.s.len - lit->v.s.len, lit->v.s.p, lit->v.s.len) == 0);
    case OP_GLOB:
    case OP_IGLOB: {
        size_t mark = s->used;
        const char *c = cstr_of(s, v);
        int r = c && fnmatch(in->cstr[i], c, in->op == OP_IGLOB ? FNM_CASEFOLD : 0) == 0;
        s->used = mark;
        return r;
    }
    case OP_REGEX: {
        regmatch_t m[1];
        m[0].rm_so = 0;
        m[0].rm_eo = (regoff_t)v->v.s.len;
        const char *p = v->v.s.len ? v->v.s.p : "";
        return regexec(&in->re[i], p, 1, m, REG_STARTEND) == 0;
    }
    case OP_PMATCH:
        return pmatch_one(in->cstr[i], v->v.s.p, v->v.s.len);
    default:
        return 0;
    }
}

static int in_set(const struct cins *in, enum fld_type t, const struct fld_value *v,
                  struct cscratch *s)
{
    size_t n = in->nvals;
    if (n > 1 && t != FT_IPADDR && t != FT_IPNET) {
        /* sorted: binary search */
        size_t lo = 0, hi = n;
        struct fld_value key = *v;
        key.type = t;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            int r = cval_cmp(&key, &in->vals[mid]);
            if (r == 0)
                return 1;
            if (r < 0)
                hi = mid;
            else
                lo = mid + 1;
        }
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        if (val_eq(t, v, &in->vals[i]))
            return 1;
    (void)s;
    return 0;
}

static int eval_val(const struct cins *in, const struct fld_value *a, int n,
                    const struct fld_value *b, int m, struct cscratch *s)
{
    enum fld_type t = in->lhs.type;
    if (in->op == OP_IN || in->op == OP_INTERSECTS) {
        for (int i = 0; i < n; i++) {
            int found = 0;
            for (int j = 0; j < m && !found; j++)
                found = val_eq(t, &a[i], &b[j]);
            if (found && in->op == OP_INTERSECTS)
                return 1;
            if (!found && in->op == OP_IN)
                return 0;
        }
        return in->op == OP_IN;
    }
    struct cins tmp = *in;
    struct fld_value lit = b[0];
    tmp.vals = &lit;
    tmp.nvals = 1;
    const char *pat = NULL;
    if (in->op == OP_GLOB || in->op == OP_IGLOB) {
        pat = cstr_of(s, &b[0]);
        if (!pat)
            return 0;
        tmp.cstr = &pat;
    }
    return cmp_lit(&tmp, t, &a[0], 0, s);
}

static int eval_check(const struct cins *in, const struct cond_fields *fp, struct eval_ctx *ctx,
                      unsigned evtype, struct cscratch *s)
{
    switch (in->kind) {
    case CK_CONST:
        return in->konst;
    case CK_EVTYPE:
        return evtype < TT_EV_COUNT && in->evset[evtype];
    default:
        break;
    }
    s->used = 0;
    int n = extract(fp, &in->lhs, ctx, s->a, s);
    if (n <= 0) {
        /* no value: false, unless the provider decides (fd.*ip.name against host names) */
        if (fp->compare_missing && in->kind == CK_FIELD && in->mod == MOD_NONE && !in->lhs.ntr &&
            (in->op == OP_EQ || in->op == OP_NE || in->op == OP_IN))
            return fp->compare_missing(fp->arg, &in->lhs.ref, ctx,
                                       in->op == OP_EQ   ? FC_EQ
                                       : in->op == OP_NE ? FC_NE
                                                         : FC_IN,
                                       in->vals, in->nvals) > 0;
        return 0;
    }
    if (in->op == OP_EXISTS)
        return 1;
    enum fld_type t = in->lhs.type;
    if (in->kind == CK_VAL) {
        int m = extract(fp, &in->rhs, ctx, s->b, s);
        if (m <= 0)
            return 0;
        return eval_val(in, s->a, n, s->b, m, s);
    }
    if (in->mod != MOD_NONE) {
        for (int i = 0; i < n; i++) {
            size_t k = 0;
            for (size_t j = 0; j < in->nvals; j++)
                k += (size_t)cmp_lit(in, t, &s->a[i], j, s);
            int ok = in->mod == MOD_ONEOF   ? k == 1
                     : in->mod == MOD_ANYOF ? k >= 1
                                            : (k == in->nvals && k > 0);
            if (ok)
                return 1;
        }
        return 0;
    }
    switch ((enum cop)in->op) {
    case OP_IN:
        if (in->lhs.multi) {
            for (int i = 0; i < n; i++)
                if (in_set(in, t, &s->a[i], s))
                    return 1;
            return 0;
        }
        for (int i = 0; i < n; i++)
            if (!in_set(in, t, &s->a[i], s))
                return 0;
        return 1;
    case OP_INTERSECTS:
        for (int i = 0; i < n; i++)
            if (in_set(in, t, &s->a[i], s))
                return 1;
        return 0;
    case OP_PMATCH:
        for (int i = 0; i < n; i++)
            for (size_t j = 0; j < in->nvals; j++)
                if (cmp_lit(in, t, &s->a[i], j, s))
                    return 1;
        return 0;
    case OP_NE:
        if (in->lhs.either) {
            for (int i = 0; i < n; i++)
                if (val_eq(t, &s->a[i], &in->vals[0]))
                    return 0;
            return 1;
        }
        /* fall through */
    default:
        for (int i = 0; i < n; i++)
            if (cmp_lit(in, t, &s->a[i], 0, s))
                return 1;
        return 0;
    }
}

int cond_eval(const struct cprog *p, const struct cond_fields *fp, struct eval_ctx *ctx,
              unsigned evtype, struct cscratch *s)
{
    int32_t pc = 0;
    if (!p->nins)
        return 0;
    while (pc >= 0) {
        const struct cins *in = &p->ins[pc];
        int r;
        if (in->check >= 0 && (size_t)in->check < s->nres) {
            if (s->rgen[in->check] == s->gen) {
                r = s->rval[in->check];
            } else {
                r = eval_check(in, fp, ctx, evtype, s);
                s->rgen[in->check] = s->gen;
                s->rval[in->check] = (uint8_t)r;
            }
        } else {
            r = eval_check(in, fp, ctx, evtype, s);
        }
        pc = r ? in->t : in->f;
    }
    return pc == -1;
}

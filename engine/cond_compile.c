/* Condition compiler: a macro-expanded AST into a flat program of checks.
 *
 * Every leaf check becomes one instruction with two successors (on true, on false); `and`,
 * `or` and `not` emit nothing, they only wire the successors, so evaluation is a loop over
 * instructions with short-circuit for free and no recursion. Literals are converted once to
 * the type of the field (Falco's rule: the left-hand side decides), list values are sorted for
 * binary search, regexes compiled, evt.type checks turned into a set lookup on the type. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules_int.h"

#define MAX_LEAVES 50000

struct comp {
    struct arena *a;
    struct cregs *regs;
    const struct cond_fields *fp;
    struct ccomp_err *err;
    struct cins *ins;
    uint32_t n;
    jmp_buf jb;
};

static _Noreturn void cfail(struct comp *c, struct cpos pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static _Noreturn void cfail(struct comp *c, struct cpos pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err->msg, sizeof(c->err->msg), fmt, ap);
    va_end(ap);
    c->err->pos = pos;
    longjmp(c->jb, 1);
}

static void *calloc_a(struct comp *c, size_t n)
{
    void *p = arena_alloc(c->a, n);
    if (!p) {
        struct cpos z = {0, 1, 1};
        cfail(c, z, "out of memory");
    }
    return p;
}

/* ---- operators ---- */
static const char *const op_names[OP_COUNT] = {
    "=",         "!=",        "<",          "<=",          ">",        ">=",   "contains",
    "icontains", "bcontains", "startswith", "bstartswith", "endswith", "glob", "iglob",
    "regex",     "pmatch",    "in",         "intersects",  "exists"};

static const char *cop_name(enum cop op)
{
    return op < OP_COUNT ? op_names[op] : "?";
}

int cop_parse(const char *s, enum cop *op, enum cmod *mod)
{
    char word[32];
    const char *sp = strchr(s, ' ');
    size_t k = sp ? (size_t)(sp - s) : strlen(s);
    if (k >= sizeof(word))
        return -1;
    memcpy(word, s, k);
    word[k] = '\0';
    *mod = MOD_NONE;
    if (sp) {
        const char *m = sp;
        while (*m == ' ')
            m++;
        if (strcmp(m, "oneof") == 0)
            *mod = MOD_ONEOF;
        else if (strcmp(m, "anyof") == 0)
            *mod = MOD_ANYOF;
        else if (strcmp(m, "allof") == 0)
            *mod = MOD_ALLOF;
        else
            return -1;
    }
    if (strcmp(word, "==") == 0) {
        *op = OP_EQ;
    } else {
        int found = 0;
        for (int i = 0; i < OP_COUNT; i++) {
            if (strcmp(word, op_names[i]) == 0) {
                *op = (enum cop)i;
                found = 1;
                break;
            }
        }
        if (!found)
            return -1;
    }
    if (*mod != MOD_NONE) {
        switch (*op) {
        case OP_EQ:
        case OP_NE:
        case OP_CONTAINS:
        case OP_ICONTAINS:
        case OP_BCONTAINS:
        case OP_STARTSWITH:
        case OP_BSTARTSWITH:
        case OP_ENDSWITH:
        case OP_GLOB:
        case OP_IGLOB:
        case OP_REGEX:
            break;
        default:
            return -1;
        }
    }
    return 0;
}

/* ---- default field provider ---- */
static int def_resolve(void *arg, const char *name, const char *farg, struct fld_ref *out,
                       char *err, size_t errlen)
{
    return fld_resolve(name, farg, out, err, errlen);
}

static int def_extract(void *arg, const struct fld_ref *ref, struct eval_ctx *ctx,
                       enum fld_mode mode, struct fld_value *out, int max)
{
    return fld_extract(ref, ctx, mode, out, max);
}

static void def_note_literal(void *arg, const struct fld_ref *ref, const char *value)
{
    fld_note_literal(ref, value);
}

static int def_compare_missing(void *arg, const struct fld_ref *ref, struct eval_ctx *ctx, int op,
                               const struct fld_value *vals, size_t nvals)
{
    return fld_compare_missing(ref, ctx, op, vals, nvals);
}

const struct cond_fields cond_fields_default = {def_resolve, def_extract, NULL, def_note_literal,
                                                def_compare_missing};

/* ---- helpers ---- */
static const char *type_family(enum fld_type t)
{
    switch (t) {
    case FT_STRING:
        return "string";
    case FT_BYTES:
        return "buffer";
    case FT_IPADDR:
    case FT_IPNET:
        return "ip address and network";
    default:
        return "numeric";
    }
}

static int op_allowed(enum fld_type t, enum cop op)
{
    if (op == OP_EXISTS || op == OP_IN || op == OP_INTERSECTS || op == OP_EQ || op == OP_NE)
        return 1;
    switch (t) {
    case FT_STRING:
        return op != OP_BCONTAINS && op != OP_BSTARTSWITH;
    case FT_BYTES:
        return op == OP_CONTAINS || op == OP_STARTSWITH || op == OP_ENDSWITH ||
               op == OP_BCONTAINS || op == OP_BSTARTSWITH;
    case FT_INT64:
    case FT_UINT64:
    case FT_PORT:
    case FT_RELTIME:
    case FT_ABSTIME:
        return op == OP_LT || op == OP_LE || op == OP_GT || op == OP_GE;
    default:
        return 0;
    }
}

static int parse_ip(const char *s, struct fld_ip *ip, int allow_net)
{
    char buf[INET6_ADDRSTRLEN + 8];
    size_t n = strlen(s);
    if (n >= sizeof(buf))
        return -1;
    memcpy(buf, s, n + 1);
    char *slash = strchr(buf, '/');
    long prefix = -1;
    if (slash) {
        if (!allow_net)
            return -1;
        *slash = '\0';
        char *end;
        errno = 0;
        prefix = strtol(slash + 1, &end, 10);
        if (errno || *end || end == slash + 1 || prefix < 0)
            return -1;
    }
    memset(ip, 0, sizeof(*ip));
    if (strchr(buf, '.') && inet_pton(AF_INET, buf, ip->addr) == 1) {
        ip->family = 4;
        if (prefix > 32)
            return -1;
        ip->prefix = (uint8_t)(prefix < 0 ? 32 : prefix);
        return 0;
    }
    if (inet_pton(AF_INET6, buf, ip->addr) == 1) {
        ip->family = 6;
        if (prefix > 128)
            return -1;
        ip->prefix = (uint8_t)(prefix < 0 ? 128 : prefix);
        return 0;
    }
    return -1;
}

/* Literal text copied into the program's arena (the parse tree does not outlive compiling). */
static const char *dup_a(struct comp *c, const char *s)
{
    size_t n = strlen(s);
    char *p = calloc_a(c, n + 1);
    memcpy(p, s, n + 1);
    return p;
}

static int parse_literal(struct comp *c, enum fld_type t, enum cop op, const char *s,
                         struct fld_value *v, struct cpos pos)
{
    v->type = t;
    s = dup_a(c, s);
    char *end;
    switch (t) {
    case FT_STRING:
        v->v.s.p = s;
        v->v.s.len = strlen(s);
        return 0;
    case FT_BYTES:
        if (op == OP_BCONTAINS || op == OP_BSTARTSWITH) {
            size_t n = strlen(s);
            if (n % 2)
                cfail(c, pos, "bcontains and bstartswith operator support hex strings only");
            uint8_t *b = calloc_a(c, n / 2 + 1);
            for (size_t i = 0; i < n; i += 2) {
                int h = isxdigit((unsigned char)s[i]), l = isxdigit((unsigned char)s[i + 1]);
                if (!h || !l)
                    cfail(c, pos, "bcontains and bstartswith operator support hex strings only");
                char hx[3] = {s[i], s[i + 1], 0};
                b[i / 2] = (uint8_t)strtoul(hx, NULL, 16);
            }
            v->v.s.p = (const char *)b;
            v->v.s.len = n / 2;
        } else {
            v->v.s.p = s;
            v->v.s.len = strlen(s);
        }
        return 0;
    case FT_INT64:
    case FT_RELTIME:
        errno = 0;
        v->v.i = strtoll(s, &end, 10);
        if (errno || *end || end == s || isspace((unsigned char)s[0]))
            cfail(c, pos, "%s is not a valid number", s);
        return 0;
    case FT_UINT64:
    case FT_ABSTIME:
        errno = 0;
        v->v.u = strtoull(s, &end, 10);
        if (errno || *end || end == s || isspace((unsigned char)s[0]))
            cfail(c, pos, "%s is not a valid number", s);
        return 0;
    case FT_PORT: {
        errno = 0;
        unsigned long long u = strtoull(s, &end, 10);
        if (!errno && !*end && end != s && u <= 65535) {
            v->v.u = u;
            return 0;
        }
        struct servent *se = getservbyname(s, NULL);
        if (!se)
            cfail(c, pos, "%s is not a valid number", s);
        v->v.u = ntohs((uint16_t)se->s_port);
        return 0;
    }
    case FT_BOOL:
        if (strcmp(s, "true") == 0)
            v->v.b = 1;
        else if (strcmp(s, "false") == 0)
            v->v.b = 0;
        else
            cfail(c, pos, "%s is not a valid boolean", s);
        return 0;
    case FT_IPADDR:
        if (parse_ip(s, &v->v.ip, 1) < 0)
            cfail(c, pos, "%s is not a valid IP address", s);
        if (v->v.ip.prefix != (v->v.ip.family == 4 ? 32 : 128))
            v->type = FT_IPNET;
        return 0;
    case FT_IPNET:
        if (parse_ip(s, &v->v.ip, 1) < 0)
            cfail(c, pos, "%s is not a valid IP network", s);
        v->type = FT_IPNET;
        return 0;
    default:
        cfail(c, pos, "field type not supported in comparisons");
    }
}

/* Total order used for sorted sets (same type on both sides). */
int cval_cmp(const struct fld_value *a, const struct fld_value *b);
int cval_cmp(const struct fld_value *a, const struct fld_value *b)
{
    switch (a->type) {
    case FT_STRING:
    case FT_BYTES: {
        size_t n = a->v.s.len < b->v.s.len ? a->v.s.len : b->v.s.len;
        int r = n ? memcmp(a->v.s.p, b->v.s.p, n) : 0;
        if (r)
            return r;
        return a->v.s.len < b->v.s.len ? -1 : a->v.s.len > b->v.s.len;
    }
    case FT_INT64:
    case FT_RELTIME:
        return a->v.i < b->v.i ? -1 : a->v.i > b->v.i;
    case FT_UINT64:
    case FT_PORT:
    case FT_ABSTIME:
        return a->v.u < b->v.u ? -1 : a->v.u > b->v.u;
    case FT_BOOL:
        return (a->v.b != 0) - (b->v.b != 0);
    default:
        return memcmp(&a->v.ip, &b->v.ip, sizeof(a->v.ip));
    }
}

static int cmp_qsort(const void *x, const void *y)
{
    return cval_cmp(x, y);
}

/* ---- expressions (left side and val()) ---- */
static int32_t slot_of(struct comp *c, const struct fld_ref *r)
{
    struct cregs *g = c->regs;
    if (!g) /* an expression compiled alone (cond_compile_expr) has no extraction cache */
        return -1;
    for (size_t i = 0; i < g->nslots; i++) {
        const struct fld_ref *o = &g->slots[i];
        if (o->info == r->info && o->has_arg == r->has_arg && o->index == r->index &&
            o->param_id == r->param_id && strncmp(o->key, r->key, sizeof(o->key)) == 0)
            return (int32_t)i;
    }
    if (g->nslots >= 4096)
        return -1;
    if (g->nslots == g->capslots) {
        size_t cap = g->capslots ? g->capslots * 2 : 32;
        struct fld_ref *v = realloc(g->slots, cap * sizeof(*v));
        if (!v)
            return -1;
        g->slots = v;
        g->capslots = cap;
    }
    g->slots[g->nslots] = *r;
    return (int32_t)g->nslots++;
}

static void compile_expr(struct comp *c, const struct cnode *n, struct cexpr *e, int depth)
{
    if (depth > CEXPR_MAX_TR)
        cfail(c, n->pos, "too many nested transformers");
    if (n->kind == CN_FIELD) {
        char err[256];
        if (c->fp->resolve(c->fp->arg, n->str, n->arg, &e->ref, err, sizeof(err)) < 0)
            cfail(c, n->pos, "%s", err);
        e->slot = slot_of(c, &e->ref);
        e->ftype = e->ref.info ? e->ref.info->type : FT_STRING;
        e->type = e->ftype;
        unsigned fl = e->ref.info ? e->ref.info->flags : 0;
        e->multi = (fl & FF_MULTI) && !e->ref.has_arg;
        const char *nm = n->str;
        e->either = (fl & FF_NE_ALL) || strcmp(nm, "fd.ip") == 0 || strcmp(nm, "fd.net") == 0 ||
                    strcmp(nm, "fd.port") == 0 || strcmp(nm, "fd.proto") == 0;
        e->norhs = (fl & FF_NO_RHS) != 0;
        e->notr = (fl & FF_NO_TRANSFORMER) != 0;
        if (e->either)
            e->multi = 1;
        return;
    }
    if (n->kind != CN_TRANSFORMER)
        cfail(c, n->pos, "expected a field or a transformer");
    int t = cond_tr_lookup(n->str);
    if (!cond_tr_evaluated(t))
        cfail(c, n->pos, "transformer '%s' is not supported", n->str);
    if (n->nkids != 1)
        cfail(c, n->pos, "transformer '%s' expects exactly one argument", n->str);
    if (n->arg)
        cfail(c, n->pos, "transformer '%s' does not accept an argument", n->str);
    compile_expr(c, n->kids[0], e, depth + 1);
    if (e->either || e->notr || (e->multi && n->kids[0]->kind == CN_FIELD))
        cfail(c, n->pos, "field '%s' does not support transformers",
              e->ref.info ? e->ref.info->name : "?");
    char msg[128];
    if (cond_tr_type(t, e->type, &e->type, msg, sizeof msg) < 0)
        cfail(c, n->pos, "%s", msg);
    if (e->ntr >= CEXPR_MAX_TR)
        cfail(c, n->pos, "too many nested transformers");
    e->tr[e->ntr++] = (uint8_t)t;
}

int cond_compile_expr(const struct cond_fields *fp, const struct cnode *n, struct cexpr *e,
                      struct ccomp_err *err)
{
    struct comp c;
    memset(&c, 0, sizeof(c));
    memset(err, 0, sizeof(*err));
    memset(e, 0, sizeof(*e));
    c.fp = fp;
    c.err = err;
    if (setjmp(c.jb))
        return -1;
    compile_expr(&c, n, e, 0);
    return 0;
}

/* Falco compiles regexes with RE2; POSIX ERE lacks some of its syntax. Translate the common
 * parts: a leading (?i), \d \D \s \S (and \w inside brackets), and backslash escapes inside
 * bracket expressions (literal backslashes in POSIX). Anchored at both ends: full match. */
static char *re2_to_posix(struct comp *c, const char *re, int *icase)
{
    size_t n = strlen(re);
    char *out = calloc_a(c, n * 14 + 8);
    size_t o = 0;
    const char *p = re;
    if (strncmp(p, "(?i)", 4) == 0) {
        *icase = 1;
        p += 4;
    }
    out[o++] = '^';
    out[o++] = '(';
    int inbr = 0;
    for (; *p; p++) {
        if (!inbr && *p == '[') {
            inbr = 1;
            out[o++] = *p;
            if (p[1] == '^')
                out[o++] = *++p;
            if (p[1] == ']')
                out[o++] = *++p;
            continue;
        }
        if (inbr && *p == ']') {
            inbr = 0;
            out[o++] = *p;
            continue;
        }
        if (inbr && *p == '[' && p[1] == ':') {
            const char *e = strstr(p + 2, ":]");
            if (e) {
                memcpy(out + o, p, (size_t)(e + 2 - p));
                o += (size_t)(e + 2 - p);
                p = e + 1;
                continue;
            }
        }
        if (*p == '\\' && p[1]) {
            char x = *++p;
            const char *rep = NULL;
            if (!inbr) {
                rep = x == 'd'   ? "[0-9]"
                      : x == 'D' ? "[^0-9]"
                      : x == 's' ? "[[:space:]]"
                      : x == 'S' ? "[^[:space:]]"
                                 : NULL;
            } else {
                rep = x == 'd' ? "0-9" : x == 's' ? "[:space:]" : x == 'w' ? "[:alnum:]_" : NULL;
                if (!rep) {
                    out[o++] = x; /* \. \- \\ etc.: the character itself */
                    continue;
                }
            }
            if (rep) {
                size_t k = strlen(rep);
                memcpy(out + o, rep, k);
                o += k;
            } else {
                out[o++] = '\\';
                out[o++] = x;
            }
            continue;
        }
        out[o++] = *p;
    }
    out[o++] = ')';
    out[o++] = '$';
    out[o] = '\0';
    return out;
}

/* RE2 rejects what glibc's regcomp would choke on (minutes of CPU for `a++++++++++++++`,
 * gigabytes for nested counted repetitions): a repetition operator right after another one
 * (a single `?` after it is RE2's non-greedy form), counts above 1000, and nested counted
 * repetitions whose product exceeds 1000. Returns NULL if fine, else the reason. */
static const char *re2_reject(const char *re)
{
    if (strlen(re) > 8192)
        return "regexp too big";
    long prod[64];
    int top = 0;
    prod[0] = 1;
    int last_quant = 0; /* 0 none, 1 quantifier, 2 quantifier + non-greedy '?' */
    long closed = 0;    /* product of the group that just closed, 0 if the last atom was not ')' */
    for (const char *p = re; *p; p++) {
        char ch = *p;
        if (ch == '\\' && p[1]) {
            p++;
            if (*p >= '1' && *p <= '9')
                return "invalid escape sequence (backreferences are not supported)";
            last_quant = 0;
            closed = 0;
            continue;
        }
        if (ch == '[') {
            const char *q = p + 1;
            if (*q == '^')
                q++;
            if (*q == ']')
                q++;
            while (*q && *q != ']') {
                if (*q == '[' && q[1] == ':') {
                    const char *e = strstr(q + 2, ":]");
                    if (e) {
                        q = e + 2;
                        continue;
                    }
                }
                if (*q == '\\' && q[1])
                    q++;
                q++;
            }
            if (!*q)
                return "missing closing ]";
            p = q;
            last_quant = 0;
            closed = 0;
            continue;
        }
        if (ch == '(') {
            if (top + 1 >= 64)
                return "nesting too deep";
            prod[++top] = 1;
            last_quant = 0;
            closed = 0;
            continue;
        }
        if (ch == ')') {
            if (top == 0)
                return "unexpected )";
            closed = prod[top--];
            if (closed > prod[top])
                prod[top] = closed;
            last_quant = 0;
            continue;
        }
        long count = -1;
        if (ch == '{' && p[1] >= '0' && p[1] <= '9') {
            const char *q = p + 1;
            long n = 0, m = -1;
            while (*q >= '0' && *q <= '9' && n <= 100000)
                n = n * 10 + (*q++ - '0');
            if (*q == ',') {
                q++;
                if (*q >= '0' && *q <= '9') {
                    m = 0;
                    while (*q >= '0' && *q <= '9' && m <= 100000)
                        m = m * 10 + (*q++ - '0');
                }
            } else {
                m = n;
            }
            if (*q == '}') {
                count = m < 0 ? n : (m > n ? m : n);
                if (n > 1000 || m > 1000)
                    return "bad repetition operator";
                p = q;
            }
        }
        if (count >= 0 || ch == '*' || ch == '+' || ch == '?') {
            if (ch == '?' && last_quant == 1) {
                last_quant = 2;
                continue;
            }
            if (last_quant)
                return "bad repetition operator";
            last_quant = 1;
            if (count > 0) {
                long base = closed ? closed : 1;
                if (base * count > 1000)
                    return "bad repetition operator";
                if (base * count > prod[top])
                    prod[top] = base * count;
            }
            closed = 0;
            continue;
        }
        last_quant = 0;
        closed = 0;
    }
    return NULL;
}

/* ---- compiler hints (libsinsp's check_value_and_add_warnings) ---- */
static void add_warn(struct comp *c, struct cpos pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void add_warn(struct comp *c, struct cpos pos, const char *fmt, ...)
{
    if (c->err->nwarn >= CCOMP_MAX_WARN)
        return;
    struct ccomp_warn *w = &c->err->warn[c->err->nwarn++];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->msg, sizeof(w->msg), fmt, ap);
    va_end(ap);
    w->pos = pos;
}

static void regex_warning(struct comp *c, const char *v, struct cpos pos)
{
    static const char special[] = ".+*?^$()[]{}|\\";
    size_t len = strlen(v);
    for (size_t i = 0; i < len; i++) {
        if ((i == 0 && v[i] == '^') || (i == len - 1 && v[i] == '$'))
            continue;
        if (((i == 0 && len > 1) || (i + 2 == len)) && v[i] == '.' && i + 1 < len &&
            strchr("+*?", v[i + 1])) {
            i++;
            continue;
        }
        if (strchr(special, v[i]))
            return;
    }
    add_warn(c, pos,
             "regex check with '%.150s' may be optimized with simpler operators such as '=', "
             "'contains', 'startswith', 'endswith'",
             v);
}

static int resolves_as_field(struct comp *c, const char *s)
{
    char name[128], arg[128], err[256];
    struct fld_ref ref;
    const char *br = strchr(s, '[');
    if (!strchr(s, '.') || !isalpha((unsigned char)s[0]))
        return 0;
    for (const char *q = s; *q && q != br; q++)
        if (!isalnum((unsigned char)*q) && *q != '_' && *q != '.')
            return 0;
    if (br) {
        const char *end = strrchr(s, ']');
        size_t nl = (size_t)(br - s), al;
        if (!end || end < br || end[1] || nl >= sizeof(name))
            return 0;
        al = (size_t)(end - br - 1);
        if (al >= sizeof(arg))
            return 0;
        memcpy(name, s, nl);
        name[nl] = '\0';
        memcpy(arg, br + 1, al);
        arg[al] = '\0';
        return c->fp->resolve(c->fp->arg, name, arg, &ref, err, sizeof(err)) == 0;
    }
    if (strlen(s) >= sizeof(name))
        return 0;
    return c->fp->resolve(c->fp->arg, s, NULL, &ref, err, sizeof(err)) == 0;
}

static void value_warnings(struct comp *c, enum cop op, const char *v, struct cpos pos)
{
    char nospace[256];
    size_t k = 0;
    for (const char *p = v; *p && k + 1 < sizeof(nospace); p++)
        if (!isspace((unsigned char)*p))
            nospace[k++] = *p;
    nospace[k] = '\0';
    if (op == OP_REGEX)
        regex_warning(c, v, pos);
    if (resolves_as_field(c, nospace))
        add_warn(c, pos, "'%.150s' may be a valid field misused as a const string value", v);
    if (k < 3 || nospace[k - 1] != ')')
        return;
    for (int i = -1; i < TR_COUNT; i++) { /* val() first, then every transformer */
        const char *tr = i < 0 ? "val" : cond_tr_name(i);
        size_t n = strlen(tr);
        if (k >= n + 2 && strncmp(nospace, tr, n) == 0 && nospace[n] == '(' &&
            nospace[k - 1] == ')')
            add_warn(c, pos,
                     "'%.150s' may be a valid field transformer misused as a const string value",
                     v);
    }
}

/* ---- leaves ---- */
static int is_evtype_field(const struct cnode *lhs)
{
    return lhs->kind == CN_FIELD && strcmp(lhs->str, "evt.type") == 0 && !lhs->arg;
}

static void compile_evtype(struct comp *c, const struct cnode *chk, enum cop op, struct cins *in)
{
    const struct cnode *r = chk->kids[1];
    uint8_t *set = calloc_a(c, TT_EV_COUNT);
    const char *one[1];
    const char *const *vals;
    size_t nv;
    if (r->kind == CN_LIST) {
        vals = r->vals;
        nv = r->nvals;
    } else {
        one[0] = r->str;
        vals = one;
        nv = 1;
    }
    for (size_t i = 0; i < nv; i++) {
        int t = cond_evtype_lookup(vals[i]);
        if (t < 0)
            cfail(c, r->pos, "unknown event type %s", vals[i]);
        if (t > 0)
            set[t] = 1;
    }
    if (op == OP_NE)
        for (unsigned t = 1; t < TT_EV_COUNT; t++)
            set[t] = !set[t];
    in->kind = CK_EVTYPE;
    in->evset = set;
}

static void compile_check(struct comp *c, const struct cnode *chk, struct cins *in)
{
    enum cop op;
    enum cmod mod;
    if (cop_parse(chk->str, &op, &mod) < 0)
        cfail(c, chk->pos, "unknown operator '%s'", chk->str);
    in->op = (uint8_t)op;
    in->mod = (uint8_t)mod;
    const struct cnode *lhs = chk->kids[0];
    const struct cnode *rhs = chk->nkids > 1 ? chk->kids[1] : NULL;

    if (is_evtype_field(lhs) && rhs && rhs->kind != CN_TRANSFORMER && mod == MOD_NONE &&
        (op == OP_EQ || op == OP_NE || op == OP_IN || op == OP_INTERSECTS)) {
        char err[256];
        /* keep the field valid in the registry too (tests may provide their own) */
        (void)err;
        compile_evtype(c, chk, op, in);
        return;
    }

    compile_expr(c, lhs, &in->lhs, 0);
    enum fld_type t = in->lhs.type;
    if (!op_allowed(t, op) && !(mod != MOD_NONE && t == FT_STRING)) {
        if (op == OP_PMATCH && t != FT_STRING)
            cfail(c, chk->pos, "'%s' operator not supported for %s filters", cop_name(op),
                  type_family(t));
        cfail(c, chk->pos, "'%s' operator not supported for %s filters", cop_name(op),
              type_family(t));
    }
    if (op == OP_EXISTS) {
        in->kind = CK_FIELD;
        return;
    }
    if (mod != MOD_NONE && t != FT_STRING && t != FT_BYTES)
        cfail(c, chk->pos, "'%s' operator not supported for %s filters", chk->str, type_family(t));
    if (rhs->kind == CN_TRANSFORMER) {
        if (op == OP_PMATCH || op == OP_REGEX)
            cfail(c, rhs->pos, "operator '%s' does not support field-to-field comparison",
                  cop_name(op));
        if (t == FT_IPNET || in->lhs.either || in->lhs.multi)
            cfail(c, rhs->pos, "field '%s' does not support field-to-field comparison",
                  in->lhs.ref.info ? in->lhs.ref.info->name : lhs->str);
        const struct cnode *inner = rhs;
        if (strcmp(rhs->str, "val") == 0) {
            inner = rhs->kids[0];
            if (rhs->arg)
                cfail(c, rhs->pos, "val() does not accept an argument");
        }
        compile_expr(c, inner, &in->rhs, 0);
        if (in->rhs.norhs || in->rhs.either || in->rhs.multi)
            cfail(c, rhs->pos, "field '%s' cannot be used as the right side of a comparison",
                  in->rhs.ref.info ? in->rhs.ref.info->name : inner->str);
        if (in->rhs.type != t)
            cfail(c, rhs->pos, "left and right side of the comparison have incompatible type");
        in->kind = CK_VAL;
        return;
    }

    /* literal values */
    const char *one[1];
    const char *const *vals;
    size_t nv;
    int listop = op == OP_IN || op == OP_INTERSECTS || op == OP_PMATCH || mod != MOD_NONE;
    if (rhs->kind == CN_LIST) {
        vals = rhs->vals;
        nv = rhs->nvals;
    } else {
        one[0] = rhs->str;
        vals = one;
        nv = 1;
    }
    if (!listop && rhs->kind == CN_LIST)
        cfail(c, rhs->pos, "operator '%s' does not take a list", chk->str);
    in->kind = CK_FIELD;
    in->nvals = nv;
    in->vals = calloc_a(c, (nv ? nv : 1) * sizeof(*in->vals));
    for (size_t i = 0; i < nv; i++)
        parse_literal(c, t, op, vals[i], &in->vals[i], rhs->pos);
    for (size_t i = 0; i < nv; i++)
        value_warnings(c, op, vals[i], rhs->pos);
    if (op == OP_GLOB || op == OP_IGLOB || op == OP_PMATCH) {
        in->cstr = calloc_a(c, (nv ? nv : 1) * sizeof(*in->cstr));
        for (size_t i = 0; i < nv; i++)
            in->cstr[i] = dup_a(c, vals[i]);
    }
    if (op == OP_REGEX) {
        in->re = calloc_a(c, (nv ? nv : 1) * sizeof(*in->re));
        for (size_t i = 0; i < nv; i++) {
            int icase = 0;
            const char *why = re2_reject(vals[i]);
            if (why)
                cfail(c, rhs->pos, "invalid regular expression '%.100s': %s", vals[i], why);
            char *pat = re2_to_posix(c, vals[i], &icase);
            int rc = regcomp(&in->re[i], pat, REG_EXTENDED | REG_NOSUB | (icase ? REG_ICASE : 0));
            if (rc != 0)
                cfail(c, rhs->pos, "invalid regular expression: %s", vals[i]);
            if (c->regs->n == c->regs->cap) {
                size_t cap = c->regs->cap ? c->regs->cap * 2 : 16;
                regex_t **v = realloc(c->regs->v, cap * sizeof(*v));
                if (!v) {
                    regfree(&in->re[i]);
                    cfail(c, rhs->pos, "out of memory");
                }
                c->regs->v = v;
                c->regs->cap = cap;
            }
            c->regs->v[c->regs->n++] = &in->re[i];
        }
    }
    if ((op == OP_IN || op == OP_INTERSECTS) && mod == MOD_NONE && t != FT_IPADDR &&
        t != FT_IPNET && nv > 1)
        qsort(in->vals, nv, sizeof(*in->vals), cmp_qsort);
}

/* ---- check ids (result cache) ---- */
static int32_t check_id(struct comp *c, const struct cnode *n)
{
    struct cregs *g = c->regs;
    if (g->nchecks * 2 + 2 > g->ncap) {
        size_t cap = g->ncap ? g->ncap * 2 : 256;
        const void **k = calloc(cap, sizeof(*k));
        uint32_t *v = calloc(cap, sizeof(*v));
        if (!k || !v) {
            free(k);
            free(v);
            return -1;
        }
        for (size_t i = 0; i < g->ncap; i++) {
            if (!g->ckeys[i])
                continue;
            size_t h = ((uintptr_t)g->ckeys[i] >> 4) * 0x9E3779B97F4A7C15ull % cap;
            while (k[h])
                h = (h + 1) % cap;
            k[h] = g->ckeys[i];
            v[h] = g->cids[i];
        }
        free(g->ckeys);
        free(g->cids);
        g->ckeys = k;
        g->cids = v;
        g->ncap = cap;
    }
    size_t h = ((uintptr_t)n >> 4) * 0x9E3779B97F4A7C15ull % g->ncap;
    while (g->ckeys[h]) {
        if (g->ckeys[h] == n)
            return (int32_t)g->cids[h];
        h = (h + 1) % g->ncap;
    }
    g->ckeys[h] = n;
    g->cids[h] = (uint32_t)g->nchecks;
    return (int32_t)g->nchecks++;
}

void cregs_forget_nodes(struct cregs *r)
{
    free(r->ckeys);
    free(r->cids);
    r->ckeys = NULL;
    r->cids = NULL;
    r->ncap = 0;
}

/* ---- tree to program ---- */
static uint64_t count_leaves(const struct cnode *n)
{
    switch (n->kind) {
    case CN_AND:
    case CN_OR: {
        uint64_t s = 0;
        for (size_t i = 0; i < n->nkids && s <= MAX_LEAVES; i++)
            s += count_leaves(n->kids[i]);
        return s;
    }
    case CN_NOT:
        return count_leaves(n->kids[0]);
    default:
        return 1;
    }
}

static void emit(struct comp *c, const struct cnode *n, int32_t t, int32_t f)
{
    switch (n->kind) {
    case CN_AND:
    case CN_OR:
        for (size_t i = 0; i < n->nkids; i++) {
            int last = i + 1 == n->nkids;
            uint32_t start = c->n;
            (void)start;
            /* successor of child i is the first instruction of child i+1 */
            int32_t next = (int32_t)(c->n + count_leaves(n->kids[i]));
            if (n->kind == CN_AND)
                emit(c, n->kids[i], last ? t : next, f);
            else
                emit(c, n->kids[i], t, last ? f : next);
        }
        return;
    case CN_NOT:
        emit(c, n->kids[0], f, t);
        return;
    case CN_IDENT:
        cfail(c, n->pos, "Undefined macro '%s' used in filter.", n->str);
    case CN_UCHECK:
    case CN_BCHECK: {
        struct cins *in = &c->ins[c->n++];
        in->t = t;
        in->f = f;
        compile_check(c, n, in);
        in->check = in->kind == CK_EVTYPE || in->kind == CK_CONST ? -1 : check_id(c, n);
        return;
    }
    default:
        cfail(c, n->pos, "unexpected expression");
    }
}

int cond_compile(struct arena *a, struct cregs *regs, const struct cond_fields *fp,
                 const struct cnode *root, struct cprog *prog, struct ccomp_err *err)
{
    struct comp c;
    memset(&c, 0, sizeof(c));
    c.a = a;
    c.regs = regs;
    c.fp = fp ? fp : &cond_fields_default;
    c.err = err;
    memset(err, 0, sizeof(*err));
    if (setjmp(c.jb))
        return -1;
    uint64_t n = count_leaves(root);
    if (n > MAX_LEAVES)
        cfail(&c, root->pos, "condition too large after macro expansion");
    c.ins = calloc_a(&c, (size_t)n * sizeof(*c.ins));
    emit(&c, root, -1, -2);
    prog->ins = c.ins;
    prog->nins = c.n;
    return 0;
}

void cregs_free(struct cregs *r)
{
    for (size_t i = 0; i < r->n; i++)
        regfree(r->v[i]);
    free(r->v);
    free(r->slots);
    free(r->ckeys);
    free(r->cids);
    memset(r, 0, sizeof(*r));
}

/* ---- event types of an expanded AST (De Morgan pushed to the leaves) ---- */
/* set[0] is used as "every event outside Tartan's list" (Falco's table is larger). */
static void evt_rec(const struct cnode *n, int neg, uint8_t *set)
{
    switch (n->kind) {
    case CN_AND:
    case CN_OR: {
        int inter = (n->kind == CN_AND) != neg;
        uint8_t tmp[TT_EV_COUNT];
        for (size_t i = 0; i < n->nkids; i++) {
            if (i == 0) {
                evt_rec(n->kids[0], neg, set);
                continue;
            }
            evt_rec(n->kids[i], neg, tmp);
            for (unsigned t = 0; t < TT_EV_COUNT; t++)
                set[t] = inter ? (set[t] && tmp[t]) : (set[t] || tmp[t]);
        }
        return;
    }
    case CN_NOT:
        evt_rec(n->kids[0], !neg, set);
        return;
    case CN_BCHECK: {
        const struct cnode *l = n->kids[0], *r = n->kids[1];
        enum cop op;
        enum cmod mod;
        if (is_evtype_field(l) && r->kind != CN_TRANSFORMER && cop_parse(n->str, &op, &mod) == 0 &&
            mod == MOD_NONE && (op == OP_EQ || op == OP_NE || op == OP_IN || op == OP_INTERSECTS)) {
            memset(set, 0, TT_EV_COUNT);
            if (r->kind == CN_LIST) {
                for (size_t i = 0; i < r->nvals; i++) {
                    int t = cond_evtype_lookup(r->vals[i]);
                    if (t > 0)
                        set[t] = 1;
                }
            } else {
                int t = cond_evtype_lookup(r->str);
                if (t > 0)
                    set[t] = 1;
            }
            if ((op == OP_NE) != neg)
                for (unsigned t = 0; t < TT_EV_COUNT; t++)
                    set[t] = !set[t];
            return;
        }
        if (l->kind == CN_FIELD && strcmp(l->str, "evt.num") == 0 && r->kind == CN_VALUE &&
            cop_parse(n->str, &op, &mod) == 0 && op == OP_EQ && strcmp(r->str, "0") == 0) {
            memset(set, neg ? 1 : 0, TT_EV_COUNT);
            return;
        }
        memset(set, 1, TT_EV_COUNT);
        return;
    }
    default:
        memset(set, 1, TT_EV_COUNT);
        return;
    }
}

void cond_evtypes(const struct cnode *n, uint8_t *set)
{
    evt_rec(n, 0, set);
}

/* Condition parser: Falco's filter grammar (recursive descent) into an AST with positions.
 *
 *   Or    := And { 'or' (blank And | '(' Or ')') }
 *   And   := Not { 'and' (blank Not | '(' Or ')') }
 *   Not   := { 'not' blank+ } ( 'not(' Or ')' | Check )
 *   Check := '(' Or ')' | Field Cond | Transformer Cond | Identifier
 *
 * Tokens and error messages follow libsinsp's parser so that rule authors see the same text.
 * Errors unwind with longjmp; every node lives in the caller's arena. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tt_hex.h"
#include "rules_int.h"

struct parser {
    const char *s;
    size_t n;
    struct cpos pos;
    const char *tok; /* last token (arena) */
    unsigned depth, max_depth;
    struct arena *a;
    struct cparse_err *err;
    jmp_buf jb;
};

static _Noreturn void fail(struct parser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static _Noreturn void fail(struct parser *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
    va_end(ap);
    p->err->pos = p->pos;
    longjmp(p->jb, 1);
}

static void *palloc(struct parser *p, size_t n)
{
    void *r = arena_alloc(p->a, n);
    if (!r)
        fail(p, "out of memory");
    return r;
}

static const char *pstrndup(struct parser *p, const char *s, size_t n)
{
    char *r = arena_strndup(p->a, s, n);
    if (!r)
        fail(p, "out of memory");
    return r;
}

static inline char cur(const struct parser *p)
{
    return p->pos.idx < p->n ? p->s[p->pos.idx] : '\0';
}

static inline const char *cursor(const struct parser *p)
{
    return p->s + p->pos.idx;
}

static void advance(struct parser *p, size_t k)
{
    for (size_t i = 0; i < k && p->pos.idx < p->n; i++) {
        char c = p->s[p->pos.idx];
        p->pos.col++;
        if (c == '\r' || c == '\n') {
            p->pos.col = 1;
            p->pos.line++;
        }
        p->pos.idx++;
    }
}

static void take(struct parser *p, size_t k)
{
    p->tok = pstrndup(p, cursor(p), k);
    advance(p, k);
}

struct depth_guard {
    struct parser *p;
};
static void enter(struct parser *p)
{
    p->depth++;
    if (p->depth >= p->max_depth)
        fail(p, "exceeded max depth limit of %u", p->max_depth);
}
static void leave(struct parser *p)
{
    p->depth--;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\b' || c == '\r' || c == '\n';
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static int lex_blank(struct parser *p)
{
    int found = 0;
    while (is_blank(cur(p))) {
        found = 1;
        advance(p, 1);
    }
    return found;
}

static int lex_str(struct parser *p, const char *lit)
{
    size_t k = strlen(lit);
    if (p->n - p->pos.idx >= k && memcmp(cursor(p), lit, k) == 0) {
        p->tok = lit;
        advance(p, k);
        return 1;
    }
    return 0;
}

/* length of [a-zA-Z]+[a-zA-Z0-9_]* at q */
static size_t ident_len(const char *q, size_t avail)
{
    if (avail == 0 || !isalpha((unsigned char)q[0]))
        return 0;
    size_t i = 1;
    while (i < avail && (isalnum((unsigned char)q[i]) || q[i] == '_'))
        i++;
    return i;
}

static int lex_identifier(struct parser *p)
{
    size_t k = ident_len(cursor(p), p->n - p->pos.idx);
    if (!k)
        return 0;
    take(p, k);
    return 1;
}

static int lex_field_name(struct parser *p)
{
    const char *q = cursor(p);
    size_t avail = p->n - p->pos.idx;
    size_t k = ident_len(q, avail);
    if (!k)
        return 0;
    int dots = 0;
    for (;;) {
        if (k < avail && q[k] == '.') {
            size_t m = ident_len(q + k + 1, avail - k - 1);
            if (m) {
                k += 1 + m;
                dots++;
                continue;
            }
        }
        break;
    }
    if (!dots)
        return 0;
    take(p, k);
    return 1;
}

static int lex_field_arg_bare(struct parser *p)
{
    size_t k = 0;
    const char *q = cursor(p);
    size_t avail = p->n - p->pos.idx;
    while (k < avail && q[k] != ']' && q[k] != '[' && q[k] != '"' && q[k] != '\'' &&
           !is_space(q[k]) && q[k] != '\0')
        k++;
    if (!k)
        return 0;
    take(p, k);
    return 1;
}

static int lex_hex(struct parser *p)
{
    const char *q = cursor(p);
    size_t avail = p->n - p->pos.idx;
    if (avail < 3 || q[0] != '0' || (q[1] != 'x' && q[1] != 'X') || !isxdigit((unsigned char)q[2]))
        return 0;
    size_t k = 3;
    while (k < avail && isxdigit((unsigned char)q[k]))
        k++;
    take(p, k);
    return 1;
}

static int lex_num(struct parser *p)
{
    const char *q = cursor(p);
    size_t avail = p->n - p->pos.idx, k = 0;
    if (k < avail && (q[k] == '+' || q[k] == '-'))
        k++;
    size_t d = k;
    while (k < avail && isdigit((unsigned char)q[k]))
        k++;
    if (k == d)
        return 0;
    if (k < avail && q[k] == '.')
        k++;
    while (k < avail && isdigit((unsigned char)q[k]))
        k++;
    if (k + 2 < avail + 0 && (q[k] == 'e' || q[k] == 'E') && (q[k + 1] == '+' || q[k + 1] == '-') &&
        isdigit((unsigned char)q[k + 2])) {
        k += 3;
        while (k < avail && isdigit((unsigned char)q[k]))
            k++;
    }
    take(p, k);
    return 1;
}

static int lex_bare_str(struct parser *p)
{
    const char *q = cursor(p);
    size_t avail = p->n - p->pos.idx, k = 0;
    while (k < avail && q[k] != '(' && q[k] != ')' && q[k] != '"' && q[k] != '\'' &&
           !is_space(q[k]) && q[k] != '=' && q[k] != ',' && q[k] != '\0')
        k++;
    if (!k)
        return 0;
    take(p, k);
    return 1;
}

/* str is the quoted token including both delimiters. */
static const char *unescape(struct parser *p, const char *str, size_t n)
{
    char *res = palloc(p, n + 1);
    size_t o = 0, len = n - 1;
    int escaped = 0;
    for (size_t i = 1; i < len; i++) {
        char c = str[i];
        if (!escaped) {
            if (c == '\\')
                escaped = 1;
            else
                res[o++] = c;
            continue;
        }
        switch (c) {
        case 'b':
            res[o++] = '\b';
            break;
        case 'f':
            res[o++] = '\f';
            break;
        case 'n':
            res[o++] = '\n';
            break;
        case 'r':
            res[o++] = '\r';
            break;
        case 't':
            res[o++] = '\t';
            break;
        case ' ':
        case '\\':
            res[o++] = '\\';
            break;
        case '/':
            res[o++] = '/';
            break;
        case '"':
            if (str[0] != c)
                fail(p, "invalid \\\" escape in '-quoted string");
            res[o++] = '"';
            break;
        case '\'':
            if (str[0] != c)
                fail(p, "invalid \\' escape in \"-quoted string");
            res[o++] = '\'';
            break;
        case 'x': {
            if (i + 2 >= len)
                fail(p, "truncated hex char escape sequence");
            int h = tt_hexval(str[i + 1]), l = tt_hexval(str[i + 2]);
            if (h < 0 || l < 0)
                fail(p, "invalid hex char escape sequence: %.2s", str + i + 1);
            char ch = (char)(h * 16 + l);
            if (ch == '\0')
                fail(p, "string value may not contain a NUL character");
            res[o++] = ch;
            i += 2;
            break;
        }
        default:
            fail(p, "unsupported string escape sequence: \\%c", c);
        }
        escaped = 0;
    }
    res[o] = '\0';
    return res;
}

static int lex_quoted(struct parser *p)
{
    char d = cur(p);
    if (d != '\'' && d != '"')
        return 0;
    const char *q = cursor(p);
    size_t avail = p->n - p->pos.idx;
    char prev = '\\';
    for (size_t i = 0; i < avail && q[i] != '\0'; i++) {
        if (i > 0 && q[i] == d && prev != '\\') {
            struct cpos save = p->pos;
            const char *v = unescape(p, q, i + 1);
            p->pos = save;
            advance(p, i + 1);
            p->tok = v;
            return 1;
        }
        prev = q[i];
    }
    return 0;
}

/* ---- operators ---- */
static const char *const unary_ops[] = {"exists", NULL};
static const char *const num_ops[] = {"<=", "<", ">=", ">", NULL};
static const char *const str_ops[] = {
    "==",         "=",           "!=",           "glob ",     "iglob ", "contains ", "icontains ",
    "bcontains ", "startswith ", "bstartswith ", "endswith ", "regex ", NULL};
static const char *const mod_ops[] = {"oneof ", "anyof ", "allof ", NULL};
static const char *const list_ops[] = {"intersects", "in", "pmatch", NULL};
/* "tolower(" ...: every transformer the grammar knows, evaluated by Tartan or not */
static const char *const transformers[] = {
#define COND_TR(id, name, evaluated) name "(",
#include "cond_transformers.def"
#undef COND_TR
    NULL};

static int lex_op_list(struct parser *p, const char *const *ops)
{
    for (size_t i = 0; ops[i]; i++) {
        size_t k = strlen(ops[i]);
        if (ops[i][k - 1] != ' ') {
            if (lex_str(p, ops[i]))
                return 1;
            continue;
        }
        struct cpos save = p->pos;
        if (p->n - p->pos.idx >= k - 1 && memcmp(cursor(p), ops[i], k - 1) == 0) {
            advance(p, k - 1);
            if (lex_blank(p)) {
                p->tok = pstrndup(p, ops[i], k - 1);
                return 1;
            }
            p->pos = save;
        }
    }
    return 0;
}

static int lex_transformer(struct parser *p)
{
    for (size_t i = 0; transformers[i]; i++)
        if (lex_str(p, transformers[i]))
            return 1;
    return 0;
}

static struct cnode *mknode(struct parser *p, enum cn_kind k, struct cpos pos)
{
    struct cnode *n = palloc(p, sizeof(*n));
    n->kind = k;
    n->pos = pos;
    return n;
}

/* growable child vector in the arena */
struct kids {
    struct cnode **v;
    size_t n, cap;
};
static void kids_push(struct parser *p, struct kids *k, struct cnode *c)
{
    if (k->n == k->cap) {
        size_t cap = k->cap ? k->cap * 2 : 4;
        struct cnode **v = palloc(p, cap * sizeof(*v));
        if (k->n)
            memcpy(v, k->v, k->n * sizeof(*v));
        k->v = v;
        k->cap = cap;
    }
    k->v[k->n++] = c;
}

static struct cnode *parse_or(struct parser *p);

static const char *tname(const char *tok) /* "tolower(" -> "tolower" */
{
    return tok;
}

static const char *parse_optional_arg(struct parser *p)
{
    if (!lex_str(p, "["))
        return NULL;
    if (!lex_quoted(p) && !lex_field_arg_bare(p))
        fail(p, "expected a valid field argument: a quoted string or a bare string");
    const char *arg = p->tok;
    if (!lex_str(p, "]"))
        fail(p, "expected a ']' token");
    return arg;
}

static struct cnode *parse_field_rest(struct parser *p, const char *name, struct cpos pos)
{
    enter(p);
    struct cnode *f = mknode(p, CN_FIELD, pos);
    f->str = name;
    f->arg = parse_optional_arg(p);
    leave(p);
    return f;
}

static struct cnode *parse_transformer_rest(struct parser *p, const char *name, struct cpos pos);

static struct cnode *parse_tlist_arg(struct parser *p, struct cpos pos)
{
    if (lex_field_name(p))
        return parse_field_rest(p, p->tok, pos);
    if (lex_transformer(p)) {
        lex_blank(p);
        const char *t = pstrndup(p, p->tok, strlen(p->tok) - 1);
        return parse_transformer_rest(p, t, pos);
    }
    if (lex_quoted(p) || lex_hex(p) || lex_num(p)) {
        struct cnode *v = mknode(p, CN_VALUE, pos);
        v->str = p->tok;
        return v;
    }
    fail(p, "expected transformer list argument: field, transformer, quoted string, or number");
}

static struct cnode *parse_tlist(struct parser *p, struct cpos pos)
{
    struct kids k = {0};
    struct cnode *l = mknode(p, CN_TLIST, pos);
    lex_blank(p);
    if (!lex_str(p, ")")) {
        kids_push(p, &k, parse_tlist_arg(p, pos));
        lex_blank(p);
        while (lex_str(p, ",")) {
            lex_blank(p);
            kids_push(p, &k, parse_tlist_arg(p, pos));
            lex_blank(p);
        }
        if (!lex_str(p, ")"))
            fail(p, "expected ')'");
    }
    l->kids = k.v;
    l->nkids = k.n;
    return l;
}

static struct cnode *parse_transformer_arg(struct parser *p, struct cpos pos)
{
    enter(p);
    struct cnode *r;
    lex_blank(p);
    if (lex_hex(p) || lex_num(p) || lex_quoted(p)) {
        r = mknode(p, CN_VALUE, pos);
        r->str = p->tok;
    } else if (lex_str(p, "(")) {
        r = parse_tlist(p, pos);
    } else if (lex_transformer(p)) {
        const char *t = pstrndup(p, p->tok, strlen(p->tok) - 1);
        r = parse_transformer_rest(p, t, pos);
    } else if (lex_field_name(p)) {
        r = parse_field_rest(p, p->tok, pos);
    } else {
        fail(p, "expected field transformer argument: field, transformer, quoted string, number, "
                "or transformer list");
    }
    leave(p);
    return r;
}

static struct cnode *parse_transformer_rest(struct parser *p, const char *name, struct cpos pos)
{
    enter(p);
    lex_blank(p);
    struct kids k = {0};
    do {
        kids_push(p, &k, parse_transformer_arg(p, p->pos));
        lex_blank(p);
    } while (lex_str(p, ","));
    lex_blank(p);
    if (!lex_str(p, ")"))
        fail(p, "expected a ')' token closing the transformer");
    struct cnode *t = mknode(p, CN_TRANSFORMER, pos);
    t->str = tname(name);
    t->kids = k.v;
    t->nkids = k.n;
    t->arg = parse_optional_arg(p);
    leave(p);
    return t;
}

static const char *const tr_names_msg = "'val'"
#define COND_TR(id, name, evaluated) ", '" name "'"
#include "cond_transformers.def"
#undef COND_TR
    ;

/* val(field) or transformer(...), else NULL */
static struct cnode *try_transformer_or_val(struct parser *p)
{
    enter(p);
    lex_blank(p);
    struct cpos pos = p->pos;
    struct cnode *r = NULL;
    if (lex_str(p, "val(")) {
        lex_blank(p);
        struct cpos fpos = p->pos;
        if (!lex_field_name(p))
            fail(p, "expected a field within 'val' transformer");
        struct cnode *f = parse_field_rest(p, p->tok, fpos);
        lex_blank(p);
        if (!lex_str(p, ")"))
            fail(p, "expected a ')' token closing the transformer");
        r = mknode(p, CN_TRANSFORMER, pos);
        r->str = "val";
        r->kids = palloc(p, sizeof(*r->kids));
        r->kids[0] = f;
        r->nkids = 1;
        r->arg = parse_optional_arg(p);
    } else if (lex_transformer(p)) {
        lex_blank(p);
        const char *t = pstrndup(p, p->tok, strlen(p->tok) - 1);
        r = parse_transformer_rest(p, t, pos);
    }
    leave(p);
    return r;
}

static struct cnode *parse_str_value(struct parser *p, int no_transformer)
{
    enter(p);
    lex_blank(p);
    struct cpos pos = p->pos;
    struct cnode *r = NULL;
    if (!no_transformer)
        r = try_transformer_or_val(p);
    if (!r) {
        if (lex_quoted(p) || lex_bare_str(p)) {
            r = mknode(p, CN_VALUE, pos);
            r->str = p->tok;
        } else if (no_transformer) {
            fail(p, "expected a string value");
        } else {
            fail(p, "expected a string value or a field with a valid transformer: %s",
                 tr_names_msg);
        }
    }
    leave(p);
    return r;
}

static struct cnode *try_list(struct parser *p)
{
    struct cpos pos = p->pos;
    if (!lex_str(p, "("))
        return NULL;
    size_t cap = 8, n = 0;
    const char **vals = palloc(p, cap * sizeof(*vals));
    lex_blank(p);
    /* a list may be empty: a value must start with a quote or a bare-string char */
    struct cpos save = p->pos;
    int empty = 0;
    if (!lex_quoted(p) && !lex_bare_str(p))
        empty = 1;
    p->pos = save;
    if (!empty) {
        for (;;) {
            struct cnode *v = parse_str_value(p, 1);
            if (n == cap) {
                const char **nv = palloc(p, cap * 2 * sizeof(*nv));
                memcpy(nv, vals, n * sizeof(*nv));
                vals = nv;
                cap *= 2;
            }
            vals[n++] = v->str;
            lex_blank(p);
            if (!lex_str(p, ","))
                break;
        }
    }
    if (!lex_str(p, ")"))
        fail(p, "expected a ')' token");
    struct cnode *l = mknode(p, CN_LIST, pos);
    l->vals = vals;
    l->nvals = n;
    return l;
}

static struct cnode *parse_list_value(struct parser *p, int allow_transformer)
{
    enter(p);
    lex_blank(p);
    struct cpos pos = p->pos;
    struct cnode *r = try_list(p);
    if (!r && allow_transformer)
        r = try_transformer_or_val(p);
    if (!r) {
        if (lex_identifier(p)) {
            r = mknode(p, CN_VALUE, pos);
            r->str = p->tok;
        } else if (allow_transformer) {
            fail(p, "expected a list, an identifier, or a field with a valid transformer: %s",
                 tr_names_msg);
        } else {
            fail(p, "expected a list or an identifier");
        }
    }
    leave(p);
    return r;
}

static int list_value_follows(struct parser *p)
{
    if (cur(p) == '(')
        return 1;
    return ident_len(cursor(p), p->n - p->pos.idx) > 0;
}

static int bool_keyword_follows(struct parser *p)
{
    static const char *const kw[] = {"and", "or", "not"};
    const char *q = cursor(p);
    size_t avail = p->n - p->pos.idx;
    for (int i = 0; i < 3; i++) {
        size_t k = strlen(kw[i]);
        if (avail >= k && memcmp(q, kw[i], k) == 0 && (avail == k || !isalnum((unsigned char)q[k])))
            return 1;
    }
    return 0;
}

static struct cnode *parse_condition(struct parser *p, struct cnode *left, struct cpos pos)
{
    enter(p);
    lex_blank(p);
    struct cnode *c;
    if (lex_op_list(p, unary_ops)) {
        c = mknode(p, CN_UCHECK, pos);
        c->str = "exists";
        c->kids = palloc(p, sizeof(*c->kids));
        c->kids[0] = left;
        c->nkids = 1;
        leave(p);
        return c;
    }
    lex_blank(p);
    const char *op;
    struct cnode *right;
    if (lex_op_list(p, num_ops)) {
        op = p->tok;
        lex_blank(p);
        struct cpos vpos = p->pos;
        right = try_transformer_or_val(p);
        if (!right) {
            if (lex_hex(p) || lex_num(p)) {
                right = mknode(p, CN_VALUE, vpos);
                right->str = p->tok;
            } else {
                fail(p, "expected a number value or a field with a valid transformer: %s",
                     tr_names_msg);
            }
        }
    } else if (lex_op_list(p, str_ops)) {
        op = p->tok;
        int had_blank = isalpha((unsigned char)op[0]) || lex_blank(p);
        struct cpos save = p->pos;
        const char *save_tok = p->tok;
        if (had_blank && lex_op_list(p, mod_ops) && list_value_follows(p) &&
            !bool_keyword_follows(p)) {
            size_t a = strlen(op), b = strlen(p->tok);
            char *o = palloc(p, a + b + 2);
            memcpy(o, op, a);
            o[a] = ' ';
            memcpy(o + a + 1, p->tok, b + 1);
            op = o;
            right = parse_list_value(p, 0);
        } else {
            p->pos = save;
            p->tok = save_tok;
            right = parse_str_value(p, 0);
        }
    } else if (lex_op_list(p, list_ops)) {
        op = p->tok;
        right = parse_list_value(p, 1);
    } else {
        fail(p, "expected a valid check operator: one of 'exists', '<=', '<', '>=', '>', '==', "
                "'=', '!=', 'glob', 'iglob', 'contains', 'icontains', 'bcontains', "
                "'startswith', 'bstartswith', 'endswith', 'regex', 'intersects', 'in', "
                "'pmatch'");
    }
    c = mknode(p, CN_BCHECK, pos);
    c->str = op;
    c->kids = palloc(p, 2 * sizeof(*c->kids));
    c->kids[0] = left;
    c->kids[1] = right;
    c->nkids = 2;
    leave(p);
    return c;
}

static struct cnode *parse_embedded(struct parser *p)
{
    enter(p);
    lex_blank(p);
    struct cnode *c = parse_or(p);
    lex_blank(p);
    if (!lex_str(p, ")"))
        fail(p, "expected a ')' token");
    leave(p);
    return c;
}

static struct cnode *parse_check(struct parser *p)
{
    enter(p);
    struct cpos pos = p->pos;
    struct cnode *r;
    lex_blank(p);
    if (lex_str(p, "(")) {
        r = parse_embedded(p);
    } else if (lex_field_name(p)) {
        struct cnode *left = parse_field_rest(p, p->tok, pos);
        r = parse_condition(p, left, pos);
    } else if (lex_transformer(p)) {
        lex_blank(p);
        const char *t = pstrndup(p, p->tok, strlen(p->tok) - 1);
        struct cnode *left = parse_transformer_rest(p, t, pos);
        r = parse_condition(p, left, pos);
    } else if (lex_identifier(p)) {
        r = mknode(p, CN_IDENT, pos);
        r->str = p->tok;
    } else {
        fail(p, "expected a '(' token, a field check, or an identifier");
    }
    leave(p);
    return r;
}

static int lex_not_blank(struct parser *p)
{
    const char *q = cursor(p);
    size_t avail = p->n - p->pos.idx;
    if (avail < 4 || memcmp(q, "not", 3) != 0 || !is_space(q[3]))
        return 0;
    size_t k = 3;
    while (k < avail && is_space(q[k]))
        k++;
    take(p, k);
    return 1;
}

static struct cnode *parse_not(struct parser *p)
{
    enter(p);
    struct cpos pos = p->pos;
    int neg = 0;
    lex_blank(p);
    while (lex_not_blank(p))
        neg = !neg;
    struct cnode *child;
    if (lex_str(p, "not(")) {
        neg = !neg;
        child = parse_embedded(p);
    } else {
        child = parse_check(p);
    }
    leave(p);
    if (!neg)
        return child;
    struct cnode *n = mknode(p, CN_NOT, pos);
    n->kids = palloc(p, sizeof(*n->kids));
    n->kids[0] = child;
    n->nkids = 1;
    return n;
}

static struct cnode *parse_and(struct parser *p)
{
    enter(p);
    struct cpos pos = p->pos;
    struct kids k = {0};
    lex_blank(p);
    kids_push(p, &k, parse_not(p));
    lex_blank(p);
    while (lex_str(p, "and")) {
        struct cnode *c;
        if (!lex_blank(p)) {
            if (lex_str(p, "("))
                c = parse_embedded(p);
            else
                fail(p, "expected blank or '(' after 'and'");
        } else {
            c = parse_not(p);
        }
        kids_push(p, &k, c);
        lex_blank(p);
    }
    leave(p);
    if (k.n == 1)
        return k.v[0];
    struct cnode *n = mknode(p, CN_AND, pos);
    n->kids = k.v;
    n->nkids = k.n;
    return n;
}

static struct cnode *parse_or(struct parser *p)
{
    enter(p);
    struct cpos pos = p->pos;
    struct kids k = {0};
    lex_blank(p);
    kids_push(p, &k, parse_and(p));
    lex_blank(p);
    while (lex_str(p, "or")) {
        struct cnode *c;
        if (!lex_blank(p)) {
            if (lex_str(p, "("))
                c = parse_embedded(p);
            else
                fail(p, "expected blank or '(' after 'or'");
        } else {
            c = parse_and(p);
        }
        kids_push(p, &k, c);
        lex_blank(p);
    }
    leave(p);
    if (k.n == 1)
        return k.v[0];
    struct cnode *n = mknode(p, CN_OR, pos);
    n->kids = k.v;
    n->nkids = k.n;
    return n;
}

static void parser_init(struct parser *p, struct arena *a, const char *text, unsigned max_depth,
                        struct cparse_err *err)
{
    memset(p, 0, sizeof(*p));
    p->s = text;
    p->n = strlen(text);
    p->pos.line = 1;
    p->pos.col = 1;
    p->tok = "";
    p->max_depth = max_depth ? max_depth : 100;
    p->a = a;
    p->err = err;
    memset(err, 0, sizeof(*err));
}

struct cnode *cond_parse_expr(struct arena *a, const char *text, size_t *used,
                              struct cparse_err *err)
{
    struct parser p;
    parser_init(&p, a, text, 0, err);
    if (setjmp(p.jb))
        return NULL;
    struct cpos pos = p.pos;
    struct cnode *r;
    if (lex_transformer(&p)) {
        lex_blank(&p);
        const char *t = pstrndup(&p, p.tok, strlen(p.tok) - 1);
        r = parse_transformer_rest(&p, t, pos);
    } else if (lex_field_name(&p)) {
        r = parse_field_rest(&p, p.tok, pos);
    } else {
        fail(&p, "expected a field or a transformer");
    }
    *used = p.pos.idx;
    return r;
}

struct cnode *cond_parse(struct arena *a, const char *text, unsigned max_depth,
                         struct cparse_err *err)
{
    struct parser p;
    parser_init(&p, a, text, max_depth, err);
    if (setjmp(p.jb))
        return NULL;
    if (p.n == 0)
        fail(&p, "filter input string is empty");
    struct cnode *root = parse_or(&p);
    if (p.pos.idx != p.n)
        fail(&p, "unexpected token after '%.200s', expecting 'or', 'and'", p.tok);
    return root;
}

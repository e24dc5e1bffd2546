/* Rules compiler: everything collected so far into evaluable rules, as Falco's
 * compile_list_infos / compile_macros_infos / compile_rule_infos do it:
 *   lists: list-in-list (one level, visibility ordered);
 *   macros: lists substituted as text, parsed, macro references resolved on the AST with
 *           visibility order, reference loops detected;
 *   rules: exceptions appended to the condition, lists substituted, parsed, every macro
 *          visible, compiled into a program, event types computed, output checked;
 *   then unused macro/list warnings. The first error stops the build. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "rules_load.h"

struct bl {
    struct loader *ld;
    struct arena a;       /* parse trees, expanded texts */
    const char ***citems; /* compiled list items */
    size_t *ncitems;
    int *list_used;
    uint32_t *list_hash;           /* list_name_hash of each list's name */
    struct cnode **mast;           /* macro ASTs */
    int *macro_used, *macro_state; /* state: 0 raw, 1 resolving, 2 resolved */
    struct fmt *pending_fmt;
    jmp_buf jb;
};

static _Noreturn void bthrow(struct bl *b, int code, const struct rctx *c, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static _Noreturn void bthrow(struct bl *b, int code, const struct rctx *c, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    ld_diag(b->ld, code, msg, c);
    longjmp(b->jb, 1);
}

/* Ends the build with "out of memory" (bthrow does not return). */
static _Noreturn void bthrow_oom(struct bl *b)
{
    struct rctx c;
    rctx_root(&c, b->ld->nfiles ? b->ld->files[b->ld->nfiles - 1].name : "");
    bthrow(b, LOAD_ERR_VALIDATE, &c, "out of memory");
}

static void *balloc(struct bl *b, size_t n)
{
    void *p = arena_alloc(&b->a, n);
    if (!p)
        bthrow_oom(b);
    return p;
}

/* ---- text helpers ---- */
static void quote_item(struct sbuf *s, const char *e)
{
    if (strchr(e, ' ') && e[0] != '"' && e[0] != '\'') {
        sb_putc(s, '"');
        sb_puts(s, e);
        sb_putc(s, '"');
    } else {
        sb_puts(s, e);
    }
}

static int is_list_op(const char *op)
{
    if (!strcmp(op, "in") || !strcmp(op, "intersects") || !strcmp(op, "pmatch"))
        return 1;
    enum cop o;
    enum cmod m;
    return cop_parse(op, &o, &m) == 0 && m != MOD_NONE;
}

static void build_exceptions(struct bl *b, const struct rule_info *r, struct sbuf *cond)
{
    struct sbuf out;
    sb_init(&out);
    sb_putc(&out, '(');
    sb_puts(&out, sb_str(cond));
    sb_putc(&out, ')');
    for (size_t i = 0; i < r->nexc; i++) {
        const struct exc_info *ex = &r->exc[i];
        struct sbuf ic;
        sb_init(&ic);
        if (!ex->fields.is_list) {
            for (size_t j = 0; j < ex->nvalues; j++) {
                const struct exc_entry *v = &ex->values[j];
                if (v->is_list) {
                    sb_free(&ic);
                    sb_free(&out);
                    sb_free(cond);
                    bthrow(b, LOAD_ERR_VALIDATE, &ex->ctx,
                           "Expected values array to contain a list of strings");
                }
                if (!ic.len) {
                    sb_putc(&ic, '(');
                    sb_puts(&ic, ex->fields.item);
                    sb_putc(&ic, ' ');
                    sb_puts(&ic, ex->comps.item);
                    sb_puts(&ic, " (");
                } else {
                    sb_puts(&ic, ", ");
                }
                quote_item(&ic, v->item);
            }
            if (ic.len)
                sb_puts(&ic, "))");
        } else {
            sb_putc(&ic, '(');
            for (size_t j = 0; j < ex->nvalues; j++) {
                const struct exc_entry *vals = &ex->values[j];
                size_t nv = vals->is_list ? vals->nitems : 1;
                if (nv != ex->fields.nitems) {
                    sb_free(&ic);
                    sb_free(&out);
                    sb_free(cond);
                    bthrow(b, LOAD_ERR_VALIDATE, &ex->ctx,
                           "Fields and values lists must have equal length");
                }
                if (j)
                    sb_puts(&ic, " or ");
                sb_putc(&ic, '(');
                for (size_t k = 0; k < ex->fields.nitems; k++) {
                    const struct exc_entry *v = vals->is_list ? &vals->items[k] : vals;
                    if (k)
                        sb_puts(&ic, " and ");
                    sb_putc(&ic, ' ');
                    sb_puts(&ic, ex->fields.items[k].item ? ex->fields.items[k].item : "");
                    sb_putc(&ic, ' ');
                    const char *comp = ex->comps.items[k].item;
                    sb_puts(&ic, comp);
                    sb_putc(&ic, ' ');
                    if (v->is_list) {
                        sb_putc(&ic, '(');
                        for (size_t m = 0; m < v->nitems; m++) {
                            if (m)
                                sb_puts(&ic, ", ");
                            quote_item(&ic, v->items[m].item ? v->items[m].item : "");
                        }
                        sb_putc(&ic, ')');
                    } else if (is_list_op(comp)) {
                        if (v->item[0] != '(') {
                            sb_putc(&ic, '(');
                            sb_puts(&ic, v->item);
                            sb_putc(&ic, ')');
                        } else {
                            sb_puts(&ic, v->item);
                        }
                    } else {
                        quote_item(&ic, v->item);
                    }
                }
                sb_putc(&ic, ')');
            }
            sb_putc(&ic, ')');
            if (ic.len == 2) {
                ic.len = 0;
                ic.p[0] = '\0';
            }
        }
        if (ic.len) {
            sb_puts(&out, " and not ");
            sb_puts(&out, sb_str(&ic));
        }
        sb_free(&ic);
    }
    sb_free(cond);
    *cond = out;
}

/* The words of a condition (runs between resolve_list's delimiters), as a small hash set of
 * 64-bit hashes: a false positive only costs the text search it replaces. */
#define WORDSET_BITS 8
struct wordset {
    uint32_t h[1u << WORDSET_BITS];
    size_t used;
    int all; /* too many words: every name may be there */
};

static uint32_t word_hash(const char *p, size_t n)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 16777619u;
    return h | 1; /* 0 marks an empty slot */
}

static void wordset_add(struct wordset *w, const char *text)
{
    static const char delims[] = " \t\n\r(),=";
    size_t cap = (size_t)1 << WORDSET_BITS;
    for (const char *p = text ? text : ""; *p;) {
        size_t n = strcspn(p, delims);
        if (n) {
            uint32_t h = word_hash(p, n);
            size_t i = h & (cap - 1);
            while (w->h[i] && w->h[i] != h)
                i = (i + 1) & (cap - 1);
            if (!w->h[i] && !w->all) {
                if (++w->used > cap / 2) {
                    w->all = 1;
                    return;
                }
                w->h[i] = h;
            }
            p += n;
        } else {
            p++;
        }
    }
}

static void wordset_build(struct wordset *w, const char *text)
{
    memset(w, 0, sizeof *w);
    wordset_add(w, text);
}

/* The hash a name is looked up with: 0 for a name with a delimiter (then the text is searched) */
static uint32_t list_name_hash(const char *name)
{
    static const char delims[] = " \t\n\r(),=";
    return name[strcspn(name, delims)] ? 0 : word_hash(name, strlen(name));
}

static int wordset_may_have(const struct wordset *w, uint32_t h)
{
    if (w->all || !h)
        return 1;
    size_t cap = (size_t)1 << WORDSET_BITS;
    for (size_t i = h & (cap - 1); w->h[i]; i = (i + 1) & (cap - 1))
        if (w->h[i] == h)
            return 1;
    return 0;
}

/* Falco's textual list substitution. Returns 1 if the list was used. The words of what it
 * puts in the text are added to ws (a later list may be named by an item). */
static int resolve_list(struct sbuf *cnd, const char *name, const char *const *items, size_t n,
                        struct wordset *ws)
{
    static const char blanks[] = " \t\n\r";
    static const char delims[] = " \t\n\r(),=";
    size_t nl = strlen(name);
    int used = 0;
    if (!cnd->p || nl == 0)
        return 0;
    char *hit = strstr(cnd->p, name);
    while (hit) {
        size_t start = (size_t)(hit - cnd->p), end = start + nl;
        if ((start == 0 || strchr(delims, cnd->p[start - 1])) &&
            (end >= cnd->len || strchr(delims, cnd->p[end]))) {
            while (start > 0 && strchr(blanks, cnd->p[start - 1]))
                start--;
            while (end < cnd->len && strchr(blanks, cnd->p[end]))
                end++;
            struct sbuf sub;
            sb_init(&sub);
            for (size_t i = 0; i < n; i++) {
                if (sub.len)
                    sb_puts(&sub, ", ");
                quote_item(&sub, items[i]);
            }
            if (sub.len)
                wordset_add(ws, sb_str(&sub));
            if (!sub.len) {
                if (start > 0 && cnd->p[start - 1] == ',')
                    start--;
                else if (end < cnd->len && cnd->p[end] == ',')
                    end++;
            }
            struct sbuf nc;
            sb_init(&nc);
            if (start > 0) {
                sb_putn(&nc, cnd->p, start);
                sb_putc(&nc, ' ');
            }
            sb_puts(&nc, sb_str(&sub));
            sb_putc(&nc, ' ');
            if (end <= cnd->len)
                sb_puts(&nc, cnd->p + end);
            size_t sublen = sub.len;
            sb_free(&sub);
            int oom = nc.oom;
            sb_free(cnd);
            *cnd = nc;
            if (oom) {
                cnd->oom = 1;
                return used;
            }
            start += sublen + 1;
            used = 1;
            if (start + 1 > cnd->len)
                break;
            hit = strstr(cnd->p + start + 1, name);
            continue;
        }
        if (start + 1 > cnd->len)
            break;
        hit = strstr(cnd->p + start + 1, name);
    }
    return used;
}

/* Substitutes every list, parses. */
static struct cnode *parse_cond(struct bl *b, const char *text, const struct rctx *ctx,
                                const char **expanded)
{
    struct loader *ld = b->ld;
    struct sbuf s;
    sb_init(&s);
    sb_puts(&s, text);
    /* Only the lists whose name is one of the condition's words can be substituted: the words
     * are hashed once (a substitution adds the words it brings) instead of searching the text
     * for every list name. */
    struct wordset ws;
    wordset_build(&ws, s.p);
    for (size_t i = 0; i < ld->nlists; i++) {
        const char *name = ld->lists[i].name;
        if (!wordset_may_have(&ws, b->list_hash[i]))
            continue;
        if (resolve_list(&s, name, b->citems[i], b->ncitems[i], &ws))
            b->list_used[i] = 1;
    }
    if (s.oom) {
        sb_free(&s);
        bthrow(b, LOAD_ERR_VALIDATE, ctx, "out of memory");
    }
    char *t = arena_strdup(&b->a, sb_str(&s));
    sb_free(&s);
    if (!t)
        bthrow(b, LOAD_ERR_VALIDATE, ctx, "out of memory");
    *expanded = t;
    struct cparse_err err;
    struct cnode *ast = cond_parse(&b->a, t, 1000, &err);
    if (!ast) {
        struct rctx pc;
        rctx_cond(&pc, ctx, &b->a, t, err.pos.idx, err.pos.line, err.pos.col);
        bthrow(b, LOAD_ERR_COMPILE_CONDITION, &pc, "%s", err.msg);
    }
    return ast;
}

/* Replaces macro identifiers in place (macros with index < visibility are visible). */
static void resolve_macros(struct bl *b, struct cnode **slot, uint32_t visibility, const char *cond,
                           const struct rctx *ctx, int depth)
{
    struct cnode *n = *slot;
    if (depth > 2000) {
        struct rctx pc;
        rctx_cond(&pc, ctx, &b->a, cond, n->pos.idx, n->pos.line, n->pos.col);
        bthrow(b, LOAD_ERR_VALIDATE, &pc, "macro expansion too deep");
    }
    switch (n->kind) {
    case CN_AND:
    case CN_OR:
    case CN_NOT:
        for (size_t i = 0; i < n->nkids; i++)
            resolve_macros(b, &n->kids[i], visibility, cond, ctx, depth + 1);
        return;
    case CN_IDENT: {
        struct loader *ld = b->ld;
        struct macro_info *m = ld_find_macro(ld, n->str);
        if (m && m->index >= visibility)
            m = NULL;
        size_t mi = m ? (size_t)(m - ld->macros) : 0;
        if (!m) {
            struct rctx pc;
            rctx_cond(&pc, ctx, &b->a, cond, n->pos.idx, n->pos.line, n->pos.col);
            bthrow(b, LOAD_ERR_VALIDATE, &pc, "Undefined macro '%s' used in filter.", n->str);
        }
        if (b->macro_state[mi] == 1) {
            struct rctx pc;
            rctx_cond(&pc, ctx, &b->a, cond, n->pos.idx, n->pos.line, n->pos.col);
            bthrow(b, LOAD_ERR_VALIDATE, &pc, "reference loop in macro '%s'", m->name);
        }
        b->macro_used[mi] = 1;
        *slot = b->mast[mi];
        if (b->macro_state[mi] == 0) {
            b->macro_state[mi] = 1;
            resolve_macros(b, &b->mast[mi], visibility, cond, ctx, depth + 1);
            *slot = b->mast[mi];
            b->macro_state[mi] = 0;
        }
        return;
    }
    default:
        return;
    }
}

/* Expanded trees share macro subtrees, so their depth can exceed the parser's limit many times
 * over; every later walk is recursive, so bound it here (memoized per node). */
#define MAX_EXPANDED_DEPTH 5000
static int depth_of(struct cnode *n, int lvl)
{
    if (n->depth)
        return n->depth;
    if (lvl > MAX_EXPANDED_DEPTH)
        return MAX_EXPANDED_DEPTH + 1;
    int m = 0;
    for (size_t i = 0; i < n->nkids; i++) {
        int d = depth_of(n->kids[i], lvl + 1);
        if (d > m)
            m = d;
        if (m > MAX_EXPANDED_DEPTH)
            return m + 1;
    }
    n->depth = m + 1;
    return n->depth;
}

static int err_is_unknown(const char *e)
{
    return strstr(e, "nonexistent field") || strstr(e, "invalid formatting token") ||
           strstr(e, "unknown event type") || strstr(e, "unknown filter:");
}

static const char *const deprecated_fields[] = {"evt.dir",           "evt.latency",
                                                "evt.latency.s",     "evt.latency.ns",
                                                "evt.latency.human", "evt.wait_latency"};

static const char *const deprecated_descs[] = {
    "due to the drop of enter events, 'evt.dir = <' always evaluates to true, and 'evt.dir = >' "
    "always evaluates to false. The rule expression can be simplified by removing the condition "
    "on 'evt.dir'",
    "field is not available due to the drop of enter events.",
    "field is not available due to the drop of enter events.",
    "field is not available due to the drop of enter events.",
    "field is not available due to the drop of enter events.",
    "field is not available due to the drop of enter events."};

/* Which deprecated fields an expanded condition uses (bit i = deprecated_fields[i]); visits at
 * most *budget nodes (shared macro trees make the tree a DAG). */
static unsigned deprecated_in(const struct cnode *n, long *budget)
{
    if (!n || --*budget < 0)
        return 0;
    unsigned m = 0;
    if (n->kind == CN_FIELD) {
        for (size_t k = 0; k < sizeof(deprecated_fields) / sizeof(deprecated_fields[0]); k++)
            if (strcmp(n->str, deprecated_fields[k]) == 0)
                m |= 1u << k;
        return m;
    }
    for (size_t i = 0; i < n->nkids; i++)
        m |= deprecated_in(n->kids[i], budget);
    return m;
}

static int exc_details(struct arena *a, const struct rule_info *r, struct rs_rule *o)
{
    size_t cap = 1;
    for (size_t k = 0; k < r->nexc; k++) {
        const struct exc_entry *c = &r->exc[k].comps;
        cap += c->is_list ? c->nitems : 1;
        for (size_t j = 0; c->is_list && j < c->nitems; j++)
            cap += c->items[j].nitems;
    }
    const char **names = calloc(r->nexc + 1, sizeof(*names));
    const char **ops = calloc(cap, sizeof(*ops));
    size_t nn = 0, no = 0;
    int rc = -1;
    if (names && ops) {
        for (size_t k = 0; k < r->nexc; k++) {
            const struct exc_info *e = &r->exc[k];
            int dup = 0;
            for (size_t j = 0; j < nn; j++)
                dup |= strcmp(names[j], e->name) == 0;
            if (!dup)
                names[nn++] = e->name;
            const struct exc_entry *c = &e->comps;
            const char *add[64];
            size_t na = 0;
            if (!c->is_list) {
                if (c->item)
                    add[na++] = c->item;
            } else {
                for (size_t j = 0; j < c->nitems && na < 64; j++) {
                    if (!c->items[j].is_list) {
                        if (c->items[j].item)
                            add[na++] = c->items[j].item;
                    } else {
                        for (size_t m = 0; m < c->items[j].nitems && na < 64; m++)
                            if (c->items[j].items[m].item)
                                add[na++] = c->items[j].items[m].item;
                    }
                }
            }
            for (size_t j = 0; j < na; j++) {
                int d2 = 0;
                for (size_t m = 0; m < no; m++)
                    d2 |= strcmp(ops[m], add[j]) == 0;
                if (!d2 && no < cap)
                    ops[no++] = add[j];
            }
        }
        rc = rs_strs_from(a, names, nn, &o->exc_names) | rs_strs_from(a, ops, no, &o->exc_ops);
    }
    free(names);
    free(ops);
    return rc ? -1 : 0;
}

/* Macros, lists and requirements for -L. */
static int describe_collector(struct bl *b, struct ruleset *out)
{
    struct loader *ld = b->ld;
    struct arena *a = &out->arena;
    out->macros = arena_alloc(a, (ld->nmacros + 1) * sizeof(*out->macros));
    out->lists = arena_alloc(a, (ld->nlists + 1) * sizeof(*out->lists));
    out->preqs = arena_alloc(a, (ld->npents + 1) * sizeof(*out->preqs));
    if (!out->macros || !out->lists || !out->preqs)
        return -1;
    for (size_t i = 0; i < ld->nmacros; i++) {
        struct rs_macro *m = &out->macros[i];
        uint8_t set[TT_EV_COUNT];
        cond_evtypes(b->mast[i], set);
        m->name = arena_strdup(a, ld->macros[i].name);
        m->cond = arena_strdup(a, ld->macros[i].cond);
        m->used = b->macro_used[i];
        if (!m->name || !m->cond ||
            (!ld->opts->no_details &&
             rs_details_fill(a, ld, ld->macros[i].cond, b->mast[i], set, &m->d) < 0))
            return -1;
    }
    out->nmacros = ld->nmacros;
    for (size_t i = 0; i < ld->nlists; i++) {
        struct rs_list *l = &out->lists[i];
        const struct list_info *li = &ld->lists[i];
        const char **items = calloc(li->nitems + 1, sizeof(*items));
        const char **refs = calloc(li->nitems + 1, sizeof(*refs));
        size_t ni = 0, nr = 0;
        int rc = -1;
        if (items && refs) {
            for (size_t j = 0; j < li->nitems; j++) {
                int in_compiled = 0;
                for (size_t k = 0; k < b->ncitems[i] && !in_compiled; k++)
                    in_compiled = strcmp(b->citems[i][k], li->items[j]) == 0;
                if (in_compiled)
                    items[ni++] = li->items[j];
                else
                    refs[nr++] = li->items[j];
            }
            l->name = arena_strdup(a, li->name);
            l->used = b->list_used[i];
            rc = rs_strs_from(a, items, ni, &l->items) | rs_strs_from(a, refs, nr, &l->lists) |
                 rs_strs_from(a, b->citems[i], b->ncitems[i], &l->compiled);
            /* items keep their written order */
            for (size_t j = 0; rc == 0 && j < ni; j++)
                l->items.v[j] = arena_strdup(a, items[j]);
        }
        free(items);
        free(refs);
        if (rc || !l->name)
            return -1;
    }
    out->nlists = ld->nlists;
    snprintf(out->engine_version, sizeof(out->engine_version), "%u.%u.%u", ld->req_version[0],
             ld->req_version[1], ld->req_version[2]);
    for (size_t i = 0; i < ld->npents; i++) {
        const struct plugin_entry *pe = &ld->pents[i];
        struct rs_plugin_req *q = &out->preqs[i];
        q->name = arena_strdup(a, pe->name);
        q->version = arena_strdup(a, pe->version);
        q->alt_names.v = arena_alloc(a, (pe->nalts + 1) * sizeof(char *));
        q->alt_versions.v = arena_alloc(a, (pe->nalts + 1) * sizeof(char *));
        if (!q->name || !q->version || !q->alt_names.v || !q->alt_versions.v)
            return -1;
        for (size_t k = 0; k < pe->nalts; k++) {
            q->alt_names.v[k] = arena_strdup(a, pe->alt_names[k]);
            q->alt_versions.v[k] = arena_strdup(a, pe->alt_versions[k]);
        }
        q->alt_names.n = q->alt_versions.n = pe->nalts;
    }
    out->npreqs = ld->npents;
    return 0;
}

static int rule_cmp_index(const void *x, const void *y)
{
    const struct rule_info *a = *(const struct rule_info *const *)x;
    const struct rule_info *c = *(const struct rule_info *const *)y;
    return a->index < c->index ? -1 : a->index > c->index;
}

static int do_build(struct bl *b, struct ruleset *out)
{
    struct loader *ld = b->ld;
    /* lists */
    for (size_t i = 0; i < ld->nlists; i++) {
        const struct list_info *l = &ld->lists[i];
        size_t n = 0;
        for (size_t j = 0; j < l->nitems; j++) {
            const struct list_info *ref = ld_find_list(ld, l->items[j]);
            n += (ref && ref->index < l->visibility) ? ref->nitems : 1;
        }
        const char **v = balloc(b, (n + 1) * sizeof(*v));
        size_t k = 0;
        for (size_t j = 0; j < l->nitems; j++) {
            const struct list_info *ref = ld_find_list(ld, l->items[j]);
            if (ref && ref->index < l->visibility) {
                b->list_used[ref - ld->lists] = 1;
                for (size_t m = 0; m < ref->nitems; m++)
                    v[k++] = ref->items[m];
            } else {
                v[k++] = l->items[j];
            }
        }
        b->citems[i] = v;
        b->ncitems[i] = k;
    }
    /* macros: parse all, then resolve in order */
    for (size_t i = 0; i < ld->nmacros; i++) {
        const char *exp;
        b->mast[i] = parse_cond(b, ld->macros[i].cond, &ld->macros[i].cond_ctx, &exp);
    }
    for (size_t i = 0; i < ld->nmacros; i++) {
        b->macro_state[i] = 1;
        resolve_macros(b, &b->mast[i], ld->macros[i].visibility, ld->macros[i].cond,
                       &ld->macros[i].ctx, 0);
        b->macro_state[i] = 2;
    }
    for (size_t i = 0; i < ld->nmacros; i++) {
        b->macro_state[i] = 2;
        if (depth_of(b->mast[i], 0) > MAX_EXPANDED_DEPTH)
            bthrow(b, LOAD_ERR_COMPILE_CONDITION, &ld->macros[i].cond_ctx,
                   "exceeded max depth limit of %d after macro expansion", MAX_EXPANDED_DEPTH);
    }

    /* rules in index order */
    const struct rule_info **order = balloc(b, (ld->nrules + 1) * sizeof(*order));
    for (size_t i = 0; i < ld->nrules; i++)
        order[i] = &ld->rules[i];
    qsort(order, ld->nrules, sizeof(*order), rule_cmp_index);

    struct arena *oa = out ? &out->arena : &b->a;
    struct cregs scratch_regs = {0};
    struct cregs *regs = out ? &out->regs : &scratch_regs;
    struct rs_rule *rules = NULL;
    size_t nout = 0;
    if (out) {
        rules = arena_alloc(oa, (ld->nrules + 1) * sizeof(*rules));
        if (!rules)
            bthrow_oom(b);
        out->rules = rules;
        out->nrules = 0;
    }
    int rc = 0;
    for (size_t ri = 0; ri < ld->nrules; ri++) {
        const struct rule_info *r = order[ri];
        if (r->unknown_source)
            continue;
        struct sbuf cond;
        sb_init(&cond);
        sb_puts(&cond, r->cond);
        if (r->nexc)
            build_exceptions(b, r, &cond);
        char *ctext = arena_strdup(oa, sb_str(&cond));
        sb_free(&cond);
        if (!ctext)
            bthrow(b, LOAD_ERR_VALIDATE, &r->ctx, "out of memory");

        /* output */
        const char *output = r->output;
        const char *ci = strstr(output, "%container.info");
        if (ci) {
            ld_diag(ld, LOAD_DEPRECATED_ITEM,
                    "%container.info is deprecated and no more useful, and will be dropped by "
                    "Falco 1.0.0. The container plugin will automatically add required fields "
                    "to the output message.",
                    &r->ctx);
            struct sbuf o;
            sb_init(&o);
            const char *p = output;
            while ((ci = strstr(p, "%container.info"))) {
                sb_putn(&o, p, (size_t)(ci - p));
                p = ci + strlen("%container.info");
            }
            sb_puts(&o, p);
            output = arena_strdup(&b->a, sb_str(&o));
            sb_free(&o);
            if (!output)
                bthrow(b, LOAD_ERR_VALIDATE, &r->ctx, "out of memory");
        }
        struct fmt *fmt = NULL;
        if (!ld->opts->no_output_compile) {
            char ferr[256] = "";
            fmt = fmt_compile(output, ferr, sizeof(ferr));
            if (!fmt) {
                if (err_is_unknown(ferr) && r->skip_unknown) {
                    ld_diag(ld, LOAD_UNKNOWN_FILTER, ferr, &r->output_ctx);
                    continue;
                }
                bthrow(b, LOAD_ERR_COMPILE_OUTPUT, &r->output_ctx, "%s", ferr);
            }
            if (!out) {
                fmt_free(fmt);
                fmt = NULL;
            }
        }
        for (size_t k = 0; k < sizeof(deprecated_fields) / sizeof(deprecated_fields[0]); k++)
            if (strstr(output, deprecated_fields[k])) {
                char msg[256];
                snprintf(msg, sizeof(msg),
                         "usage of deprecated field '%s' has been detected in the rule output",
                         deprecated_fields[k]);
                ld_diag_field(ld, deprecated_fields[k], msg, &r->output_ctx);
            }

        /* condition */
        const char *exp;
        struct cnode *ast;
        b->pending_fmt = fmt; /* freed by ld_build if the condition fails */
        ast = parse_cond(b, ctext, &r->cond_ctx, &exp);
        resolve_macros(b, &ast, UINT32_MAX, exp, &r->ctx, 0);
        if (depth_of(ast, 0) > MAX_EXPANDED_DEPTH)
            bthrow(b, LOAD_ERR_COMPILE_CONDITION, &r->cond_ctx,
                   "exceeded max depth limit of %d after macro expansion", MAX_EXPANDED_DEPTH);
        b->pending_fmt = NULL;
        {
            long budget = 100000;
            unsigned dm = deprecated_in(ast, &budget);
            struct rctx wc;
            rctx_cond(&wc, &r->cond_ctx, &b->a, exp, 0, 0, 0);
            for (size_t k = 0; k < sizeof(deprecated_fields) / sizeof(deprecated_fields[0]); k++)
                if (dm & (1u << k))
                    ld_diag_field(ld, deprecated_fields[k], deprecated_descs[k], &wc);
        }
        struct cprog prog;
        struct ccomp_err cerr;
        if (cond_compile(oa, regs, ld->fields, ast, &prog, &cerr) < 0) {
            if (fmt)
                fmt_free(fmt);
            struct rctx pc;
            rctx_cond(&pc, &r->cond_ctx, &b->a, exp, cerr.pos.idx, cerr.pos.line, cerr.pos.col);
            if (err_is_unknown(cerr.msg) && r->skip_unknown) {
                ld_diag(ld, LOAD_UNKNOWN_FILTER, cerr.msg, &pc);
                continue;
            }
            bthrow(b, LOAD_ERR_COMPILE_CONDITION, &pc, "%s", cerr.msg);
        }
        for (int k = 0; k < cerr.nwarn; k++) {
            struct rctx wc;
            rctx_cond(&wc, &r->cond_ctx, &b->a, exp, cerr.warn[k].pos.idx, cerr.warn[k].pos.line,
                      cerr.warn[k].pos.col);
            ld_diag(ld, LOAD_COMPILE_CONDITION, cerr.warn[k].msg, &wc);
        }
        uint8_t set[TT_EV_COUNT];
        cond_evtypes(ast, set);
        if (set[0] && r->warn_evttypes)
            ld_diag(ld, LOAD_NO_EVTTYPE,
                    "Rule matches too many evt.type values. This has a significant performance "
                    "penalty.",
                    &r->ctx);
        if (out) {
            struct rs_rule *o = &rules[nout++];
            out->nrules = nout;
            struct rule *p = &o->pub;
            p->name = arena_strdup(oa, r->name);
            p->desc = arena_strdup(oa, r->desc);
            p->priority = r->priority;
            p->source = arena_strdup(oa, r->source);
            const char **tags = arena_alloc(oa, (r->ntags + 1) * sizeof(*tags));
            for (size_t k = 0; tags && k < r->ntags; k++)
                tags[k] = arena_strdup(oa, r->tags[k]);
            p->tags = tags;
            p->ntags = r->ntags;
            p->output = arena_strdup(oa, output);
            p->fmt = fmt;
            p->condition = ctext;
            p->enabled = r->enabled;
            p->index = nout - 1;
            p->capture = r->capture;
            p->capture_duration = r->capture_duration;
            p->warn_evttypes = r->warn_evttypes;
            p->skip_if_unknown_filter = r->skip_unknown;
            p->file = arena_strdup(oa, r->file ? r->file : "");
            p->line = r->line;
            /* exception fields: sorted set */
            size_t nf = 0;
            for (size_t k = 0; k < r->nexc; k++)
                nf += r->exc[k].fields.is_list ? r->exc[k].fields.nitems : 1;
            const char **ef = arena_alloc(oa, (nf + 1) * sizeof(*ef));
            size_t m = 0;
            for (size_t k = 0; ef && k < r->nexc; k++) {
                const struct exc_info *ex = &r->exc[k];
                if (ex->fields.is_list) {
                    for (size_t j = 0; j < ex->fields.nitems; j++)
                        if (ex->fields.items[j].item)
                            ef[m++] = arena_strdup(oa, ex->fields.items[j].item);
                } else if (ex->fields.item) {
                    ef[m++] = arena_strdup(oa, ex->fields.item);
                }
            }
            p->exception_fields = ef;
            p->nexception_fields = m;
            o->prog = prog;
            memcpy(o->evset, set, sizeof(set));
            o->socket_domains = set[TT_EV_SOCKET] ? cond_socket_domains(ast) : 0;
            o->failed_exec = (uint8_t)((set[TT_EV_EXECVE] &&
                                        cond_can_match_failed(ast, TT_EV_EXECVE)) |
                                       (set[TT_EV_EXECVEAT] &&
                                        cond_can_match_failed(ast, TT_EV_EXECVEAT))
                                           << 1);
            o->any_type = set[0];
            o->info_cond = arena_strdup(oa, r->cond);
            o->info_output = arena_strdup(oa, r->output);
            o->info_enabled = r->enabled;
            if ((!ld->opts->no_details && (rs_details_fill(oa, ld, r->cond, ast, set, &o->d) < 0 ||
                                           exc_details(oa, r, o) < 0)) ||
                !o->info_cond || !o->info_output) {
                rc = -1;
                ld->oom = 1;
            }
            if (!p->name || !p->desc || !p->source || !tags || !p->output || !p->file || !ef) {
                rc = -1;
                ld->oom = 1;
            }
        }
    }
    if (!out)
        cregs_free(&scratch_regs);
    for (size_t i = 0; i < ld->nmacros; i++)
        if (!b->macro_used[i])
            ld_diag(ld, LOAD_UNUSED_MACRO, "Macro not referred to by any other rule/macro",
                    &ld->macros[i].ctx);
    for (size_t i = 0; i < ld->nlists; i++)
        if (!b->list_used[i])
            ld_diag(ld, LOAD_UNUSED_LIST, "List not referred to by any other rule/macro",
                    &ld->lists[i].ctx);
    if (out) {
        out->rules = rules;
        out->nrules = nout;
        if (rc == 0 && describe_collector(b, out) < 0) {
            rc = -1;
            ld->oom = 1;
        }
    }
    return rc;
}

int ld_build(struct loader *ld, struct ruleset *out)
{
    struct bl *b = calloc(1, sizeof(*b));
    if (!b)
        return -1;
    b->ld = ld;
    arena_init(&b->a);
    size_t nl = ld->nlists + 1, nm = ld->nmacros + 1;
    b->citems = calloc(nl, sizeof(*b->citems));
    b->ncitems = calloc(nl, sizeof(*b->ncitems));
    b->list_used = calloc(nl, sizeof(*b->list_used));
    b->list_hash = calloc(nl, sizeof(*b->list_hash));
    for (size_t i = 0; b->list_hash && i < ld->nlists; i++)
        b->list_hash[i] = list_name_hash(ld->lists[i].name);
    b->mast = calloc(nm, sizeof(*b->mast));
    b->macro_used = calloc(nm, sizeof(*b->macro_used));
    b->macro_state = calloc(nm, sizeof(*b->macro_state));
    int rc = -1;
    if (b->citems && b->ncitems && b->list_used && b->list_hash && b->mast && b->macro_used &&
        b->macro_state) {
        if (setjmp(b->jb) == 0)
            rc = do_build(b, out);
        else
            rc = -1;
    } else {
        ld->oom = 1;
    }
    if (b->pending_fmt)
        fmt_free(b->pending_fmt);
    if (rc < 0 && out) {
        /* free output formats compiled before the error */
        for (size_t i = 0; i < out->nrules; i++)
            if (out->rules[i].pub.fmt)
                fmt_free(out->rules[i].pub.fmt);
        out->nrules = 0;
    }
    free(b->citems);
    free(b->ncitems);
    free(b->list_used);
    free(b->list_hash);
    free(b->mast);
    free(b->macro_used);
    free(b->macro_state);
    arena_free(&b->a);
    free(b);
    return rc;
}

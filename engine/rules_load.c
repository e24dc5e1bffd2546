/* Rules files reader: YAML (libyaml, positions kept) into the collector, with Falco's item
 * kinds, key validation and merge semantics (redefinition in place, deprecated `append: true`,
 * `override` append/replace per key, standalone `enabled`). Loading a file stops at its first
 * error, like Falco. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "rules_load.h"

struct rd {
    struct loader *ld;
    size_t nentries; /* exception entries decoded (aliases can multiply them) */
    yaml_document_t *doc;
    const char *file;
    jmp_buf jb;
};

static _Noreturn void rd_throw(struct rd *r, int code, const struct rctx *c, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static _Noreturn void rd_throw(struct rd *r, int code, const struct rctx *c, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    ld_diag(r->ld, code, msg, c);
    longjmp(r->jb, 1);
}

static void rd_warn(struct rd *r, int code, const struct rctx *c, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void rd_warn(struct rd *r, int code, const struct rctx *c, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    ld_diag(r->ld, code, msg, c);
}

#define VTHROW(r, cond, c, ...)                                                                    \
    do {                                                                                           \
        if (cond)                                                                                  \
            rd_throw(r, LOAD_ERR_YAML_VALIDATE, c, __VA_ARGS__);                                   \
    } while (0)
#define ETHROW(r, cond, c, ...)                                                                    \
    do {                                                                                           \
        if (cond)                                                                                  \
            rd_throw(r, LOAD_ERR_VALIDATE, c, __VA_ARGS__);                                        \
    } while (0)

static void *rd_alloc(struct rd *r, size_t n)
{
    void *p = arena_alloc(&r->ld->a, n);
    if (!p) {
        r->ld->oom = 1;
        struct rctx c;
        rctx_root(&c, r->file);
        rd_throw(r, LOAD_ERR_VALIDATE, &c, "out of memory");
    }
    return p;
}

static const char *rd_strdup(struct rd *r, const char *s)
{
    char *p = rd_alloc(r, strlen(s) + 1);
    strcpy(p, s);
    return p;
}

static const char *rd_concat(struct rd *r, const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    char *p = rd_alloc(r, na + nb + 2);
    memcpy(p, a, na);
    p[na] = ' ';
    memcpy(p + na + 1, b, nb + 1);
    return p;
}

/* ---- YAML node helpers ---- */
static yaml_node_t *node(struct rd *r, int id)
{
    return yaml_document_get_node(r->doc, id);
}

static int is_scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE;
}

static int is_null(const yaml_node_t *n)
{
    if (!n)
        return 1;
    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return 0;
    const char *s = (const char *)n->data.scalar.value;
    return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL");
}

static const char *sval(const yaml_node_t *n)
{
    return (const char *)n->data.scalar.value;
}

static yaml_node_t *map_get(struct rd *r, yaml_node_t *m, const char *key)
{
    if (!m || m->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node(r, p->key);
        if (is_scalar(k) && strcmp(sval(k), key) == 0)
            return node(r, p->value);
    }
    return NULL;
}

static void npush(struct rctx *c, const struct rctx *parent, const char *type, const char *iname,
                  const yaml_node_t *n)
{
    rctx_push(c, parent, type, iname, (int)n->start_mark.line, (int)n->start_mark.column,
              n->start_mark.index);
}

static int decode_bool(const char *s, int *out)
{
    static const char *const t[] = {"y", "yes", "true", "on"};
    static const char *const f[] = {"n", "no", "false", "off"};
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(s, t[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (strcasecmp(s, f[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    return -1;
}

static int decode_u64(const char *s, uint64_t *out)
{
    if (!*s)
        return -1;
    const char *q = s;
    if (*q == '+')
        q++;
    if (!*q)
        return -1;
    uint64_t v = 0;
    for (; *q; q++) {
        if (!isdigit((unsigned char)*q))
            return -1;
        if (v > (UINT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (uint64_t)(*q - '0');
    }
    *out = v;
    return 0;
}

enum vkind { V_STR, V_BOOL, V_U64 };

/* Falco's decode_val: returns 1 if set, 0 if absent (optional). */
static int decode_val(struct rd *r, yaml_node_t *item, const char *key, enum vkind k, void *out,
                      const struct rctx *ctx, int optional, int can_be_empty)
{
    yaml_node_t *v = map_get(r, item, key);
    if (!v && optional)
        return 0;
    VTHROW(r, !v, ctx, "Item has no mapping for key '%s'", key);
    if (is_null(v) && can_be_empty) {
        if (k == V_STR)
            *(const char **)out = "";
        return 1;
    }
    VTHROW(r, is_null(v), ctx, "Mapping for key '%s' is empty", key);
    struct rctx vc;
    npush(&vc, ctx, "value for", key, v);
    VTHROW(r, !is_scalar(v), &vc, "Value is not a scalar value");
    const char *s = sval(v);
    if (!*s && can_be_empty) {
        if (k == V_STR)
            *(const char **)out = "";
        return 1;
    }
    VTHROW(r, !*s, &vc, "Value must be non-empty");
    switch (k) {
    case V_STR:
        *(const char **)out = rd_strdup(r, s);
        break;
    case V_BOOL:
        VTHROW(r, decode_bool(s, (int *)out) < 0, &vc, "Can't decode YAML scalar value");
        break;
    case V_U64:
        VTHROW(r, decode_u64(s, (uint64_t *)out) < 0, &vc, "Can't decode YAML scalar value");
        break;
    }
    return 1;
}

/* sequence of scalars under key; returns count, -1 if absent (optional) */
static long decode_seq(struct rd *r, yaml_node_t *item, const char *key, const char ***out,
                       const struct rctx *ctx, int optional)
{
    yaml_node_t *v = map_get(r, item, key);
    if (!v && optional)
        return -1;
    VTHROW(r, !v, ctx, "Item has no mapping for key '%s'", key);
    struct rctx vc;
    npush(&vc, ctx, "value for", key, v);
    VTHROW(r, v->type != YAML_SEQUENCE_NODE, &vc, "Value is not a sequence");
    size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
    const char **arr = rd_alloc(r, (n ? n : 1) * sizeof(*arr));
    size_t k = 0;
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
         it++) {
        yaml_node_t *e = node(r, *it);
        struct rctx ic;
        npush(&ic, &vc, "list item", "", e);
        VTHROW(r, !is_scalar(e), &ic, "sequence value is not scalar");
        arr[k++] = rd_strdup(r, sval(e));
    }
    *out = arr;
    return (long)k;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* sorted unique set */
static size_t make_set(const char **v, size_t n)
{
    if (n < 2)
        return n;
    qsort(v, n, sizeof(*v), cmp_str);
    size_t k = 1;
    for (size_t i = 1; i < n; i++)
        if (strcmp(v[i], v[k - 1]) != 0)
            v[k++] = v[i];
    return k;
}

static long decode_tags(struct rd *r, yaml_node_t *item, const char ***out, const struct rctx *ctx)
{
    long n = decode_seq(r, item, "tags", out, ctx, 1);
    if (n < 0)
        return -1;
    return (long)make_set(*out, (size_t)n);
}

/* ---- growable arrays in the arena ---- */
static void *grow(struct rd *r, void *v, size_t n, size_t *cap, size_t sz)
{
    if (n < *cap)
        return v;
    size_t nc = *cap ? *cap * 2 : 16;
    void *p = rd_alloc(r, nc * sz);
    if (n)
        memcpy(p, v, n * sz);
    *cap = nc;
    return p;
}

/* ---- overrides ---- */
#define MAXKEYS 16
struct keyset {
    const char *k[MAXKEYS];
    int n;
};
static int ks_has(const struct keyset *s, const char *k)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->k[i], k) == 0)
            return 1;
    return 0;
}
static void ks_add(struct keyset *s, const char *k)
{
    if (!ks_has(s, k) && s->n < MAXKEYS)
        s->k[s->n++] = k;
}
static void ks_del(struct keyset *s, const char *k)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->k[i], k) == 0) {
            s->k[i] = s->k[--s->n];
            return;
        }
}

static void decode_overrides(struct rd *r, yaml_node_t *item, const struct keyset *can_append,
                             const struct keyset *can_replace, struct keyset *out_append,
                             struct keyset *out_replace, const struct rctx *ctx)
{
    yaml_node_t *ov = map_get(r, item, "override");
    if (!ov)
        return;
    struct rctx oc;
    npush(&oc, ctx, "overrides", "", item);
    VTHROW(r, ov->type != YAML_MAPPING_NODE, &oc, "Value of override must be a map");
    for (yaml_node_pair_t *p = ov->data.mapping.pairs.start; p < ov->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node(r, p->key), *v = node(r, p->value);
        VTHROW(r, !is_scalar(k) || !is_scalar(v), &oc, "Override entries must be scalars");
        const char *key = rd_strdup(r, sval(k)), *op = sval(v);
        int ia = ks_has(can_append, key), ir = ks_has(can_replace, key);
        if (strcmp(op, "append") == 0) {
            struct rctx kc;
            npush(&kc, &oc, "overrides", key, k);
            VTHROW(r, !ia, &kc, "Key '%s' cannot be appended to, use 'replace' instead", key);
            ks_add(out_append, key);
        } else if (strcmp(op, "replace") == 0) {
            struct rctx kc;
            npush(&kc, &oc, "overrides", key, k);
            VTHROW(r, !ir, &kc, "Key '%s' cannot be replaced", key);
            ks_add(out_replace, key);
        } else {
            struct rctx vc;
            npush(&vc, &oc, "value for", key, v);
            rd_throw(r, LOAD_ERR_YAML_VALIDATE, &vc,
                     "Invalid override operation for key '%s': '%s'. Allowed values are: %s%s", key,
                     op, ia ? "append " : "", ir ? "replace " : "");
        }
    }
}

/* ---- exceptions ---- */
static void decode_exc_entry(struct rd *r, yaml_node_t *v, struct exc_entry *out,
                             const struct rctx *ctx, int depth)
{
    struct rctx vc;
    npush(&vc, ctx, "value for", "", v);
    /* aliases can make a sequence contain itself */
    VTHROW(r, depth > 16 || ++r->nentries > 200000, &vc, "Value nesting is too deep");
    if (is_scalar(v)) {
        VTHROW(r, !*sval(v), &vc, "Value must be non-empty");
        out->is_list = 0;
        out->item = rd_strdup(r, sval(v));
        return;
    }
    /* a mapping decodes to an empty scalar (yaml-cpp leaves the entry empty) */
    out->is_list = 0;
    out->item = "";
    if (v->type == YAML_SEQUENCE_NODE) {
        out->is_list = 1;
        out->item = NULL;
        size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
        out->items = rd_alloc(r, (n ? n : 1) * sizeof(*out->items));
        for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
             it++) {
            yaml_node_t *e = node(r, *it);
            struct rctx lc;
            npush(&lc, &vc, "exception", "", e);
            decode_exc_entry(r, e, &out->items[out->nitems++], &lc, depth + 1);
        }
    }
}

/* An exception's fields or comps: 1 when it is valid as Falco's entry::is_valid() says (a
 * non-empty scalar or a non-empty list). */
static int exc_key_entry(struct rd *r, yaml_node_t *node, struct exc_entry *out,
                         const struct rctx *ctx)
{
    decode_exc_entry(r, node, out, ctx, 0);
    return out->is_list ? out->nitems != 0 : *out->item != '\0';
}

static size_t read_exceptions(struct rd *r, yaml_node_t *item, struct exc_info **out,
                              const struct rctx *parent, int append)
{
    yaml_node_t *exs = map_get(r, item, "exceptions");
    *out = NULL;
    if (!exs || is_null(exs))
        return 0;
    struct rctx ec;
    npush(&ec, parent, "exceptions", "", exs);
    VTHROW(r, exs->type != YAML_SEQUENCE_NODE, &ec, "Rule exceptions must be a sequence");
    size_t n = (size_t)(exs->data.sequence.items.top - exs->data.sequence.items.start), k = 0;
    struct exc_info *v = rd_alloc(r, (n ? n : 1) * sizeof(*v));
    for (yaml_node_item_t *it = exs->data.sequence.items.start; it < exs->data.sequence.items.top;
         it++) {
        yaml_node_t *ex = node(r, *it);
        struct rctx tc;
        npush(&tc, &ec, "exception", "", ex);
        VTHROW(r, ex->type != YAML_MAPPING_NODE, &tc, "Rule exception must be a mapping");
        const char *name;
        decode_val(r, ex, "name", V_STR, &name, &tc, 0, 0);
        struct exc_info *e = &v[k];
        npush(&e->ctx, parent, "exception", name, ex);
        e->name = name;
        for (size_t i = 0; i < k; i++)
            if (strcmp(v[i].name, name) == 0)
                rd_warn(r, LOAD_EXCEPTION_NAME_NOT_UNIQUE, &e->ctx,
                        "Multiple definitions of exception '%s' in the same rule", name);
        yaml_node_t *f = map_get(r, ex, "fields");
        VTHROW(r, !f && !append, &e->ctx, "Item has no mapping for key 'fields'");
        if (f)
            e->has_fields = exc_key_entry(r, f, &e->fields, &e->ctx);
        yaml_node_t *cm = map_get(r, ex, "comps");
        if (cm)
            e->has_comps = exc_key_entry(r, cm, &e->comps, &e->ctx);
        yaml_node_t *vals = map_get(r, ex, "values");
        if (vals) {
            struct rctx vc;
            npush(&vc, &e->ctx, "exception values", "", vals);
            VTHROW(r, vals->type != YAML_SEQUENCE_NODE, &vc,
                   "Rule exception values must be a sequence");
            size_t nv = (size_t)(vals->data.sequence.items.top - vals->data.sequence.items.start);
            e->values = rd_alloc(r, (nv ? nv : 1) * sizeof(*e->values));
            for (yaml_node_item_t *vi = vals->data.sequence.items.start;
                 vi < vals->data.sequence.items.top; vi++) {
                yaml_node_t *val = node(r, *vi);
                struct rctx xc;
                npush(&xc, &vc, "exception value", "", val);
                decode_exc_entry(r, val, &e->values[e->nvalues++], &xc, 0);
            }
        } else if (append) {
            rd_warn(r, LOAD_APPEND_NO_VALUES, &e->ctx,
                    "Overriding/appending exception with no values");
        }
        k++;
    }
    *out = v;
    return k;
}

static void normalize_comp(struct rd *r, struct exc_entry *e)
{
    const char *s = e->item;
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        n--;
    char *p = rd_alloc(r, n + 1);
    memcpy(p, s, n);
    e->item = p;
}

static int is_op_defined(const char *op)
{
    enum cop o;
    enum cmod m;
    return cop_parse(op, &o, &m) == 0 && m == MOD_NONE;
}

static int is_op_with_modifier(const char *op)
{
    enum cop o;
    enum cmod m;
    return cop_parse(op, &o, &m) == 0 && m != MOD_NONE;
}

static int valid_lhs_field(struct rd *r, const char *f)
{
    /* a field expression as the left side: parse "<f> exists" and resolve */
    char err[256];
    struct fld_ref ref;
    const char *br = strchr(f, '[');
    if (br) {
        const char *end = strrchr(f, ']');
        if (!end || end < br || end[1])
            return 0;
        char name[256], arg[256];
        size_t nl = (size_t)(br - f), al = (size_t)(end - br - 1);
        if (nl >= sizeof(name) || al >= sizeof(arg))
            return 0;
        memcpy(name, f, nl);
        name[nl] = '\0';
        memcpy(arg, br + 1, al);
        arg[al] = '\0';
        return r->ld->fields->resolve(r->ld->fields->arg, name, arg, &ref, err, sizeof(err)) == 0;
    }
    return r->ld->fields->resolve(r->ld->fields->arg, f, NULL, &ref, err, sizeof(err)) == 0;
}

static void validate_exception(struct rd *r, struct exc_info *ex, int source_known)
{
    if (ex->fields.is_list) {
        if (!ex->has_comps) {
            ex->has_comps = 1;
            ex->comps.is_list = 1;
            ex->comps.nitems = ex->fields.nitems;
            ex->comps.items = rd_alloc(r, (ex->fields.nitems + 1) * sizeof(*ex->comps.items));
            for (size_t i = 0; i < ex->fields.nitems; i++)
                ex->comps.items[i].item = "=";
        }
        ETHROW(r, ex->fields.nitems != ex->comps.nitems, &ex->ctx,
               "Fields and comps lists must have equal length");
        for (size_t i = 0; i < ex->comps.nitems; i++) {
            struct exc_entry *c = &ex->comps.items[i];
            ETHROW(r, c->is_list || !c->item, &ex->ctx,
                   "'(list)' is not a supported comparison operator");
            normalize_comp(r, c);
            ETHROW(r, !is_op_defined(c->item) && !is_op_with_modifier(c->item), &ex->ctx,
                   "'%s' is not a supported comparison operator", c->item);
        }
        if (source_known)
            for (size_t i = 0; i < ex->fields.nitems; i++) {
                struct exc_entry *f = &ex->fields.items[i];
                ETHROW(r, f->is_list || !valid_lhs_field(r, f->item), &ex->ctx,
                       "'%s' is not a supported filter field", f->item ? f->item : "(list)");
            }
    } else {
        if (!ex->has_comps) {
            ex->has_comps = 1;
            ex->comps.is_list = 0;
            ex->comps.item = "in";
        }
        ETHROW(r, ex->comps.is_list, &ex->ctx, "Fields and comps must both be strings");
        normalize_comp(r, &ex->comps);
        const char *c = ex->comps.item;
        ETHROW(r,
               strcmp(c, "in") && strcmp(c, "pmatch") && strcmp(c, "intersects") &&
                   !is_op_with_modifier(c),
               &ex->ctx,
               "When fields is a single value, comps must be one of (in, pmatch, intersects) or "
               "a modifier operator (e.g. startswith oneof)");
        if (source_known)
            ETHROW(r, !valid_lhs_field(r, ex->fields.item), &ex->ctx,
                   "'%s' is not a supported filter field", ex->fields.item);
    }
}

/* ---- collector ---- */
static size_t name_hash(const char *s)
{
    size_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

typedef const char *(*name_at_fn)(struct loader *ld, uint32_t i);
static const char *list_name_at(struct loader *ld, uint32_t i)
{
    return ld->lists[i].name;
}
static const char *macro_name_at(struct loader *ld, uint32_t i)
{
    return ld->macros[i].name;
}
static const char *rule_name_at(struct loader *ld, uint32_t i)
{
    return ld->rules[i].name;
}

static long nmap_find(struct loader *ld, const struct nmap *m, name_at_fn at, const char *name)
{
    if (!m->cap)
        return -1;
    for (size_t h = name_hash(name) & (m->cap - 1);; h = (h + 1) & (m->cap - 1)) {
        uint32_t v = m->slot[h];
        if (!v)
            return -1;
        if (strcmp(at(ld, v - 1), name) == 0)
            return (long)(v - 1);
    }
}

/* Adds index i (whose name is at(i)); -1 on ENOMEM. */
static int nmap_add(struct loader *ld, struct nmap *m, name_at_fn at, uint32_t i)
{
    if ((m->n + 1) * 2 > m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        uint32_t *slot = calloc(cap, sizeof(*slot));
        if (!slot)
            return -1;
        for (size_t k = 0; k < m->cap; k++) {
            uint32_t v = m->slot[k];
            if (!v)
                continue;
            size_t h = name_hash(at(ld, v - 1)) & (cap - 1);
            while (slot[h])
                h = (h + 1) & (cap - 1);
            slot[h] = v;
        }
        free(m->slot);
        m->slot = slot;
        m->cap = cap;
    }
    size_t h = name_hash(at(ld, i)) & (m->cap - 1);
    while (m->slot[h])
        h = (h + 1) & (m->cap - 1);
    m->slot[h] = i + 1;
    m->n++;
    return 0;
}

void ld_free_maps(struct loader *ld)
{
    free(ld->lmap.slot);
    free(ld->mmap.slot);
    free(ld->rmap.slot);
    memset(&ld->lmap, 0, sizeof(ld->lmap));
    memset(&ld->mmap, 0, sizeof(ld->mmap));
    memset(&ld->rmap, 0, sizeof(ld->rmap));
}

struct list_info *ld_find_list(struct loader *ld, const char *name)
{
    long i = nmap_find(ld, &ld->lmap, list_name_at, name);
    return i < 0 ? NULL : &ld->lists[i];
}

struct macro_info *ld_find_macro(struct loader *ld, const char *name)
{
    long i = nmap_find(ld, &ld->mmap, macro_name_at, name);
    return i < 0 ? NULL : &ld->macros[i];
}

static struct rule_info *ld_find_rule(struct loader *ld, const char *name)
{
    long i = nmap_find(ld, &ld->rmap, rule_name_at, name);
    return i < 0 ? NULL : &ld->rules[i];
}

static void index_new(struct rd *r, struct nmap *m, name_at_fn at, size_t i)
{
    if (nmap_add(r->ld, m, at, (uint32_t)i) < 0) {
        struct rctx c;
        rctx_root(&c, r->file);
        r->ld->oom = 1;
        rd_throw(r, LOAD_ERR_VALIDATE, &c, "out of memory");
    }
}

static int source_known(const char *s)
{
    return strcmp(s, "syscall") == 0;
}

static struct rule_info *find_prev_rule(struct rd *r, const char *name, const char *source,
                                        const struct rctx *ctx)
{
    struct rule_info *p = ld_find_rule(r->ld, name);
    ETHROW(r, p && p->source[0] && source && source[0] && strcmp(p->source, source) != 0, ctx,
           "Rule has been re-defined with a different source");
    return p;
}

#define WARNING_APPEND                                                                             \
    "'append' key is deprecated. Add an 'append' entry (e.g. 'condition: append') under "          \
    "'override' instead."
#define WARNING_ENABLED                                                                            \
    "The standalone 'enabled' key usage is deprecated. The correct approach requires also a "      \
    "'replace' entry under the 'override' key (i.e. 'enabled: replace')."
#define ERROR_OVERRIDE_APPEND                                                                      \
    "Keys 'override' and 'append: true' cannot be used together. Add an 'append' entry (e.g. "     \
    "'condition: append') under 'override' instead."

static void warn_unknown_keys(struct rd *r, yaml_node_t *item, const char *const *expected,
                              const struct rctx *ctx)
{
    for (yaml_node_pair_t *p = item->data.mapping.pairs.start; p < item->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = node(r, p->key);
        if (!is_scalar(k))
            continue;
        int found = 0;
        for (size_t i = 0; expected[i] && !found; i++)
            found = strcmp(expected[i], sval(k)) == 0;
        if (!found)
            rd_warn(r, LOAD_UNKNOWN_KEY, ctx, "Unknown key '%s'. The key will be ignored.",
                    sval(k));
    }
}

static int valid_list_name(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (*s == '(' || *s == ')' || *s == '"' || *s == '\'' || isspace((unsigned char)*s) ||
            *s == '=' || *s == ',')
            return 0;
    return 1;
}

static int valid_macro_name(const char *s)
{
    if (!isalpha((unsigned char)*s))
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_')
            return 0;
    return 1;
}

/* semver x.y.z (digits), returns 0 ok */
static int parse_semver(const char *s, unsigned v[3])
{
    int n = 0;
    const char *q = s;
    for (int i = 0; i < 3; i++) {
        if (!isdigit((unsigned char)*q))
            return -1;
        unsigned long x = 0;
        while (isdigit((unsigned char)*q)) {
            x = x * 10 + (unsigned long)(*q - '0');
            if (x > 0xffffffu)
                return -1;
            q++;
        }
        v[i] = (unsigned)x;
        n++;
        if (i < 2) {
            if (*q != '.')
                return -1;
            q++;
        }
    }
    return (*q == '\0' || *q == '-' || *q == '+') && n == 3 ? 0 : -1;
}

static void read_engine_version(struct rd *r, yaml_node_t *item, const struct rctx *parent)
{
    struct rctx ctx;
    npush(&ctx, parent, "required_engine_version", "", item);
    const char *s;
    decode_val(r, item, "required_engine_version", V_STR, &s, &ctx, 0, 0);
    unsigned v[3];
    uint64_t n;
    if (decode_u64(s, &n) == 0 && n <= UINT32_MAX) {
        v[0] = 0;
        v[1] = (unsigned)n;
        v[2] = 0;
    } else {
        VTHROW(r, parse_semver(s, v) < 0, &ctx,
               "Unable to parse engine version '%s' as a semver string. Expected \"x.y.z\" "
               "semver format.",
               s);
    }
    unsigned cur[3] = {RULES_ENGINE_VERSION_MAJOR, RULES_ENGINE_VERSION_MINOR,
                       RULES_ENGINE_VERSION_PATCH};
    unsigned *mx = r->ld->req_version;
    if (v[0] > mx[0] || (v[0] == mx[0] && (v[1] > mx[1] || (v[1] == mx[1] && v[2] > mx[2])))) {
        mx[0] = v[0];
        mx[1] = v[1];
        mx[2] = v[2];
    }
    int ok = v[0] == cur[0] && (cur[1] > v[1] || (cur[1] == v[1] && cur[2] >= v[2]));
    ETHROW(r, !ok, &ctx, "Rules require engine version %u.%u.%u, but engine version is %u.%u.%u",
           v[0], v[1], v[2], cur[0], cur[1], cur[2]);
    static const char *const keys[] = {"required_engine_version", NULL};
    warn_unknown_keys(r, item, keys, &ctx);
}

static void read_plugin_versions(struct rd *r, yaml_node_t *item, const struct rctx *parent)
{
    yaml_node_t *req = map_get(r, item, "required_plugin_versions");
    struct rctx ctx;
    npush(&ctx, parent, "required plugin versions", "", req);
    VTHROW(r, req->type != YAML_SEQUENCE_NODE, &ctx,
           "Value of required_plugin_versions must be a sequence");
    for (yaml_node_item_t *it = req->data.sequence.items.start; it < req->data.sequence.items.top;
         it++) {
        yaml_node_t *pl = node(r, *it);
        struct rctx tc;
        npush(&tc, &ctx, "required plugin versions entry", "", pl);
        VTHROW(r, pl->type != YAML_MAPPING_NODE, &tc, "Plugin version must be a mapping");
        const char *name, *ver;
        decode_val(r, pl, "name", V_STR, &name, &tc, 0, 0);
        struct rctx pc;
        npush(&pc, &ctx, "required plugin versions entry", name, pl);
        decode_val(r, pl, "version", V_STR, &ver, &pc, 0, 0);
        unsigned v[3];
        ETHROW(r, parse_semver(ver, v) < 0, &pc, "Invalid required version '%s' for plugin '%s'",
               ver, name);
        const char *names[64];
        int nn = 0;
        names[nn++] = name;
        struct loader *pld = r->ld;
        pld->pents = grow(r, pld->pents, pld->npents, &pld->cappents, sizeof(*pld->pents));
        struct plugin_entry *pe = &pld->pents[pld->npents++];
        memset(pe, 0, sizeof(*pe));
        pe->name = name;
        pe->version = ver;
        yaml_node_t *alts0 = map_get(r, pl, "alternatives");
        size_t nalt0 =
            alts0 && alts0->type == YAML_SEQUENCE_NODE
                ? (size_t)(alts0->data.sequence.items.top - alts0->data.sequence.items.start)
                : 0;
        pe->alt_names = rd_alloc(r, (nalt0 + 1) * sizeof(*pe->alt_names));
        pe->alt_versions = rd_alloc(r, (nalt0 + 1) * sizeof(*pe->alt_versions));
        /* the built-in container metadata stands for the `container` plugin (any 0.x) */
        int satisfied = strcmp(name, "container") == 0 && v[0] == 0;
        char text[1024];
        snprintf(text, sizeof(text), "%s (>= %s)", name, ver);
        yaml_node_t *alts = map_get(r, pl, "alternatives");
        if (alts) {
            VTHROW(r, alts->type != YAML_SEQUENCE_NODE, &pc,
                   "Value of plugin version alternatives must be a sequence");
            for (yaml_node_item_t *a = alts->data.sequence.items.start;
                 a < alts->data.sequence.items.top; a++) {
                yaml_node_t *an = node(r, *a);
                struct rctx ac;
                npush(&ac, &pc, "required plugin versions alternative", "", an);
                VTHROW(r, an->type != YAML_MAPPING_NODE, &ac,
                       "Plugin version alternative must be a mapping");
                const char *aname, *aver;
                decode_val(r, an, "name", V_STR, &aname, &ac, 0, 0);
                struct rctx ac2;
                npush(&ac2, &pc, "required plugin versions alternative", aname, an);
                decode_val(r, an, "version", V_STR, &aver, &ac2, 0, 0);
                unsigned av[3];
                ETHROW(r, parse_semver(aver, av) < 0, &pc,
                       "Invalid required version '%s' for plugin '%s'", aver, aname);
                for (int i = 0; i < nn; i++)
                    ETHROW(r, strcmp(names[i], aname) == 0, &pc,
                           "Defined multiple alternative version requirements for plugin '%s'",
                           aname);
                if (nn < 64)
                    names[nn++] = aname;
                if (pe->nalts < nalt0) {
                    pe->alt_names[pe->nalts] = aname;
                    pe->alt_versions[pe->nalts++] = aver;
                }
                satisfied |= strcmp(aname, "container") == 0 && av[0] == 0;
                size_t tl = strlen(text);
                snprintf(text + tl, sizeof(text) - tl, ", %s (>= %s)", aname, aver);
            }
        }
        if (!satisfied) {
            struct loader *ld = r->ld;
            ld->preqs = grow(r, ld->preqs, ld->npreqs, &ld->cappreqs, sizeof(*ld->preqs));
            ld->preqs[ld->npreqs].text = rd_strdup(r, text);
            ld->preqs[ld->npreqs].ctx = pc;
            ld->npreqs++;
        }
    }
    static const char *const keys[] = {"required_plugin_versions", NULL};
    warn_unknown_keys(r, item, keys, &ctx);
}

/* The name of a list or macro item (key kind), *ctx set to the item's context. */
static const char *item_name(struct rd *r, yaml_node_t *item, const struct rctx *parent,
                             const char *kind, struct rctx *ctx)
{
    struct rctx tmp;
    npush(&tmp, parent, kind, "", item);
    const char *name;
    decode_val(r, item, kind, V_STR, &name, &tmp, 0, 0);
    npush(ctx, parent, kind, name, item);
    return name;
}

/* Whether a list or macro item appends to its previous definition: the deprecated
 * `append: true`, or `override: {key: append}` (key: its one overridable key). */
static int item_appends(struct rd *r, yaml_node_t *item, const char *key, const struct rctx *ctx)
{
    int append = 0;
    decode_val(r, item, "append", V_BOOL, &append, ctx, 1, 0);
    if (append)
        rd_warn(r, LOAD_DEPRECATED_ITEM, ctx, WARNING_APPEND);
    struct keyset can = {{key}, 1}, oa = {{0}, 0}, orp = {{0}, 0};
    decode_overrides(r, item, &can, &can, &oa, &orp, ctx);
    VTHROW(r, append && (oa.n || orp.n), ctx, ERROR_OVERRIDE_APPEND);
    return append | ks_has(&oa, key);
}

static void read_list(struct rd *r, yaml_node_t *item, const struct rctx *parent)
{
    struct loader *ld = r->ld;
    struct rctx ctx;
    const char *name = item_name(r, item, parent, "list", &ctx);
    if (!valid_list_name(name))
        rd_warn(r, LOAD_INVALID_LIST_NAME, &ctx,
                "List has an invalid name. List names should match a regular expression: "
                "([^()\"'[:space:]=,]+)");
    const char **items;
    long n = decode_seq(r, item, "items", &items, &ctx, 0);
    int append = item_appends(r, item, "items", &ctx);
    struct list_info *prev = ld_find_list(ld, name);
    if (append) {
        ETHROW(r, !prev, &ctx,
               "List uses 'append' or 'override.items: append' but no list by that name "
               "already exists");
        const char **m = rd_alloc(r, (prev->nitems + (size_t)n + 1) * sizeof(*m));
        memcpy(m, prev->items, prev->nitems * sizeof(*m));
        memcpy(m + prev->nitems, items, (size_t)n * sizeof(*m));
        prev->items = m;
        prev->nitems += (size_t)n;
        prev->visibility = ld->cur_index++;
    } else if (prev) {
        prev->items = items;
        prev->nitems = (size_t)n;
        prev->ctx = ctx;
        prev->visibility = ld->cur_index++;
    } else {
        ld->lists = grow(r, ld->lists, ld->nlists, &ld->caplists, sizeof(*ld->lists));
        struct list_info *l = &ld->lists[ld->nlists++];
        memset(l, 0, sizeof(*l));
        l->name = name;
        l->items = items;
        l->nitems = (size_t)n;
        l->ctx = ctx;
        l->index = l->visibility = ld->cur_index++;
        index_new(r, &ld->lmap, list_name_at, ld->nlists - 1);
    }
    static const char *const keys[] = {"list", "items", "append", "override", NULL};
    warn_unknown_keys(r, item, keys, &ctx);
}

static void read_macro(struct rd *r, yaml_node_t *item, const struct rctx *parent)
{
    struct loader *ld = r->ld;
    struct rctx ctx, cctx;
    const char *name = item_name(r, item, parent, "macro", &ctx);
    if (!valid_macro_name(name))
        rd_warn(r, LOAD_INVALID_MACRO_NAME, &ctx,
                "Macro has an invalid name. Macro names should match a regular expression: "
                "([a-zA-Z]+[a-zA-Z0-9_]*)");
    const char *cond;
    decode_val(r, item, "condition", V_STR, &cond, &ctx, 0, 0);
    npush(&cctx, &ctx, "macro condition", "", map_get(r, item, "condition"));
    int append = item_appends(r, item, "condition", &ctx);
    struct macro_info *prev = ld_find_macro(ld, name);
    if (append) {
        ETHROW(r, !prev, &ctx,
               "Macro uses 'append' or 'override.condition: append' but no macro by that name "
               "already exists");
        prev->cond = rd_concat(r, prev->cond, cond);
        prev->visibility = ld->cur_index++;
    } else if (prev) {
        prev->cond = cond;
        prev->ctx = ctx;
        prev->cond_ctx = cctx;
        prev->visibility = ld->cur_index++;
    } else {
        ld->macros = grow(r, ld->macros, ld->nmacros, &ld->capmacros, sizeof(*ld->macros));
        struct macro_info *m = &ld->macros[ld->nmacros++];
        memset(m, 0, sizeof(*m));
        m->name = name;
        m->cond = cond;
        m->ctx = ctx;
        m->cond_ctx = cctx;
        m->index = m->visibility = ld->cur_index++;
        index_new(r, &ld->mmap, macro_name_at, ld->nmacros - 1);
    }
    static const char *const keys[] = {"macro", "condition", "append", "override", NULL};
    warn_unknown_keys(r, item, keys, &ctx);
}

static void rule_exc_append(struct rd *r, struct rule_info *prev, struct exc_info *exc, size_t n)
{
    int known = !prev->unknown_source;
    for (size_t i = 0; i < n; i++) {
        struct exc_info *ex = &exc[i];
        struct exc_info *pe = NULL;
        for (size_t j = 0; j < prev->nexc; j++)
            if (strcmp(prev->exc[j].name, ex->name) == 0)
                pe = &prev->exc[j];
        if (!pe) {
            ETHROW(r, !ex->has_fields, &ex->ctx,
                   "Rule exception must have fields property with a list of fields");
            ETHROW(r, ex->nvalues == 0, &ex->ctx,
                   "Rule exception must have values property with a list of values");
            validate_exception(r, ex, known);
            struct exc_info *m = rd_alloc(r, (prev->nexc + 1) * sizeof(*m));
            if (prev->nexc)
                memcpy(m, prev->exc, prev->nexc * sizeof(*m));
            m[prev->nexc++] = *ex;
            prev->exc = m;
        } else {
            ETHROW(r, ex->has_fields, &ex->ctx,
                   "Can not append exception fields to existing exception, only values");
            ETHROW(r, ex->has_comps, &ex->ctx,
                   "Can not append exception comps to existing exception, only values");
            struct exc_entry *m = rd_alloc(r, (pe->nvalues + ex->nvalues + 1) * sizeof(*m));
            if (pe->nvalues)
                memcpy(m, pe->values, pe->nvalues * sizeof(*m));
            if (ex->nvalues)
                memcpy(m + pe->nvalues, ex->values, ex->nvalues * sizeof(*m));
            pe->values = m;
            pe->nvalues += ex->nvalues;
        }
    }
}

static const char **tags_union(struct rd *r, const char **a, size_t na, const char **b, size_t nb,
                               size_t *n)
{
    const char **m = rd_alloc(r, (na + nb + 1) * sizeof(*m));
    if (na)
        memcpy(m, a, na * sizeof(*m));
    if (nb)
        memcpy(m + na, b, nb * sizeof(*m));
    *n = make_set(m, na + nb);
    return m;
}

static void read_rule(struct rd *r, yaml_node_t *item, const struct rctx *parent)
{
    struct loader *ld = r->ld;
    struct rctx tmp, ctx;
    npush(&tmp, parent, "rule", "", item);
    const char *name;
    decode_val(r, item, "rule", V_STR, &name, &tmp, 0, 0);
    npush(&ctx, parent, "rule", name, item);
    const char *source = "";
    decode_val(r, item, "source", V_STR, &source, &ctx, 1, 1);
    int has_append = 0;
    decode_val(r, item, "append", V_BOOL, &has_append, &ctx, 1, 0);
    if (has_append)
        rd_warn(r, LOAD_DEPRECATED_ITEM, &ctx, WARNING_APPEND);
    struct keyset can_a = {{"condition", "output", "desc", "tags", "exceptions"}, 5};
    struct keyset can_r = {{"condition", "output", "desc", "priority", "capture",
                            "capture_duration", "tags", "exceptions", "enabled", "warn_evttypes",
                            "skip-if-unknown-filter"},
                           11};
    struct keyset oa = {{0}, 0}, orp = {{0}, 0};
    decode_overrides(r, item, &can_a, &can_r, &oa, &orp, &ctx);
    int has_ov = oa.n || orp.n;
    VTHROW(r, has_append && has_ov, &ctx, ERROR_OVERRIDE_APPEND);

    if (has_ov) {
        struct keyset expected = {{0}, 0};
        for (int i = 0; i < can_a.n; i++)
            if (map_get(r, item, can_a.k[i]))
                ks_add(&expected, can_a.k[i]);
        for (int i = 0; i < can_r.n; i++)
            if (map_get(r, item, can_r.k[i]))
                ks_add(&expected, can_r.k[i]);
        for (int pass = 0; pass < 2; pass++) {
            struct keyset *ov = pass == 0 ? &oa : &orp;
            const char *otype = pass == 0 ? "append" : "replace";
            if (!ov->n)
                continue;
            /* collect the update */
            const char *cond = NULL, *output = NULL, *desc = NULL;
            const char **tags = NULL;
            long ntags = -1;
            struct exc_info *exc = NULL;
            size_t nexc = 0;
            int has_exc = 0, prio = -1, capture = -1, enabled = -1, warn = -1, skip = -1;
            uint64_t capdur = 0;
            int has_capdur = 0;
            const struct keyset *can = pass == 0 ? &can_a : &can_r;
            for (int i = 0; i < can->n; i++) {
                const char *k = can->k[i];
                if (!ks_has(ov, k))
                    continue;
                ETHROW(r, !ks_has(&expected, k), &ctx,
                       "An %s override for '%s' was specified but '%s' is not defined", otype, k,
                       k);
                ks_del(&expected, k);
                if (!strcmp(k, "condition")) {
                    decode_val(r, item, k, V_STR, &cond, &ctx, 0, 0);
                } else if (!strcmp(k, "output")) {
                    decode_val(r, item, k, V_STR, &output, &ctx, 0, 0);
                } else if (!strcmp(k, "desc")) {
                    decode_val(r, item, k, V_STR, &desc, &ctx, 0, 0);
                } else if (!strcmp(k, "tags")) {
                    ntags = decode_tags(r, item, &tags, &ctx);
                    if (ntags < 0)
                        ntags = 0;
                } else if (!strcmp(k, "exceptions")) {
                    has_exc = 1;
                    nexc = read_exceptions(r, item, &exc, &ctx, pass == 0);
                } else if (!strcmp(k, "priority")) {
                    const char *p;
                    decode_val(r, item, k, V_STR, &p, &ctx, 0, 0);
                    struct rctx pc;
                    npush(&pc, &ctx, "rule priority", "", map_get(r, item, k));
                    prio = priority_parse(p);
                    VTHROW(r, prio < 0, &pc, "Invalid priority");
                } else if (!strcmp(k, "capture")) {
                    decode_val(r, item, k, V_BOOL, &capture, &ctx, 0, 0);
                } else if (!strcmp(k, "capture_duration")) {
                    decode_val(r, item, k, V_U64, &capdur, &ctx, 0, 0);
                    has_capdur = 1;
                } else if (!strcmp(k, "enabled")) {
                    decode_val(r, item, k, V_BOOL, &enabled, &ctx, 0, 0);
                } else if (!strcmp(k, "warn_evttypes")) {
                    decode_val(r, item, k, V_BOOL, &warn, &ctx, 0, 0);
                } else if (!strcmp(k, "skip-if-unknown-filter")) {
                    decode_val(r, item, k, V_BOOL, &skip, &ctx, 0, 0);
                }
            }
            struct rule_info *prev = find_prev_rule(r, name, cond ? source : NULL, &ctx);
            int any = cond || output || desc || ntags >= 0 || has_exc || prio >= 0 ||
                      capture >= 0 || enabled >= 0 || warn >= 0 || skip >= 0 || has_capdur;
            if (pass == 0) {
                ETHROW(r, !prev, &ctx,
                       "Rule uses 'append' or 'override.<key>: append' but no rule by that "
                       "name already exists");
                ETHROW(r, !any, &ctx, "Appended rule must have exceptions or condition property");
                if (cond && *cond)
                    prev->cond = rd_concat(r, prev->cond, cond);
                if (output && *output)
                    prev->output = rd_concat(r, prev->output, output);
                if (desc && *desc)
                    prev->desc = rd_concat(r, prev->desc, desc);
                if (ntags >= 0)
                    prev->tags =
                        tags_union(r, prev->tags, prev->ntags, tags, (size_t)ntags, &prev->ntags);
                if (has_exc)
                    rule_exc_append(r, prev, exc, nexc);
            } else {
                ETHROW(r, !prev, &ctx,
                       "An 'override.<key>: replace' to a rule was requested but no rule by "
                       "that name already exists");
                ETHROW(r, !any, &ctx, "The rule must have at least one field that can be replaced");
                if (cond)
                    prev->cond = cond;
                if (output)
                    prev->output = output;
                if (desc)
                    prev->desc = desc;
                if (ntags >= 0) {
                    prev->tags = tags;
                    prev->ntags = (size_t)ntags;
                }
                if (has_exc) {
                    prev->exc = exc;
                    prev->nexc = nexc;
                }
                if (prio >= 0)
                    prev->priority = prio;
                if (capture >= 0)
                    prev->capture = capture;
                if (has_capdur)
                    prev->capture_duration = capdur;
                if (enabled >= 0)
                    prev->enabled = enabled;
                if (warn >= 0)
                    prev->warn_evttypes = warn;
                if (skip >= 0)
                    prev->skip_unknown = skip;
            }
            prev->visibility = ld->cur_index++;
        }
        for (int i = 0; i < expected.n; i++) {
            const char *k = expected.k[i];
            struct rctx kc;
            npush(&kc, &ctx, "overrides", k, map_get(r, item, k));
            rd_throw(r, LOAD_ERR_YAML_VALIDATE, &kc,
                     "Unexpected key '%s': no corresponding entry under 'override' is defined.", k);
        }
    } else if (has_append) {
        const char *cond = NULL;
        struct exc_info *exc = NULL;
        size_t nexc = 0;
        int has_exc = 0;
        if (map_get(r, item, "condition"))
            decode_val(r, item, "condition", V_STR, &cond, &ctx, 0, 0);
        if (map_get(r, item, "exceptions")) {
            has_exc = 1;
            nexc = read_exceptions(r, item, &exc, &ctx, 1);
        }
        struct rule_info *prev = find_prev_rule(r, name, source, &ctx);
        ETHROW(r, !prev, &ctx,
               "Rule uses 'append' or 'override.<key>: append' but no rule by that name already "
               "exists");
        ETHROW(r, !cond && !has_exc, &ctx,
               "Appended rule must have exceptions or condition property");
        if (cond && *cond)
            prev->cond = rd_concat(r, prev->cond, cond);
        if (has_exc)
            rule_exc_append(r, prev, exc, nexc);
        prev->visibility = ld->cur_index++;
    } else if (!map_get(r, item, "condition") && !map_get(r, item, "output") &&
               !map_get(r, item, "desc") && !map_get(r, item, "priority")) {
        int enabled = 1;
        decode_val(r, item, "enabled", V_BOOL, &enabled, &ctx, 0, 0);
        rd_warn(r, LOAD_DEPRECATED_ITEM, &ctx, WARNING_ENABLED);
        struct rule_info *prev = ld_find_rule(ld, name);
        ETHROW(r, !prev, &ctx, "Rule has 'enabled' key but no rule by that name already exists");
        prev->enabled = enabled;
    } else {
        struct rule_info v;
        memset(&v, 0, sizeof(v));
        v.name = name;
        v.enabled = 1;
        v.warn_evttypes = 1;
        v.ctx = ctx;
        v.file = r->file;
        v.line = (int)item->start_mark.line;
        decode_val(r, item, "condition", V_STR, &v.cond, &ctx, 0, 0);
        npush(&v.cond_ctx, &ctx, "rule condition", "", map_get(r, item, "condition"));
        decode_val(r, item, "output", V_STR, &v.output, &ctx, 0, 0);
        npush(&v.output_ctx, &ctx, "rule output", "", map_get(r, item, "output"));
        decode_val(r, item, "desc", V_STR, &v.desc, &ctx, 0, 0);
        const char *prio;
        decode_val(r, item, "priority", V_STR, &prio, &ctx, 0, 0);
        /* trim the output */
        {
            const char *s = v.output;
            while (isspace((unsigned char)*s))
                s++;
            size_t n = strlen(s);
            while (n && isspace((unsigned char)s[n - 1]))
                n--;
            char *t = rd_alloc(r, n + 1);
            memcpy(t, s, n);
            v.output = t;
        }
        v.source = "syscall";
        struct rctx pc;
        npush(&pc, &ctx, "rule priority", "", map_get(r, item, "priority"));
        v.priority = priority_parse(prio);
        VTHROW(r, v.priority < 0, &pc, "Invalid priority");
        decode_val(r, item, "source", V_STR, &v.source, &ctx, 1, 0);
        decode_val(r, item, "enabled", V_BOOL, &v.enabled, &ctx, 1, 0);
        decode_val(r, item, "capture", V_BOOL, &v.capture, &ctx, 1, 0);
        decode_val(r, item, "capture_duration", V_U64, &v.capture_duration, &ctx, 1, 0);
        decode_val(r, item, "warn_evttypes", V_BOOL, &v.warn_evttypes, &ctx, 1, 0);
        decode_val(r, item, "skip-if-unknown-filter", V_BOOL, &v.skip_unknown, &ctx, 1, 0);
        long nt = decode_tags(r, item, &v.tags, &ctx);
        v.ntags = nt < 0 ? 0 : (size_t)nt;
        if (!v.tags)
            v.tags = rd_alloc(r, sizeof(*v.tags));
        v.nexc = read_exceptions(r, item, &v.exc, &ctx, 0);
        /* collector define */
        find_prev_rule(r, name, v.source, &ctx);
        if (!source_known(v.source)) {
            v.unknown_source = 1;
            rd_warn(r, LOAD_UNKNOWN_SOURCE, &ctx, "Unknown source %s, skipping", v.source);
        }
        for (size_t i = 0; i < v.nexc; i++) {
            ETHROW(r, !v.exc[i].has_fields, &v.exc[i].ctx,
                   "Rule exception item must have fields property with a list of fields");
            validate_exception(r, &v.exc[i], !v.unknown_source);
        }
        struct rule_info *prev = ld_find_rule(ld, name);
        if (prev) {
            v.index = prev->index;
            v.visibility = ld->cur_index++;
            *prev = v;
        } else {
            ld->rules = grow(r, ld->rules, ld->nrules, &ld->caprules, sizeof(*ld->rules));
            v.index = v.visibility = ld->cur_index++;
            ld->rules[ld->nrules++] = v;
            index_new(r, &ld->rmap, rule_name_at, ld->nrules - 1);
        }
    }
    static const char *const keys[] = {"rule",
                                       "condition",
                                       "output",
                                       "desc",
                                       "priority",
                                       "source",
                                       "enabled",
                                       "capture",
                                       "capture_duration",
                                       "warn_evttypes",
                                       "skip-if-unknown-filter",
                                       "tags",
                                       "exceptions",
                                       "override",
                                       "append",
                                       NULL};
    warn_unknown_keys(r, item, keys, &ctx);
}

static void read_item(struct rd *r, yaml_node_t *item, const struct rctx *parent)
{
    struct rctx tmp;
    npush(&tmp, parent, "rules content item", "", item);
    VTHROW(r, item->type != YAML_MAPPING_NODE, &tmp,
           "Unexpected element type. Each element should be a yaml associative array.");
    if (map_get(r, item, "required_engine_version"))
        read_engine_version(r, item, parent);
    else if (map_get(r, item, "required_plugin_versions"))
        read_plugin_versions(r, item, parent);
    else if (map_get(r, item, "list"))
        read_list(r, item, parent);
    else if (map_get(r, item, "macro"))
        read_macro(r, item, parent);
    else if (map_get(r, item, "rule"))
        read_rule(r, item, parent);
    else
        rd_warn(r, LOAD_UNKNOWN_ITEM, &tmp, "Unknown top level item");
}

#define MAX_DOCS 1024
#define MAX_FLOW_DEPTH 1000

/* libyaml's scanner is quadratic in the flow nesting depth ([[[[...); reject absurd nesting
 * before parsing (brackets counted naively, quotes included: only pathological files trip). */
static int flow_too_deep(const char *data, size_t len)
{
    long depth = 0;
    for (size_t i = 0; i < len; i++) {
        if (data[i] == '[' || data[i] == '{') {
            if (++depth > MAX_FLOW_DEPTH)
                return 1;
        } else if ((data[i] == ']' || data[i] == '}') && depth > 0) {
            depth--;
        }
    }
    return 0;
}

int ld_read(struct loader *ld, const char *name, const char *data, size_t len)
{
    struct rd r;
    memset(&r, 0, sizeof(r));
    r.ld = ld;
    r.file = name;
    struct rctx root;
    rctx_root(&root, name);

    if (flow_too_deep(data, len)) {
        ld_diag(ld, LOAD_ERR_YAML_PARSE, "YAML flow collections nested too deeply", &root);
        return -1;
    }
    yaml_parser_t parser;
    yaml_document_t *docs = calloc(MAX_DOCS, sizeof(*docs));
    if (!docs || !yaml_parser_initialize(&parser)) {
        free(docs);
        ld_diag(ld, LOAD_ERR_YAML_PARSE, "out of memory", &root);
        return -1;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
    size_t ndocs = 0;
    int rc = 0;
    for (;;) {
        if (ndocs == MAX_DOCS) {
            ld_diag(ld, LOAD_ERR_YAML_PARSE, "too many YAML documents", &root);
            rc = -1;
            break;
        }
        if (!yaml_parser_load(&parser, &docs[ndocs])) {
            if (parser.error == YAML_MEMORY_ERROR)
                rules_alloc_failed_note();
            char msg[512];
            struct rctx ec;
            yaml_mark_t m = parser.problem_mark;
            snprintf(msg, sizeof(msg), "yaml-cpp: error at line %zu, column %zu: %s", m.line + 1,
                     m.column + 1, parser.problem ? parser.problem : "parse error");
            rctx_push(&ec, &root, "value for", "", (int)m.line, (int)m.column, m.index);
            ld_diag(ld, LOAD_ERR_YAML_PARSE, msg, &ec);
            rc = -1;
            break;
        }
        if (!yaml_document_get_root_node(&docs[ndocs])) {
            yaml_document_delete(&docs[ndocs]);
            break;
        }
        ndocs++;
    }
    yaml_parser_delete(&parser);

    for (size_t i = 0; rc == 0 && i < ndocs; i++) {
        r.doc = &docs[i];
        yaml_node_t *top = yaml_document_get_root_node(r.doc);
        if (is_null(top))
            continue;
        if (setjmp(r.jb)) {
            rc = -1;
            break;
        }
        VTHROW(&r, top->type != YAML_MAPPING_NODE && top->type != YAML_SEQUENCE_NODE, &root,
               "Rules content is not yaml");
        VTHROW(&r, top->type != YAML_SEQUENCE_NODE, &root,
               "Rules content is not yaml array of objects");
        for (yaml_node_item_t *it = top->data.sequence.items.start;
             it < top->data.sequence.items.top; it++) {
            yaml_node_t *item = node(&r, *it);
            if (!is_null(item))
                read_item(&r, item, &root);
        }
    }
    for (size_t i = 0; i < ndocs; i++)
        yaml_document_delete(&docs[i]);
    free(docs);
    return rc;
}

/* A small generic YAML tree for the configuration: libyaml events -> struct cfg_node, with
 * file:line kept for messages; deep merge, "-o key=value" overrides, and a JSON dump. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

#include "tt_io.h"

/* File names are shared by every node of a tree; keep them in a small process-wide pool. */
static const char *intern_file(const char *name)
{
    static char **pool;
    static size_t npool;
    for (size_t i = 0; i < npool; i++)
        if (!strcmp(pool[i], name))
            return pool[i];
    char **p = realloc(pool, (npool + 1) * sizeof *p);
    if (!p)
        return "?";
    pool = p;
    char *s = strdup(name);
    if (!s)
        return "?";
    pool[npool++] = s;
    return s;
}

struct cfg_node *cfg_node_new(enum cfg_kind kind, const char *file, int line)
{
    struct cfg_node *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->kind = kind;
    n->file = file ? intern_file(file) : "?";
    n->line = line;
    return n;
}

/* Frees what node owns (scalar, keys, children), not node itself. */
static void node_free_contents(struct cfg_node *node)
{
    free(node->scalar);
    for (size_t i = 0; i < node->n; i++) {
        if (node->keys)
            free(node->keys[i]);
        cfg_node_free(node->items[i]);
    }
    free(node->keys);
    free(node->items);
}

void cfg_node_free(struct cfg_node *node)
{
    if (!node)
        return;
    node_free_contents(node);
    free(node);
}

static int node_append(struct cfg_node *parent, char *key, struct cfg_node *child)
{
    if (parent->n == parent->cap) {
        size_t cap = parent->cap ? parent->cap * 2 : 4;
        struct cfg_node **items = realloc(parent->items, cap * sizeof *items);
        if (!items)
            return -1;
        parent->items = items;
        if (parent->kind == CFG_MAP) {
            char **keys = realloc(parent->keys, cap * sizeof *keys);
            if (!keys)
                return -1;
            parent->keys = keys;
        }
        parent->cap = cap;
    }
    if (parent->kind == CFG_MAP)
        parent->keys[parent->n] = key;
    parent->items[parent->n++] = child;
    return 0;
}

struct cfg_node *cfg_node_clone(const struct cfg_node *node)
{
    if (!node)
        return NULL;
    struct cfg_node *c = cfg_node_new(node->kind, node->file, node->line);
    if (!c)
        return NULL;
    c->quoted = node->quoted;
    if (node->scalar && !(c->scalar = strdup(node->scalar)))
        goto fail;
    for (size_t i = 0; i < node->n; i++) {
        char *k = NULL;
        if (node->kind == CFG_MAP && !(k = strdup(node->keys[i])))
            goto fail;
        struct cfg_node *ch = cfg_node_clone(node->items[i]);
        if (!ch || node_append(c, k, ch)) {
            free(k);
            cfg_node_free(ch);
            goto fail;
        }
    }
    return c;
fail:
    cfg_node_free(c);
    return NULL;
}

struct cfg_node *cfg_get(const struct cfg_node *map, const char *key)
{
    if (!map || map->kind != CFG_MAP)
        return NULL;
    /* Last definition wins, as with a YAML map merged from several documents. */
    for (size_t i = map->n; i-- > 0;)
        if (!strcmp(map->keys[i], key))
            return map->items[i];
    return NULL;
}

static int map_set(struct cfg_node *map, const char *key, struct cfg_node *val)
{
    for (size_t i = 0; i < map->n; i++) {
        if (!strcmp(map->keys[i], key)) {
            cfg_node_free(map->items[i]);
            map->items[i] = val;
            return 0;
        }
    }
    char *k = strdup(key);
    if (!k || node_append(map, k, val)) {
        free(k);
        return -1;
    }
    return 0;
}

int cfg_map_put(struct cfg_node *map, const char *key, struct cfg_node *val)
{
    return map->kind == CFG_MAP ? map_set(map, key, val) : -1;
}

int cfg_seq_push(struct cfg_node *seq, struct cfg_node *child)
{
    return seq->kind == CFG_SEQ ? node_append(seq, NULL, child) : -1;
}

void cfg_merge(struct cfg_node *dst, struct cfg_node *src)
{
    if (!src)
        return;
    if (dst->kind != CFG_MAP || src->kind != CFG_MAP) {
        /* replace dst's content by src's */
        node_free_contents(dst);
        *dst = *src;
        free(src);
        return;
    }
    for (size_t i = 0; i < src->n; i++) {
        struct cfg_node *d = NULL;
        for (size_t j = 0; j < dst->n; j++)
            if (!strcmp(dst->keys[j], src->keys[i]))
                d = dst->items[j];
        if (d && d->kind == CFG_MAP && src->items[i]->kind == CFG_MAP) {
            cfg_merge(d, src->items[i]);
        } else if (map_set(dst, src->keys[i], src->items[i])) {
            cfg_node_free(src->items[i]);
        }
        free(src->keys[i]);
    }
    free(src->keys);
    free(src->items);
    free(src->scalar);
    free(src);
}

/* ---- libyaml events -> tree ---- */
struct anchor {
    char *name;
    struct cfg_node *node; /* borrowed from the tree */
};

struct builder {
    yaml_parser_t parser;
    const char *name;
    char *err;
    size_t errlen;
    struct anchor *anchors;
    size_t nanchors;
};

static void set_anchor(struct builder *b, const yaml_char_t *anchor, struct cfg_node *n)
{
    if (!anchor)
        return;
    struct anchor *a = realloc(b->anchors, (b->nanchors + 1) * sizeof *a);
    if (!a)
        return;
    b->anchors = a;
    a[b->nanchors].name = strdup((const char *)anchor);
    if (!a[b->nanchors].name)
        return;
    a[b->nanchors++].node = n;
}

static int next_event(struct builder *b, yaml_event_t *ev)
{
    if (!yaml_parser_parse(&b->parser, ev)) {
        snprintf(b->err, b->errlen, "%s:%zu:%zu: %s%s%s", b->name, b->parser.problem_mark.line + 1,
                 b->parser.problem_mark.column + 1,
                 b->parser.problem ? b->parser.problem : "YAML parse error",
                 b->parser.context ? " " : "", b->parser.context ? b->parser.context : "");
        return -1;
    }
    return 0;
}

/* Builds the node that starts with ev (already read; consumed here). */
static struct cfg_node *build_node(struct builder *b, yaml_event_t *ev, int depth)
{
    int line = (int)ev->start_mark.line + 1;
    struct cfg_node *n = NULL;
    if (depth > 64) {
        snprintf(b->err, b->errlen, "%s:%d: nesting too deep", b->name, line);
        yaml_event_delete(ev);
        return NULL;
    }
    switch (ev->type) {
    case YAML_SCALAR_EVENT: {
        const char *v = (const char *)ev->data.scalar.value;
        int plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        if (plain && (!strcmp(v, "") || !strcmp(v, "~") || !strcmp(v, "null") ||
                      !strcmp(v, "Null") || !strcmp(v, "NULL"))) {
            n = cfg_node_new(CFG_NULL, b->name, line);
        } else {
            n = cfg_node_new(CFG_SCALAR, b->name, line);
            if (n) {
                n->quoted = !plain;
                n->scalar = strdup(v);
                if (!n->scalar) {
                    cfg_node_free(n);
                    n = NULL;
                }
            }
        }
        if (n)
            set_anchor(b, ev->data.scalar.anchor, n);
        yaml_event_delete(ev);
        if (!n)
            snprintf(b->err, b->errlen, "out of memory");
        return n;
    }
    case YAML_ALIAS_EVENT: {
        const char *a = (const char *)ev->data.alias.anchor;
        for (size_t i = b->nanchors; i-- > 0;)
            if (!strcmp(b->anchors[i].name, a))
                n = cfg_node_clone(b->anchors[i].node);
        if (!n)
            snprintf(b->err, b->errlen, "%s:%d: unknown alias '%s'", b->name, line, a);
        yaml_event_delete(ev);
        return n;
    }
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT: {
        int is_map = ev->type == YAML_MAPPING_START_EVENT;
        n = cfg_node_new(is_map ? CFG_MAP : CFG_SEQ, b->name, line);
        const yaml_char_t *anchor =
            is_map ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor;
        if (n)
            set_anchor(b, anchor, n);
        yaml_event_delete(ev);
        if (!n) {
            snprintf(b->err, b->errlen, "out of memory");
            return NULL;
        }
        for (;;) {
            yaml_event_t e;
            if (next_event(b, &e))
                goto fail;
            if (e.type == YAML_SEQUENCE_END_EVENT || e.type == YAML_MAPPING_END_EVENT) {
                yaml_event_delete(&e);
                return n;
            }
            char *key = NULL;
            if (is_map) {
                if (e.type != YAML_SCALAR_EVENT) {
                    snprintf(b->err, b->errlen, "%s:%zu: only scalar map keys are supported",
                             b->name, e.start_mark.line + 1);
                    yaml_event_delete(&e);
                    goto fail;
                }
                key = strdup((const char *)e.data.scalar.value);
                yaml_event_delete(&e);
                if (!key || next_event(b, &e)) {
                    free(key);
                    goto fail;
                }
            }
            struct cfg_node *child = build_node(b, &e, depth + 1);
            if (!child || node_append(n, key, child)) {
                free(key);
                cfg_node_free(child);
                goto fail;
            }
        }
    }
    default:
        snprintf(b->err, b->errlen, "%s:%d: unexpected YAML event", b->name, line);
        yaml_event_delete(ev);
        return NULL;
    }
fail:
    cfg_node_free(n);
    return NULL;
}

struct cfg_node *cfg_parse(const char *text, size_t len, const char *name, char *err, size_t n)
{
    struct builder b = {.name = name, .err = err, .errlen = n};
    struct cfg_node *root = NULL;
    if (n)
        err[0] = '\0';
    if (!yaml_parser_initialize(&b.parser)) {
        snprintf(err, n, "out of memory");
        return NULL;
    }
    yaml_parser_set_input_string(&b.parser, (const unsigned char *)text, len);
    yaml_event_t ev;
    int done = 0;
    while (!done) {
        if (next_event(&b, &ev))
            goto fail;
        switch (ev.type) {
        case YAML_STREAM_START_EVENT:
        case YAML_DOCUMENT_START_EVENT:
        case YAML_DOCUMENT_END_EVENT:
            yaml_event_delete(&ev);
            break;
        case YAML_STREAM_END_EVENT:
            yaml_event_delete(&ev);
            done = 1;
            break;
        default: {
            struct cfg_node *doc = build_node(&b, &ev, 0);
            if (!doc)
                goto fail;
            if (doc->kind == CFG_NULL) {
                cfg_node_free(doc);
                break;
            }
            if (doc->kind != CFG_MAP) {
                snprintf(err, n, "%s:%d: the configuration must be a YAML map", name, doc->line);
                cfg_node_free(doc);
                goto fail;
            }
            if (root)
                cfg_merge(root, doc);
            else
                root = doc;
        }
        }
    }
    if (!root && !(root = cfg_node_new(CFG_MAP, name, 1))) {
        snprintf(err, n, "out of memory");
        goto fail;
    }
    goto out;
fail:
    cfg_node_free(root);
    root = NULL;
    if (n && !err[0]) /* the failures that leave no message are allocation failures */
        snprintf(err, n, "%s: out of memory", name);
out:
    for (size_t i = 0; i < b.nanchors; i++)
        free(b.anchors[i].name);
    free(b.anchors);
    yaml_parser_delete(&b.parser);
    return root;
}

char *config_read_file(const char *path, size_t *len, int falco_words, char *err, size_t n)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, n,
                 falco_words ? "Could not open file %s for reading: %s" : "could not open %s: %s",
                 path, strerror(errno));
        return NULL;
    }
    size_t cap = falco_words ? TT_CAP_RULES_FILE : TT_CAP_CONFIG_FILE;
    char *buf = tt_read_fd(fd, cap, len);
    int e = errno;
    close(fd);
    if (!buf && e == ENOMEM)
        snprintf(err, n, "out of memory");
    else if (!buf && e == EFBIG)
        snprintf(err, n, "%s is larger than %zu MiB: refused", path, cap >> 20);
    else if (!buf)
        snprintf(err, n, falco_words ? "Could not read file %s" : "could not read %s", path);
    return buf;
}

struct cfg_node *cfg_parse_file(const char *path, char *err, size_t n)
{
    size_t len = 0;
    char *buf = config_read_file(path, &len, 0, err, n);
    if (!buf)
        return NULL;
    struct cfg_node *root = cfg_parse(buf, len, path, err, n);
    free(buf);
    return root;
}

/* ---- -o key=value ---- */
struct path_step {
    char key[256];
    long index; /* -1: map key */
};

/* Ends the current step and starts the next, empty one; NULL when max steps are used. */
static struct path_step *next_step(struct path_step *steps, size_t max, size_t *nsteps)
{
    if (++*nsteps >= max)
        return NULL;
    struct path_step *cur = &steps[*nsteps];
    cur->key[0] = '\0';
    cur->index = -1;
    return cur;
}

static int parse_path(const char *s, const char *end, struct path_step *steps, size_t max,
                      size_t *nsteps, char *err, size_t n)
{
    size_t k = 0;
    *nsteps = 0;
    struct path_step *cur = &steps[0];
    cur->key[0] = '\0';
    cur->index = -1;
    int have = 0;
    for (const char *p = s; p < end; p++) {
        if (*p == '\\' && p + 1 < end) {
            p++;
        } else if (*p == '.' || *p == '[') {
            if (have) {
                if (!(cur = next_step(steps, max, nsteps)))
                    goto toolong;
                k = 0;
                have = 0;
            }
            if (*p == '[') {
                char *e;
                errno = 0;
                long idx = strtol(p + 1, &e, 10);
                if (errno || e == p + 1 || *e != ']' || idx < 0) {
                    snprintf(err, n, "bad list index in '%.*s'", (int)(end - s), s);
                    return -1;
                }
                cur->index = idx;
                have = 1;
                p = e;
                if (!(cur = next_step(steps, max, nsteps)))
                    goto toolong;
                k = 0;
                have = 0;
                if (p + 1 < end && p[1] == '.')
                    p++;
            }
            continue;
        }
        if (k + 1 >= sizeof cur->key)
            goto toolong;
        cur->key[k++] = *p;
        cur->key[k] = '\0';
        have = 1;
    }
    if (have)
        ++*nsteps;
    if (*nsteps == 0) {
        snprintf(err, n, "empty key in override");
        return -1;
    }
    return 0;
toolong:
    snprintf(err, n, "override key too long: '%.*s'", (int)(end - s), s);
    return -1;
}

int cfg_override(struct cfg_node *root, const char *assignment, char *err, size_t n)
{
    const char *eq = NULL;
    for (const char *p = assignment; *p; p++) {
        if (*p == '\\' && p[1]) {
            p++;
            continue;
        }
        if (*p == '=') {
            eq = p;
            break;
        }
    }
    if (!eq) {
        snprintf(err, n, "override '%s' is not KEY=VALUE", assignment);
        return -1;
    }
    struct path_step steps[32];
    size_t nsteps;
    if (parse_path(assignment, eq, steps, 32, &nsteps, err, n))
        return -1;
    const char *val = eq + 1;
    struct cfg_node *v;
    char name[64];
    snprintf(name, sizeof name, "-o %.40s", assignment);
    if (val[0] == '{' || val[0] == '[') {
        /* wrap so that cfg_parse (maps only) accepts it */
        size_t l = strlen(val) + 8;
        char *doc = malloc(l);
        if (!doc) {
            snprintf(err, n, "out of memory");
            return -1;
        }
        snprintf(doc, l, "v: %s", val);
        struct cfg_node *w = cfg_parse(doc, strlen(doc), name, err, n);
        free(doc);
        if (!w)
            return -1;
        v = cfg_get(w, "v");
        /* detach v from the wrapper */
        for (size_t i = 0; i < w->n; i++)
            if (w->items[i] == v)
                w->items[i] = cfg_node_new(CFG_NULL, name, 1);
        cfg_node_free(w);
        if (!v) {
            snprintf(err, n, "out of memory");
            return -1;
        }
    } else {
        v = cfg_node_new(CFG_SCALAR, name, 1);
        if (!v || !(v->scalar = strdup(val))) {
            cfg_node_free(v);
            snprintf(err, n, "out of memory");
            return -1;
        }
    }
    struct cfg_node *cur = root;
    for (size_t i = 0; i < nsteps; i++) {
        int last = i + 1 == nsteps;
        struct path_step *st = &steps[i];
        struct cfg_node *next = NULL;
        enum cfg_kind want_next = CFG_MAP;
        if (!last)
            want_next = steps[i + 1].index >= 0 ? CFG_SEQ : CFG_MAP;
        if (st->index >= 0) {
            if (cur->kind != CFG_SEQ) {
                /* turn a null/scalar into a list */
                cfg_merge(cur, cfg_node_new(CFG_SEQ, name, 1));
            }
            if ((size_t)st->index > cur->n) {
                snprintf(err, n, "index %ld out of range in '%s'", st->index, assignment);
                cfg_node_free(v);
                return -1;
            }
            if ((size_t)st->index == cur->n) {
                struct cfg_node *nn = last ? v : cfg_node_new(want_next, name, 1);
                if (!nn || node_append(cur, NULL, nn)) {
                    snprintf(err, n, "out of memory");
                    if (!last)
                        cfg_node_free(v);
                    cfg_node_free(nn);
                    return -1;
                }
                if (last)
                    return 0;
                next = nn;
            } else if (last) {
                cfg_node_free(cur->items[st->index]);
                cur->items[st->index] = v;
                return 0;
            } else {
                next = cur->items[st->index];
            }
        } else {
            if (cur->kind != CFG_MAP)
                cfg_merge(cur, cfg_node_new(CFG_MAP, name, 1));
            if (last) {
                if (map_set(cur, st->key, v)) {
                    cfg_node_free(v);
                    snprintf(err, n, "out of memory");
                    return -1;
                }
                return 0;
            }
            next = cfg_get(cur, st->key);
            if (!next) {
                next = cfg_node_new(want_next, name, 1);
                if (!next || map_set(cur, st->key, next)) {
                    cfg_node_free(next);
                    cfg_node_free(v);
                    snprintf(err, n, "out of memory");
                    return -1;
                }
            }
        }
        cur = next;
    }
    cfg_node_free(v);
    return 0;
}

static json_t *to_json(const struct cfg_node *node)
{
    if (!node)
        return json_null();
    switch (node->kind) {
    case CFG_NULL:
        return json_null();
    case CFG_SCALAR:
        return json_string(node->scalar);
    case CFG_SEQ: {
        json_t *a = json_array();
        for (size_t i = 0; a && i < node->n; i++)
            json_array_append_new(a, to_json(node->items[i]));
        return a;
    }
    case CFG_MAP: {
        json_t *o = json_object();
        for (size_t i = 0; o && i < node->n; i++)
            json_object_set_new(o, node->keys[i], to_json(node->items[i]));
        return o;
    }
    }
    return json_null();
}

char *cfg_to_json(const struct cfg_node *node)
{
    json_t *j = to_json(node);
    char *s = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) : NULL;
    json_decref(j);
    return s;
}

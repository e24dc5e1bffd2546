/* YAML to jansson and back through libyaml's event API, keeping tags and styles in the document's
 * style table (in_doc.h). */
#include "in_doc.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define MAX_DEPTH 200
/* Nodes a document may expand to through aliases ("billion laughs" stops here). */
#define MAX_EXPANDED 2000000

struct anchor {
    char *name;
    json_t *node;
    size_t weight; /* nodes it expands to */
};

struct loader {
    yaml_parser_t p;
    struct in_doc *d;
    const char *name;
    char *err;
    size_t errlen;
    struct anchor *anchors;
    size_t nanchors, capanchors;
    size_t expanded; /* nodes so far, aliases counted expanded */
};

static int fail(struct loader *L, const yaml_mark_t *m, const char *why)
{
    snprintf(L->err, L->errlen, "%s:%zu:%zu: %s", L->name, m->line + 1, m->column + 1, why);
    return -1;
}

static int next_event(struct loader *L, yaml_event_t *ev)
{
    if (yaml_parser_parse(&L->p, ev))
        return 0;
    const yaml_mark_t *m = L->p.problem ? &L->p.problem_mark : &L->p.context_mark;
    char why[256];
    snprintf(why, sizeof why, "%s%s%s", L->p.problem ? L->p.problem : "YAML syntax error",
             L->p.context ? " " : "", L->p.context ? L->p.context : "");
    return fail(L, m, why);
}

/* --- scalars ----------------------------------------------------------------------------- */

static int all_digits(const char *s, size_t n, int base)
{
    if (!n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int ok = base == 16
                     ? ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))
                     : (c >= '0' && c < '0' + base);
        if (!ok)
            return 0;
    }
    return 1;
}

static int is_float(const char *s, size_t n)
{
    /* [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )? */
    size_t i = 0, digits = 0;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        i++;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++, digits++;
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++, digits++;
    }
    if (!digits)
        return 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '-' || s[i] == '+'))
            i++;
        size_t e = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++, e++;
        if (!e)
            return 0;
    }
    return i == n;
}

static int one_of(const char *s, size_t n, const char *const *words)
{
    for (; *words; words++)
        if (strlen(*words) == n && !memcmp(s, *words, n))
            return 1;
    return 0;
}

static const char *const nulls[] = {"", "~", "null", "Null", "NULL", NULL};
static const char *const trues[] = {"true", "True", "TRUE", NULL};
static const char *const falses[] = {"false", "False", "FALSE", NULL};
static const char *const specials[] = {".inf",  ".Inf",  ".INF", "+.inf", "+.Inf", "+.INF", "-.inf",
                                       "-.Inf", "-.INF", ".nan", ".NaN",  ".NAN",  NULL};
/* YAML 1.1 booleans that 1.2 reads as strings: a string spelt so must be quoted */
static const char *const yaml11_bools[] = {"y",  "Y",   "yes", "Yes", "YES", "n",
                                           "N",  "no",  "No",  "NO",  "on",  "On",
                                           "ON", "off", "Off", "OFF", NULL};

/* An integer in decimal, 0o octal or 0x hexadecimal that fits in json_int_t: 1 and *v. */
static int parse_int(const char *s, size_t n, json_int_t *v)
{
    int base = 10, neg = 0;
    size_t i = 0;
    if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o')) {
        base = s[1] == 'x' ? 16 : 8;
        i = 2;
    } else if (n && (s[0] == '-' || s[0] == '+')) {
        neg = s[0] == '-';
        i = 1;
    }
    if (!all_digits(s + i, n - i, base) || n - i > 40)
        return 0;
    char buf[48];
    memcpy(buf, s + i, n - i);
    buf[n - i] = '\0';
    errno = 0;
    char *end;
    long long x = strtoll(buf, &end, base);
    if (errno || *end)
        return 0;
    *v = neg ? -x : x;
    return 1;
}

/* The value a plain scalar's text stands for (YAML 1.2 core schema: null, booleans, integers,
 * floats, else a string); NULL when out of memory. */
static json_t *in_yaml_resolve_plain(const char *s, size_t n)
{
    if (one_of(s, n, nulls))
        return json_null();
    if (one_of(s, n, trues))
        return json_true();
    if (one_of(s, n, falses))
        return json_false();
    json_int_t iv;
    if (parse_int(s, n, &iv))
        return json_integer(iv);
    if (is_float(s, n) && n < 64) {
        char buf[64];
        memcpy(buf, s, n);
        buf[n] = '\0';
        return json_real(strtod(buf, NULL));
    }
    return json_stringn(s, n);
}

int in_yaml_needs_quotes(const char *s, size_t n)
{
    if (one_of(s, n, nulls) || one_of(s, n, trues) || one_of(s, n, falses) ||
        one_of(s, n, yaml11_bools) || one_of(s, n, specials))
        return 1;
    json_int_t iv;
    if (parse_int(s, n, &iv) || is_float(s, n) || all_digits(s, n, 10))
        return 1;
    /* YAML 1.1 sexagesimal numbers (1:20) and numbers with underscores */
    int digitsish = n > 0, digits = 0;
    for (size_t i = 0; i < n; i++) {
        digits += s[i] >= '0' && s[i] <= '9';
        if (!((s[i] >= '0' && s[i] <= '9') || s[i] == ':' || s[i] == '_' || s[i] == '.' ||
              s[i] == '-' || s[i] == '+'))
            digitsish = 0;
    }
    return digitsish && digits;
}

static char *dupn(const void *p, size_t n)
{
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, p, n);
        s[n] = '\0';
    }
    return s;
}

/* The intrinsic function a short-form tag stands for: !Ref -> Ref, !Condition -> Condition,
 * !Sub -> Fn::Sub. */
static void intrinsic_name(const char *tag, char *out, size_t outlen)
{
    const char *n = tag + 1;
    if (!strcmp(n, "Ref") || !strcmp(n, "Condition"))
        snprintf(out, outlen, "%s", n);
    else
        snprintf(out, outlen, "Fn::%s", n);
}

static int is_local_tag(const char *tag)
{
    return tag && tag[0] == '!' && tag[1] != '\0' && tag[1] != '<';
}

#define YTAG "tag:yaml.org,2002:"

static json_t *scalar_value(const yaml_event_t *ev)
{
    const char *tag = (const char *)ev->data.scalar.tag;
    const char *v = (const char *)ev->data.scalar.value;
    size_t n = ev->data.scalar.length;
    if (!tag || !strcmp(tag, "!"))
        return ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && ev->data.scalar.plain_implicit
                   ? in_yaml_resolve_plain(v, n)
                   : json_stringn(v, n);
    if (!strncmp(tag, YTAG, strlen(YTAG))) {
        const char *t = tag + strlen(YTAG);
        /* "!!int abc" resolves to the string it is */
        if (!strcmp(t, "null") || !strcmp(t, "bool") || !strcmp(t, "int") || !strcmp(t, "float"))
            return in_yaml_resolve_plain(v, n);
    }
    return json_stringn(v, n);
}

/* Wraps value in {"Fn::X": value} for a short-form tag, recording the wrapper. */
static json_t *wrap_intrinsic(struct loader *L, const char *tag, json_t *value)
{
    char name[128];
    intrinsic_name(tag, name, sizeof name);
    json_t *o = json_object();
    char *t = strdup(tag);
    if (!o || !t || json_object_set_new(o, name, value) < 0 ||
        in_doc_style_add(L->d, o, t, NULL, 0, 0, 0, 0, 1) < 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int add_anchor(struct loader *L, const yaml_char_t *name, json_t *node, size_t weight)
{
    if (!name)
        return 0;
    if (L->nanchors == L->capanchors) {
        size_t nc = L->capanchors ? L->capanchors * 2 : 16;
        struct anchor *na = realloc(L->anchors, nc * sizeof *na);
        if (!na)
            return -1;
        L->anchors = na;
        L->capanchors = nc;
    }
    char *n = strdup((const char *)name);
    if (!n)
        return -1;
    L->anchors[L->nanchors++] = (struct anchor){n, json_incref(node), weight};
    return 0;
}

static json_t *load_node(struct loader *L, yaml_event_t *ev, int depth, size_t *weight);

static json_t *load_scalar(struct loader *L, yaml_event_t *ev, size_t *weight)
{
    const char *tag = (const char *)ev->data.scalar.tag;
    int local = is_local_tag(tag);
    json_t *v = local ? json_stringn((const char *)ev->data.scalar.value, ev->data.scalar.length)
                      : scalar_value(ev);
    char *text = dupn(ev->data.scalar.value, ev->data.scalar.length);
    char *t = tag && !local ? strdup(tag) : NULL;
    if (!v || !text || (tag && !local && !t)) {
        json_decref(v);
        free(text);
        free(t);
        return NULL;
    }
    /* null, true and false are jansson singletons: one style entry would describe every one of
     * them, so they get none and are written in their usual spelling */
    if (json_is_null(v) || json_is_boolean(v)) {
        free(text);
        free(t);
    } else if (in_doc_style_add(L->d, v, t, text, ev->data.scalar.length, ev->data.scalar.style,
                                local ? 0 : ev->data.scalar.plain_implicit,
                                local ? 0 : ev->data.scalar.quoted_implicit, 0) < 0) {
        json_decref(v);
        return NULL;
    }
    *weight = 1;
    return local ? wrap_intrinsic(L, tag, v) : v;
}

static json_t *load_collection(struct loader *L, yaml_event_t *ev, int depth, size_t *weight)
{
    int is_map = ev->type == YAML_MAPPING_START_EVENT;
    const char *tag =
        (const char *)(is_map ? ev->data.mapping_start.tag : ev->data.sequence_start.tag);
    int style = is_map ? ev->data.mapping_start.style : ev->data.sequence_start.style;
    int implicit = is_map ? ev->data.mapping_start.implicit : ev->data.sequence_start.implicit;
    int local = is_local_tag(tag);
    json_t *c = is_map ? json_object() : json_array();
    char *t = tag && !local ? strdup(tag) : NULL;
    if (!c || (tag && !local && !t) ||
        in_doc_style_add(L->d, c, t, NULL, 0, style, local ? 0 : implicit, 0, 0) < 0) {
        json_decref(c);
        snprintf(L->err, L->errlen, "out of memory");
        return NULL;
    }
    *weight = 1;
    for (;;) {
        yaml_event_t k;
        if (next_event(L, &k) < 0)
            goto bad;
        if (k.type == (is_map ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT)) {
            yaml_event_delete(&k);
            break;
        }
        if (is_map) {
            if (k.type != YAML_SCALAR_EVENT) {
                fail(L, &k.start_mark, "a mapping key that is not a plain value");
                yaml_event_delete(&k);
                goto bad;
            }
            size_t klen = k.data.scalar.length;
            char *key = dupn(k.data.scalar.value, klen);
            yaml_mark_t km = k.start_mark;
            yaml_event_delete(&k);
            if (!key || strlen(key) != klen) {
                if (key)
                    fail(L, &km, "a mapping key containing a NUL character");
                free(key);
                goto bad;
            }
            if (json_object_get(c, key)) {
                char why[300];
                snprintf(why, sizeof why, "duplicate key '%.200s'", key);
                fail(L, &km, why);
                free(key);
                goto bad;
            }
            yaml_event_t v;
            size_t w = 0;
            json_t *val = next_event(L, &v) < 0 ? NULL : load_node(L, &v, depth + 1, &w);
            if (!val || json_object_set_new(c, key, val) < 0) {
                free(key);
                goto bad;
            }
            free(key);
            *weight += w;
        } else {
            size_t w = 0;
            json_t *val = load_node(L, &k, depth + 1, &w);
            if (!val || json_array_append_new(c, val) < 0)
                goto bad;
            *weight += w;
        }
    }
    if (local) {
        json_t *o = wrap_intrinsic(L, tag, c);
        if (!o)
            snprintf(L->err, L->errlen, "out of memory");
        return o;
    }
    return c;
bad:
    if (!L->err[0])
        snprintf(L->err, L->errlen, "out of memory");
    json_decref(c);
    return NULL;
}

/* Builds the node that starts with ev (consumed, with everything up to the node's end). */
static json_t *load_node(struct loader *L, yaml_event_t *ev, int depth, size_t *weight)
{
    json_t *r = NULL;
    const yaml_char_t *anchor = NULL;
    yaml_mark_t m = ev->start_mark;
    if (depth > MAX_DEPTH) {
        fail(L, &m, "nested too deeply");
        yaml_event_delete(ev);
        return NULL;
    }
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        anchor = ev->data.scalar.anchor;
        r = load_scalar(L, ev, weight);
        if (!r)
            snprintf(L->err, L->errlen, "out of memory");
        break;
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT:
        anchor = ev->type == YAML_SEQUENCE_START_EVENT ? ev->data.sequence_start.anchor
                                                       : ev->data.mapping_start.anchor;
        r = load_collection(L, ev, depth, weight);
        break;
    case YAML_ALIAS_EVENT:
        for (size_t i = L->nanchors; i-- > 0;) {
            if (!strcmp(L->anchors[i].name, (const char *)ev->data.alias.anchor)) {
                r = json_incref(L->anchors[i].node);
                *weight = L->anchors[i].weight;
                break;
            }
        }
        if (!r)
            fail(L, &m, "alias of an unknown anchor");
        break;
    default:
        fail(L, &m, "unexpected YAML event");
        break;
    }
    if (r) {
        L->expanded += *weight;
        if (L->expanded > MAX_EXPANDED) {
            fail(L, &m, "the document expands to more than 2,000,000 nodes through aliases");
            json_decref(r);
            r = NULL;
        } else if (add_anchor(L, anchor, r, *weight) < 0) {
            snprintf(L->err, L->errlen, "out of memory");
            json_decref(r);
            r = NULL;
        }
    }
    yaml_event_delete(ev);
    return r;
}

/* A line break other than the final "\n" or "\r\n" in line[0..n): libyaml also ends lines at a
 * lone CR, NEL, LS and PS. */
static int other_break(const char *line, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)line[i];
        if ((c == '\r' && !(i + 2 == n && line[i + 1] == '\n')) ||
            (c == 0xC2 && i + 1 < n && (unsigned char)line[i + 1] == 0x85) ||
            (c == 0xE2 && i + 2 < n && (unsigned char)line[i + 1] == 0x80 &&
             ((unsigned char)line[i + 2] == 0xA8 || (unsigned char)line[i + 2] == 0xA9)))
            return 1;
    }
    return 0;
}

/* Comment and blank lines at the top of the file. */
static char *leading_comments(const char *text, size_t len)
{
    size_t i = 0, end = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && (text[j] == ' ' || text[j] == '\t'))
            j++;
        const char *nl = memchr(text + i, '\n', len - i);
        if (!nl)
            break;
        size_t next = (size_t)(nl - text) + 1;
        if (other_break(text + i, next - i) ||
            (j < len && text[j] != '#' && text[j] != '\n' && text[j] != '\r'))
            break;
        i = next;
        if (text[j] == '#')
            end = i; /* trailing blank lines are not kept */
    }
    return end ? dupn(text, end) : NULL;
}

static int push_doc(struct in_doc *d, json_t *root, int start_implicit, int end_implicit)
{
    size_t n = d->nroots + 1;
    json_t **r = realloc(d->roots, n * sizeof *r);
    if (!r)
        return -1;
    d->roots = r;
    int *s = realloc(d->doc_start_implicit, n * sizeof *s);
    if (!s)
        return -1;
    d->doc_start_implicit = s;
    int *e = realloc(d->doc_end_implicit, n * sizeof *e);
    if (!e)
        return -1;
    d->doc_end_implicit = e;
    d->roots[d->nroots] = root;
    d->doc_start_implicit[d->nroots] = start_implicit;
    d->doc_end_implicit[d->nroots] = end_implicit;
    d->nroots = n;
    return 0;
}

int in_yaml_load(struct in_doc *d, const char *text, size_t len, const char *name, char *err,
                 size_t errlen)
{
    struct loader L = {.d = d, .name = name, .err = err, .errlen = errlen};
    err[0] = '\0';
    if (!yaml_parser_initialize(&L.p)) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    yaml_parser_set_input_string(&L.p, (const unsigned char *)text, len);
    int rc = -1;
    yaml_event_t ev;
    for (int done = 0; !done;) {
        if (next_event(&L, &ev) < 0)
            goto out;
        switch (ev.type) {
        case YAML_DOCUMENT_START_EVENT: {
            int start_implicit = ev.data.document_start.implicit;
            yaml_event_delete(&ev);
            yaml_event_t n, e;
            size_t w = 0;
            if (next_event(&L, &n) < 0)
                goto out;
            json_t *root = load_node(&L, &n, 0, &w);
            if (!root)
                goto out;
            if (next_event(&L, &e) < 0) {
                json_decref(root);
                goto out;
            }
            int end_implicit = e.type == YAML_DOCUMENT_END_EVENT ? e.data.document_end.implicit : 1;
            yaml_event_delete(&e);
            if (push_doc(d, root, start_implicit, end_implicit) < 0) {
                json_decref(root);
                snprintf(err, errlen, "out of memory");
                goto out;
            }
            break;
        }
        case YAML_STREAM_END_EVENT:
            done = 1;
            yaml_event_delete(&ev);
            break;
        default:
            yaml_event_delete(&ev);
            break;
        }
    }
    d->header = leading_comments(text, len);
    rc = 0;
out:
    for (size_t i = 0; i < L.nanchors; i++) {
        free(L.anchors[i].name);
        json_decref(L.anchors[i].node);
    }
    free(L.anchors);
    yaml_parser_delete(&L.p);
    return rc;
}

/* --- output ------------------------------------------------------------------------------ */

struct outbuf {
    char *p;
    size_t len, cap, max;
    int overflow;
};

static int write_cb(void *data, unsigned char *buf, size_t size)
{
    struct outbuf *o = data;
    if (o->len + size > o->max) {
        o->overflow = 1;
        return 0;
    }
    if (o->len + size + 1 > o->cap) {
        size_t nc = o->cap ? o->cap : 4096;
        while (nc < o->len + size + 1)
            nc *= 2;
        char *np = realloc(o->p, nc);
        if (!np)
            return 0;
        o->p = np;
        o->cap = nc;
    }
    memcpy(o->p + o->len, buf, size);
    o->len += size;
    o->p[o->len] = '\0';
    return 1;
}

struct dumper {
    yaml_emitter_t e;
    const struct in_doc *d;
    char *err;
    size_t errlen;
};

static int emit(struct dumper *D, yaml_event_t *ev, int ok)
{
    if (!ok) {
        snprintf(D->err, D->errlen, "out of memory");
        return -1;
    }
    if (!yaml_emitter_emit(&D->e, ev)) {
        snprintf(D->err, D->errlen, "YAML output: %s",
                 D->e.problem ? D->e.problem : "the output is too large");
        return -1;
    }
    return 0;
}

static int emit_scalar(struct dumper *D, const char *tag, const char *s, size_t n, int plain_impl,
                       int quoted_impl, yaml_scalar_style_t style)
{
    yaml_event_t ev;
    int ok = yaml_scalar_event_initialize(&ev, NULL, (yaml_char_t *)tag, (yaml_char_t *)s, (int)n,
                                          plain_impl, quoted_impl, style);
    return emit(D, &ev, ok);
}

/* A string the instrumentation wrote: plain when it reads back as the same string, a literal
 * block when it has several lines, else double-quoted. */
static int emit_new_string(struct dumper *D, const char *tag, const char *s, size_t n)
{
    int multiline = memchr(s, '\n', n) != NULL;
    int quote = in_yaml_needs_quotes(s, n);
    yaml_scalar_style_t st = multiline ? YAML_LITERAL_SCALAR_STYLE
                             : quote   ? YAML_DOUBLE_QUOTED_SCALAR_STYLE
                                       : YAML_ANY_SCALAR_STYLE;
    return emit_scalar(D, tag, s, n, !quote && !multiline, 1, st);
}

static int emit_node(struct dumper *D, json_t *j, const char *tag_override, int depth, int flow);

/* Whether the style entry still describes j (a scalar replaced in place would not). */
static int style_matches(const struct in_style *st, json_t *j)
{
    if (!st->text)
        return 0;
    if (st->tag || st->style != YAML_PLAIN_SCALAR_STYLE || !st->plain_implicit)
        return json_is_string(j) && json_string_length(j) == st->text_len &&
               !memcmp(json_string_value(j), st->text, st->text_len);
    json_t *r = in_yaml_resolve_plain(st->text, st->text_len);
    int same = r && json_equal(r, j);
    json_decref(r);
    return same;
}

static int emit_number_or_literal(struct dumper *D, json_t *j, const char *tag, int flow)
{
    char buf[64];
    const char *s;
    switch (json_typeof(j)) {
    case JSON_INTEGER:
        snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(j));
        s = buf;
        break;
    case JSON_REAL:
        snprintf(buf, sizeof buf, "%.17g", json_real_value(j));
        if (!strpbrk(buf, ".eEni"))
            strcat(buf, ".0");
        s = buf;
        break;
    case JSON_TRUE:
        s = "true";
        break;
    case JSON_FALSE:
        s = "false";
        break;
    default: /* "key:" in block context, as manifests write it; flow context needs a word */
        s = flow || tag ? "null" : "";
        break;
    }
    return emit_scalar(D, tag, s, strlen(s), !tag, 0, YAML_PLAIN_SCALAR_STYLE);
}

static int emit_collection(struct dumper *D, json_t *j, const struct in_style *st, const char *tag,
                           int depth, int flow)
{
    /* a collection written in flow style puts everything inside it in flow context */
    flow |= st && (st->style == (json_is_object(j) ? (int)YAML_FLOW_MAPPING_STYLE
                                                   : (int)YAML_FLOW_SEQUENCE_STYLE));
    int is_map = json_is_object(j);
    int implicit = tag ? 0 : 1;
    yaml_event_t ev;
    int ok = is_map ? yaml_mapping_start_event_initialize(&ev, NULL, (yaml_char_t *)tag, implicit,
                                                          st ? (yaml_mapping_style_t)st->style
                                                             : YAML_ANY_MAPPING_STYLE)
                    : yaml_sequence_start_event_initialize(&ev, NULL, (yaml_char_t *)tag, implicit,
                                                           st ? (yaml_sequence_style_t)st->style
                                                              : YAML_ANY_SEQUENCE_STYLE);
    if (emit(D, &ev, ok) < 0)
        return -1;
    if (is_map) {
        const char *k;
        json_t *v;
        json_object_foreach(j, k, v)
        {
            if (emit_new_string(D, NULL, k, strlen(k)) < 0 ||
                emit_node(D, v, NULL, depth + 1, flow) < 0)
                return -1;
        }
        ok = yaml_mapping_end_event_initialize(&ev);
    } else {
        size_t i;
        json_t *v;
        json_array_foreach(j, i, v)
        {
            if (emit_node(D, v, NULL, depth + 1, flow) < 0)
                return -1;
        }
        ok = yaml_sequence_end_event_initialize(&ev);
    }
    return emit(D, &ev, ok);
}

/* A CloudFormation intrinsic function the instrumentation wrote ({"Ref": x}, {"Fn::GetAtt": ...})
 * is written in the short form (!Ref x), as templates in YAML usually are. */
static int short_form(json_t *j, char *tag, size_t n)
{
    if (!json_is_object(j) || json_object_size(j) != 1)
        return 0;
    const char *k = json_object_iter_key(json_object_iter(j));
    if (!strcmp(k, "Ref") || !strcmp(k, "Condition"))
        return snprintf(tag, n, "!%s", k) < (int)n;
    if (strncmp(k, "Fn::", 4) || !k[4] || strchr(k + 4, ':'))
        return 0;
    return snprintf(tag, n, "!%s", k + 4) < (int)n;
}

static int emit_node(struct dumper *D, json_t *j, const char *tag_override, int depth, int flow)
{
    if (depth > MAX_DEPTH * 2) {
        snprintf(D->err, D->errlen, "YAML output: nested too deeply");
        return -1;
    }
    const struct in_style *st = in_doc_style(D->d, j);
    if (st && st->intrinsic && json_is_object(j) && json_object_size(j) == 1) {
        void *it = json_object_iter(j);
        return emit_node(D, json_object_iter_value(it), st->tag, depth + 1, flow);
    }
    const char *tag = tag_override ? tag_override : st ? st->tag : NULL;
    char short_tag[128];
    if (!st && !tag && short_form(j, short_tag, sizeof short_tag)) {
        json_t *v = json_object_iter_value(json_object_iter(j));
        /* !GetAtt takes "Resource.Attribute" (the form every tool reads) */
        if (!strcmp(short_tag, "!GetAtt") && json_array_size(v) == 2 &&
            json_is_string(json_array_get(v, 0)) && json_is_string(json_array_get(v, 1))) {
            json_t *dotted = json_sprintf("%s.%s", json_string_value(json_array_get(v, 0)),
                                          json_string_value(json_array_get(v, 1)));
            int rc = dotted ? emit_node(D, dotted, short_tag, depth + 1, flow) : -1;
            json_decref(dotted);
            return rc;
        }
        return emit_node(D, v, short_tag, depth + 1, flow);
    }
    if (json_is_object(j) || json_is_array(j))
        return emit_collection(D, j, st, tag, depth, flow);
    if (st && style_matches(st, j)) {
        /* a plain string libyaml cannot write plain where it now stands gets quoted: still a
         * string, so no tag */
        int qi = st->quoted_implicit ||
                 (st->style == YAML_PLAIN_SCALAR_STYLE && !st->tag && json_is_string(j));
        return emit_scalar(D, tag, st->text, st->text_len, tag ? 0 : st->plain_implicit,
                           tag ? 0 : qi, (yaml_scalar_style_t)st->style);
    }
    if (json_is_string(j))
        return tag ? emit_scalar(D, tag, json_string_value(j), json_string_length(j), 0, 0,
                                 YAML_ANY_SCALAR_STYLE)
                   : emit_new_string(D, NULL, json_string_value(j), json_string_length(j));
    return emit_number_or_literal(D, j, tag, flow || depth == 0); /* an empty root is no document */
}

int in_yaml_dump(const struct in_doc *d, char **out, size_t *outlen, char *err, size_t errlen)
{
    struct dumper D = {.d = d, .err = err, .errlen = errlen};
    struct outbuf o = {.max = 256u << 20};
    if (!yaml_emitter_initialize(&D.e)) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    yaml_emitter_set_output(&D.e, write_cb, &o);
    yaml_emitter_set_unicode(&D.e, 1);
    yaml_emitter_set_width(&D.e, -1);
    yaml_emitter_set_indent(&D.e, 2);
    int rc = -1;
    yaml_event_t ev;
    if (d->header && write_cb(&o, (unsigned char *)d->header, strlen(d->header)) == 0) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    if (emit(&D, &ev, yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING)) < 0)
        goto out;
    for (size_t i = 0; i < d->nroots; i++) {
        /* (libyaml writes the "---" of every document after the first anyway) */
        int si = d->doc_start_implicit ? d->doc_start_implicit[i] : 1;
        if (emit(&D, &ev, yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, si)) < 0 ||
            emit_node(&D, d->roots[i], NULL, 0, 0) < 0 ||
            emit(&D, &ev,
                 yaml_document_end_event_initialize(
                     &ev, d->doc_end_implicit ? d->doc_end_implicit[i] : 1)) < 0)
            goto out;
    }
    if (emit(&D, &ev, yaml_stream_end_event_initialize(&ev)) < 0 || !yaml_emitter_flush(&D.e)) {
        if (!err[0])
            snprintf(err, errlen, "YAML output failed");
        goto out;
    }
    rc = 0;
out:
    yaml_emitter_delete(&D.e);
    if (rc < 0 || o.overflow) {
        if (o.overflow)
            snprintf(err, errlen, "YAML output larger than 256 MiB");
        free(o.p);
        return -1;
    }
    if (!o.p && write_cb(&o, (unsigned char *)"", 0) == 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    *out = o.p;
    *outlen = o.len;
    return 0;
}

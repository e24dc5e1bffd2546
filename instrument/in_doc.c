/* Documents: format detection, JSON through jansson, the YAML style table. */
#include "in_doc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t slot_of(const json_t *node, size_t cap)
{
    uintptr_t h = (uintptr_t)node;
    h ^= h >> 17;
    h *= (uintptr_t)0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 7) & (cap - 1);
}

const struct in_style *in_doc_style(const struct in_doc *d, const json_t *node)
{
    if (!d->cap || !node)
        return NULL;
    for (size_t i = slot_of(node, d->cap);; i = (i + 1) & (d->cap - 1)) {
        if (d->styles[i].node == node)
            return &d->styles[i];
        if (!d->styles[i].node)
            return NULL;
    }
}

static int grow(struct in_doc *d)
{
    size_t ncap = d->cap ? d->cap * 2 : 256;
    struct in_style *n = calloc(ncap, sizeof *n);
    if (!n)
        return -1;
    for (size_t i = 0; i < d->cap; i++) {
        if (!d->styles[i].node)
            continue;
        size_t j = slot_of(d->styles[i].node, ncap);
        while (n[j].node)
            j = (j + 1) & (ncap - 1);
        n[j] = d->styles[i];
    }
    free(d->styles);
    d->styles = n;
    d->cap = ncap;
    return 0;
}

int in_doc_style_add(struct in_doc *d, json_t *node, char *tag, char *text, size_t text_len,
                     int style, int plain_implicit, int quoted_implicit, int intrinsic)
{
    if ((d->nstyles + 1) * 2 > d->cap && grow(d) < 0)
        goto fail;
    size_t i = slot_of(node, d->cap);
    while (d->styles[i].node && d->styles[i].node != node)
        i = (i + 1) & (d->cap - 1);
    struct in_style *s = &d->styles[i];
    if (s->node) { /* the same node twice (an alias): the first description stays */
        free(tag);
        free(text);
        return 0;
    }
    *s = (struct in_style){.node = json_incref(node),
                           .tag = tag,
                           .text = text,
                           .text_len = text_len,
                           .style = style,
                           .plain_implicit = plain_implicit,
                           .quoted_implicit = quoted_implicit,
                           .intrinsic = intrinsic};
    d->nstyles++;
    return 0;
fail:
    free(tag);
    free(text);
    return -1;
}

static int load_json(struct in_doc *d, const char *text, size_t len, const char *name, char *err,
                     size_t errlen)
{
    json_error_t je;
    json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!j) {
        snprintf(err, errlen, "%s:%d:%d: %s", name, je.line, je.column, je.text);
        return -1;
    }
    d->roots = malloc(sizeof *d->roots);
    if (!d->roots) {
        json_decref(j);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    d->roots[0] = j;
    d->nroots = 1;
    return 0;
}

int in_doc_load(struct in_doc *d, const char *text, size_t len, const char *name, char *err,
                size_t errlen)
{
    memset(d, 0, sizeof *d);
    size_t i = 0;
    /* a UTF-8 byte order mark, then blanks */
    if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3))
        i = 3;
    while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n'))
        i++;
    if (i < len && (text[i] == '{' || text[i] == '[')) {
        d->format = IN_JSON;
        return load_json(d, text + i, len - i, name, err, errlen);
    }
    d->format = IN_YAML;
    return in_yaml_load(d, text, len, name, err, errlen);
}

/* A YAML document written as a flow collection ({...} or [...]) first would be read back as
 * JSON, which it need not be ({a: null}): an explicit document start keeps it YAML. */
static int keep_yaml_looking_yaml(char **out, size_t *outlen, char *err, size_t errlen)
{
    size_t bom = *outlen >= 3 && !memcmp(*out, "\xEF\xBB\xBF", 3) ? 3 : 0, i = bom;
    while (i < *outlen && strchr(" \t\r\n", (*out)[i]))
        i++;
    if (i >= *outlen || ((*out)[i] != '{' && (*out)[i] != '['))
        return 0;
    char *t = malloc(*outlen + 5);
    if (!t) {
        free(*out);
        *out = NULL;
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memcpy(t, *out, bom);
    memcpy(t + bom, "--- ", 4);
    memcpy(t + bom + 4, *out + bom, *outlen - bom);
    t[*outlen + 4] = '\0';
    free(*out);
    *out = t;
    *outlen += 4;
    return 0;
}

int in_doc_dump(const struct in_doc *d, int compact, char **out, size_t *outlen, char *err,
                size_t errlen)
{
    if (d->format == IN_YAML)
        return in_yaml_dump(d, out, outlen, err, errlen) < 0
                   ? -1
                   : keep_yaml_looking_yaml(out, outlen, err, errlen);
    size_t flags = JSON_PRESERVE_ORDER | (compact ? JSON_COMPACT : JSON_INDENT(2));
    char *s = json_dumps(d->roots[0], flags | JSON_ENCODE_ANY);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    size_t n = strlen(s);
    char *t = realloc(s, n + 2);
    if (!t) {
        free(s);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    t[n] = '\n';
    t[n + 1] = '\0';
    *out = t;
    *outlen = n + 1;
    return 0;
}

void in_doc_free(struct in_doc *d)
{
    for (size_t i = 0; i < d->cap; i++) {
        if (!d->styles[i].node)
            continue;
        json_decref(d->styles[i].node);
        free(d->styles[i].tag);
        free(d->styles[i].text);
    }
    free(d->styles);
    for (size_t i = 0; i < d->nroots; i++)
        json_decref(d->roots[i]);
    free(d->roots);
    free(d->doc_start_implicit);
    free(d->doc_end_implicit);
    free(d->header);
    memset(d, 0, sizeof *d);
}

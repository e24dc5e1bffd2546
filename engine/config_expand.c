/* ${VAR} in configuration values, as Falco expands them: every scalar value (not keys) of a
 * configuration document, before typed reading, so `enabled: ${FLAG}` is a boolean and
 * `program: ${SHIPPER} -g /x` a string. Rules files are not expanded (Falco does not either).
 *
 *   ${NAME}   the variable's value; unset or empty: nothing (a value that expands to nothing
 *             is no value: the key's default applies). The value is expanded in turn
 *             (Falco's double expansion), to a bounded depth so that A='${A}' is an error.
 *   $${       a literal "${": $${NAME} stays ${NAME}; an inner ${X} is still expanded
 *             ($${${X}} gives ${value-of-X}).
 *   $NAME, $$NAME, a lone $, "${" without "}"   kept as written.
 * Falco stops expanding a value at the first '$' that starts none of these; Tartan goes on to
 * the next one ("$a ${B}" expands ${B}). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPAND_MAX_DEPTH 8

struct sbuf {
    char *p;
    size_t len, cap;
};

static int sb_add(struct sbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p)
            return -1;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

/* Appends the expansion of s to out. 0, -1 out of memory, -2 too deep (name of the variable
 * that recursed in why). */
static int expand_into(struct sbuf *out, const char *s, int depth, char *why, size_t whylen)
{
    const char *p = s;
    while (*p) {
        const char *d = strchr(p, '$');
        if (!d)
            return sb_add(out, p, strlen(p));
        if (sb_add(out, p, (size_t)(d - p)))
            return -1;
        if (d[1] == '$' && d[2] == '{' && strchr(d + 3, '}')) {
            /* $${ -> a literal "$", then carry on at '{' (literal), as Falco does */
            if (sb_add(out, "$", 1))
                return -1;
            p = d + 2;
            continue;
        }
        const char *close = d[1] == '{' ? strchr(d + 2, '}') : NULL;
        if (!close) { /* not a reference: keep the '$' */
            if (sb_add(out, "$", 1))
                return -1;
            p = d + 1;
            continue;
        }
        size_t nl = (size_t)(close - (d + 2));
        char *name = strndup(d + 2, nl);
        if (!name)
            return -1;
        const char *val = getenv(name);
        int rc = 0;
        if (val && val[0]) {
            if (depth >= EXPAND_MAX_DEPTH) {
                snprintf(why, whylen, "%s", name);
                rc = -2;
            } else {
                rc = expand_into(out, val, depth + 1, why, whylen);
            }
        }
        free(name);
        if (rc)
            return rc;
        p = close + 1;
    }
    return 0;
}

char *cfg_expand_env_str(const char *s, char *why, size_t whylen)
{
    struct sbuf b = {0};
    if (why && whylen)
        why[0] = '\0';
    char dummy[8];
    int rc = expand_into(&b, s, 0, why ? why : dummy, why ? whylen : sizeof dummy);
    if (rc == 0 && !b.p)
        rc = sb_add(&b, "", 0);
    if (rc) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

int cfg_expand_env(struct cfg_node *node, char *err, size_t n)
{
    if (!node)
        return 0;
    if (node->kind == CFG_SCALAR && strchr(node->scalar, '$')) {
        char why[128];
        char *v = cfg_expand_env_str(node->scalar, why, sizeof why);
        if (!v) {
            if (why[0])
                snprintf(err, n, "%s:%d: ${%s} expands into itself (more than %d levels deep)",
                         node->file, node->line, why, EXPAND_MAX_DEPTH);
            else
                snprintf(err, n, "out of memory");
            return -1;
        }
        free(node->scalar);
        node->scalar = v;
        if (!v[0]) { /* ${UNSET} alone: as if the key had no value (its default applies) */
            free(node->scalar);
            node->scalar = NULL;
            node->kind = CFG_NULL;
        }
        return 0;
    }
    for (size_t i = 0; i < node->n; i++)
        if (cfg_expand_env(node->items[i], err, n))
            return -1;
    return 0;
}

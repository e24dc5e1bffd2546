/* Can a condition match a call of a given type that failed? The tracer needs a stop at the entry
 * of execve/execveat only to see the ones that fail (a successful exec is reported from the
 * ptrace exec event, with what the kernel copied): when no enabled rule can match a failed exec,
 * the engine tells it so (`execve.success`, docs/tracer.md) and that stop goes.
 *
 * Three-valued evaluation of the expanded condition for "an event of type T whose call failed":
 * the result checks (evt.res, evt.rawres, evt.failed, evt.arg.res, evt.rawarg.res) are decided,
 * a check that cannot hold for type T is false (cond_evtypes), anything else is unknown. AND,
 * OR and NOT combine as Kleene's logic, so the answer "cannot match" is exact: the condition is
 * false for every failed call of type T whatever the unknown checks are. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules_int.h"

enum tv { TV_FALSE, TV_TRUE, TV_UNKNOWN };

static enum tv tv_not(enum tv v)
{
    return v == TV_UNKNOWN ? v : v == TV_TRUE ? TV_FALSE : TV_TRUE;
}

/* The smallest and largest result of a failed call: -4095 .. -1 (-errno). */
#define FAILED_MIN (-4095LL)
#define FAILED_MAX (-1LL)

static int int_value(const char *s, long long *v)
{
    if (!s || !*s)
        return 0;
    char *end;
    errno = 0;
    *v = strtoll(s, &end, 0);
    return errno == 0 && *end == '\0';
}

/* `rawres op v` for every failed result: TRUE, FALSE, or UNKNOWN (true for some only). */
static enum tv rawres_op(enum cop op, long long v)
{
    switch (op) {
    case OP_EQ:
        return v > FAILED_MAX || v < FAILED_MIN ? TV_FALSE : TV_UNKNOWN;
    case OP_NE:
        return v > FAILED_MAX || v < FAILED_MIN ? TV_TRUE : TV_UNKNOWN;
    case OP_LT:
        return v > FAILED_MAX ? TV_TRUE : v <= FAILED_MIN ? TV_FALSE : TV_UNKNOWN;
    case OP_LE:
        return v >= FAILED_MAX ? TV_TRUE : v < FAILED_MIN ? TV_FALSE : TV_UNKNOWN;
    case OP_GT:
        return v >= FAILED_MAX ? TV_FALSE : v < FAILED_MIN ? TV_TRUE : TV_UNKNOWN;
    case OP_GE:
        return v > FAILED_MAX ? TV_FALSE : v <= FAILED_MIN ? TV_TRUE : TV_UNKNOWN;
    default:
        return TV_UNKNOWN;
    }
}

/* `res op s`: a failed call's evt.res is an errno name (EPERM...) or a negative number, never
 * SUCCESS. */
static enum tv res_op(enum cop op, const char *s)
{
    int success = s && strcmp(s, "SUCCESS") == 0;
    if (op == OP_EQ)
        return success ? TV_FALSE : TV_UNKNOWN;
    if (op == OP_NE)
        return success ? TV_TRUE : TV_UNKNOWN;
    return TV_UNKNOWN;
}

enum res_field { RF_NONE, RF_RAWRES, RF_RES, RF_FAILED };

static enum res_field result_field(const struct cnode *f)
{
    if (!f || f->kind != CN_FIELD || f->arg)
        return RF_NONE;
    if (strcmp(f->str, "evt.rawres") == 0 || strcmp(f->str, "evt.rawarg.res") == 0)
        return RF_RAWRES;
    if (strcmp(f->str, "evt.res") == 0 || strcmp(f->str, "evt.arg.res") == 0)
        return RF_RES;
    if (strcmp(f->str, "evt.failed") == 0)
        return RF_FAILED;
    return RF_NONE;
}

static enum tv check(const struct cnode *n)
{
    enum res_field rf = result_field(n->nkids ? n->kids[0] : NULL);
    if (rf == RF_NONE)
        return TV_UNKNOWN;
    if (n->kind == CN_UCHECK)
        return TV_TRUE; /* (a failed call has a result: it exists) */
    enum cop op;
    enum cmod mod;
    const struct cnode *r = n->nkids == 2 ? n->kids[1] : NULL;
    if (!r || cop_parse(n->str, &op, &mod) != 0 || mod != MOD_NONE)
        return TV_UNKNOWN;
    if (op == OP_IN && r->kind == CN_LIST) {
        /* true for some failed result only if some value is */
        enum tv any = TV_FALSE;
        for (size_t i = 0; i < r->nvals && any != TV_UNKNOWN; i++) {
            long long v;
            enum tv e = rf == RF_RAWRES && int_value(r->vals[i], &v) ? rawres_op(OP_EQ, v)
                        : rf == RF_RES                               ? res_op(OP_EQ, r->vals[i])
                                                                     : TV_UNKNOWN;
            if (e != TV_FALSE)
                any = TV_UNKNOWN;
        }
        return any;
    }
    if (r->kind != CN_VALUE)
        return TV_UNKNOWN;
    long long v;
    switch (rf) {
    case RF_RAWRES:
        return int_value(r->str, &v) ? rawres_op(op, v) : TV_UNKNOWN;
    case RF_RES:
        return res_op(op, r->str);
    case RF_FAILED: {
        int t = strcasecmp(r->str, "true") == 0, f = strcasecmp(r->str, "false") == 0;
        if (!t && !f)
            return TV_UNKNOWN;
        if (op == OP_EQ)
            return t ? TV_TRUE : TV_FALSE;
        if (op == OP_NE)
            return t ? TV_FALSE : TV_TRUE;
        return TV_UNKNOWN;
    }
    default:
        return TV_UNKNOWN;
    }
}

static enum tv eval(const struct cnode *n, unsigned evtype)
{
    switch (n->kind) {
    case CN_AND:
    case CN_OR: {
        int is_and = n->kind == CN_AND;
        enum tv acc = is_and ? TV_TRUE : TV_FALSE;
        for (size_t i = 0; i < n->nkids; i++) {
            enum tv k = eval(n->kids[i], evtype);
            if (k == (is_and ? TV_FALSE : TV_TRUE))
                return k;
            if (k == TV_UNKNOWN)
                acc = TV_UNKNOWN;
        }
        return acc;
    }
    case CN_NOT:
        return n->nkids ? tv_not(eval(n->kids[0], evtype)) : TV_UNKNOWN;
    case CN_UCHECK:
    case CN_BCHECK: {
        uint8_t set[TT_EV_COUNT];
        cond_evtypes(n, set);
        if (evtype < TT_EV_COUNT && !set[evtype])
            return TV_FALSE; /* (e.g. evt.type = open, for an execve) */
        return check(n);
    }
    default:
        return TV_UNKNOWN;
    }
}

int cond_can_match_failed(const struct cnode *n, unsigned evtype)
{
    return !n || eval(n, evtype) != TV_FALSE;
}

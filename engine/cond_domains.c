/* Which socket domains a condition can match `socket` events for, so the tracer's filter can
 * stop only on those socket calls (Falco's upstream rules look at socket events only for
 * AF_PACKET). The analysis is conservative: anything it cannot read keeps every domain.
 *
 * The result is a mask: bit d for domain d (0..62), COND_DOM_OTHER for any other value. An AND
 * keeps the domains all its parts allow, an OR those any part allows (De Morgan under NOT, as
 * for event types); a check that is not about the domain allows every domain if it can be true
 * for a socket event at all (so `evt.type=open and ...` allows none). */
#include <ctype.h>
#include <string.h>

#include "evt_args.h"
#include "rules_int.h"

#define NAMED_DOMAINS 63

static int all_digits(const char *s)
{
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return 0;
    return 1;
}

/* Domains whose name (as evt.arg.domain renders it) satisfies `name op value`. A domain without
 * a name renders as its number: a value that could match one (all digits, or for `=` anything
 * that is not a name) allows every domain. */
static uint64_t named(enum cop op, const char *v)
{
    if (!v || all_digits(v))
        return COND_DOM_ALL;
    uint64_t m = 0;
    for (int d = 0; d < NAMED_DOMAINS; d++) {
        const char *n = evt_af_name(d);
        if (n && (op == OP_EQ ? strcmp(n, v) == 0 : strstr(n, v) != NULL))
            m |= 1ull << d;
    }
    return m || op == OP_CONTAINS ? m : COND_DOM_ALL;
}

static int is_domain_field(const struct cnode *f)
{
    return f->kind == CN_FIELD && !f->arg && strcmp(f->str, "evt.arg.domain") == 0;
}

/* A `evt.arg.domain op value(s)` check, not negated. */
static uint64_t domain_check(const struct cnode *n)
{
    const struct cnode *r = n->kids[1];
    enum cop op;
    enum cmod mod;
    if (!r || cop_parse(n->str, &op, &mod) != 0 || mod != MOD_NONE)
        return COND_DOM_ALL;
    if ((op == OP_EQ || op == OP_CONTAINS) && r->kind == CN_VALUE)
        return named(op, r->str);
    if (op == OP_IN && r->kind == CN_LIST) {
        uint64_t m = 0;
        for (size_t i = 0; i < r->nvals; i++)
            m |= named(OP_EQ, r->vals[i]);
        return m;
    }
    return COND_DOM_ALL;
}

static uint64_t dom_rec(const struct cnode *n, int neg)
{
    if (n->kind == CN_AND || n->kind == CN_OR) {
        int inter = (n->kind == CN_AND) != neg;
        uint64_t m = inter ? COND_DOM_ALL : 0;
        for (size_t i = 0; i < n->nkids; i++) {
            uint64_t k = dom_rec(n->kids[i], neg);
            m = inter ? (m & k) : (m | k);
        }
        return m;
    }
    if (n->kind == CN_NOT)
        return dom_rec(n->kids[0], !neg);
    if (!neg && n->kind == CN_BCHECK && n->nkids == 2 && is_domain_field(n->kids[0]))
        return domain_check(n);
    /* Any other check: all domains if it can hold for a socket event, else none. */
    struct cnode *self = (struct cnode *)n;
    struct cnode negated = {.kind = CN_NOT, .kids = &self, .nkids = 1};
    uint8_t set[TT_EV_COUNT];
    cond_evtypes(neg ? &negated : n, set);
    return set[TT_EV_SOCKET] ? COND_DOM_ALL : 0;
}

uint64_t cond_socket_domains(const struct cnode *n)
{
    return n ? dom_rec(n, 0) : COND_DOM_ALL;
}

/* Host names of the fd.*ip.name fields (libsinsp's DNS manager): the names written on the right
 * of `fd.sip.name = NAME` / `in (NAMES)` are resolved (getaddrinfo: /etc/hosts, then DNS) and a
 * connection's address matches a name when it is one of that name's addresses; the field's own
 * value is the first name one of whose addresses is the connection's.
 *
 * libsinsp resolves a name the first time a comparison needs it, on the event thread, with no
 * bound on the wait. Here the names are collected when the rules are compiled and resolved by
 * a background thread, all of them from the first time a comparison needs one (an engine
 * whose rules never compare sends no DNS query). A comparison with a name not yet resolved
 * asks the resolver to do that name next and waits for it, out of a budget of
 * DNS_FIRST_WAIT_MS per set of new names: a connection made at once at start (a miner that is
 * the container's entrypoint) is compared with the name's addresses, and DNS that never
 * answers cannot hold the event loop longer than the budget; once it is spent, a name matches
 * nothing until it is resolved. Refresh as libsinsp: 10 s, doubling up to 320 s while the
 * answers do not change. */
#include "fields_dns.h"

#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "tt_log.h"
#include "tt_time.h"

#define DNS_MAX_NAMES 4096
#define DNS_MAX_ADDRS 32
#define DNS_BASE_REFRESH_S 10
#define DNS_MAX_REFRESH_S 320
#define DNS_FIRST_WAIT_MS 3000

struct dns_entry {
    char *name;
    int resolved;
    size_t naddr;
    struct {
        uint8_t family; /* 4 or 6 */
        uint8_t a[16];
    } addr[DNS_MAX_ADDRS];
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static pthread_cond_t resolved_cv; /* broadcast after each resolution; on TT_WAIT_CLOCK */
static pthread_once_t resolved_cv_once = PTHREAD_ONCE_INIT;
static struct dns_entry *names;
static size_t nnames, capnames;
static pthread_t thr;
static int running, stopping, added_since;
static int needed;       /* a comparison has needed a name: no lookup before (no DNS traffic) */
static long wanted = -1; /* a name a comparison waits for: resolved next */
static int64_t wait_budget_ms; /* what comparisons may still wait for first resolutions */
static int budget_warned;

static void resolved_cv_init(void)
{
    if (tt_cond_init_monotonic(&resolved_cv) != 0)
        /* (never seen) a wall-clock condition: a wait's monotonic deadline has then passed at
         * once, so comparisons do not wait for first answers */
        pthread_cond_init(&resolved_cv, NULL);
}

void fld_dns_note(const char *name)
{
    if (!name || !*name)
        return;
    pthread_mutex_lock(&mu);
    for (size_t i = 0; i < nnames; i++)
        if (strcmp(names[i].name, name) == 0)
            goto out;
    if (nnames == capnames) {
        size_t nc = capnames ? capnames * 2 : 64;
        struct dns_entry *n = nc <= DNS_MAX_NAMES ? realloc(names, nc * sizeof *n) : NULL;
        if (!n)
            goto out; /* the name then never matches (as an unresolvable one) */
        names = n;
        capnames = nc;
    }
    memset(&names[nnames], 0, sizeof names[nnames]);
    if ((names[nnames].name = strdup(name))) {
        nnames++;
        added_since = 1;
        wait_budget_ms = DNS_FIRST_WAIT_MS;
        budget_warned = 0;
        pthread_cond_signal(&wake);
    }
out:
    pthread_mutex_unlock(&mu);
}

/* getaddrinfo outside the lock; 1 if the answer differs from what the entry had. */
static int refresh_one(size_t i)
{
    pthread_mutex_lock(&mu);
    char *name = strdup(names[i].name);
    pthread_mutex_unlock(&mu);
    if (!name)
        return 0;
    struct dns_entry fresh;
    memset(&fresh, 0, sizeof fresh);
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM; /* one answer per address */
    if (getaddrinfo(name, NULL, &hints, &res) == 0) {
        for (struct addrinfo *r = res; r && fresh.naddr < DNS_MAX_ADDRS; r = r->ai_next) {
            if (r->ai_family == AF_INET) {
                fresh.addr[fresh.naddr].family = 4;
                memcpy(fresh.addr[fresh.naddr++].a,
                       &((struct sockaddr_in *)(void *)r->ai_addr)->sin_addr, 4);
            } else if (r->ai_family == AF_INET6) {
                fresh.addr[fresh.naddr].family = 6;
                memcpy(fresh.addr[fresh.naddr++].a,
                       &((struct sockaddr_in6 *)(void *)r->ai_addr)->sin6_addr, 16);
            }
        }
        freeaddrinfo(res);
    }
    free(name);
    pthread_mutex_lock(&mu);
    struct dns_entry *e = &names[i];
    int changed = !e->resolved || e->naddr != fresh.naddr ||
                  memcmp(e->addr, fresh.addr, fresh.naddr * sizeof fresh.addr[0]) != 0;
    e->naddr = fresh.naddr;
    memcpy(e->addr, fresh.addr, sizeof fresh.addr);
    e->resolved = 1;
    pthread_cond_broadcast(&resolved_cv);
    pthread_mutex_unlock(&mu);
    return changed;
}

/* The name a comparison waits for, if any and still unresolved: -1 otherwise. Under mu. */
static long take_wanted(void)
{
    long w = wanted;
    wanted = -1;
    return w >= 0 && (size_t)w < nnames && !names[w].resolved ? w : -1;
}

static void *resolver(void *arg)
{
    (void)arg;
    int interval = DNS_BASE_REFRESH_S;
    pthread_mutex_lock(&mu);
    while (!stopping && !needed)
        pthread_cond_wait(&wake, &mu);
    while (!stopping) {
        added_since = 0;
        size_t n = nnames;
        pthread_mutex_unlock(&mu);
        int changed = 0;
        for (size_t i = 0; i < n; i++) {
            pthread_mutex_lock(&mu);
            long w = take_wanted();
            pthread_mutex_unlock(&mu);
            if (w >= 0)
                changed |= refresh_one((size_t)w);
            changed |= refresh_one(i);
            pthread_mutex_lock(&mu);
            int stop = stopping;
            pthread_mutex_unlock(&mu);
            if (stop)
                break;
        }
        interval = changed ? DNS_BASE_REFRESH_S
                           : (interval * 2 > DNS_MAX_REFRESH_S ? DNS_MAX_REFRESH_S : interval * 2);
        pthread_mutex_lock(&mu);
        /* on CLOCK_MONOTONIC: a wall-clock step neither skips nor stretches the refresh */
        struct timespec until = tt_deadline_ms((int64_t)interval * 1000);
        while (!stopping && !added_since && wanted < 0 &&
               pthread_cond_clockwait(&wake, &mu, TT_WAIT_CLOCK, &until) == 0)
            ;
    }
    pthread_mutex_unlock(&mu);
    return NULL;
}

int fld_dns_start(void)
{
    pthread_once(&resolved_cv_once, resolved_cv_init);
    pthread_mutex_lock(&mu);
    int need = !running && nnames > 0;
    if (need) {
        stopping = 0;
        running = pthread_create(&thr, NULL, resolver, NULL) == 0;
        if (!running)
            tt_warn("fd.*ip.name: cannot start the resolver thread; those names never match");
    }
    pthread_mutex_unlock(&mu);
    return running ? 0 : -1;
}

void fld_dns_stop(void)
{
    pthread_mutex_lock(&mu);
    int was = running;
    stopping = 1;
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&mu);
    if (was) {
        /* a lookup in flight may take the resolver's timeout: at most 200 ms wait, then the
         * thread is left to the process's end (with the names it reads) */
        struct timespec until = tt_deadline_ms(200);
        if (pthread_clockjoin_np(thr, NULL, TT_WAIT_CLOCK, &until) != 0) {
            pthread_detach(thr);
            return;
        }
    }
    pthread_mutex_lock(&mu);
    running = 0;
    needed = 0;
    wanted = -1;
    for (size_t i = 0; i < nnames; i++)
        free(names[i].name);
    free(names);
    names = NULL;
    nnames = capnames = 0;
    pthread_mutex_unlock(&mu);
}

static int has_addr(const struct dns_entry *e, int family, const uint8_t *addr)
{
    for (size_t k = 0; k < e->naddr; k++)
        if (e->addr[k].family == family && memcmp(e->addr[k].a, addr, family == 6 ? 16 : 4) == 0)
            return 1;
    return 0;
}

/* Waits (under mu) until entry i is resolved, if the resolver runs, out of the budget. */
static void await_first_resolution(size_t i)
{
    if (!running || stopping || names[i].resolved)
        return;
    if (!needed) {
        needed = 1;
        pthread_cond_signal(&wake);
    }
    if (wait_budget_ms <= 0)
        return;
    uint64_t t0 = tt_clock_ns(TT_WAIT_CLOCK);
    struct timespec until = tt_deadline_ms(wait_budget_ms);
    wanted = (long)i;
    pthread_cond_signal(&wake);
    while (running && !stopping && !names[i].resolved &&
           pthread_cond_timedwait(&resolved_cv, &mu, &until) == 0)
        ;
    wait_budget_ms -= (int64_t)((tt_clock_ns(TT_WAIT_CLOCK) - t0) / 1000000u);
    if (!names[i].resolved && wait_budget_ms <= 0 && !budget_warned) {
        budget_warned = 1;
        tt_warn("fd.*ip.name: the rules' host names are not all resolved after %d ms (\"%s\" "
                "is not); until they are, connections to their addresses match no name: check "
                "that the task's DNS resolver answers (/etc/resolv.conf)",
                DNS_FIRST_WAIT_MS, names[i].name);
    }
}

int fld_dns_match(const char *name, size_t len, int family, const uint8_t *addr)
{
    int r = 0;
    pthread_mutex_lock(&mu);
    for (size_t i = 0; i < nnames && !r; i++)
        if (strlen(names[i].name) == len && memcmp(names[i].name, name, len) == 0) {
            await_first_resolution(i);
            r = has_addr(&names[i], family, addr);
        }
    pthread_mutex_unlock(&mu);
    return r;
}

int fld_dns_name_of(int family, const uint8_t *addr, char *buf, size_t cap)
{
    int r = 0;
    pthread_mutex_lock(&mu);
    for (size_t i = 0; i < nnames && !r; i++) {
        await_first_resolution(i);
        if (has_addr(&names[i], family, addr)) {
            snprintf(buf, cap, "%s", names[i].name);
            r = 1;
        }
    }
    pthread_mutex_unlock(&mu);
    return r;
}

size_t fld_dns_resolved_count(void)
{
    size_t n = 0;
    pthread_mutex_lock(&mu);
    for (size_t i = 0; i < nnames; i++)
        n += names[i].resolved != 0;
    pthread_mutex_unlock(&mu);
    return n;
}

/* Engine state core: refcounted strings, the thread and process hash tables, lifetime of
 * processes, scratch space and the per-event entry points (state_begin_event/end_event). */
#include "state_priv.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_MAX_THREADS 32768u
#define DEFAULT_MAX_FDS 65536u
#define MIN_BUCKETS 256u

/* Refcounted strings. st_str_new returns NULL on allocation failure. */
static struct st_str *st_str_new(struct engine_state *st, const char *s, size_t len)
{
    if (len > UINT32_MAX - 1)
        return NULL;
    struct st_str *r = malloc(sizeof *r + len + 1);
    if (!r)
        return NULL;
    r->ref = 1;
    r->len = (uint32_t)len;
    if (len)
        memcpy(r->s, s, len);
    r->s[len] = '\0';
    st->bytes += sizeof *r + len + 1;
    return r;
}

void st_str_unref(struct engine_state *st, struct st_str *s)
{
    if (!s || --s->ref > 0)
        return;
    st->bytes -= sizeof *s + s->len + 1;
    free(s);
}

int st_str_set(struct engine_state *st, struct st_str **slot, const char *s, size_t len)
{
    if (*slot && (*slot)->len == len && memcmp((*slot)->s, s, len) == 0)
        return 0;
    struct st_str *n = st_str_new(st, s, len);
    if (!n)
        return -1;
    st_str_unref(st, *slot);
    *slot = n;
    return 0;
}

struct st_str *st_name_get(struct engine_state *st, const char *s, size_t len)
{
    if (!st->names)
        return st_str_new(st, s, len);
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)s[i]) * 16777619u;
    struct st_str **slot = &st->names[h & (ST_NAME_CACHE - 1)];
    if (*slot && (*slot)->len == len && memcmp((*slot)->s, s, len) == 0)
        return st_str_ref(*slot);
    struct st_str *n = st_str_new(st, s, len);
    if (!n)
        return NULL;
    st_str_unref(st, *slot);
    *slot = st_str_ref(n);
    return n;
}

static uint32_t hash_id(int32_t id, uint32_t nb)
{
    uint32_t x = (uint32_t)id * 2654435761u;
    return (x ^ (x >> 16)) & (nb - 1);
}

static int grow_threads(struct engine_state *st)
{
    uint32_t nb = st->tbuckets ? st->tbuckets * 2 : MIN_BUCKETS;
    struct st_thread **h = calloc(nb, sizeof *h);
    if (!h)
        return -1;
    for (uint32_t i = 0; i < st->tbuckets; i++) {
        struct st_thread *t = st->thash[i], *next;
        for (; t; t = next) {
            next = t->hnext;
            uint32_t b = hash_id(t->tid, nb);
            t->hnext = h[b];
            h[b] = t;
        }
    }
    st->bytes += (size_t)(nb - st->tbuckets) * sizeof *h;
    free(st->thash);
    st->thash = h;
    st->tbuckets = nb;
    return 0;
}

static int grow_procs(struct engine_state *st)
{
    uint32_t nb = st->pbuckets ? st->pbuckets * 2 : MIN_BUCKETS;
    struct st_proc **h = calloc(nb, sizeof *h);
    if (!h)
        return -1;
    for (uint32_t i = 0; i < st->pbuckets; i++) {
        struct st_proc *p = st->phash[i], *next;
        for (; p; p = next) {
            next = p->hnext;
            uint32_t b = hash_id(p->pid, nb);
            p->hnext = h[b];
            h[b] = p;
        }
    }
    st->bytes += (size_t)(nb - st->pbuckets) * sizeof *h;
    free(st->phash);
    st->phash = h;
    st->pbuckets = nb;
    return 0;
}

struct st_thread *st_thread_get(struct engine_state *st, int32_t tid)
{
    if (!st->tbuckets)
        return NULL;
    for (struct st_thread *t = st->thash[hash_id(tid, st->tbuckets)]; t; t = t->hnext)
        if (t->tid == tid)
            return t;
    return NULL;
}

struct st_proc *st_proc_get(struct engine_state *st, int32_t pid)
{
    if (!st->pbuckets)
        return NULL;
    for (struct st_proc *p = st->phash[hash_id(pid, st->pbuckets)]; p; p = p->hnext)
        if (p->pid == pid)
            return p;
    return NULL;
}

static void proc_unlink(struct engine_state *st, struct st_proc *p)
{
    if (!st->pbuckets)
        return;
    struct st_proc **pp = &st->phash[hash_id(p->pid, st->pbuckets)];
    for (; *pp; pp = &(*pp)->hnext) {
        if (*pp == p) {
            *pp = p->hnext;
            st->nprocs--;
            return;
        }
    }
}

static int proc_link(struct engine_state *st, struct st_proc *p)
{
    struct st_proc *old = st_proc_get(st, p->pid);
    if (old) /* pid reuse while the old record is still referenced: hide the old one */
        proc_unlink(st, old);
    if (st->nprocs + 1 > st->pbuckets && grow_procs(st) < 0 && !st->pbuckets)
        return -1;
    uint32_t b = hash_id(p->pid, st->pbuckets);
    p->hnext = st->phash[b];
    st->phash[b] = p;
    st->nprocs++;
    return 0;
}

struct st_proc *st_proc_new(struct engine_state *st, int32_t pid)
{
    struct st_proc *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->pid = pid;
    p->loginuid = -1;
    p->fds = st_fdtab_new(st);
    if (!p->fds || proc_link(st, p) < 0) {
        st_fdtab_unref(st, p->fds);
        free(p);
        return NULL;
    }
    p->ctr = st->dflt ? st->dflt : st->host;
    p->ctr->ref++;
    st->bytes += sizeof *p;
    return p;
}

struct st_proc *st_proc_fork(struct engine_state *st, const struct st_proc *parent, int32_t pid,
                             int share_fds)
{
    struct st_proc *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    *p = *parent;
    p->ref = 0;
    p->hnext = NULL;
    p->pid = pid;
    p->ppid = parent->pid;
    if (share_fds) {
        p->fds->ref++;
    } else {
        p->fds = st_fdtab_copy(st, parent->fds);
        if (!p->fds) {
            free(p);
            return NULL;
        }
    }
    if (proc_link(st, p) < 0) {
        st_fdtab_unref(st, p->fds);
        free(p);
        return NULL;
    }
    st_str_ref(p->exe);
    st_str_ref(p->exepath);
    st_str_ref(p->args);
    st_str_ref(p->argv);
    st_str_ref(p->cwd);
    st_str_ref(p->env);
    st_str_ref(p->root);
    p->ctr->ref++;
    st->bytes += sizeof *p;
    return p;
}

void st_proc_unref(struct engine_state *st, struct st_proc *p)
{
    if (!p || (p->ref > 0 && --p->ref > 0))
        return;
    if (st_proc_get(st, p->pid) == p)
        proc_unlink(st, p);
    st_str_unref(st, p->exe);
    st_str_unref(st, p->exepath);
    st_str_unref(st, p->args);
    st_str_unref(st, p->argv);
    st_str_unref(st, p->cwd);
    st_str_unref(st, p->env);
    st_str_unref(st, p->root);
    st_fdtab_unref(st, p->fds);
    st_container_unref(st, p->ctr);
    st->bytes -= sizeof *p;
    free(p);
}

void st_proc_foreach(struct engine_state *st, int (*fn)(struct st_proc *p, void *arg), void *arg)
{
    for (uint32_t i = 0; i < st->pbuckets; i++) {
        struct st_proc *p = st->phash[i], *next;
        for (; p; p = next) {
            next = p->hnext;
            if (fn(p, arg))
                return;
        }
    }
}

/* The table is full: forget threads that no longer exist (their exit was never seen, e.g.
 * events were dropped). Live mode only, at most once per PURGE_INTERVAL events; the thread
 * the caller is working with (keep) stays. */
#define PURGE_INTERVAL 10000u

static void purge_dead_threads(struct engine_state *st, const struct st_proc *keep)
{
    if (st->o.no_proc_lookup || (st->last_purge && st->evtnum - st->last_purge < PURGE_INTERVAL))
        return;
    st->last_purge = st->evtnum ? st->evtnum : 1;
    for (uint32_t i = 0; i < st->tbuckets; i++) {
        struct st_thread *t = st->thash[i], *next;
        for (; t; t = next) {
            next = t->hnext;
            if (t->proc == keep)
                continue;
            char path[32];
            snprintf(path, sizeof path, "/proc/%d", (int)t->tid);
            if (access(path, F_OK) != 0 && errno == ENOENT) {
                st_thread_remove(st, t);
                st->threads_purged++;
            }
        }
    }
}

struct st_thread *st_thread_add(struct engine_state *st, int32_t tid, struct st_proc *p)
{
    if (st->nthreads >= st->o.max_threads)
        purge_dead_threads(st, p);
    if (st->nthreads >= st->o.max_threads) {
        st->threads_dropped++;
        return NULL;
    }
    struct st_thread *old = st_thread_get(st, tid);
    if (old)
        st_thread_remove(st, old);
    if (st->nthreads + 1 > st->tbuckets && grow_threads(st) < 0 && !st->tbuckets)
        return NULL;
    struct st_thread *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->tid = tid;
    t->vtid = tid;
    t->flags = ST_TH_USED;
    t->proc = p;
    p->ref++;
    uint32_t b = hash_id(tid, st->tbuckets);
    t->hnext = st->thash[b];
    st->thash[b] = t;
    st->nthreads++;
    st->bytes += sizeof *t;
    return t;
}

void st_thread_remove(struct engine_state *st, struct st_thread *t)
{
    struct st_thread **pp = &st->thash[hash_id(t->tid, st->tbuckets)];
    for (; *pp; pp = &(*pp)->hnext) {
        if (*pp == t) {
            *pp = t->hnext;
            st->nthreads--;
            break;
        }
    }
    st_proc_unref(st, t->proc);
    st->bytes -= sizeof *t;
    free(t);
}

struct engine_state *state_new_opts(const struct state_opts *o)
{
    struct engine_state *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    if (o)
        st->o = *o;
    if (!st->o.max_threads)
        st->o.max_threads = DEFAULT_MAX_THREADS;
    if (!st->o.max_fds)
        st->o.max_fds = DEFAULT_MAX_FDS;
    if (!st->o.host_root)
        st->o.host_root = "/";
    st->pathbuf = malloc(2 * PATH_MAX + 2);
    st->names = calloc(ST_NAME_CACHE, sizeof *st->names);
    st->host = st->pathbuf ? st_container_get(st, "host", "") : NULL;
    if (!st->host || grow_threads(st) < 0 || grow_procs(st) < 0) {
        state_free(st);
        return NULL;
    }
    return st;
}

struct engine_state *state_new(void)
{
    return state_new_opts(NULL);
}

void state_free(struct engine_state *st)
{
    if (!st)
        return;
    for (uint32_t i = 0; i < st->tbuckets; i++) {
        struct st_thread *t = st->thash[i], *next;
        for (; t; t = next) {
            next = t->hnext;
            st_proc_unref(st, t->proc);
            free(t);
        }
    }
    free(st->thash);
    /* processes without threads (should not happen, but be safe) */
    for (uint32_t i = 0; i < st->pbuckets; i++) {
        while (st->phash[i]) {
            struct st_proc *p = st->phash[i];
            p->ref = 0;
            st_proc_unref(st, p);
        }
    }
    free(st->phash);
    if (st->host)
        st_container_unref(st, st->host);
    if (st->dflt)
        st_container_unref(st, st->dflt);
    while (st->ctrs) {
        struct st_container *c = st->ctrs;
        c->ref = 0;
        st_container_unref(st, c);
    }
    for (uint32_t i = 0; st->names && i < ST_NAME_CACHE; i++)
        st_str_unref(st, st->names[i]);
    free(st->names);
    free(st->pathbuf);
    free(st);
}

struct st_thread *state_thread(struct engine_state *st, int32_t tid)
{
    return st ? st_thread_get(st, tid) : NULL;
}

struct st_proc *state_proc(struct engine_state *st, int32_t pid)
{
    return st ? st_proc_get(st, pid) : NULL;
}

struct st_proc *state_parent(struct engine_state *st, const struct st_proc *p)
{
    if (!p || p->ppid <= 0 || p->ppid == p->pid)
        return NULL;
    return st_proc_get(st, p->ppid);
}

struct st_thread *state_main_thread(struct engine_state *st, const struct st_proc *p)
{
    if (!p)
        return NULL;
    struct st_thread *t = st_thread_get(st, p->pid);
    return t && t->proc == p ? t : NULL;
}

struct st_fd *state_fd(const struct st_proc *p, int64_t fd)
{
    if (!p || !p->fds || fd < 0 || fd >= (int64_t)p->fds->cap)
        return NULL;
    struct st_fd *f = &p->fds->v[fd];
    return f->used ? f : NULL;
}

void state_get_stats(const struct engine_state *st, struct state_stats *out)
{
    memset(out, 0, sizeof *out);
    if (!st)
        return;
    out->threads = st->nthreads;
    out->procs = st->nprocs;
    out->fds = st->nfds;
    out->threads_dropped = st->threads_dropped;
    out->threads_purged = st->threads_purged;
    out->fds_dropped = st->fds_dropped;
    out->bytes = st->bytes;
}

char *ctx_scratch(struct eval_ctx *ctx, size_t n)
{
    size_t a = (n + 7) & ~(size_t)7;
    if (a < n || a > ST_SCRATCH_SIZE - ctx->scratch_used)
        return NULL;
    char *p = ctx->scratch + ctx->scratch_used;
    ctx->scratch_used += a;
    return p;
}

int st_param_str(const struct tt_event *ev, unsigned id, const char **s, size_t *len)
{
    struct tt_param_view v;
    if (!tt_event_param(ev, id, &v) || (v.kind != TT_PK_STR && v.kind != TT_PK_BYTES))
        return 0;
    size_t n = v.len;
    while (n > 0 && v.data[n - 1] == '\0') /* tolerate a NUL-terminated payload */
        n--;
    *s = (const char *)v.data;
    *len = n;
    return 1;
}

int state_begin_event(struct engine_state *st, const struct tt_event *ev, uint64_t evtnum,
                      struct eval_ctx *ctx)
{
    if (!st || !ev || !ctx)
        return -1;
    st->evtnum = evtnum;
    ctx->st = st;
    ctx->ev = ev;
    ctx->evtnum = evtnum;
    ctx->evtype = ev->type;
    ctx->thr = NULL;
    ctx->proc = NULL;
    ctx->fd = NULL;
    ctx->fdnum = -1;
    ctx->path = NULL;
    ctx->pathlen = 0;
    ctx->rawpath = NULL;
    ctx->rawpathlen = 0;
    ctx->cache_valid = 0;
    ctx->nmemo = 0;
    ctx->scratch_used = 0;
    memset(&ctx->fdtmp, 0, sizeof ctx->fdtmp);
    st_proc_event(st, ctx);
    if (ctx->proc)
        st_fd_event(st, ctx);
    return 0;
}

void state_end_event(struct engine_state *st, struct eval_ctx *ctx)
{
    if (!st || !ctx || !ctx->ev)
        return;
    const struct tt_event *ev = ctx->ev;
    /* close releases the fd whatever it returns (EBADF: there was none); under the filter it
     * is reported at entry (TT_RET_NONE) */
    if ((ev->type == TT_EV_CLOSE) && (ev->ret == 0 || ev->ret == TT_RET_NONE) && ctx->proc &&
        ctx->fdnum >= 0)
        st_fd_clear(st, ctx->proc, ctx->fdnum);
    st_proc_end_event(st, ctx);
}

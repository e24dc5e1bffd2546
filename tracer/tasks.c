/* tracer: traced-thread table and pending-event buffers (see tasks.h). */
#include "tasks.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int tr_tasks_init(struct tr_tasks *t)
{
    memset(t, 0, sizeof *t);
    t->nbucket = 1024;
    t->bucket = calloc(t->nbucket, sizeof *t->bucket);
    return t->bucket ? 0 : -1;
}

void tr_tasks_free(struct tr_tasks *t)
{
    for (size_t i = 0; t->bucket && i < t->nbucket; i++) {
        struct tr_task *k = t->bucket[i];
        while (k) {
            struct tr_task *nx = k->next;
            tr_task_drop_pending(k);
            free(k->inject);
            free(k);
            k = nx;
        }
    }
    free(t->bucket);
    memset(t, 0, sizeof *t);
}

static size_t slot(const struct tr_tasks *t, pid_t tid)
{
    return ((uint32_t)tid * 2654435761u) & (t->nbucket - 1);
}

struct tr_task *tr_task_find(struct tr_tasks *t, pid_t tid)
{
    for (struct tr_task *k = t->bucket[slot(t, tid)]; k; k = k->next)
        if (k->tid == tid)
            return k;
    return NULL;
}

static void grow(struct tr_tasks *t)
{
    size_t n = t->nbucket * 4;
    struct tr_task **nb = calloc(n, sizeof *nb);
    if (!nb)
        return; /* keep the old table: longer chains, still correct */
    for (size_t i = 0; i < t->nbucket; i++) {
        struct tr_task *k = t->bucket[i];
        while (k) {
            struct tr_task *nx = k->next;
            size_t s = ((uint32_t)k->tid * 2654435761u) & (n - 1);
            k->next = nb[s];
            nb[s] = k;
            k = nx;
        }
    }
    free(t->bucket);
    t->bucket = nb;
    t->nbucket = n;
}

struct tr_task *tr_task_add(struct tr_tasks *t, pid_t tid, pid_t tgid)
{
    struct tr_task *k = tr_task_find(t, tid);
    if (k)
        return k;
    if (t->count >= t->nbucket)
        grow(t);
    k = calloc(1, sizeof *k);
    if (!k)
        return NULL;
    k->tid = tid;
    k->tgid = tgid;
    k->nr = -1;
    k->sockfd = -1;
    size_t s = slot(t, tid);
    k->next = t->bucket[s];
    t->bucket[s] = k;
    t->count++;
    return k;
}

static struct tr_task *unlink_task(struct tr_tasks *t, pid_t tid)
{
    struct tr_task **pp = &t->bucket[slot(t, tid)];
    for (; *pp; pp = &(*pp)->next) {
        if ((*pp)->tid == tid) {
            struct tr_task *k = *pp;
            *pp = k->next;
            k->next = NULL;
            return k;
        }
    }
    return NULL;
}

void tr_task_del(struct tr_tasks *t, pid_t tid)
{
    struct tr_task *k = unlink_task(t, tid);
    if (!k)
        return;
    if (k->flags & TF_HELD)
        t->held--;
    tr_task_drop_pending(k);
    free(k->inject);
    free(k);
    t->count--;
}

void tr_task_rekey(struct tr_tasks *t, struct tr_task *task, pid_t newtid)
{
    if (!unlink_task(t, task->tid))
        return;
    task->tid = newtid;
    size_t s = slot(t, newtid);
    task->next = t->bucket[s];
    t->bucket[s] = task;
}

struct tr_task *tr_task_iter(struct tr_tasks *t, size_t *bucket, struct tr_task **cursor)
{
    if (*cursor) {
        struct tr_task *k = *cursor;
        *cursor = k->next;
        return k;
    }
    while (*bucket < t->nbucket) {
        struct tr_task *k = t->bucket[(*bucket)++];
        if (k) {
            *cursor = k->next;
            return k;
        }
    }
    return NULL;
}

#define SMALL_BUF 16384u
#define FREELIST_MAX 32
static uint8_t *freelist[FREELIST_MAX];
static int nfree;

uint8_t *tr_buf_get(size_t need, size_t *cap)
{
    if (need <= SMALL_BUF) {
        *cap = SMALL_BUF;
        if (nfree > 0)
            return freelist[--nfree];
        return malloc(SMALL_BUF);
    }
    *cap = need;
    return malloc(need);
}

void tr_buf_put(uint8_t *buf, size_t cap)
{
    if (!buf)
        return;
    if (cap == SMALL_BUF && nfree < FREELIST_MAX) {
        freelist[nfree++] = buf;
        return;
    }
    free(buf);
}

static unsigned fd_inflight;

unsigned tr_fd_inflight(void)
{
    return fd_inflight;
}

void tr_task_mark_fd_inflight(struct tr_task *task)
{
    if (!(task->flags & TF_FD_INFLIGHT)) {
        task->flags |= TF_FD_INFLIGHT;
        fd_inflight++;
    }
}

void tr_task_drop_pending(struct tr_task *task)
{
    if (task->flags & TF_FD_INFLIGHT) {
        task->flags &= ~TF_FD_INFLIGHT;
        fd_inflight--;
    }
    if (task->sockfd >= 0) {
        close(task->sockfd);
        task->sockfd = -1;
    }
    task->sockino = 0;
    tr_buf_put(task->buf, task->bufcap);
    task->buf = NULL;
    task->bufcap = 0;
    task->nr = -1;
}

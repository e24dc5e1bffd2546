/* Unit tests of tracer/decode.c: a tracer state whose sink is a capture file, a task that is
 * this process (process_vm_readv on oneself is allowed, /proc/self/fd links are real), and the
 * records it emitted read back, so that each test checks every parameter an event carries. */
#ifndef TRACER_DECODE_UTIL_H
#define TRACER_DECODE_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arch.h"
#include "decode.h"
#include "tasks.h"
#include "trace.h"
#include "tracer.h"
#include "tt_capture.h"
#include "tt_event.h"
#include "tt_log.h"
#include "tt_test.h"

#define DEC_MAX_EVENTS 32

struct dec {
    struct tr_opts o;
    struct tr_state st;
    struct tr_task *t;
    char dir[64], cap[96];
    int n;                               /* records read back by dec_collect */
    struct tt_event *ev[DEC_MAX_EVENTS]; /* copies */
};

static inline void dec_open_sink(struct dec *f)
{
    char why[256] = "";
    TT_REQUIRE(tr_sink_open(&f->st.sink, f->cap, 0, 0, 0, why, sizeof why) == 0);
}

/* A tracer that decodes every syscall (-a) or only the set the test fills (trace_all 0), with
 * the task tid/tgid (this process: getpid() for both). */
static inline void dec_init_as(struct dec *f, int trace_all, pid_t tid, pid_t tgid)
{
    memset(f, 0, sizeof *f);
    tt_log_set_level(TT_LOG_ERROR); /* (the tamper warnings the tests provoke) */
    f->o.trace_all = trace_all;
    f->st.o = &f->o;
    f->st.sigfd = -1;
    f->st.notif_fd = -1;
    f->st.tty_fd = -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/tt_decode_XXXXXX");
    TT_REQUIRE(mkdtemp(f->dir) != NULL);
    snprintf(f->cap, sizeof f->cap, "%s/cap", f->dir);
    dec_open_sink(f);
    TT_REQUIRE(tr_tasks_init(&f->st.tasks) == 0);
    f->t = tr_task_add(&f->st.tasks, tid, tgid);
    TT_REQUIRE(f->t != NULL);
}

static inline void dec_init(struct dec *f, int trace_all)
{
    dec_init_as(f, trace_all, getpid(), getpid());
}

static inline void dec_drop_events(struct dec *f)
{
    for (int i = 0; i < f->n; i++)
        free(f->ev[i]);
    f->n = 0;
}

/* Reads back what was emitted since the last call (the sink starts a new file). Returns the
 * number of records. */
static inline int dec_collect(struct dec *f)
{
    char why[256] = "";
    dec_drop_events(f);
    tr_sink_close(&f->st.sink);
    struct tt_capture_reader *r = tt_capture_open(f->cap, why, sizeof why);
    TT_REQUIRE(r != NULL);
    const struct tt_event *ev;
    while (tt_capture_next(r, &ev, why, sizeof why) == 1 && f->n < DEC_MAX_EVENTS) {
        f->ev[f->n] = malloc(ev->len);
        TT_REQUIRE(f->ev[f->n] != NULL);
        memcpy(f->ev[f->n], ev, ev->len);
        f->n++;
    }
    tt_capture_close_reader(r);
    dec_open_sink(f);
    return f->n;
}

static inline void dec_free(struct dec *f)
{
    dec_drop_events(f);
    tr_tasks_free(&f->st.tasks);
    tr_sink_close(&f->st.sink);
    unlink(f->cap);
    rmdir(f->dir);
}

/* The one record emitted since the last collect, of type type (the test ends otherwise). */
static inline const struct tt_event *dec_one(struct dec *f, unsigned type)
{
    int n = dec_collect(f);
    TT_CHECK_INT(n, 1);
    TT_REQUIRE(n >= 1);
    TT_CHECK_INT(f->ev[0]->type, type);
    return f->ev[0];
}

/* Entry and exit stops of one call (the exit only when the entry asks for it). */
static inline void dec_call(struct dec *f, long nr, const uint64_t args[6], int64_t ret)
{
    if (tr_decode_entry(&f->st, f->t, nr, args, TR_AUDIT_ARCH, 0))
        tr_decode_exit(&f->st, f->t, ret);
}

/* n children that pause until killed (tracees of their own: other tids, other fd tables). */
static inline void dec_paused_children(pid_t *kids, int n)
{
    for (int i = 0; i < n; i++) {
        kids[i] = fork();
        TT_REQUIRE(kids[i] >= 0);
        if (kids[i] == 0) {
            pause();
            _exit(0);
        }
    }
}

static inline void dec_reap(const pid_t *kids, int n)
{
    for (int i = 0; i < n; i++) {
        kill(kids[i], SIGKILL);
        waitpid(kids[i], NULL, 0);
    }
}

/* Makes fd 0 a copy of fd (or leaves it closed: fd < 0), for a result or a tracer's copy that
 * lands on fd 0; returns the saved fd 0 for dec_fd0_restore. */
static inline int dec_fd0_take(int fd)
{
    int saved = dup(0);
    TT_REQUIRE(saved >= 0);
    if (fd >= 0)
        TT_REQUIRE(dup2(fd, 0) == 0);
    else
        close(0);
    return saved;
}

static inline void dec_fd0_restore(int saved)
{
    dup2(saved, 0);
    close(saved);
}

#define U(p) ((uint64_t)(uintptr_t)(p))
#define FDARG(fd) ((uint64_t)(int64_t)(fd))

/* A parameter's payload (NULL if absent), and its length. */
static inline const uint8_t *ev_param(const struct tt_event *ev, unsigned id, uint32_t *len)
{
    struct tt_param_view v;
    if (!tt_event_param(ev, id, &v))
        return NULL;
    if (len)
        *len = v.len;
    return v.data;
}

static inline int ev_has(const struct tt_event *ev, unsigned id)
{
    return ev_param(ev, id, NULL) != NULL;
}

/* A STR parameter as a C string ("(absent)" when missing). */
static inline const char *ev_str(const struct tt_event *ev, unsigned id)
{
    static char out[4][8192];
    static int k;
    char *o = out[k++ & 3];
    uint32_t n;
    const uint8_t *d = ev_param(ev, id, &n);
    if (!d)
        return "(absent)";
    if (memchr(d, '\0', n))
        return "(a NUL inside)"; /* (a length one too long would compare equal otherwise) */
    if (n >= sizeof out[0])
        n = sizeof out[0] - 1;
    memcpy(o, d, n);
    o[n] = '\0';
    return o;
}

static inline int64_t ev_i64(const struct tt_event *ev, unsigned id)
{
    int64_t v = INT64_MIN + 1;
    tt_event_get_i64(ev, id, &v);
    return v;
}

static inline uint64_t ev_u64(const struct tt_event *ev, unsigned id)
{
    uint64_t v = 0xdeadbeefdeadbeefull;
    tt_event_get_u64(ev, id, &v);
    return v;
}

/* The record of type type among those collected (NULL if none). */
static inline const struct tt_event *dec_find(const struct dec *f, unsigned type)
{
    for (int i = 0; i < f->n; i++)
        if (f->ev[i]->type == type)
            return f->ev[i];
    return NULL;
}

#endif

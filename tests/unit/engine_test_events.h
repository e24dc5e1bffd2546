/* Helpers for the engine state/fields/format unit tests: build Tartan events in memory and feed
 * them to an engine_state. Header-only (static functions), included by test_engine_*.c. */
#ifndef ENGINE_TEST_EVENTS_H
#define ENGINE_TEST_EVENTS_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fields.h"
#include "format.h"
#include "state.h"
#include "tt_event.h"

struct tev {
    uint8_t buf[8192];
    struct tt_evb b;
};

static inline void tev_begin(struct tev *e, unsigned type, int32_t tid, int32_t pid)
{
    tt_evb_begin(&e->b, e->buf, sizeof e->buf, type, 1700000000000000000ull, tid, pid);
}

static inline const struct tt_event *tev_end(struct tev *e, int64_t ret)
{
    tt_evb_finish(&e->b, ret);
    return (const struct tt_event *)(const void *)e->buf;
}

static inline void tev_strlist(struct tev *e, unsigned id, const char *const *v, size_t n)
{
    char tmp[2048];
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(v[i]) + 1;
        memcpy(tmp + len, v[i], l);
        len += l;
    }
    tt_evb_bytes(&e->b, id, TT_PK_STRLIST, tmp, len);
}

static inline void tev_sin(struct tev *e, unsigned id, const char *ip, uint16_t port)
{
    struct sockaddr_in s;
    memset(&s, 0, sizeof s);
    s.sin_family = AF_INET;
    s.sin_port = htons(port);
    inet_pton(AF_INET, ip, &s.sin_addr);
    tt_evb_bytes(&e->b, id, TT_PK_SOCKADDR, &s, sizeof s);
}

/* A process snapshot: comm, exe, args (space separated), cwd, ptid, uid. */
static inline const struct tt_event *tev_procinfo(struct tev *e, int32_t pid, int32_t ptid,
                                                  const char *comm, const char *exepath,
                                                  const char *args, const char *cwd, uint64_t uid)
{
    tev_begin(e, TT_EV_PROCINFO, pid, pid);
    tt_evb_str(&e->b, TT_P_EXE, comm);
    char tmp[512];
    snprintf(tmp, sizeof tmp, "%s", args);
    size_t len = strlen(tmp);
    for (size_t i = 0; i < len; i++)
        if (tmp[i] == ' ')
            tmp[i] = '\0';
    if (len)
        tt_evb_bytes(&e->b, TT_P_ARGS, TT_PK_STRLIST, tmp, len + 1);
    tt_evb_str(&e->b, TT_P_EXEPATH, exepath);
    tt_evb_str(&e->b, TT_P_CWD, cwd);
    tt_evb_str(&e->b, TT_P_COMM, comm);
    tt_evb_i64(&e->b, TT_P_PTID, ptid);
    tt_evb_u64(&e->b, TT_P_P_UID, uid);
    tt_evb_u64(&e->b, TT_P_P_EUID, uid);
    tt_evb_u64(&e->b, TT_P_P_GID, uid);
    tt_evb_u64(&e->b, TT_P_P_EGID, uid);
    tt_evb_u64(&e->b, TT_P_CLONE_TS, 1600000000000000000ull);
    return tev_end(e, 0);
}

/* Feed one event through begin/end. */
static inline void tev_apply(struct engine_state *st, struct eval_ctx *ctx,
                             const struct tt_event *ev)
{
    static uint64_t n;
    state_begin_event(st, ev, ++n, ctx);
    state_end_event(st, ctx);
}

/* Extract a field as text ("" + return -1 if missing). */
static inline int tev_field(struct eval_ctx *ctx, const char *name, const char *arg, char *out,
                            size_t cap)
{
    struct fld_ref ref;
    char err[128];
    out[0] = '\0';
    if (fld_resolve(name, arg, &ref, err, sizeof err) != 0) {
        snprintf(out, cap, "ERR:%s", err);
        return -2;
    }
    struct fld_value v[8];
    int n = fld_extract(&ref, ctx, FX_OUTPUT, v, 8);
    if (n < 1)
        return -1;
    fld_value_to_text(&v[0], out, cap);
    return 0;
}

/* The text of field name (with arg, or NULL) in the event being evaluated, "(missing)" when the
 * event has none; the buffer is reused by the next call. */
static inline const char *tev_text(struct eval_ctx *ctx, const char *name, const char *arg)
{
    static char text[8192];
    return tev_field(ctx, name, arg, text, sizeof text) == -1 ? "(missing)" : text;
}

/* A format rendered for the event in ctx, or "ERR <message>" when it does not compile. */
static inline const char *tev_render(struct eval_ctx *ctx, const char *f)
{
    static char buf[1024];
    char err[256];
    struct fmt *x = fmt_compile(f, err, sizeof err);
    if (!x) {
        snprintf(buf, sizeof buf, "ERR %s", err);
        return buf;
    }
    fmt_render(x, ctx, buf, sizeof buf);
    fmt_free(x);
    return buf;
}

#endif

/* Field extraction (fld_extract): the value of a field for the event in an eval_ctx, with
 * Falco's semantics (missing values, ancestors, fd fallbacks for failed opens). Strings point
 * into the state tables or into the event's scratch space; nothing is allocated. */
#include "fields.h"

#include "evt_args.h"
#include "fields_dns.h"
#include "fields_ids.h"
#include "state_priv.h"
#include "tt_sysnames.h"

#include <inttypes.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_ANCESTORS 64

static int sval(struct fld_value *o, const char *p, size_t n)
{
    if (!p)
        return 0;
    o->type = FT_STRING;
    o->v.s.p = p;
    o->v.s.len = n;
    return 1;
}

static int cstr(struct fld_value *o, const char *p)
{
    return p ? sval(o, p, strlen(p)) : 0;
}

static int rstr(struct fld_value *o, const struct st_str *s)
{
    return s ? sval(o, s->s, s->len) : 0;
}

static int ival(struct fld_value *o, enum fld_type t, int64_t v)
{
    o->type = t;
    o->v.i = v;
    return 1;
}

static int uval(struct fld_value *o, enum fld_type t, uint64_t v)
{
    o->type = t;
    o->v.u = v;
    return 1;
}

static int bval(struct fld_value *o, int b)
{
    o->type = FT_BOOL;
    o->v.b = b != 0;
    return 1;
}

static int ipval(struct fld_value *o, enum fld_type t, int family, const uint8_t *ip)
{
    memset(&o->v.ip, 0, sizeof o->v.ip);
    o->type = t;
    o->v.ip.family = family == AF_INET6 ? 6 : 4;
    memcpy(o->v.ip.addr, ip, family == AF_INET6 ? 16 : 4);
    o->v.ip.prefix = family == AF_INET6 ? 128 : 32;
    return 1;
}

/* ---- per-event memo of rendered strings ---- */

static int memo_get(struct eval_ctx *ctx, uint32_t key, struct fld_value *o, int *found)
{
    for (uint32_t i = 0; i < ctx->nmemo; i++) {
        if (ctx->memo[i].key == key) {
            *found = 1;
            return ctx->memo[i].p ? sval(o, ctx->memo[i].p, ctx->memo[i].len) : 0;
        }
    }
    *found = 0;
    return 0;
}

static int memo_put(struct eval_ctx *ctx, uint32_t key, struct fld_value *o, const char *p,
                    size_t n)
{
    if (ctx->nmemo < CTX_NMEMO) {
        ctx->memo[ctx->nmemo].key = key;
        ctx->memo[ctx->nmemo].p = p;
        ctx->memo[ctx->nmemo].len = (uint32_t)n;
        ctx->nmemo++;
    }
    return p ? sval(o, p, n) : 0;
}

/* Copy of a formatted string into scratch. */
static const char *scratch_dup(struct eval_ctx *ctx, const char *s, size_t n)
{
    char *p = ctx_scratch(ctx, n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

/* ---- processes ---- */

static const char *proc_comm(struct engine_state *st, struct st_proc *p, struct eval_ctx *ctx)
{
    if (ctx->proc == p && ctx->thr)
        return ctx->thr->comm[0] ? ctx->thr->comm : NULL;
    struct st_thread *t = state_main_thread(st, p);
    return t && t->comm[0] ? t->comm : NULL;
}

/* cmdline = comm + " " + args. level: memo key discriminator. */
static int proc_cmdline(struct eval_ctx *ctx, struct st_proc *p, uint32_t key, struct fld_value *o)
{
    int found;
    int r = memo_get(ctx, key, o, &found);
    if (found)
        return r;
    const char *comm = proc_comm(ctx->st, p, ctx);
    if (!comm)
        return memo_put(ctx, key, o, NULL, 0);
    size_t cl = strlen(comm), al = p->args ? p->args->len : 0;
    char *buf = ctx_scratch(ctx, cl + 1 + al + 1);
    if (!buf)
        return 0;
    memcpy(buf, comm, cl);
    size_t n = cl;
    if (al) {
        buf[n++] = ' ';
        memcpy(buf + n, p->args->s, al);
        n += al;
    }
    buf[n] = '\0';
    return memo_put(ctx, key, o, buf, n);
}

static int proc_exeline(struct eval_ctx *ctx, struct st_proc *p, struct fld_value *o)
{
    if (!p->exe)
        return 0;
    size_t el = p->exe->len, al = p->args ? p->args->len : 0;
    char *buf = ctx_scratch(ctx, el + 1 + al + 1);
    if (!buf)
        return 0;
    memcpy(buf, p->exe->s, el);
    size_t n = el;
    buf[n++] = ' '; /* libsinsp appends the separator even without arguments */
    if (al) {
        memcpy(buf + n, p->args->s, al);
        n += al;
    }
    buf[n] = '\0';
    return sval(o, buf, n);
}

/* Ancestor n of the event's process (0 = itself). */
static struct st_proc *ancestor(struct eval_ctx *ctx, int64_t n)
{
    struct st_proc *p = ctx->proc;
    for (int64_t i = 0; p && i < n && i < MAX_ANCESTORS * 16; i++)
        p = state_parent(ctx->st, p);
    return p;
}

enum proc_attr { PA_NAME, PA_EXE, PA_EXEPATH, PA_CMDLINE, PA_PID };

static int proc_attr(struct eval_ctx *ctx, struct st_proc *p, enum proc_attr a, uint32_t key,
                     struct fld_value *o)
{
    if (!p)
        return 0;
    switch (a) {
    case PA_NAME:
        return cstr(o, proc_comm(ctx->st, p, ctx));
    case PA_EXE:
        return rstr(o, p->exe);
    case PA_EXEPATH:
        return rstr(o, p->exepath);
    case PA_CMDLINE:
        return proc_cmdline(ctx, p, key, o);
    case PA_PID:
        return ival(o, FT_INT64, p->pid);
    }
    return 0;
}

static int ancestors(const struct fld_ref *ref, struct eval_ctx *ctx, enum fld_mode mode,
                     enum proc_attr a, struct fld_value *out, int max)
{
    uint32_t kbase = ((uint32_t)ref->info->id << 8);
    if (ref->has_arg && ref->index >= 0) {
        struct st_proc *p = ancestor(ctx, ref->index);
        return proc_attr(ctx, p, a, kbase | (uint32_t)(ref->index & 0xff), out);
    }
    if (mode == FX_OUTPUT) /* bare proc.a* in an output: libsinsp yields the process itself */
        return proc_attr(ctx, ctx->proc, a, kbase, out);
    int k = 0;
    struct st_proc *p = state_parent(ctx->st, ctx->proc);
    for (int i = 0; p && k < max && i < MAX_ANCESTORS; i++, p = state_parent(ctx->st, p))
        k += proc_attr(ctx, p, a, kbase | (uint32_t)(i + 1), &out[k]);
    return k;
}

static struct st_proc *leader_of(struct eval_ctx *ctx, int32_t id)
{
    if (id <= 0)
        return NULL;
    struct st_proc *p = state_proc(ctx->st, id);
    if (p && proc_comm(ctx->st, p, ctx)) /* a described process, not a bare placeholder */
        return p;
    /* eldest ancestor with the same session/group id */
    struct st_proc *best = NULL;
    for (struct st_proc *q = ctx->proc; q; q = state_parent(ctx->st, q)) {
        if (q->sid == id || q->vpgid == id)
            best = q;
        else
            break;
    }
    return best;
}

/* ---- fds ---- */

static int is_open_event(unsigned t)
{
    return (tt_event_flags(t) & TT_EVF_FD_OPEN) != 0;
}

static const char *fd_type_name(uint8_t t)
{
    static const char *const names[] = {
        [TT_FD_UNKNOWN] = "<NA>",
        [TT_FD_FILE] = "file",
        [TT_FD_DIRECTORY] = "directory",
        [TT_FD_IPV4] = "ipv4",
        [TT_FD_IPV6] = "ipv6",
        [TT_FD_UNIX] = "unix",
        [TT_FD_PIPE] = "pipe",
        [TT_FD_EVENT] = "event",
        [TT_FD_SIGNALFD] = "signalfd",
        [TT_FD_EVENTPOLL] = "eventpoll",
        [TT_FD_INOTIFY] = "inotify",
        [TT_FD_TIMERFD] = "timerfd",
        [TT_FD_NETLINK] = "netlink",
        [TT_FD_BPF] = "bpf",
        [TT_FD_USERFAULTFD] = "userfaultfd",
        [TT_FD_IO_URING] = "io_uring",
        [TT_FD_MEMFD] = "memfd",
        [TT_FD_PIDFD] = "pidfd",
    };
    return t < sizeof names / sizeof names[0] ? names[t] : "<NA>";
}

static const char *fd_typechar(uint8_t t)
{
    static const char *const tc[] = {
        [TT_FD_UNKNOWN] = "o",   [TT_FD_FILE] = "f",    [TT_FD_DIRECTORY] = "d",
        [TT_FD_IPV4] = "4",      [TT_FD_IPV6] = "6",    [TT_FD_UNIX] = "u",
        [TT_FD_PIPE] = "p",      [TT_FD_EVENT] = "e",   [TT_FD_SIGNALFD] = "s",
        [TT_FD_EVENTPOLL] = "l", [TT_FD_INOTIFY] = "i", [TT_FD_TIMERFD] = "t",
        [TT_FD_NETLINK] = "n",   [TT_FD_BPF] = "b",     [TT_FD_USERFAULTFD] = "u",
        [TT_FD_IO_URING] = "r",  [TT_FD_MEMFD] = "m",   [TT_FD_PIDFD] = "P",
    };
    return t < sizeof tc / sizeof tc[0] && tc[t] ? tc[t] : "o";
}

static int is_ip_fd(const struct st_fd *f)
{
    return f && (f->type == TT_FD_IPV4 || f->type == TT_FD_IPV6);
}

/* fd.name text: the fd entry's name, or the path of a failed/fd-less open. */
static int fd_name(struct eval_ctx *ctx, const char **p, size_t *n)
{
    if (ctx->fd && ctx->fd->name) {
        *p = ctx->fd->name->s;
        *n = ctx->fd->name->len;
        return 1;
    }
    if (ctx->path) {
        *p = ctx->path;
        *n = ctx->pathlen;
        return 1;
    }
    return 0;
}

/* which: 0 client, 1 server, 2 local, 3 remote. Missing when the socket has no tuple yet;
 * a listening socket only has its server address. */
static int sock_side(const struct st_fd *f, int which)
{
    if (!is_ip_fd(f) || f->sock.role == ST_ROLE_NONE)
        return -1;
    if (f->sock.role == ST_ROLE_LISTEN)
        return which == 1 ? 1 : -1;
    int server = f->sock.role == ST_ROLE_SERVER;
    return which == 1 || (which == 2 && server) || (which == 3 && !server);
}

static int fd_ip(struct eval_ctx *ctx, int which, enum fld_type t, struct fld_value *o)
{
    struct st_fd *f = ctx->fd;
    int side = sock_side(f, which);
    if (side < 0)
        return 0;
    int fam = f->type == TT_FD_IPV6 ? AF_INET6 : AF_INET;
    return ipval(o, t, fam, side ? f->sock.sip : f->sock.cip);
}

static int fd_port(struct eval_ctx *ctx, int which, struct fld_value *o)
{
    struct st_fd *f = ctx->fd;
    int side = sock_side(f, which);
    if (side < 0)
        return 0;
    return uval(o, FT_PORT, side ? f->sock.sport : f->sock.cport);
}

/* fd.typechar of an event without an fd entry (failed or fd-less call), as libsinsp. */
static const char *null_fd_typechar(unsigned t)
{
    switch (t) {
    case TT_EV_OPEN:
    case TT_EV_OPENAT:
    case TT_EV_OPENAT2:
    case TT_EV_CREAT:
        return "f";
    case TT_EV_SOCKET:
    case TT_EV_ACCEPT:
    case TT_EV_ACCEPT4:
        return "4";
    case TT_EV_PIPE:
    case TT_EV_PIPE2:
        return "p";
    case TT_EV_EVENTFD:
    case TT_EV_EVENTFD2:
        return "e";
    case TT_EV_SIGNALFD:
    case TT_EV_SIGNALFD4:
        return "s";
    case TT_EV_TIMERFD_CREATE:
        return "t";
    case TT_EV_INOTIFY_INIT:
    case TT_EV_INOTIFY_INIT1:
        return "i";
    default:
        return "o";
    }
}

/* libsinsp's fd.directory of a name: cut at the last '/', "/" when that is the first char or
 * there is none, unchanged when the name ends with '/'. */
static int dir_of(struct eval_ctx *ctx, const char *p, size_t n, struct fld_value *o)
{
    const char *slash = n ? memrchr(p, '/', n) : NULL;
    if (!slash || slash == p)
        return cstr(o, "/");
    if ((size_t)(slash - p) < n - 1)
        return sval(o, p, (size_t)(slash - p));
    return sval(o, p, n);
}

/* ---- evt.arg ---- */

static int param_for_key(struct eval_ctx *ctx, const struct fld_ref *ref, struct tt_param_view *v)
{
    unsigned et = ctx->evtype;
    const char *k = ref->key;
    if (strcmp(k, "flags") == 0) {
        if (et == TT_EV_EXECVE || et == TT_EV_EXECVEAT)
            return tt_event_param(ctx->ev, TT_P_EXE_FLAGS, v);
        if (et == TT_EV_CLONE || et == TT_EV_CLONE3 || et == TT_EV_FORK || et == TT_EV_VFORK)
            return tt_event_param(ctx->ev, TT_P_CLONE_FLAGS, v);
    }
    if ((et == TT_EV_RENAMEAT || et == TT_EV_RENAMEAT2) &&
        (strcmp(k, "olddirfd") == 0 || strcmp(k, "newdirfd") == 0))
        return tt_event_param(ctx->ev, k[0] == 'o' ? TT_P_OLDDIR : TT_P_NEWDIR, v);
    if (strcmp(k, "uid") == 0 && (et == TT_EV_EXECVE || et == TT_EV_EXECVEAT))
        return tt_event_param(ctx->ev, TT_P_P_EUID, v);
    if (strcmp(k, "gid") == 0 && (et == TT_EV_EXECVE || et == TT_EV_EXECVEAT))
        return tt_event_param(ctx->ev, TT_P_P_EGID, v);
    if (ref->param_id > 0)
        return tt_event_param(ctx->ev, (unsigned)ref->param_id, v);
    return 0;
}

static int ret_is_named(struct eval_ctx *ctx, const char *key)
{
    if (!(tt_event_flags(ctx->evtype) & TT_EVF_SYSCALL))
        return 0;
    const char *rname = evt_ret_name(ctx->evtype);
    if (strcmp(key, rname) == 0)
        return !(strcmp(key, "fd") == 0 &&
                 tt_event_param(ctx->ev, TT_P_FD, &(struct tt_param_view){0}));
    return strcmp(key, "res") == 0;
}

/* 15 bits of a parameter's name, for the memo key of evt.arg.NAME: names without a parameter
 * id of their own (res and tuple share 0, renameat's olddirfd and newdirfd have none) must not
 * share an entry in one event. */
static uint32_t name_bits(const char *s)
{
    uint32_t h = 5381;
    while (*s)
        h = h * 33 + (unsigned char)*s++;
    return h & 0x7fff;
}

static int evt_arg(const struct fld_ref *ref, struct eval_ctx *ctx, struct fld_value *o)
{
    uint32_t key =
        ((uint32_t)FLD_EVT_ARG << 8) | (uint32_t)(ref->param_id & 0xff) |
        (ref->index >= 0 ? 0x80000000u | ((uint32_t)ref->index << 16) : name_bits(ref->key) << 16);
    int found;
    int r = memo_get(ctx, key, o, &found);
    if (found)
        return r;
    char buf[4096];
    int n = -1;
    struct tt_param_view v;
    if (ref->key[0]) {
        if (strcmp(ref->key, "tuple") == 0) {
            const char *p;
            size_t len;
            if (ctx->fd && is_ip_fd(ctx->fd) && fd_name(ctx, &p, &len))
                n = snprintf(buf, sizeof buf, "%.*s", (int)len, p);
        } else if (ret_is_named(ctx, ref->key)) {
            const char *rn;
            n = evt_ret_text(ctx, &rn, buf, sizeof buf);
        } else if (param_for_key(ctx, ref, &v)) {
            n = evt_param_text(ctx, &v, buf, sizeof buf);
        }
    } else if (ref->index >= 0) {
        int64_t idx = ref->index;
        /* a syscall's result is argument 0, when the event has one */
        if ((tt_event_flags(ctx->evtype) & TT_EVF_SYSCALL) && ctx->ev->ret != TT_RET_NONE) {
            if (idx == 0) {
                const char *rn;
                n = evt_ret_text(ctx, &rn, buf, sizeof buf);
            }
            idx--;
        }
        size_t pos = 0;
        for (int64_t i = 0; n < 0 && idx >= 0 && tt_event_next_param(ctx->ev, &pos, &v); i++)
            if (i == idx)
                n = evt_param_text(ctx, &v, buf, sizeof buf);
    }
    if (n < 0)
        return memo_put(ctx, key, o, NULL, 0);
    size_t len = (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1;
    const char *p = scratch_dup(ctx, buf, len);
    return p ? memo_put(ctx, key, o, p, len) : 0;
}

static int evt_rawarg(const struct fld_ref *ref, struct eval_ctx *ctx, struct fld_value *o)
{
    struct tt_param_view v;
    if (ret_is_named(ctx, ref->key))
        return ctx->ev->ret != TT_RET_NONE ? ival(o, FT_INT64, ctx->ev->ret) : 0;
    if (!param_for_key(ctx, ref, &v))
        return 0;
    int64_t i;
    uint64_t u;
    switch (v.kind) {
    case TT_PK_I64:
        memcpy(&i, v.data, 8);
        return ref->info->type == FT_UINT64 ? uval(o, FT_UINT64, (uint64_t)i)
                                            : ival(o, FT_INT64, i);
    case TT_PK_U64:
        memcpy(&u, v.data, 8);
        if (v.id == TT_P_FLAGS && is_open_event(ctx->evtype))
            u = evt_open_flags_to_ppm(u);
        return ref->info->type == FT_INT64 ? ival(o, FT_INT64, (int64_t)u) : uval(o, FT_UINT64, u);
    default: {
        size_t n = v.len;
        while (n > 0 && v.data[n - 1] == 0)
            n--;
        return sval(o, (const char *)v.data, n);
    }
    }
}

/* ---- time ---- */

static int time_text(struct eval_ctx *ctx, int id, struct fld_value *o)
{
    uint64_t ts = ctx->ev->ts_ns;
    time_t s = (time_t)(ts / 1000000000ull);
    unsigned long ns = (unsigned long)(ts % 1000000000ull);
    struct tm tm;
    char buf[64];
    int n;
    if (id == FLD_EVT_TIME_ISO) {
        if (!gmtime_r(&s, &tm))
            return 0;
        n = (int)strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
        n += snprintf(buf + n, sizeof buf - (size_t)n, ".%09luZ", ns);
    } else {
        if (!localtime_r(&s, &tm))
            return 0;
        if (id == FLD_EVT_DATETIME || id == FLD_EVT_DATETIME_S)
            n = (int)strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
        else
            n = (int)strftime(buf, sizeof buf, "%H:%M:%S", &tm);
        if (id == FLD_EVT_TIME || id == FLD_EVT_DATETIME)
            n += snprintf(buf + n, sizeof buf - (size_t)n, ".%09lu", ns);
    }
    const char *p = scratch_dup(ctx, buf, (size_t)n);
    return p ? sval(o, p, (size_t)n) : 0;
}

static const char *hostname(void)
{
    static char name[256];
    if (!name[0]) {
        const char *e = getenv("FALCO_HOSTNAME");
        if (e && *e)
            snprintf(name, sizeof name, "%s", e);
        else if (gethostname(name, sizeof name - 1) != 0)
            snprintf(name, sizeof name, "localhost");
    }
    return name;
}

static int caps_field(struct eval_ctx *ctx, int id, uint64_t caps, struct fld_value *o)
{
    uint32_t key = (uint32_t)id << 8;
    int found;
    int r = memo_get(ctx, key, o, &found);
    if (found)
        return r;
    char buf[1024];
    int n = evt_caps_text(caps, buf, sizeof buf);
    size_t len = (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1;
    const char *p = scratch_dup(ctx, buf, len);
    return p ? memo_put(ctx, key, o, p, len) : 0;
}

/* proc.env[NAME]: the value, "" when the variable is not set or the environment was not
 * captured (libsinsp returns an empty string, never a missing value). */
static int env_lookup(struct st_proc *p, const char *key, struct fld_value *o)
{
    size_t kl = strlen(key);
    const char *s = p->env ? p->env->s : NULL, *end = s ? s + p->env->len : NULL;
    while (s && s < end) {
        size_t l = strnlen(s, (size_t)(end - s));
        if (l > kl + 1 && memcmp(s, key, kl) == 0 && s[kl] == '=') {
            const char *v = s + kl + 1, *ve = s + l; /* spaces around the value stripped */
            while (v < ve && *v == ' ')
                v++;
            while (ve > v && ve[-1] == ' ')
                ve--;
            return sval(o, v, (size_t)(ve - v));
        }
        s += l + 1;
    }
    return sval(o, "", 0);
}

static int proc_field(const struct fld_ref *ref, struct eval_ctx *ctx, enum fld_mode mode,
                      struct fld_value *o, int max)
{
    struct st_proc *p = ctx->proc;
    if (!p)
        return 0;
    struct engine_state *st = ctx->st;
    uint64_t now = ctx->ev->ts_ns;
    struct st_proc *pp;
    switch (ref->info->id) {
    case FLD_PROC_PID:
        return ival(o, FT_INT64, p->pid);
    case FLD_PROC_VPID:
        return ival(o, FT_INT64, p->vpid ? p->vpid : p->pid);
    case FLD_PROC_PPID:
        return p->ppid > 0 ? ival(o, FT_INT64, p->ppid) : 0;
    case FLD_PROC_PVPID:
        pp = state_parent(st, p);
        return pp ? ival(o, FT_INT64, pp->vpid ? pp->vpid : pp->pid) : 0;
    case FLD_PROC_NAME:
        return cstr(o, ctx->thr && ctx->thr->comm[0] ? ctx->thr->comm : NULL);
    case FLD_PROC_EXE:
        return rstr(o, p->exe);
    case FLD_PROC_EXEPATH:
        return rstr(o, p->exepath);
    case FLD_PROC_ARGS:
        return p->args ? rstr(o, p->args) : (ctx->thr && ctx->thr->comm[0] ? sval(o, "", 0) : 0);
    case FLD_PROC_CMDLINE:
        return proc_cmdline(ctx, p, (uint32_t)FLD_PROC_CMDLINE << 8, o);
    case FLD_PROC_EXELINE:
        return proc_exeline(ctx, p, o);
    case FLD_PROC_CMDNARGS:
        return uval(o, FT_UINT64, p->nargs);
    case FLD_PROC_CMDLENARGS: /* characters of the arguments, separators excluded */
        return uval(o, FT_UINT64, p->args ? p->args->len - (p->nargs > 1 ? p->nargs - 1 : 0) : 0);
    case FLD_PROC_CWD:
        return rstr(o, p->cwd);
    case FLD_PROC_ENV:
        if (ref->has_arg && ref->key[0])
            return env_lookup(p, ref->key, o);
        if (!p->env)
            return sval(o, "", 0);
        {
            char *b = ctx_scratch(ctx, p->env->len + 1);
            if (!b)
                return 0;
            for (uint32_t i = 0; i < p->env->len; i++)
                b[i] = p->env->s[i] ? p->env->s[i] : ' ';
            size_t n = p->env->len; /* stored without the NUL after the last variable */
            b[n] = '\0';
            return sval(o, b, n);
        }
    case FLD_PROC_TTY:
        return uval(o, FT_UINT64, p->tty);
    case FLD_PROC_SID:
        return ival(o, FT_INT64, p->sid);
    case FLD_PROC_SNAME:
        return proc_attr(ctx, leader_of(ctx, p->sid), PA_NAME, 0, o);
    case FLD_PROC_SID_EXE:
        return proc_attr(ctx, leader_of(ctx, p->sid), PA_EXE, 0, o);
    case FLD_PROC_SID_EXEPATH:
        return proc_attr(ctx, leader_of(ctx, p->sid), PA_EXEPATH, 0, o);
    case FLD_PROC_IS_SID_LEADER:
        return bval(o, p->sid == p->pid || (p->vpid && p->sid == p->vpid));
    case FLD_PROC_VPGID:
        return ival(o, FT_INT64, p->vpgid);
    case FLD_PROC_VPGID_NAME:
        return proc_attr(ctx, leader_of(ctx, p->vpgid), PA_NAME, 0, o);
    case FLD_PROC_VPGID_EXE:
        return proc_attr(ctx, leader_of(ctx, p->vpgid), PA_EXE, 0, o);
    case FLD_PROC_VPGID_EXEPATH:
        return proc_attr(ctx, leader_of(ctx, p->vpgid), PA_EXEPATH, 0, o);
    case FLD_PROC_IS_VPGID_LEADER:
        return bval(o, p->vpgid == p->pid || (p->vpid && p->vpgid == p->vpid));
    case FLD_PROC_PNAME:
        return proc_attr(ctx, state_parent(st, p), PA_NAME, 0, o);
    case FLD_PROC_PEXE:
        return proc_attr(ctx, state_parent(st, p), PA_EXE, 0, o);
    case FLD_PROC_PEXEPATH:
        return proc_attr(ctx, state_parent(st, p), PA_EXEPATH, 0, o);
    case FLD_PROC_PCMDLINE:
        return proc_attr(ctx, state_parent(st, p), PA_CMDLINE, (uint32_t)FLD_PROC_PCMDLINE << 8, o);
    case FLD_PROC_ANAME:
        return ancestors(ref, ctx, mode, PA_NAME, o, max);
    case FLD_PROC_AEXE:
        return ancestors(ref, ctx, mode, PA_EXE, o, max);
    case FLD_PROC_AEXEPATH:
        return ancestors(ref, ctx, mode, PA_EXEPATH, o, max);
    case FLD_PROC_ACMDLINE:
        return ancestors(ref, ctx, mode, PA_CMDLINE, o, max);
    case FLD_PROC_APID:
        return ancestors(ref, ctx, mode, PA_PID, o, max);
    case FLD_PROC_DURATION:
        return p->clone_ts && now >= p->clone_ts ? ival(o, FT_RELTIME, (int64_t)(now - p->clone_ts))
                                                 : 0;
    case FLD_PROC_PPID_DURATION:
        pp = state_parent(st, p);
        return pp && pp->clone_ts && now >= pp->clone_ts
                   ? ival(o, FT_RELTIME, (int64_t)(now - pp->clone_ts))
                   : 0;
    case FLD_PROC_START_TS:
        return p->clone_ts ? uval(o, FT_ABSTIME, p->clone_ts) : 0;
    case FLD_PROC_EXE_INO:
        return p->exe_ino ? uval(o, FT_UINT64, p->exe_ino) : 0;
    case FLD_PROC_EXE_INO_CTIME:
        return p->exe_ctime ? uval(o, FT_ABSTIME, p->exe_ctime) : 0;
    case FLD_PROC_EXE_INO_MTIME:
        return p->exe_mtime ? uval(o, FT_ABSTIME, p->exe_mtime) : 0;
    case FLD_PROC_EXE_INO_CTIME_DPS:
        return p->exe_ctime && p->clone_ts && p->clone_ts >= p->exe_ctime
                   ? uval(o, FT_ABSTIME, p->clone_ts - p->exe_ctime)
                   : 0;
    case FLD_PROC_EXE_INO_CTIME_DPNS:
        return p->exe_ctime && p->pidns_init_ts && p->exe_ctime >= p->pidns_init_ts
                   ? uval(o, FT_ABSTIME, p->exe_ctime - p->pidns_init_ts)
                   : 0;
    case FLD_PROC_PIDNS_INIT_TS:
        return p->pidns_init_ts ? uval(o, FT_ABSTIME, p->pidns_init_ts) : 0;
    case FLD_PROC_IS_EXE_WRITABLE:
        return bval(o, p->exe_flags & TT_EXE_WRITABLE);
    case FLD_PROC_IS_EXE_UPPER:
        return bval(o, p->exe_flags & TT_EXE_UPPER_LAYER);
    case FLD_PROC_IS_EXE_LOWER:
        return bval(o, p->exe_flags & TT_EXE_LOWER_LAYER);
    case FLD_PROC_IS_EXE_MEMFD:
        return bval(o, p->exe_flags & TT_EXE_FROM_MEMFD);
    case FLD_PROC_IS_HEALTHCHECK:
    case FLD_PROC_IS_LIVENESS:
    case FLD_PROC_IS_READINESS:
        return 0; /* deprecated in the container plugin, which extracts nothing for them */
    case FLD_PROC_FDLIMIT:
        return p->fdlimit ? ival(o, FT_INT64, (int64_t)p->fdlimit) : 0;
    case FLD_THREAD_TID:
        return ival(o, FT_INT64, ctx->thr->tid);
    case FLD_THREAD_VTID:
        return ival(o, FT_INT64, ctx->thr->vtid ? ctx->thr->vtid : ctx->thr->tid);
    case FLD_THREAD_ISMAIN:
        return bval(o, ctx->thr->tid == p->pid);
    case FLD_THREAD_CAP_EFF:
        return caps_field(ctx, FLD_THREAD_CAP_EFF, p->cap_eff, o);
    case FLD_THREAD_CAP_PRM:
        return caps_field(ctx, FLD_THREAD_CAP_PRM, p->cap_prm, o);
    case FLD_THREAD_CAP_INH:
        return caps_field(ctx, FLD_THREAD_CAP_INH, p->cap_inh, o);
    case FLD_USER_UID:
        return uval(o, FT_UINT64, p->euid);
    case FLD_USER_NAME: {
        const char *n = st_user_name(st, p, p->euid, NULL, NULL);
        return cstr(o, n ? n : "<NA>");
    }
    case FLD_USER_HOMEDIR: {
        const char *h = NULL;
        st_user_name(st, p, p->euid, &h, NULL);
        return cstr(o, h ? h : "<NA>");
    }
    case FLD_USER_SHELL: {
        const char *sh = NULL;
        st_user_name(st, p, p->euid, NULL, &sh);
        return cstr(o, sh ? sh : "<NA>");
    }
    case FLD_USER_LOGINUID:
        return ival(o, FT_INT64, p->loginuid);
    case FLD_USER_LOGINNAME: {
        const char *n =
            p->loginuid >= 0 ? st_user_name(st, p, (uint32_t)p->loginuid, NULL, NULL) : NULL;
        return cstr(o, n ? n : "<NA>");
    }
    case FLD_GROUP_GID:
        return uval(o, FT_UINT64, p->egid);
    case FLD_GROUP_NAME: {
        const char *n = st_group_name(st, p, p->egid);
        return cstr(o, n ? n : "<NA>");
    }
    default:
        return 0;
    }
}

/* fd.cip.name ...: which address of the connection (fd_ip's which), -1 for other fields */
static int ip_name_side(int id)
{
    return id == FLD_FD_CIP_NAME   ? 0
           : id == FLD_FD_SIP_NAME ? 1
           : id == FLD_FD_LIP_NAME ? 2
           : id == FLD_FD_RIP_NAME ? 3
                                   : -1;
}

/* libsinsp: the name (among those the rules compare with) that resolves to the address; only
 * for connected sockets (local/remote: not for a listening one); missing otherwise. */
static int ip_name(struct eval_ctx *ctx, int id, struct fld_value *o)
{
    struct fld_value ip;
    int which = ip_name_side(id);
    if (!ctx->fd || (which >= 2 && ctx->fd->sock.role == ST_ROLE_LISTEN) ||
        !fd_ip(ctx, which, FT_IPADDR, &ip))
        return 0;
    char name[256];
    if (!fld_dns_name_of(ip.v.ip.family, ip.v.ip.addr, name, sizeof name))
        return 0;
    const char *p = scratch_dup(ctx, name, strlen(name));
    return p ? sval(o, p, strlen(p)) : 0;
}

void fld_note_literal(const struct fld_ref *ref, const char *value)
{
    if (ref && ref->info && ip_name_side(ref->info->id) >= 0)
        fld_dns_note(value);
}

int fld_compare_missing(const struct fld_ref *ref, struct eval_ctx *ctx, int op,
                        const struct fld_value *vals, size_t nvals)
{
    int which = ref && ref->info ? ip_name_side(ref->info->id) : -1;
    struct fld_value ip;
    if (which < 0 || !ctx || !evt_has_fd(ctx->evtype))
        return -1;
    if (!ctx->fd || (which >= 2 && ctx->fd->sock.role == ST_ROLE_LISTEN) ||
        !fd_ip(ctx, which, FT_IPADDR, &ip))
        return 0; /* not a connected IP socket: false for every operator, as libsinsp */
    int any = 0;
    for (size_t i = 0; i < nvals && !any; i++)
        any = vals[i].type == FT_STRING &&
              fld_dns_match(vals[i].v.s.p, vals[i].v.s.len, ip.v.ip.family, ip.v.ip.addr);
    return op == FC_NE ? !any : any;
}

static int fd_field(const struct fld_ref *ref, struct eval_ctx *ctx, struct fld_value *o)
{
    struct st_fd *f = ctx->fd;
    const char *p;
    size_t n;
    if (!evt_has_fd(ctx->evtype))
        return 0;
    switch (ref->info->id) {
    case FLD_FD_NUM:
        if (f || ctx->fdnum >= 0)
            return ival(o, FT_INT64, ctx->fdnum);
        return is_open_event(ctx->evtype) && ctx->ev->ret < 0 ? ival(o, FT_INT64, -1) : 0;
    case FLD_FD_TYPE:
        return f ? cstr(o, fd_type_name(f->type)) : 0;
    case FLD_FD_TYPECHAR:
        if (f)
            return cstr(o, fd_typechar(f->type));
        return ctx->proc ? cstr(o, null_fd_typechar(ctx->evtype)) : 0;
    case FLD_FD_NAME:
        if (ctx->evtype == TT_EV_CONNECT && ctx->ev->ret < 0 && ctx->path)
            return sval(o, ctx->path, ctx->pathlen); /* failed connect: the attempted tuple */
        if (fd_name(ctx, &p, &n))
            return sval(o, p, n);
        return ctx->proc ? sval(o, "", 0) : 0; /* libsinsp: "" for calls that make no fd */
    case FLD_FD_NAMERAW:
        if (ctx->rawpath)
            return sval(o, ctx->rawpath, ctx->rawpathlen);
        if (fd_name(ctx, &p, &n))
            return sval(o, p, n);
        return ctx->proc ? sval(o, "", 0) : 0;
    case FLD_FD_DIRECTORY:
        if (!f) {
            if (!ctx->proc)
                return 0;
            if (!fd_name(ctx, &p, &n)) {
                p = "";
                n = 0;
            }
            return dir_of(ctx, p, n, o);
        }
        if (f->type == TT_FD_DIRECTORY)
            return f->name ? rstr(o, f->name) : 0;
        if (f->type != TT_FD_FILE || !f->name)
            return 0;
        return dir_of(ctx, f->name->s, f->name->len, o);
    case FLD_FD_FILENAME: {
        if (!f || f->type != TT_FD_FILE || !f->name)
            return 0;
        p = f->name->s;
        n = f->name->len;
        const char *slash = memrchr(p, '/', n);
        if (!slash)
            return cstr(o, "/");
        if ((size_t)(slash - p) < n - 1)
            return sval(o, slash + 1, n - (size_t)(slash + 1 - p));
        return sval(o, p, n);
    }
    case FLD_FD_CIP:
        return fd_ip(ctx, 0, FT_IPADDR, o);
    case FLD_FD_SIP:
        return fd_ip(ctx, 1, FT_IPADDR, o);
    case FLD_FD_LIP:
        return fd_ip(ctx, 2, FT_IPADDR, o);
    case FLD_FD_RIP:
        return fd_ip(ctx, 3, FT_IPADDR, o);
    case FLD_FD_CNET:
        return fd_ip(ctx, 0, FT_IPADDR, o);
    case FLD_FD_SNET:
        return fd_ip(ctx, 1, FT_IPADDR, o);
    case FLD_FD_LNET:
        return fd_ip(ctx, 2, FT_IPADDR, o);
    case FLD_FD_RNET:
        return fd_ip(ctx, 3, FT_IPADDR, o);
    case FLD_FD_CIP_NAME:
    case FLD_FD_SIP_NAME:
    case FLD_FD_LIP_NAME:
    case FLD_FD_RIP_NAME:
        return ip_name(ctx, ref->info->id, o);
    case FLD_FD_CPORT:
        return fd_port(ctx, 0, o);
    case FLD_FD_SPORT:
        return fd_port(ctx, 1, o);
    case FLD_FD_LPORT:
        return fd_port(ctx, 2, o);
    case FLD_FD_RPORT:
        return fd_port(ctx, 3, o);
    case FLD_FD_L4PROTO: {
        if (!f)
            return 0;
        static const char *const l4[] = {"<NA>", "tcp", "udp", "icmp", "raw"};
        if (!is_ip_fd(f))
            return cstr(o, "<NA>");
        return cstr(o, l4[f->sock.l4proto < 5 ? f->sock.l4proto : 0]);
    }
    case FLD_FD_SOCKFAMILY:
        if (!f)
            return 0;
        if (is_ip_fd(f))
            return cstr(o, "ip");
        return f->type == TT_FD_UNIX ? cstr(o, "unix") : 0;
    case FLD_FD_IS_SERVER:
        if (!f)
            return 0;
        return bval(o, is_ip_fd(f) && f->sock.is_server); /* libsinsp: false for non-IP fds */
    case FLD_FD_CONNECTED:
        return f ? bval(o, f->sock.connected) : 0;
    case FLD_FD_NAME_CHANGED:
        return f ? bval(o, f->sock.name_changed) : 0;
    case FLD_FD_DEV:
        return f ? uval(o, FT_UINT64, f->dev) : 0;
    case FLD_FD_INO:
        return f ? uval(o, FT_UINT64, f->ino) : 0;
    case FLD_FD_OPENFLAGS: {
        if (!f || (f->type != TT_FD_FILE && f->type != TT_FD_DIRECTORY))
            return 0;
        char buf[256];
        int r = evt_flags_text("open", f->openflags, buf, sizeof buf);
        const char *s = scratch_dup(ctx, buf, (size_t)r < sizeof buf ? (size_t)r : 0);
        return s ? sval(o, s, strlen(s)) : 0;
    }
    default:
        return 0;
    }
}

/* Container metadata as Falco's container plugin gives it: the host has a record of its own
 * (name and type "host", empty image strings, not privileged, no mounts); in a container each
 * field has the value its source gave (ECS task metadata, tartan.container_*), and is missing
 * when that source is absent, as in Falco without the container runtime's answer. What only a
 * runtime inspection gives (type, privileged) is always missing in a container
 * (docs/engine-fields.md). */
static int ctr_str(int host, const struct st_str *s, struct fld_value *o)
{
    if (s)
        return rstr(o, s);
    return host ? sval(o, "", 0) : 0;
}

/* The container plugin's mount lookup by source or destination: the key is a regular
 * expression searched anywhere in the path (reflex "find"), the first mount that matches. A
 * small cache keeps the compiled expressions (rule arguments: a handful). */
#define MOUNT_RE_CACHE 32
static struct {
    char key[64];
    regex_t re;
    int ok;
} mount_re[MOUNT_RE_CACHE];
static int n_mount_re;

static const regex_t *mount_regex(const char *key)
{
    for (int i = 0; i < n_mount_re; i++)
        if (strcmp(mount_re[i].key, key) == 0)
            return mount_re[i].ok ? &mount_re[i].re : NULL;
    int i = n_mount_re < MOUNT_RE_CACHE ? n_mount_re++ : MOUNT_RE_CACHE - 1;
    if (i == MOUNT_RE_CACHE - 1 && mount_re[i].ok)
        regfree(&mount_re[i].re);
    snprintf(mount_re[i].key, sizeof mount_re[i].key, "%s", key);
    mount_re[i].ok = regcomp(&mount_re[i].re, key, REG_EXTENDED | REG_NOSUB | REG_NEWLINE) == 0;
    return mount_re[i].ok ? &mount_re[i].re : NULL;
}

static const struct st_mount *mount_of(const struct st_container *c, const struct fld_ref *ref,
                                       int by_dest)
{
    if (!ref->has_arg)
        return NULL;
    if (ref->index >= 0)
        return (uint64_t)ref->index < c->nmounts ? &c->mounts[ref->index] : NULL;
    const regex_t *re = mount_regex(ref->key);
    for (size_t i = 0; re && i < c->nmounts; i++)
        if (regexec(re, by_dest ? c->mounts[i].dest : c->mounts[i].source, 0, NULL, 0) == 0)
            return &c->mounts[i];
    return NULL;
}

/* source:dest:mode:rdwr:propagation; ECS metadata has no mode, read-only flag nor propagation:
 * the plugin's defaults for an unknown mount ("", false, ""). */
static int mount_text(struct eval_ctx *ctx, const struct st_mount *m, struct fld_value *o)
{
    size_t n = strlen(m->source) + strlen(m->dest) + sizeof ":::false:";
    char *b = ctx_scratch(ctx, n);
    if (!b)
        return 0;
    int w = snprintf(b, n, "%s:%s::false:", m->source, m->dest);
    return sval(o, b, (size_t)w);
}

static int mounts_text(struct eval_ctx *ctx, const struct st_container *c, struct fld_value *o)
{
    size_t n = 1;
    for (size_t i = 0; i < c->nmounts; i++)
        n += strlen(c->mounts[i].source) + strlen(c->mounts[i].dest) + sizeof ",:::false:";
    char *b = ctx_scratch(ctx, n);
    if (!b)
        return 0;
    size_t w = 0;
    for (size_t i = 0; i < c->nmounts; i++)
        w += (size_t)snprintf(b + w, n - w, "%s%s:%s::false:", i ? "," : "", c->mounts[i].source,
                              c->mounts[i].dest);
    b[w] = '\0';
    return sval(o, b, w);
}

static int container_field(const struct fld_ref *ref, struct eval_ctx *ctx, struct fld_value *o)
{
    if (!ctx->proc)
        return 0;
    struct st_container *c = ctx->proc->ctr;
    int host = strcmp(c->id, "host") == 0;
    const struct st_mount *m;
    switch (ref->info->id) {
    case FLD_CONTAINER_ID:
        return cstr(o, c->id);
    case FLD_CONTAINER_FULL_ID:
        return host ? cstr(o, "host") : cstr(o, c->full_id[0] ? c->full_id : c->id);
    case FLD_CONTAINER_NAME:
        return host ? cstr(o, "host") : rstr(o, c->name);
    case FLD_CONTAINER_IMAGE:
        return ctr_str(host, c->image, o);
    case FLD_CONTAINER_IMAGE_REPO:
        return ctr_str(host, c->image_repo, o);
    case FLD_CONTAINER_IMAGE_TAG:
        return ctr_str(host, c->image_tag, o);
    case FLD_CONTAINER_IMAGE_DIGEST:
        return ctr_str(host, c->image_digest, o);
    case FLD_CONTAINER_TYPE:
        return host ? cstr(o, "host") : 0;
    case FLD_CONTAINER_PRIVILEGED:
        return c->privileged >= 0 ? bval(o, c->privileged) : host ? bval(o, 0) : 0;
    case FLD_CONTAINER_START_TS:
        return c->start_ts ? uval(o, FT_ABSTIME, c->start_ts) : 0;
    case FLD_CONTAINER_DURATION:
        return c->start_ts && ctx->ev->ts_ns >= c->start_ts
                   ? ival(o, FT_RELTIME, (int64_t)(ctx->ev->ts_ns - c->start_ts))
                   : 0;
    case FLD_CONTAINER_INFO:
        return sval(o, "", 0);
    case FLD_CONTAINER_MOUNTS:
        return host || c->mounts_known ? mounts_text(ctx, c, o) : 0;
    case FLD_CONTAINER_MOUNT:
        return (m = mount_of(c, ref, 0)) ? mount_text(ctx, m, o) : 0;
    case FLD_CONTAINER_MOUNT_SOURCE:
        return (m = mount_of(c, ref, 1)) ? cstr(o, m->source) : 0;
    case FLD_CONTAINER_MOUNT_DEST:
        return (m = mount_of(c, ref, 0)) ? cstr(o, m->dest) : 0;
    case FLD_CONTAINER_MOUNT_MODE:
    case FLD_CONTAINER_MOUNT_PROPAGATION:
        return mount_of(c, ref, 0) ? sval(o, "", 0) : 0;
    case FLD_CONTAINER_MOUNT_RDWR:
        return mount_of(c, ref, 0) ? cstr(o, "false") : 0;
    default:
        return 0; /* k8s.*: no Kubernetes metadata here, missing as in Falco without the plugin's
                     data */
    }
}

/* The syscall a syscall event reports: its event type's name, or for a generic `syscall` event
 * the name of its number under its own architecture (x86_64 and aarch64 number the same call
 * differently: mprotect is 10 and 226). NULL for an ABI without a name table (i386, arm). */
static const char *syscall_name(const struct tt_event *ev, unsigned evtype)
{
    if (evtype != TT_EV_SYSCALL)
        return tt_event_name(evtype);
    int64_t nr;
    uint64_t arch = TT_ARCH_X86_64; /* (streams before the parameter: x86_64 only) */
    if (!tt_event_get_i64(ev, TT_P_NR, &nr))
        return NULL;
    tt_event_get_u64(ev, TT_P_ARCH, &arch);
    return tt_syscall_name((uint32_t)arch, (long)nr);
}

int fld_extract(const struct fld_ref *ref, struct eval_ctx *ctx, enum fld_mode mode,
                struct fld_value *out, int max)
{
    if (!ref || !ref->info || !ctx || !ctx->ev || !out || max <= 0)
        return 0;
    const struct tt_event *ev = ctx->ev;
    int id = ref->info->id;
    int syscall = (tt_event_flags(ctx->evtype) & TT_EVF_SYSCALL) != 0;
    switch (id) {
    case FLD_EVT_NUM:
        return uval(out, FT_UINT64, ctx->evtnum);
    case FLD_EVT_TIME:
    case FLD_EVT_TIME_S:
    case FLD_EVT_TIME_ISO:
    case FLD_EVT_DATETIME:
    case FLD_EVT_DATETIME_S:
        return time_text(ctx, id, out);
    case FLD_EVT_RAWTIME:
        return uval(out, FT_ABSTIME, ev->ts_ns);
    case FLD_EVT_RAWTIME_S:
        return uval(out, FT_ABSTIME, ev->ts_ns / 1000000000ull);
    case FLD_EVT_RAWTIME_NS:
        return uval(out, FT_ABSTIME, ev->ts_ns % 1000000000ull);
    case FLD_EVT_TYPE:
        return cstr(out, tt_event_name(ctx->evtype));
    case FLD_EVT_DIR:
        return cstr(out, "<");
    case FLD_EVT_SOURCE:
        return cstr(out, "syscall");
    case FLD_EVT_HOSTNAME:
        return cstr(out, hostname());
    case FLD_EVT_RES: {
        if (!syscall || ev->ret == TT_RET_NONE) /* reported at entry: no result */
            return 0;
        if (ev->ret >= 0)
            return cstr(out, "SUCCESS");
        const char *en = evt_errno_name(ev->ret);
        if (en)
            return cstr(out, en);
        char buf[32];
        int n = evt_res_text(ev->ret, buf, sizeof buf);
        const char *p = scratch_dup(ctx, buf, (size_t)n);
        return p ? sval(out, p, (size_t)n) : 0;
    }
    case FLD_EVT_RAWRES:
        return syscall && ev->ret != TT_RET_NONE ? ival(out, FT_INT64, ev->ret) : 0;
    case FLD_EVT_FAILED:
        return syscall && ev->ret != TT_RET_NONE ? bval(out, ev->ret < 0) : 0;
    case FLD_EVT_IS_OPEN_READ:
    case FLD_EVT_IS_OPEN_WRITE:
    case FLD_EVT_IS_OPEN_EXEC:
    case FLD_EVT_IS_OPEN_CREATE: {
        /* As libsinsp: false for any other event; creat only answers is_open_exec (from its
         * mode); is_open_create is O_CREAT here (the kernel driver's "file was created" flag
         * is not observable from ptrace). */
        if (!is_open_event(ctx->evtype))
            return bval(out, 0);
        uint64_t fmode = 0;
        tt_event_get_u64(ev, TT_P_MODE, &fmode);
        if (ctx->evtype == TT_EV_CREAT)
            return bval(out, id == FLD_EVT_IS_OPEN_EXEC && (fmode & 0111));
        uint64_t fl = 0;
        tt_event_get_u64(ev, TT_P_FLAGS, &fl);
        uint32_t ppm = evt_open_flags_to_ppm(fl);
        if (id == FLD_EVT_IS_OPEN_READ)
            return bval(out, ppm & PPM_O_RDONLY);
        if (id == FLD_EVT_IS_OPEN_WRITE)
            return bval(out, ppm & PPM_O_WRONLY);
        if (id == FLD_EVT_IS_OPEN_CREATE)
            return bval(out, ppm & PPM_O_CREAT);
        return bval(out, (ppm & (PPM_O_CREAT | PPM_O_TMPFILE)) &&
                             ctx->evtype != TT_EV_OPEN_BY_HANDLE_AT && (fmode & 0111));
    }
    case FLD_EVT_ARGS: {
        uint32_t key = (uint32_t)FLD_EVT_ARGS << 8;
        int found;
        int r = memo_get(ctx, key, out, &found);
        if (found)
            return r;
        char buf[4096];
        int n = evt_args_text(ctx, buf, sizeof buf);
        size_t len = (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1;
        const char *p = scratch_dup(ctx, buf, len);
        return p ? memo_put(ctx, key, out, p, len) : 0;
    }
    case FLD_EVT_ARG:
        return evt_arg(ref, ctx, out);
    case FLD_EVT_RAWARG:
    case FLD_EVT_RAWARG_STR:
    case FLD_EVT_RAWARG_U64:
        return evt_rawarg(ref, ctx, out);
    case FLD_EVT_BUFFER: {
        struct tt_param_view v;
        if (!tt_event_param(ev, TT_P_DATA, &v))
            return 0;
        out->type = FT_BYTES;
        out->v.s.p = (const char *)v.data;
        out->v.s.len = v.len;
        return 1;
    }
    case FLD_EVT_BUFLEN: /* libsinsp: the byte count of an I/O call on a known fd */
        if (ctx->fd && ev->ret != TT_RET_NONE && ev->ret >= 0 &&
            (tt_event_flags(ctx->evtype) & TT_EVF_FD_IO))
            return uval(out, FT_UINT64, (uint64_t)ev->ret);
        return 0;
    case FLD_EVT_IS_ASYNC:
        return bval(out, !syscall);
    case FLD_EVT_LATENCY:
        return ival(out, FT_RELTIME, 0);
    case FLD_SYSCALL_TYPE:
        return syscall ? cstr(out, syscall_name(ev, ctx->evtype)) : 0;
    default:
        break;
    }
    /* fields.def keeps each class contiguous: dispatch on id ranges */
    if (id >= FLD_PROC_PID && id <= FLD_GROUP_NAME)
        return proc_field(ref, ctx, mode, out, max);
    if (id >= FLD_FD_NUM && id <= FLD_FD_OPENFLAGS) {
        if (!evt_has_fd(ctx->evtype))
            return 0;
        if (id == FLD_FD_IP || id == FLD_FD_NET) {
            if (!is_ip_fd(ctx->fd))
                return 0;
            int k = fd_ip(ctx, 0, FT_IPADDR, &out[0]);
            if (max > 1)
                k += fd_ip(ctx, 1, FT_IPADDR, &out[k]);
            return mode == FX_OUTPUT ? 1 : k;
        }
        if (id == FLD_FD_PORT) {
            if (!is_ip_fd(ctx->fd))
                return 0;
            int k = fd_port(ctx, 0, &out[0]);
            if (max > 1)
                k += fd_port(ctx, 1, &out[k]);
            return mode == FX_OUTPUT ? 1 : k;
        }
        return fd_field(ref, ctx, out);
    }
    if ((id >= FLD_CONTAINER_ID && id <= FLD_K8S_DEPLOYMENT_NAME) ||
        (id >= FLD_CONTAINER_MOUNTS && id <= FLD_CONTAINER_MOUNT_PROPAGATION))
        return container_field(ref, ctx, out);
    return 0;
}

/* Per-process fd tables and the events that change them: open family, close, dup family,
 * fcntl, pipes, sockets (socket, connect, accept, bind, send/recv tuples), and the other
 * fd-creating syscalls (eventfd, memfd_create, ...). Snapshots arrive as fdinfo events. */
#include "state_priv.h"

#include "evt_args.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

struct st_fdtab *st_fdtab_new(struct engine_state *st)
{
    struct st_fdtab *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->ref = 1;
    st->bytes += sizeof *t;
    return t;
}

static void st_fd_release(struct engine_state *st, struct st_fd *f)
{
    if (!f->used)
        return;
    st_str_unref(st, f->name);
    memset(f, 0, sizeof *f);
    st->nfds--;
}

void st_fd_copy(struct st_fd *dst, const struct st_fd *src)
{
    *dst = *src;
    st_str_ref(dst->name);
}

struct st_fdtab *st_fdtab_copy(struct engine_state *st, const struct st_fdtab *src)
{
    struct st_fdtab *t = st_fdtab_new(st);
    if (!t)
        return NULL;
    if (src->cap) {
        t->v = calloc(src->cap, sizeof *t->v);
        if (!t->v) {
            st_fdtab_unref(st, t);
            return NULL;
        }
        t->cap = src->cap;
        st->bytes += (size_t)t->cap * sizeof *t->v;
        for (uint32_t i = 0; i < src->cap; i++) {
            if (src->v[i].used) {
                st_fd_copy(&t->v[i], &src->v[i]);
                st->nfds++;
            }
        }
        t->nused = src->nused;
    }
    return t;
}

void st_fdtab_unref(struct engine_state *st, struct st_fdtab *t)
{
    if (!t || --t->ref > 0)
        return;
    for (uint32_t i = 0; i < t->cap; i++)
        st_fd_release(st, &t->v[i]);
    st->bytes -= (size_t)t->cap * sizeof *t->v + sizeof *t;
    free(t->v);
    free(t);
}

struct st_fd *st_fd_set(struct engine_state *st, struct st_proc *p, int64_t n)
{
    struct st_fdtab *t = p->fds;
    if (n < 0 || n >= (int64_t)st->o.max_fds) {
        st->fds_dropped++;
        return NULL;
    }
    if (n >= (int64_t)t->cap) {
        uint32_t nc = t->cap ? t->cap : 16;
        while ((int64_t)nc <= n)
            nc *= 2;
        if (nc > st->o.max_fds)
            nc = st->o.max_fds;
        struct st_fd *v = realloc(t->v, (size_t)nc * sizeof *v);
        if (!v) {
            st->fds_dropped++;
            return NULL;
        }
        memset(v + t->cap, 0, (size_t)(nc - t->cap) * sizeof *v);
        st->bytes += (size_t)(nc - t->cap) * sizeof *v;
        t->v = v;
        t->cap = nc;
    }
    struct st_fd *f = &t->v[n];
    if (f->used) {
        st_fd_release(st, f);
        t->nused--;
    }
    f->used = 1;
    t->nused++;
    st->nfds++;
    return f;
}

void st_fd_clear(struct engine_state *st, struct st_proc *p, int64_t n)
{
    struct st_fd *f = state_fd(p, n);
    if (f) {
        st_fd_release(st, f);
        p->fds->nused--;
    }
}

void st_fd_drop_cloexec(struct engine_state *st, struct st_proc *p)
{
    struct st_fdtab *t = p->fds;
    for (uint32_t i = 0; i < t->cap; i++) {
        if (t->v[i].used && t->v[i].cloexec) {
            st_fd_release(st, &t->v[i]);
            t->nused--;
        }
    }
}

/* ---- socket addresses ---- */

/* Parse a SOCKADDR param into family/ip/port (or the unix path). */
struct saddr {
    int family;
    uint8_t ip[16];
    uint16_t port;
    char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
};

static int parse_sockaddr(const struct tt_event *ev, unsigned id, struct saddr *a)
{
    struct tt_param_view v;
    memset(a, 0, sizeof *a);
    if (!tt_event_param(ev, id, &v) || v.len < 2)
        return 0;
    uint16_t fam;
    memcpy(&fam, v.data, 2);
    a->family = fam;
    if (fam == AF_INET && v.len >= sizeof(struct sockaddr_in)) {
        struct sockaddr_in sin;
        memcpy(&sin, v.data, sizeof sin);
        memcpy(a->ip, &sin.sin_addr, 4);
        a->port = ntohs(sin.sin_port);
    } else if (fam == AF_INET6 && v.len >= sizeof(struct sockaddr_in6)) {
        struct sockaddr_in6 s6;
        memcpy(&s6, v.data, sizeof s6);
        memcpy(a->ip, &s6.sin6_addr, 16);
        a->port = ntohs(s6.sin6_port);
    } else if (fam == AF_UNIX) {
        size_t n = v.len - 2;
        if (n > sizeof a->path - 1)
            n = sizeof a->path - 1;
        memcpy(a->path, v.data + 2, n);
        a->path[n] = '\0';
        if (n > 0 && a->path[0] == '\0') /* abstract socket: Falco prints '@' */
            a->path[0] = '@';
    }
    return 1;
}

static size_t ip_text(int family, const uint8_t *ip, char *buf, size_t cap)
{
    if (!inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, ip, buf, (socklen_t)cap)) {
        if (cap)
            buf[0] = '\0';
        return 0;
    }
    return strlen(buf);
}

static char *put_u(char *p, unsigned v)
{
    char tmp[12];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *p++ = tmp[--n];
    return p;
}

/* "a.b.c.d" or the inet_ntop form of a v6 address; fast path for v4 (hot on busy servers). */
static char *put_ip(char *p, int family, const uint8_t *ip)
{
    if (family != AF_INET6) {
        for (int i = 0; i < 4; i++) {
            if (i)
                *p++ = '.';
            p = put_u(p, ip[i]);
        }
        return p;
    }
    char t[INET6_ADDRSTRLEN];
    size_t n = ip_text(AF_INET6, ip, t, sizeof t);
    memcpy(p, t, n);
    return p + n;
}

/* Socket tuple text "cip:cport->sip:sport" (or unix path) into buf. */
static size_t st_sock_name(const struct st_sock *s, char *buf, size_t cap)
{
    char tmp[2 * INET6_ADDRSTRLEN + 16], *p = tmp;
    p = put_ip(p, s->family, s->cip);
    *p++ = ':';
    p = put_u(p, s->cport);
    *p++ = '-';
    *p++ = '>';
    p = put_ip(p, s->family, s->sip);
    *p++ = ':';
    p = put_u(p, s->sport);
    size_t n = (size_t)(p - tmp);
    if (cap == 0)
        return 0;
    if (n >= cap)
        n = cap - 1;
    memcpy(buf, tmp, n);
    buf[n] = '\0';
    return n;
}

static void fd_set_name(struct engine_state *st, struct st_fd *f, const char *s, size_t n)
{
    if (f->name && f->name->len == n && memcmp(f->name->s, s, n) == 0)
        return;
    struct st_str *name = st_name_get(st, s, n);
    if (!name)
        return;
    st_str_unref(st, f->name);
    f->name = name;
}

static void sock_update_name(struct engine_state *st, struct st_fd *f)
{
    char buf[128];
    size_t n = st_sock_name(&f->sock, buf, sizeof buf);
    fd_set_name(st, f, buf, n);
}

static uint8_t l4_of(int64_t type, int64_t proto)
{
    switch (type & 0xf) {
    case SOCK_STREAM:
        return ST_L4_TCP;
    case SOCK_DGRAM:
        return (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6) ? ST_L4_ICMP : ST_L4_UDP;
    case SOCK_RAW:
        return ST_L4_RAW;
    default:
        return ST_L4_UNKNOWN;
    }
}

static uint8_t fdtype_of_family(int64_t fam)
{
    switch (fam) {
    case AF_INET:
        return TT_FD_IPV4;
    case AF_INET6:
        return TT_FD_IPV6;
    case AF_UNIX:
        return TT_FD_UNIX;
    case AF_NETLINK:
        return TT_FD_NETLINK;
    default:
        return TT_FD_UNKNOWN;
    }
}

/* Addresses of a connected/accepted socket into its tuple. local/remote as given. */
static void sock_set_tuple(struct engine_state *st, struct st_fd *f, const struct saddr *local,
                           const struct saddr *remote, int is_server)
{
    if (f->type == TT_FD_UNIX || (remote && remote->family == AF_UNIX)) {
        const char *path = remote && remote->path[0] ? remote->path : local ? local->path : "";
        if (f->type != TT_FD_UNIX)
            f->type = TT_FD_UNIX;
        if (path[0] || !f->name)
            fd_set_name(st, f, path, strlen(path));
        return;
    }
    if (f->type != TT_FD_IPV4 && f->type != TT_FD_IPV6) {
        int fam = remote && remote->family ? remote->family : local ? local->family : 0;
        f->type = fdtype_of_family(fam);
        if (f->type != TT_FD_IPV4 && f->type != TT_FD_IPV6)
            return;
    }
    struct st_sock old = f->sock;
    f->sock.family = f->type == TT_FD_IPV6 ? AF_INET6 : AF_INET;
    f->sock.is_server = (uint8_t)is_server;
    f->sock.role = is_server ? ST_ROLE_SERVER : ST_ROLE_CLIENT;
    const struct saddr *cl = is_server ? remote : local;
    const struct saddr *sv = is_server ? local : remote;
    if (cl && cl->family) {
        memcpy(f->sock.cip, cl->ip, 16);
        f->sock.cport = cl->port;
    }
    if (sv && sv->family) {
        memcpy(f->sock.sip, sv->ip, 16);
        f->sock.sport = sv->port;
    }
    /* A v4 peer on a v6 socket (mapped): keep the family of the socket. */
    f->sock.name_changed = memcmp(&old.cip, &f->sock.cip, 16) ||
                           memcmp(&old.sip, &f->sock.sip, 16) || old.cport != f->sock.cport ||
                           old.sport != f->sock.sport;
    sock_update_name(st, f);
}

/* ---- events ---- */

static void on_open(struct engine_state *st, struct eval_ctx *ctx)
{
    const struct tt_event *ev = ctx->ev;
    const char *raw;
    size_t rawlen;
    if (st_param_str(ev, TT_P_NAME, &raw, &rawlen) || st_param_str(ev, TT_P_PATH, &raw, &rawlen)) {
        ctx->rawpath = raw;
        ctx->rawpathlen = rawlen;
    }
    unsigned dirp = (ev->type == TT_EV_OPENAT || ev->type == TT_EV_OPENAT2) ? TT_P_DIRFD : 0;
    if (ev->type == TT_EV_OPEN_BY_HANDLE_AT)
        dirp = 0;
    const char *kpath;
    size_t kpathlen;
    if (st_param_str(ev, TT_P_FDNAME, &kpath, &kpathlen) && kpathlen && kpath[0] == '/') {
        /* the file the kernel opened, read back from the new fd by the tracer (what the name
         * argument said may have been rewritten by another thread meanwhile) */
        ctx->path = kpath;
        ctx->pathlen = kpathlen;
    } else if (ctx->rawpath) {
        size_t n;
        struct tt_param_view pv;
        unsigned pid = tt_event_param(ev, TT_P_NAME, &pv) ? TT_P_NAME : TT_P_PATH;
        const char *p = st_resolve_param(ctx, pid, dirp, &n);
        if (p) {
            ctx->path = p;
            ctx->pathlen = n;
        }
    }
    uint64_t lflags = 0;
    tt_event_get_u64(ev, TT_P_FLAGS, &lflags);
    if (ev->type == TT_EV_CREAT)
        lflags |= O_CREAT | O_WRONLY | O_TRUNC;
    uint32_t ppm = evt_open_flags_to_ppm(lflags);
    if (ev->ret < 0) {
        ctx->fdnum = -1;
        return;
    }
    struct st_fd *f = st_fd_set(st, ctx->proc, ev->ret);
    ctx->fdnum = ev->ret;
    if (!f)
        return;
    f->type = (ppm & PPM_O_DIRECTORY) ? TT_FD_DIRECTORY : TT_FD_FILE;
    f->openflags = ppm;
    f->cloexec = (lflags & O_CLOEXEC) != 0;
    tt_event_get_u64(ev, TT_P_DEV, &f->dev);
    tt_event_get_u64(ev, TT_P_INO, &f->ino);
    if (ctx->path)
        fd_set_name(st, f, ctx->path, ctx->pathlen);
    ctx->fd = f;
}

static void on_dup(struct engine_state *st, struct eval_ctx *ctx)
{
    const struct tt_event *ev = ctx->ev;
    int64_t oldfd = -1;
    if (!tt_event_get_i64(ev, TT_P_OLDFD, &oldfd))
        tt_event_get_i64(ev, TT_P_FD, &oldfd);
    ctx->fdnum = oldfd;
    if (ev->ret < 0 || ev->ret == oldfd) {
        ctx->fd = state_fd(ctx->proc, oldfd);
        return;
    }
    struct st_fd *src = state_fd(ctx->proc, oldfd);
    if (!src) {
        st_fd_clear(st, ctx->proc, ev->ret); /* dup2 onto an open fd closes it */
        return;
    }
    struct st_fd copy;
    st_fd_copy(&copy, src); /* holds a ref across a possible table move */
    struct st_fd *f = st_fd_set(st, ctx->proc, ev->ret);
    if (f) {
        copy.used = 1;
        *f = copy;
        uint64_t fl = 0;
        tt_event_get_u64(ev, TT_P_FLAGS, &fl);
        f->cloexec =
            (ev->type == TT_EV_DUP3 && (fl & O_CLOEXEC)) || (ev->type == TT_EV_FCNTL && fl == 1);
        if (ev->type == TT_EV_DUP || ev->type == TT_EV_DUP2)
            f->cloexec = 0;
    } else {
        st_str_unref(st, copy.name);
    }
    ctx->fd = state_fd(ctx->proc, oldfd);
}

static void on_fcntl(struct engine_state *st, struct eval_ctx *ctx)
{
    const struct tt_event *ev = ctx->ev;
    int64_t fd = -1, cmd = -1;
    uint64_t arg = 0;
    tt_event_get_i64(ev, TT_P_FD, &fd);
    tt_event_get_i64(ev, TT_P_CMD, &cmd);
    tt_event_get_u64(ev, TT_P_ARG, &arg);
    ctx->fdnum = fd;
    if (ev->ret >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)) {
        struct st_fd *src = state_fd(ctx->proc, fd);
        if (src) {
            struct st_fd copy;
            st_fd_copy(&copy, src);
            struct st_fd *f = st_fd_set(st, ctx->proc, ev->ret);
            if (f) {
                *f = copy;
                f->used = 1;
                f->cloexec = cmd == F_DUPFD_CLOEXEC;
            } else {
                st_str_unref(st, copy.name);
            }
        }
    } else if (ev->ret >= 0 && cmd == F_SETFD) {
        struct st_fd *f = state_fd(ctx->proc, fd);
        if (f)
            f->cloexec = (arg & FD_CLOEXEC) != 0;
    }
    ctx->fd = state_fd(ctx->proc, fd);
}

static struct st_fd *new_typed_fd(struct engine_state *st, struct eval_ctx *ctx, int64_t n,
                                  uint8_t type, int cloexec, const char *name)
{
    struct st_fd *f = st_fd_set(st, ctx->proc, n);
    if (!f)
        return NULL;
    f->type = type;
    f->cloexec = (uint8_t)cloexec;
    if (name)
        fd_set_name(st, f, name, strlen(name));
    return f;
}

static void on_pipe(struct engine_state *st, struct eval_ctx *ctx, uint8_t type)
{
    const struct tt_event *ev = ctx->ev;
    int64_t a = -1, b = -1;
    uint64_t fl = 0, ino = 0;
    if (ev->ret < 0)
        return;
    tt_event_get_i64(ev, TT_P_FD1, &a);
    tt_event_get_i64(ev, TT_P_FD2, &b);
    tt_event_get_u64(ev, TT_P_FLAGS, &fl);
    tt_event_get_u64(ev, TT_P_INO, &ino);
    int cloexec = (fl & O_CLOEXEC) != 0;
    if (type == TT_FD_UNIX) { /* socketpair: type param holds SOCK_CLOEXEC */
        int64_t t = 0;
        tt_event_get_i64(ev, TT_P_TYPE, &t);
        cloexec = (t & SOCK_CLOEXEC) != 0;
    }
    char name[48] = "";
    if (type == TT_FD_PIPE && ino)
        snprintf(name, sizeof name, "pipe:[%llu]", (unsigned long long)ino);
    struct st_fd *f = new_typed_fd(st, ctx, a, type, cloexec, name);
    if (f)
        f->ino = ino;
    f = new_typed_fd(st, ctx, b, type, cloexec, name);
    if (f)
        f->ino = ino;
    ctx->fdnum = a;
    ctx->fd = state_fd(ctx->proc, a);
}

/* The socket kind an event carries: socket's own arguments, or what the tracer read from the
 * socket for connect, bind, accept and addressed sends. 1 when domain and type are there. */
struct sock_kind {
    int64_t dom, type, proto;
};

static int event_sock_kind(const struct tt_event *ev, struct sock_kind *k)
{
    k->dom = k->type = -1;
    k->proto = 0;
    tt_event_get_i64(ev, TT_P_DOMAIN, &k->dom);
    tt_event_get_i64(ev, TT_P_TYPE, &k->type);
    tt_event_get_i64(ev, TT_P_PROTO, &k->proto);
    return k->dom >= 0 && k->type >= 0;
}

/* A new socket entry of family fam at ctx->fdnum, without a name yet (libsinsp names it at
 * connect/accept); the caller sets its l4 protocol. */
static struct st_fd *new_sock(struct engine_state *st, struct eval_ctx *ctx, int64_t fam)
{
    struct st_fd *f = st_fd_set(st, ctx->proc, ctx->fdnum);
    if (!f)
        return NULL;
    f->type = fdtype_of_family(fam);
    f->sock.family = (uint8_t)fam;
    fd_set_name(st, f, "", 0);
    return f;
}

static void on_socket(struct engine_state *st, struct eval_ctx *ctx)
{
    const struct tt_event *ev = ctx->ev;
    struct sock_kind k;
    event_sock_kind(ev, &k);
    if (ev->ret < 0) /* failed, or reported at entry: the fd arrives with its connect */
        return;
    int64_t dom = k.dom < 0 ? 0 : k.dom, type = k.type < 0 ? 0 : k.type;
    ctx->fdnum = ev->ret;
    struct st_fd *f = new_sock(st, ctx, dom);
    if (!f)
        return;
    f->cloexec = (type & SOCK_CLOEXEC) != 0;
    if (f->type == TT_FD_IPV4 || f->type == TT_FD_IPV6)
        f->sock.l4proto = l4_of(type, k.proto);
    ctx->fd = f;
}

/* The fd named by the event's `fd` parameter: sets ctx->fdnum and returns the table entry, or
 * NULL when the process has no such fd. */
static struct st_fd *event_fd(struct eval_ctx *ctx)
{
    int64_t fd = -1;
    tt_event_get_i64(ctx->ev, TT_P_FD, &fd);
    ctx->fdnum = fd;
    return state_fd(ctx->proc, fd);
}

/* The socket a connect or send names: f as the table has it, or, when the table has none (its
 * socket call is reported at entry without the fd, or it was opened before tracing) or a stale
 * entry of another kind (a close that was not seen), a new entry described from the socket kind
 * the tracer read (domain, type, protocol), else from the peer's family and `l4`. */
static struct st_fd *sock_from_event(struct engine_state *st, struct eval_ctx *ctx, struct st_fd *f,
                                     int peer_family, uint8_t l4)
{
    struct sock_kind k;
    int described = event_sock_kind(ctx->ev, &k);
    if (f && (!described || f->type == fdtype_of_family(k.dom)))
        return f;
    f = new_sock(st, ctx, described ? k.dom : peer_family);
    if (f)
        f->sock.l4proto = described ? l4_of(k.type, k.proto) : l4;
    return f;
}

static void on_connect(struct engine_state *st, struct eval_ctx *ctx)
{
    const struct tt_event *ev = ctx->ev;
    struct st_fd *f = event_fd(ctx);
    struct saddr remote, local;
    /* the peer the socket is connected to, read back by the tracer, over the argument */
    int hr = parse_sockaddr(ev, TT_P_PEER, &remote) || parse_sockaddr(ev, TT_P_ADDR, &remote);
    int hl = parse_sockaddr(ev, TT_P_LOCAL_ADDR, &local);
    if (hr) /* (a failed connect leaves the socket: it is described all the same) */
        f = sock_from_event(st, ctx, f, remote.family, ST_L4_TCP);
    if (!f)
        return;
    ctx->fd = f;
    if (ev->ret < 0 && ev->ret != -115 /* EINPROGRESS */) {
        /* failed: libsinsp names the fd from the event's tuple, the socket is unchanged */
        if (hr && (f->type == TT_FD_IPV4 || f->type == TT_FD_IPV6)) {
            struct st_sock t = f->sock;
            t.family = f->type == TT_FD_IPV6 ? AF_INET6 : AF_INET;
            if (hl) {
                memcpy(t.cip, local.ip, 16);
                t.cport = local.port;
            }
            memcpy(t.sip, remote.ip, 16);
            t.sport = remote.port;
            char *buf = ctx_scratch(ctx, 128);
            if (buf) {
                ctx->pathlen = st_sock_name(&t, buf, 128);
                ctx->path = buf;
            }
        }
        return;
    }
    if (hr || hl)
        sock_set_tuple(st, f, hl ? &local : NULL, hr ? &remote : NULL, 0);
    /* EINPROGRESS: pending until getsockopt(SO_ERROR) reports success */
    f->sock.connected = ev->ret == 0;
}

static void on_accept(struct engine_state *st, struct eval_ctx *ctx)
{
    const struct tt_event *ev = ctx->ev;
    int64_t lfd = -1;
    tt_event_get_i64(ev, TT_P_FD, &lfd);
    if (ev->ret < 0) {
        ctx->fdnum = lfd;
        ctx->fd = state_fd(ctx->proc, lfd);
        return;
    }
    struct st_fd *lf = state_fd(ctx->proc, lfd);
    uint8_t type = lf ? lf->type : TT_FD_UNKNOWN;
    uint8_t l4 = lf ? lf->sock.l4proto : ST_L4_TCP;
    struct sock_kind k;
    if (event_sock_kind(ev, &k)) {
        /* the new socket's own kind (the listening one may be unknown: see sock_from_event) */
        type = fdtype_of_family(k.dom);
        l4 = l4_of(k.type, k.proto);
    }
    struct saddr remote, local;
    int hr = parse_sockaddr(ev, TT_P_ADDR, &remote);
    int hl = parse_sockaddr(ev, TT_P_LOCAL_ADDR, &local);
    if (!hl && lf && (lf->type == TT_FD_IPV4 || lf->type == TT_FD_IPV6)) {
        local.family = lf->sock.family == AF_INET6 ? AF_INET6 : AF_INET;
        memcpy(local.ip, lf->sock.sip, 16);
        local.port = lf->sock.sport;
        hl = 1;
    }
    int64_t flags = 0;
    tt_event_get_i64(ev, TT_P_FLAGS, &flags);
    struct st_fd *f = st_fd_set(st, ctx->proc, ev->ret);
    ctx->fdnum = ev->ret;
    if (!f)
        return;
    f->type = type;
    f->sock.l4proto = l4;
    f->cloexec = (flags & SOCK_CLOEXEC) != 0;
    if (hr || hl)
        sock_set_tuple(st, f, hl ? &local : NULL, hr ? &remote : NULL, 1);
    else if (type == TT_FD_UNIX && lf && lf->name)
        fd_set_name(st, f, lf->name->s, lf->name->len);
    f->sock.connected = 1;
    f->sock.name_changed = 0;
    ctx->fd = f;
}

static void on_bind(struct engine_state *st, struct eval_ctx *ctx)
{
    const struct tt_event *ev = ctx->ev;
    struct st_fd *f = event_fd(ctx);
    ctx->fd = f;
    struct saddr a;
    if (ev->ret < 0 || !parse_sockaddr(ev, TT_P_ADDR, &a))
        return;
    f = sock_from_event(st, ctx, f, a.family, ST_L4_TCP);
    ctx->fd = f;
    if (!f)
        return;
    if (a.family == AF_UNIX) {
        fd_set_name(st, f, a.path, strlen(a.path));
        return;
    }
    if (f->type != TT_FD_IPV4 && f->type != TT_FD_IPV6)
        return;
    memcpy(f->sock.sip, a.ip, 16);
    f->sock.sport = a.port;
    f->sock.is_server = 1;
    f->sock.role = ST_ROLE_LISTEN;
    sock_update_name(st, f);
    ctx->fd = f;
}

static void on_sendrecv(struct engine_state *st, struct eval_ctx *ctx)
{
    const struct tt_event *ev = ctx->ev;
    struct st_fd *f = event_fd(ctx);
    struct saddr peer, local;
    int hp = parse_sockaddr(ev, TT_P_ADDR, &peer);
    if (hp && ev->ret >= 0 && (ev->type == TT_EV_SENDTO || ev->type == TT_EV_SENDMSG))
        f = sock_from_event(st, ctx, f, peer.family, ST_L4_UDP);
    ctx->fd = f;
    if (f)
        f->sock.name_changed = 0;
    if (!f || ev->ret < 0 || !hp)
        return;
    if (f->type != TT_FD_IPV4 && f->type != TT_FD_IPV6)
        return;
    if (f->sock.connected && f->sock.l4proto == ST_L4_TCP)
        return;
    int hl = parse_sockaddr(ev, TT_P_LOCAL_ADDR, &local);
    int is_send = ev->type == TT_EV_SENDTO || ev->type == TT_EV_SENDMSG;
    /* sending: we are the client of the peer; receiving: the peer is the client */
    sock_set_tuple(st, f, hl ? &local : NULL, &peer, !is_send);
}

static void on_fdinfo(struct engine_state *st, struct eval_ctx *ctx)
{
    const struct tt_event *ev = ctx->ev;
    int64_t fd = -1, type = TT_FD_UNKNOWN;
    if (!tt_event_get_i64(ev, TT_P_FD, &fd))
        return;
    tt_event_get_i64(ev, TT_P_FDTYPE, &type);
    struct st_fd *f = st_fd_set(st, ctx->proc, fd);
    if (!f)
        return;
    f->type = (uint8_t)type;
    uint64_t fl = 0;
    if (tt_event_get_u64(ev, TT_P_FLAGS, &fl)) {
        f->openflags = evt_open_flags_to_ppm(fl);
        f->cloexec = (fl & O_CLOEXEC) != 0;
    }
    tt_event_get_u64(ev, TT_P_DEV, &f->dev);
    tt_event_get_u64(ev, TT_P_INO, &f->ino);
    int64_t stype = 0, proto = 0;
    if (tt_event_get_i64(ev, TT_P_TYPE, &stype))
        f->sock.l4proto = l4_of(stype, tt_event_get_i64(ev, TT_P_PROTO, &proto) ? proto : 0);
    else if (type == TT_FD_IPV4 || type == TT_FD_IPV6)
        f->sock.l4proto = ST_L4_TCP;
    struct saddr remote, local;
    int hr = parse_sockaddr(ev, TT_P_ADDR, &remote);
    int hl = parse_sockaddr(ev, TT_P_LOCAL_ADDR, &local);
    const char *s;
    size_t n;
    if ((type == TT_FD_IPV4 || type == TT_FD_IPV6) && (hr || hl)) {
        sock_set_tuple(st, f, hl ? &local : NULL, hr ? &remote : NULL, 0);
        f->sock.connected = hr && remote.port != 0;
        f->sock.name_changed = 0;
    } else if (st_param_str(ev, TT_P_NAME, &s, &n)) {
        fd_set_name(st, f, s, n);
    }
}

void st_fd_event(struct engine_state *st, struct eval_ctx *ctx)
{
    const struct tt_event *ev = ctx->ev;
    int64_t fd;
    switch (ev->type) {
    case TT_EV_OPEN:
    case TT_EV_OPENAT:
    case TT_EV_OPENAT2:
    case TT_EV_CREAT:
    case TT_EV_OPEN_BY_HANDLE_AT:
        on_open(st, ctx);
        break;
    case TT_EV_DUP:
    case TT_EV_DUP2:
    case TT_EV_DUP3:
        on_dup(st, ctx);
        break;
    case TT_EV_FCNTL:
        on_fcntl(st, ctx);
        break;
    case TT_EV_PIPE:
    case TT_EV_PIPE2:
        on_pipe(st, ctx, TT_FD_PIPE);
        break;
    case TT_EV_SOCKETPAIR:
        on_pipe(st, ctx, TT_FD_UNIX);
        break;
    case TT_EV_SOCKET:
        on_socket(st, ctx);
        break;
    case TT_EV_CONNECT:
        on_connect(st, ctx);
        break;
    case TT_EV_ACCEPT:
    case TT_EV_ACCEPT4:
        on_accept(st, ctx);
        break;
    case TT_EV_BIND:
        on_bind(st, ctx);
        break;
    case TT_EV_SENDTO:
    case TT_EV_SENDMSG:
    case TT_EV_RECVFROM:
    case TT_EV_RECVMSG:
        on_sendrecv(st, ctx);
        break;
    case TT_EV_FDINFO:
        on_fdinfo(st, ctx);
        break;
    case TT_EV_MEMFD_CREATE:
        if (ev->ret >= 0) {
            const char *s = NULL;
            size_t n = 0;
            char name[300];
            uint64_t fl = 0;
            st_param_str(ev, TT_P_NAME, &s, &n);
            tt_event_get_u64(ev, TT_P_FLAGS, &fl);
            snprintf(name, sizeof name, "memfd:%.*s", (int)(n > 249 ? 249 : n), s ? s : "");
            ctx->fd =
                new_typed_fd(st, ctx, ev->ret, tt_event_fd_kind(ev->type), (fl & 1) != 0, name);
            ctx->fdnum = ev->ret;
        }
        break;
    case TT_EV_CLOSE:
    case TT_EV_LISTEN:
    case TT_EV_GETSOCKOPT:
    case TT_EV_SHUTDOWN:
    case TT_EV_FCHDIR:
    case TT_EV_FCHMOD:
    case TT_EV_FINIT_MODULE:
        if (tt_event_get_i64(ev, TT_P_FD, &fd)) {
            ctx->fdnum = fd;
            ctx->fd = state_fd(ctx->proc, fd);
        }
        if (ev->type == TT_EV_GETSOCKOPT && ctx->fd && ev->ret == 0) {
            int64_t soerr; /* SO_ERROR read back: 0 completes a non-blocking connect */
            if (tt_event_get_i64(ev, TT_P_VAL, &soerr))
                ctx->fd->sock.connected = soerr == 0;
        }
        break;
    default:
        /* the other calls that return a new fd (eventfd, signalfd, epoll_create, bpf, ...):
         * an fd of the kind tt_events.def gives, as libsinsp's parse_single_param_fd_exit */
        if ((tt_event_flags(ev->type) & TT_EVF_RET_FD) && ev->ret >= 0) {
            uint64_t fl = 0;
            tt_event_get_u64(ev, TT_P_FLAGS, &fl);
            ctx->fd = new_typed_fd(st, ctx, ev->ret, tt_event_fd_kind(ev->type),
                                   (fl & O_CLOEXEC) != 0, "");
            ctx->fdnum = ev->ret;
        }
        break;
    }
    if (ctx->fd && !(tt_event_flags(ev->type) & TT_EVF_FD_IO) && ev->type != TT_EV_CONNECT)
        ctx->fd->sock.name_changed = 0;
}

/* tracer: syscall decoding (see decode.h). The table in syscalls.c says, per syscall, which
 * argument becomes which parameter; the few syscalls that need more (execve argv, openat2's
 * open_how, msghdr addresses, capset data, local socket addresses) are handled here. */
#include "decode.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/un.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fdcopy.h"
#include "mem.h"
#include "policy.h"
#include "sockpeer.h"
#include "procfs.h"
#include "syscalls.h"
#include "tt_log.h"

#define PATH_CAP 4096
#define ARGV_CAP (128u * 1024u)
#define ARGV_MAX_ITEMS 4096

/* Kernel-internal "restart" codes seen at the exit stop of an interrupted syscall; the restarted
 * syscall produces its own event. */
static int is_restart(int64_t ret)
{
    return ret == -512 || ret == -513 || ret == -514 || ret == -516;
}

void tr_emit(struct tr_state *st, const void *rec)
{
    tr_sink_emit(&st->sink, rec);
    st->events++;
}

static void add_path(struct tt_evb *b, pid_t tid, unsigned id, uint64_t addr)
{
    char buf[PATH_CAP];
    ssize_t n = tr_mem_string(tid, addr, buf, sizeof buf);
    if (n >= 0)
        tt_evb_bytes(b, id, TT_PK_STR, buf, (size_t)n);
}

static void add_sockaddr(struct tt_evb *b, pid_t tid, unsigned id, uint64_t addr, uint64_t len)
{
    struct sockaddr_storage ss;
    if (!addr || len == 0)
        return;
    if (len > sizeof ss)
        len = sizeof ss;
    if (tr_mem_read(tid, addr, &ss, (size_t)len) == 0)
        tt_evb_bytes(b, id, TT_PK_SOCKADDR, &ss, (size_t)len);
}

/* The first TR_SNAPLEN bytes of a buffer the tracee passes (read at entry: what it sends). */
static void add_data(struct tt_evb *b, pid_t tid, unsigned id, uint64_t addr, uint64_t len)
{
    uint8_t buf[TR_SNAPLEN];
    if (!addr)
        return;
    if (len > sizeof buf)
        len = sizeof buf;
    if (tr_mem_read(tid, addr, buf, (size_t)len) == 0)
        tt_evb_bytes(b, id, TT_PK_BYTES, buf, (size_t)len);
}

/* --open-ino: device (the kernel's encoding, major << 20 | minor, as Falco reports it) and
 * inode of the file behind the tracee's new fd: one stat through /proc/PID/fd (a few µs, so
 * only on request). */
static void add_dev_ino(struct tt_evb *b, pid_t tgid, int64_t fd)
{
    char path[64];
    struct stat st;
    snprintf(path, sizeof path, "/proc/%d/fd/%lld", (int)tgid, (long long)fd);
    if (stat(path, &st) != 0)
        return;
    tt_evb_u64(b, TT_P_DEV, (uint64_t)major(st.st_dev) << 20 | minor(st.st_dev));
    tt_evb_u64(b, TT_P_INO, st.st_ino);
}

/* Local address of the tracee's socket fd: getsockname on a copy of the fd (no code injected
 * into the tracee). With kind set, also the socket's domain, type and, for datagram sockets,
 * protocol (connect: the socket event carries no fd number, see CL_ENTRY_ONLY, so the engine
 * learns the socket from its connect). */
static void add_sock_info(struct tt_evb *b, pid_t tgid, long fd, int local, int kind, int kept)
{
    if (fd < 0 || fd > INT32_MAX)
        return;
    int cfd = kept >= 0 ? kept : tr_fd_copy(tgid, (int)fd);
    if (cfd < 0) {
        /* pidfd_getfd refused by a seccomp profile (Docker's and containerd's default ones
         * allow it only with CAP_SYS_PTRACE): the same from /proc */
        struct tr_sockinfo si;
        if (errno != EPERM)
            return;
        static int said;
        if (!said++)
            tt_info("pidfd_getfd is refused here (a seccomp profile without CAP_SYS_PTRACE, or "
                    "a tracee the kernel closed): sockets are described from /proc/PID/net");
        if (tr_proc_sock(tgid, fd, &si) != 0)
            return;
        if (local && si.llen)
            tt_evb_bytes(b, TT_P_LOCAL_ADDR, TT_PK_SOCKADDR, &si.local, si.llen);
        if (kind) {
            tt_evb_i64(b, TT_P_DOMAIN, si.domain);
            tt_evb_i64(b, TT_P_TYPE, si.type);
            if (si.type != SOCK_STREAM)
                tt_evb_i64(b, TT_P_PROTO, si.proto);
        }
        return;
    }
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    int named = getsockname(cfd, (struct sockaddr *)&ss, &sl) == 0 && sl > 0;
    if (local && named)
        tt_evb_bytes(b, TT_P_LOCAL_ADDR, TT_PK_SOCKADDR, &ss, sl > sizeof ss ? sizeof ss : sl);
    int type, proto;
    socklen_t vl = sizeof type;
    if (kind && named && getsockopt(cfd, SOL_SOCKET, SO_TYPE, &type, &vl) == 0) {
        tt_evb_i64(b, TT_P_DOMAIN, ss.ss_family);
        tt_evb_i64(b, TT_P_TYPE, type);
        vl = sizeof proto; /* (stream sockets are TCP whatever the protocol number says) */
        if (type != SOCK_STREAM && getsockopt(cfd, SOL_SOCKET, SO_PROTOCOL, &proto, &vl) == 0)
            tt_evb_i64(b, TT_P_PROTO, proto);
    }
    if (cfd != kept)
        close(cfd);
}

static int64_t as_int(uint64_t v)
{
    return (int64_t)(int32_t)(uint32_t)v;
}

/* ---- reading back what the kernel did (docs/security.md, "Tracer: arguments") ---- */

static int arg_swap_on(const struct tr_state *st)
{
    return tr_def_on(st->o, TR_DEF_ARG_SWAP);
}

static int is_open_event(unsigned ev)
{
    return (tt_event_flags(ev) & TT_EVF_FD_OPEN) != 0;
}

/* A parameter already in the pending record. */
static int pending_param(const struct tt_evb *b, unsigned id, const uint8_t **data, uint32_t *len)
{
    size_t pos = sizeof(struct tt_event);
    while (!b->overflow && pos + sizeof(struct tt_param) <= b->used) {
        struct tt_param ph;
        memcpy(&ph, b->buf + pos, sizeof ph);
        pos += sizeof ph;
        if (pos + ph.len > b->used)
            return 0;
        if (ph.id == id) {
            *data = b->buf + pos;
            *len = ph.len;
            return 1;
        }
        pos += ph.len;
    }
    return 0;
}

/* A STR parameter of the pending record as a C string (empty if absent). */
static void pending_str(const struct tt_evb *b, unsigned id, char *out, size_t cap)
{
    const uint8_t *d;
    uint32_t n;
    out[0] = '\0';
    if (pending_param(b, id, &d, &n)) {
        size_t k = n < cap - 1 ? n : cap - 1;
        memcpy(out, d, k);
        out[k] = '\0';
    }
}

/* Replaces the payload of a parameter of the pending record (keeps it if it would not fit). */
static void pending_replace(struct tt_evb *b, unsigned id, const void *p, size_t len)
{
    static uint8_t tmp[TT_EVENT_MAX_LEN];
    size_t pos = sizeof(struct tt_event), out = pos;
    if (b->overflow)
        return;
    memcpy(tmp, b->buf, pos);
    while (pos + sizeof(struct tt_param) <= b->used) {
        struct tt_param ph;
        memcpy(&ph, b->buf + pos, sizeof ph);
        const uint8_t *d = b->buf + pos + sizeof ph;
        pos += sizeof ph + ph.len;
        if (ph.id == id) {
            ph.len = (uint32_t)len;
            d = p;
        }
        if (out + sizeof ph + ph.len + 8 > b->cap)
            return;
        memcpy(tmp + out, &ph, sizeof ph);
        out += sizeof ph;
        memcpy(tmp + out, d, ph.len);
        out += ph.len;
    }
    memcpy(b->buf, tmp, out);
    b->used = out;
}

/* The path p (relative to dirfd, or the cwd) as the tracee would find it, for the tracer:
 * through the tracee's /proc/TID/root, cwd or fd/N. */
static void tracee_path(pid_t tid, int64_t dirfd, const char *p, char *out, size_t cap)
{
    if (p[0] == '/')
        snprintf(out, cap, "/proc/%d/root%s", (int)tid, p);
    else if (dirfd == AT_FDCWD)
        snprintf(out, cap, "/proc/%d/cwd/%s", (int)tid, p);
    else
        snprintf(out, cap, "/proc/%d/fd/%lld/%s", (int)tid, (long long)dirfd, p);
}

/* readlink of the tracee's /proc/TID/fd/N through a kept fd of its /proc/TID/fd directory:
 * about 40% cheaper than the whole path (procfs looks the task up once). A few directories are
 * kept, for the threads seen last; a directory of a task that is gone fails, and is opened
 * again for the task that now has the tid. */
static ssize_t fd_link(pid_t tid, int64_t fd, char *out, size_t cap)
{
    enum { KEPT = 8 };
    static struct {
        pid_t tid;
        int dfd;
        int open; /* (dfd may be 0 when the tracer started with stdin closed) */
    } kept[KEPT];
    static unsigned next;
    char name[24];
    snprintf(name, sizeof name, "%lld", (long long)fd);
    int i;
    for (i = 0; i < KEPT && !(kept[i].tid == tid && kept[i].open); i++)
        ;
    for (int attempt = 0; attempt < 2; attempt++) {
        if (i == KEPT) {
            char d[48];
            snprintf(d, sizeof d, "/proc/%d/fd", (int)tid);
            int dfd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (dfd < 0)
                return -1;
            i = (int)(next++ % KEPT);
            if (kept[i].open)
                close(kept[i].dfd);
            kept[i].tid = tid;
            kept[i].dfd = dfd;
            kept[i].open = 1;
        }
        ssize_t n = readlinkat(kept[i].dfd, name, out, cap);
        if (n >= 0 || attempt)
            return n;
        close(kept[i].dfd); /* maybe another task's with this tid: once more, fresh */
        kept[i].open = 0;
        i = KEPT;
    }
    return -1;
}

/* The path of the file behind the tracee's fd, as the tracee names it (under a chroot, from
 * its own root). -1 if the fd is not open. */
static ssize_t fd_path(const struct tr_task *t, int64_t fd, char *out, size_t cap)
{
    char p[64];
    ssize_t n = fd_link(t->tid, fd, out, cap - 1);
    if (n < 0)
        return -1;
    out[n] = '\0';
    if (t->flags & TF_ROOT_CHANGED) {
        char root[PATH_CAP];
        snprintf(p, sizeof p, "/proc/%d/root", (int)t->tid);
        ssize_t r = readlink(p, root, sizeof root - 1);
        if (r > 1) {
            root[r] = '\0';
            if (strncmp(out, root, (size_t)r) == 0 && out[r] == '/') {
                memmove(out, out + r, (size_t)(n - r) + 1);
                n -= r;
            } else if (strcmp(out, root) == 0) {
                n = snprintf(out, cap, "/"); /* the root itself: the tracee's "/" */
            }
        }
    }
    return n;
}

static void tamper_swap(struct tr_state *st, struct tr_task *t, int64_t ret, const char *target,
                        const char *reason)
{
    tr_emit_tamper(st, t, TR_AUDIT_ARCH, t->nr, t->args, ret, "arg_swap", target, 1, reason);
}

static int sockaddr_text(const void *sa, size_t len, char *out, size_t cap)
{
    const struct sockaddr *s = sa;
    char ip[INET6_ADDRSTRLEN];
    if (len >= sizeof(struct sockaddr_in) && s->sa_family == AF_INET) {
        const struct sockaddr_in *in = sa;
        inet_ntop(AF_INET, &in->sin_addr, ip, sizeof ip);
        return snprintf(out, cap, "%s:%u", ip, ntohs(in->sin_port));
    }
    if (len >= sizeof(struct sockaddr_in6) && s->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = sa;
        inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof ip);
        return snprintf(out, cap, "[%s]:%u", ip, ntohs(in6->sin6_port));
    }
    if (len > 2 && s->sa_family == AF_UNIX)
        return snprintf(out, cap, "unix:%.*s", (int)(len - 2),
                        ((const struct sockaddr_un *)sa)->sun_path[0]
                            ? ((const struct sockaddr_un *)sa)->sun_path
                            : "@");
    return snprintf(out, cap, "family %u", len >= 2 ? s->sa_family : 0);
}

/* An inet address the kernel may legitimately turn into another (connect to INADDR_ANY or
 * :: goes to the loopback). */
static int inet_unspecified(const void *sa, size_t len)
{
    const struct sockaddr *s = sa;
    if (len >= sizeof(struct sockaddr_in) && s->sa_family == AF_INET)
        return ((const struct sockaddr_in *)sa)->sin_addr.s_addr == htonl(INADDR_ANY);
    if (len >= sizeof(struct sockaddr_in6) && s->sa_family == AF_INET6)
        return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)sa)->sin6_addr);
    return 0;
}

/* Do two inet addresses name different endpoints? (other families: never said) */
static int inet_differs(const void *a, size_t al, const void *b, size_t bl)
{
    const struct sockaddr *x = a, *y = b;
    if (al < 2 || bl < 2 || (x->sa_family != AF_INET && x->sa_family != AF_INET6) ||
        x->sa_family != y->sa_family)
        return 0;
    if (x->sa_family == AF_INET) {
        if (al < sizeof(struct sockaddr_in) || bl < sizeof(struct sockaddr_in))
            return 0;
        const struct sockaddr_in *p = a, *q = b;
        return p->sin_port != q->sin_port ||
               (p->sin_addr.s_addr != q->sin_addr.s_addr && !inet_unspecified(a, al));
    }
    if (al < sizeof(struct sockaddr_in6) || bl < sizeof(struct sockaddr_in6))
        return 0;
    const struct sockaddr_in6 *p = a, *q = b;
    return p->sin6_port != q->sin6_port ||
           (memcmp(&p->sin6_addr, &q->sin6_addr, 16) != 0 && !inet_unspecified(a, al));
}

/* The inode of the tracee's socket fd ("socket:[N]"), 0 if it is not a socket. */
static uint64_t socket_inode(pid_t tid, int64_t fd)
{
    char link[64];
    ssize_t n = fd_link(tid, fd, link, sizeof link - 1);
    unsigned long long ino = 0;
    if (n <= 0)
        return 0;
    link[n] = '\0';
    return sscanf(link, "socket:[%llu]", &ino) == 1 ? ino : 0;
}

/* A tamper arg_swap about two addresses; fmt has two %s, for x and y (the target: x). */
static void addr_swap(struct tr_state *st, struct tr_task *t, int64_t ret, const char *fmt,
                      const void *x, size_t xl, const void *y, size_t yl)
{
    char a[160], b[160], reason[512];
    sockaddr_text(x, xl, a, sizeof a);
    snprintf(b, sizeof b, "(unreadable)");
    if (y)
        sockaddr_text(y, yl, b, sizeof b);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    snprintf(reason, sizeof reason, fmt, a, b);
#pragma GCC diagnostic pop
    tamper_swap(st, t, ret, a, reason);
}

/* connect: the peer from the socket (the copy taken at entry: the very socket the kernel
 * connected, whatever another thread did to the fd number since). */
static void connect_peer(struct tr_state *st, struct tr_task *t, int64_t ret)
{
    struct tt_evb *b = &t->evb;
    if (ret != 0 && ret != -EINPROGRESS)
        return;
    int cfd = t->sockfd >= 0 ? t->sockfd : tr_fd_copy(t->tgid, (int)as_int(t->args[0]));
    struct sockaddr_storage peer;
    socklen_t pl;
    const uint8_t *entry;
    uint32_t el = 0;
    int have_entry = pending_param(b, TT_P_ADDR, &entry, &el);
    /* without a copy of the fd (pidfd_getfd refused by a seccomp profile), the socket taken at
     * entry by its inode, in the tracee's /proc/TID/net tables */
    int found = cfd >= 0 ? tr_sock_peer(cfd, t->tid, &peer, &pl) == 0
                         : t->sockino && tr_sock_peer_inode(t->tid, t->sockino, &peer, &pl) == 0;
    if (found) {
        tt_evb_bytes(b, TT_P_PEER, TT_PK_SOCKADDR, &peer, pl);
        if (have_entry && inet_differs(entry, el, &peer, pl))
            addr_swap(st, t, ret,
                      "connect: the socket is connected to %s, the argument read at the stop "
                      "said %s (rewritten meanwhile)",
                      &peer, pl, entry, el);
    } else if (have_entry) {
        /* no peer any more (reset at once): the argument, read again, must not have moved */
        struct sockaddr_storage now;
        size_t nl = el < sizeof now ? el : sizeof now;
        if (tr_mem_read(t->tid, t->args[1], &now, nl) == 0 && memcmp(&now, entry, nl) != 0)
            addr_swap(st, t, ret,
                      "connect: the address argument changed during the call (%s at the stop, "
                      "%s after); the socket has no peer to tell which was used",
                      entry, el, &now, nl);
    }
    if (cfd >= 0 && cfd != t->sockfd)
        close(cfd);
}

/* sendto/sendmsg with an address: a datagram leaves no peer on the socket, so the address is
 * read again after the call; a change means another thread rewrote it meanwhile (the event
 * cannot say which of the two the kernel used: docs/security.md). */
static void send_recheck(struct tr_state *st, struct tr_task *t, const struct tr_sysdesc *d,
                         int64_t ret)
{
    const uint8_t *entry;
    uint32_t el;
    if (!pending_param(&t->evb, TT_P_ADDR, &entry, &el) || el == 0)
        return;
    uint64_t addr = t->args[4];
    if (d->special == SP_SENDMSG) {
        struct msghdr mh;
        if (tr_mem_read(t->tid, t->args[1], &mh, sizeof mh) != 0)
            return;
        addr = (uint64_t)(uintptr_t)mh.msg_name;
    }
    struct sockaddr_storage now;
    size_t nl = el < sizeof now ? el : sizeof now;
    int readable = tr_mem_read(t->tid, addr, &now, nl) == 0;
    if (readable && memcmp(&now, entry, nl) == 0)
        return;
    addr_swap(st, t, ret,
              d->ev == TT_EV_SENDTO
                  ? "sendto: the destination argument changed during the call (%s at the stop, "
                    "%s after)"
                  : "sendmsg: the destination argument changed during the call (%s at the stop, "
                    "%s after)",
              entry, el, readable ? &now : NULL, nl);
}

/* symlink/symlinkat: the target from the link the kernel created; link/linkat: the new name
 * must be the file the old name was. */
static void link_recheck(struct tr_state *st, struct tr_task *t, const struct tr_sysdesc *d,
                         int64_t ret)
{
    if (ret != 0)
        return;
    struct tt_evb *b = &t->evb;
    static char target[PATH_CAP], where[PATH_CAP], rel[PATH_CAP], got[PATH_CAP], old[PATH_CAP];
    char reason[4 * 1024 + 256];
    if (d->ev == TT_EV_SYMLINK || d->ev == TT_EV_SYMLINKAT) {
        int64_t dirfd = AT_FDCWD;
        if (d->ev == TT_EV_SYMLINKAT)
            dirfd = as_int(t->args[1]);
        pending_str(b, TT_P_TARGET, target, sizeof target);
        pending_str(b, TT_P_LINKPATH, rel, sizeof rel);
        tracee_path(t->tid, dirfd, rel, where, sizeof where);
        ssize_t n = readlink(where, got, sizeof got - 1);
        if (n >= 0) {
            got[n] = '\0';
            if (strcmp(got, target) == 0)
                return;
            pending_replace(b, TT_P_TARGET, got, (size_t)n);
            snprintf(reason, sizeof reason,
                     "symlink: %.1200s was created pointing to %.1200s; the target argument read "
                     "at the stop said %.1200s",
                     rel, got, target);
            tamper_swap(st, t, ret, got, reason);
            return;
        }
        snprintf(reason, sizeof reason,
                 "symlink: no link at %.1200s (the path argument read at the stop) after the call: "
                 "the arguments were rewritten meanwhile",
                 rel);
        tamper_swap(st, t, ret, rel, reason);
        return;
    }
    int64_t olddir = AT_FDCWD, newdir = AT_FDCWD;
    int follow = 0;
    if (d->ev == TT_EV_LINKAT) {
        olddir = as_int(t->args[0]);
        newdir = as_int(t->args[2]);
        follow = (t->args[4] & AT_SYMLINK_FOLLOW) != 0;
    }
    pending_str(b, TT_P_OLDPATH, target, sizeof target);
    pending_str(b, TT_P_NEWPATH, rel, sizeof rel);
    tracee_path(t->tid, olddir, target, old, sizeof old);
    tracee_path(t->tid, newdir, rel, where, sizeof where);
    struct stat so, sn;
    int ok_new = lstat(where, &sn) == 0;
    int ok_old = (follow ? stat(old, &so) : lstat(old, &so)) == 0;
    if (ok_new && ok_old && so.st_dev == sn.st_dev && so.st_ino == sn.st_ino)
        return;
    snprintf(reason, sizeof reason,
             "link: %.1200s is %s the file %.1200s (the arguments read at the stop) after the "
             "call: they "
             "were rewritten meanwhile",
             rel, ok_new ? "not" : "missing, not", target);
    tamper_swap(st, t, ret, rel, reason);
}

/* open*: the file from the new fd, and the monitors' /proc files (policy.c). Returns the
 * result the event carries (the open may have been undone). */
static int64_t open_exit(struct tr_state *st, struct tr_task *t, int64_t ret)
{
    struct tt_evb *b = &t->evb;
    static char path[PATH_CAP];
    ssize_t n = -1;
    if (ret >= 0 && (n = fd_path(t, ret, path, sizeof path)) >= 0 && arg_swap_on(st))
        tt_evb_bytes(b, TT_P_FDNAME, TT_PK_STR, path, (size_t)n);
    if (n < 0)
        pending_str(b, TT_P_NAME, path, sizeof path);
    uint64_t flags = 0;
    const uint8_t *d;
    uint32_t dl;
    if (pending_param(b, TT_P_FLAGS, &d, &dl) && dl == 8)
        memcpy(&flags, d, 8);
    if (tr_policy_open_exit(st, t, path, flags, ret))
        return -EACCES;
    return ret;
}

static void add_argv(struct tt_evb *b, pid_t tid, uint64_t argv)
{
    static char first[PATH_CAP];
    static char rest[ARGV_CAP];
    ssize_t n = tr_mem_strlist(tid, argv, first, sizeof first, rest, sizeof rest, ARGV_MAX_ITEMS);
    if (n < 0) {
        tt_evb_str(b, TT_P_EXE, "");
        tt_evb_bytes(b, TT_P_ARGS, TT_PK_STRLIST, "", 0);
        return;
    }
    tt_evb_str(b, TT_P_EXE, first);
    tt_evb_bytes(b, TT_P_ARGS, TT_PK_STRLIST, rest, (size_t)n);
}

static void entry_special(struct tt_evb *b, struct tr_task *t, int sp, const uint64_t *a)
{
    pid_t tid = t->tid;
    switch (sp) {
    case SP_EXECVE:
        add_argv(b, tid, a[1]);
        break;
    case SP_EXECVEAT:
        add_argv(b, tid, a[2]);
        break;
    case SP_OPENAT2: {
        uint64_t how[3] = {0, 0, 0};
        size_t sz = a[3] < sizeof how ? (size_t)a[3] : sizeof how;
        if (sz && tr_mem_read(tid, a[2], how, sz) == 0) {
            tt_evb_u64(b, TT_P_FLAGS, how[0]);
            tt_evb_u64(b, TT_P_MODE, how[1]);
            tt_evb_u64(b, TT_P_RESOLVE, how[2]);
        }
        break;
    }
    case SP_CREAT:
        tt_evb_u64(b, TT_P_FLAGS, O_CREAT | O_WRONLY | O_TRUNC);
        break;
    case SP_SENDMSG: {
        struct msghdr mh;
        if (tr_mem_read(tid, a[1], &mh, sizeof mh) == 0 && mh.msg_name)
            add_sockaddr(b, tid, TT_P_ADDR, (uint64_t)(uintptr_t)mh.msg_name, mh.msg_namelen);
        break;
    }
    case SP_CAPSET: {
        uint32_t data[6]; /* two {effective, permitted, inheritable} */
        if (tr_mem_read(tid, a[1], data, sizeof data) == 0) {
            tt_evb_u64(b, TT_P_CAP_INH, data[2] | (uint64_t)data[5] << 32);
            tt_evb_u64(b, TT_P_CAP_PRM, data[1] | (uint64_t)data[4] << 32);
            tt_evb_u64(b, TT_P_CAP_EFF, data[0] | (uint64_t)data[3] << 32);
        }
        break;
    }
    case SP_PRCTL:
        if ((int)a[0] == PR_SET_NAME) {
            char name[17];
            if (tr_mem_string(tid, a[1], name, sizeof name) >= 0)
                tt_evb_str(b, TT_P_NAME, name);
        }
        break;
    default:
        break;
    }
}

/* A clone the set names: a successful one is reported from its ptrace event, which drops this
 * pending record (so no exit stop follows); the record is completed at the exit stop only when
 * the call fails (no child, no ptrace event). */
static int clone_entry(struct tr_task *t, long nr, const uint64_t *args)
{
    unsigned type = TT_EV_CLONE;
    uint64_t flags = 0;
    switch (nr) {
    case __NR_clone:
        flags = args[0];
        break;
    case __NR_clone3:
        type = TT_EV_CLONE3;
        if (!args[0] || tr_mem_read(t->tid, args[0], &flags, sizeof flags) != 0)
            flags = 0;
        break;
    case TR_NR_VFORK:
        type = TT_EV_VFORK;
        flags = CLONE_VM | CLONE_VFORK | SIGCHLD;
        break;
    default:
        type = TT_EV_FORK;
        flags = SIGCHLD;
        break;
    }
    t->buf = tr_buf_get(512, &t->bufcap);
    if (!t->buf)
        return 0;
    t->nr = nr;
    memcpy(t->args, args, sizeof t->args);
    tt_evb_begin(&t->evb, t->buf, t->bufcap, type, tr_now_ns(), t->tid, t->tgid);
    tt_evb_u64(&t->evb, TT_P_CLONE_FLAGS, flags);
    tt_evb_u64(&t->evb, TT_P_IS_THREAD, (flags & CLONE_THREAD) != 0);
    return 1;
}

int tr_decode_entry(struct tr_state *st, struct tr_task *t, long nr, const uint64_t args[6],
                    uint32_t arch, int compat)
{
    if (t->buf)
        tr_task_drop_pending(t); /* an entry without exit (restart, lost stop) */
    const struct tr_sysdesc *d = compat ? NULL : tr_sys_desc(nr);
    if (!compat) {
        if (!st->o->trace_all && !tr_sysset_has(&st->set, nr))
            return 0;
        /* Reported by procexit. */
        if (nr == __NR_exit || nr == __NR_exit_group)
            return 0;
        if (tr_is_clone_nr(nr))
            return clone_entry(t, nr, args);
        /* fcntl stops for its owner commands too (policy.c); only fd-table ones are events */
        if (nr == __NR_fcntl && !st->o->trace_all && (int)args[1] != F_DUPFD &&
            (int)args[1] != F_DUPFD_CLOEXEC && (int)args[1] != F_SETFD)
            return 0;
    }
    int big = d && (d->special == SP_EXECVE || d->special == SP_EXECVEAT);
    size_t need = big ? TT_EVENT_MAX_LEN : 16384;
    t->buf = tr_buf_get(need, &t->bufcap);
    if (!t->buf)
        return 0;
    t->nr = nr;
    memcpy(t->args, args, sizeof t->args);
    struct tt_evb *b = &t->evb;
    tt_evb_begin(b, t->buf, t->bufcap, d ? d->ev : TT_EV_SYSCALL, tr_now_ns(), t->tid, t->tgid);
    if (!d) {
        tt_evb_i64(b, TT_P_NR, nr);
        tt_evb_u64(b, TT_P_ARCH, arch);
        tt_evb_bytes(b, TT_P_RAWARGS, TT_PK_BYTES, args, 6 * sizeof(uint64_t));
        return 1;
    }
    for (int i = 0; i < 6 && d->a[i].kind; i++) {
        const struct tr_argspec *s = &d->a[i];
        uint64_t v = args[s->idx];
        switch (s->kind) {
        case AK_INT:
            tt_evb_i64(b, s->param, as_int(v));
            break;
        case AK_U64:
            tt_evb_u64(b, s->param, v);
            break;
        case AK_U32:
            tt_evb_u64(b, s->param, (uint32_t)v);
            break;
        case AK_PATH:
            add_path(b, t->tid, s->param, v);
            break;
        case AK_SOCKADDR:
            add_sockaddr(b, t->tid, s->param, v, s->idx < 5 ? args[s->idx + 1] : 0);
            break;
        case AK_DATA:
            add_data(b, t->tid, s->param, v, s->idx < 5 ? args[s->idx + 1] : 0);
            break;
        default:
            break; /* outputs: at exit */
        }
    }
    entry_special(b, t, d->special, args);
    if (arg_swap_on(st)) {
        /* the socket itself, kept to the exit: the one the kernel uses, even if the fd number
         * is made to name another one meanwhile */
        if (d->ev == TT_EV_CONNECT || d->ev == TT_EV_SENDTO || d->ev == TT_EV_SENDMSG)
            t->sockfd = tr_fd_copy(t->tgid, (int)as_int(args[0]));
        if (d->ev == TT_EV_CONNECT && t->sockfd < 0)
            t->sockino = socket_inode(t->tid, as_int(args[0])); /* (no pidfd_getfd here) */
        if (is_open_event(d->ev))
            tr_task_mark_fd_inflight(t);
    }
    if (((d->cls & CL_ENTRY_ONLY) || tr_sysset_entry(&st->set, nr)) &&
        st->mode == TR_MODE_SECCOMP) {
        /* No exit stop (see CL_ENTRY_ONLY and `NAME.entry`): one stop fewer for every close
         * and socket. At a user notification, the record waits for the answer (notif.c). */
        size_t done = tt_evb_finish(b, TT_RET_NONE);
        if (done && (t->flags & TF_NOTIF)) {
            t->flags |= TF_EVENT_READY;
            return 0;
        }
        if (done)
            tr_emit(st, t->buf);
        tr_task_drop_pending(t);
        return 0;
    }
    if (t->flags & TF_NOTIF) {
        /* (not reached: the filter sends only entry-only calls as notifications) */
        if (tt_evb_finish(b, TT_RET_NONE))
            t->flags |= TF_EVENT_READY;
        return 0;
    }
    return 1;
}

static int64_t exit_outputs(struct tr_state *st, struct tr_task *t, const struct tr_sysdesc *d,
                            int64_t ret)
{
    struct tt_evb *b = &t->evb;
    const uint64_t *a = t->args;
    for (int i = 0; i < 6 && d->a[i].kind; i++) {
        const struct tr_argspec *s = &d->a[i];
        if (s->kind == AK_FDS_OUT && ret == 0) {
            int fds[2];
            if (tr_mem_read(t->tid, a[s->idx], fds, sizeof fds) == 0) {
                tt_evb_i64(b, TT_P_FD1, fds[0]);
                tt_evb_i64(b, TT_P_FD2, fds[1]);
            }
        } else if (s->kind == AK_DATA_OUT && ret > 0) {
            add_data(b, t->tid, s->param, a[s->idx], (uint64_t)ret); /* what was received */
        } else if (s->kind == AK_SOCKADDR_OUT && ret >= 0 && a[s->idx] && s->idx < 5) {
            uint32_t len = 0;
            if (tr_mem_read(t->tid, a[s->idx + 1], &len, sizeof len) == 0)
                add_sockaddr(b, t->tid, s->param, a[s->idx], len);
        }
    }
    if (st->o->open_ino && ret >= 0 && is_open_event(d->ev))
        add_dev_ino(b, t->tgid, ret);
    /* A bind, or a datagram sent to an address, may be the first the engine hears of its
     * socket (socket is reported without its fd). */
    if ((d->ev == TT_EV_SENDTO || d->ev == TT_EV_SENDMSG || d->ev == TT_EV_BIND) && ret >= 0)
        add_sock_info(b, t->tgid, as_int(a[0]), 0, 1, t->sockfd);
    if (is_open_event(d->ev) && (arg_swap_on(st) || tr_def_on(st->o, TR_DEF_MONITORS)))
        ret = open_exit(st, t, ret); /* (the monitors' /proc files: without arg_swap too) */
    if (arg_swap_on(st)) {
        if (d->ev == TT_EV_SENDTO || d->ev == TT_EV_SENDMSG)
            send_recheck(st, t, d, ret);
        else if (d->ev == TT_EV_SYMLINK || d->ev == TT_EV_SYMLINKAT || d->ev == TT_EV_LINK ||
                 d->ev == TT_EV_LINKAT)
            link_recheck(st, t, d, ret);
    }
    switch (d->special) {
    case SP_CONNECT:
        add_sock_info(b, t->tgid, as_int(a[0]), ret == 0 || ret == -EINPROGRESS, 1, t->sockfd);
        if (arg_swap_on(st))
            connect_peer(st, t, ret);
        break;
    case SP_ACCEPT:
        if (ret >= 0)
            add_sock_info(b, t->tgid, ret, 1, 1, -1);
        break;
    case SP_RECVMSG: {
        struct msghdr mh;
        if (ret >= 0 && tr_mem_read(t->tid, a[1], &mh, sizeof mh) == 0 && mh.msg_name)
            add_sockaddr(b, t->tid, TT_P_ADDR, (uint64_t)(uintptr_t)mh.msg_name, mh.msg_namelen);
        break;
    }
    case SP_GETSOCKOPT:
        if (ret == 0 && as_int(a[1]) == SOL_SOCKET && as_int(a[2]) == SO_ERROR) {
            int v;
            if (tr_mem_read(t->tid, a[3], &v, sizeof v) == 0)
                tt_evb_i64(b, TT_P_VAL, v);
        }
        break;
    case SP_OPEN_BY_HANDLE:
        if (ret >= 0) {
            char p[64], target[PATH_CAP];
            snprintf(p, sizeof p, "/proc/%d/fd/%lld", (int)t->tid, (long long)ret);
            ssize_t n = readlink(p, target, sizeof target - 1);
            if (n >= 0)
                tt_evb_bytes(b, TT_P_NAME, TT_PK_STR, target, (size_t)n);
        }
        break;
    default:
        break;
    }
    return ret;
}

void tr_decode_exit(struct tr_state *st, struct tr_task *t, int64_t ret)
{
    if (!t->buf)
        return;
    if (is_restart(ret) || (tr_is_clone_nr(t->nr) && ret >= 0)) {
        /* (a clone that succeeded was reported from its ptrace event) */
        tr_task_drop_pending(t);
        return;
    }
    struct tt_event hdr;
    memcpy(&hdr, t->buf, sizeof hdr);
    const struct tr_sysdesc *d = hdr.type != TT_EV_SYSCALL ? tr_sys_desc(t->nr) : NULL;
    if (d) {
        tr_policy_exit(st, t, t->nr, t->args, ret);
        ret = exit_outputs(st, t, d, ret);
    }
    if (tt_evb_finish(&t->evb, ret))
        tr_emit(st, t->buf);
    tr_task_drop_pending(t);
}

/* The path the program was exec'd by, as passed (AT_EXECFN: the kernel copies it to the top of
 * the new stack, the auxiliary vector points to it): the event's filename. */
static void add_execfn(struct tt_evb *b, pid_t pid)
{
    char path[64];
    unsigned long auxv[2 * 64];
    snprintf(path, sizeof path, "/proc/%d/auxv", (int)pid);
    ssize_t n = tr_proc_read(path, (char *)auxv, sizeof auxv);
    for (ssize_t i = 0; n > 0 && (i + 2) * (ssize_t)sizeof auxv[0] <= n && auxv[i]; i += 2) {
        if (auxv[i] == AT_EXECFN) {
            char fn[PATH_CAP];
            ssize_t l = tr_mem_string(pid, auxv[i + 1], fn, sizeof fn);
            if (l >= 0)
                tt_evb_bytes(b, TT_P_FILENAME, TT_PK_STR, fn, (size_t)l);
            return;
        }
    }
}

static size_t count_nuls(const uint8_t *p, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += p[i] == 0;
    return n;
}

/* A successful exec's arguments as the kernel copied them (the new program's /proc/PID/cmdline,
 * read before it runs): another thread may have rewritten them between the entry stop's read
 * and the kernel's copy. A difference replaces them in the event, with a tamper arg_swap.
 * Lists cut on either side (past ARGV_CAP bytes or ARGV_MAX_ITEMS items at the stop, past the
 * buffer here) are compared over the bytes both reads hold (a cut at the stop ends in a NUL of
 * its own, not compared), so a long command line is neither a false report nor a place to hide
 * a rewrite of what the event shows. */
static void exec_args_readback(struct tr_state *st, struct tr_task *t, struct tt_evb *b)
{
    static char cmd[ARGV_CAP + PATH_CAP], exe[PATH_CAP];
    char path[64];
    if (!arg_swap_on(st))
        return;
    snprintf(path, sizeof path, "/proc/%d/cmdline", (int)t->tgid);
    ssize_t n = tr_proc_read(path, cmd, sizeof cmd);
    if (n <= 0)
        return; /* (gone) */
    int kernel_cut = (size_t)n >= sizeof cmd - 1;
    size_t l0 = strnlen(cmd, (size_t)n);
    const char *args = cmd + (l0 < (size_t)n ? l0 + 1 : (size_t)n);
    size_t alen = (size_t)n - (size_t)(args - cmd);
    const uint8_t *pa = NULL;
    uint32_t pl = 0;
    pending_str(b, TT_P_EXE, exe, sizeof exe);
    int have_args = pending_param(b, TT_P_ARGS, &pa, &pl);
    if (!have_args)
        pl = 0;
    int exe_cut = strlen(exe) >= sizeof exe - 1;
    /* (a list cut at ARGV_MAX_ITEMS holds that many NULs, so at least as many bytes: a short
     * one, every exec's usual case, is not scanned) */
    int entry_cut = pl >= ARGV_CAP - 1 || (have_args && pl >= ARGV_MAX_ITEMS - 1 &&
                                           count_nuls(pa, pl) + 1 >= ARGV_MAX_ITEMS);
    size_t ereal = pl >= ARGV_CAP - 1 ? pl - 1 : pl;
    int same0 =
        exe_cut || l0 == (size_t)n ? strncmp(exe, cmd, strlen(exe)) == 0 : strcmp(exe, cmd) == 0;
    int same_args;
    if (!entry_cut && !kernel_cut) {
        same_args = have_args && pl == alen && memcmp(pa, args, alen) == 0;
    } else {
        size_t k = ereal < alen ? ereal : alen;
        same_args = (k == 0 || memcmp(pa, args, k) == 0) && (entry_cut || pl >= alen) &&
                    (kernel_cut || alen >= ereal);
    }
    if (same0 && same_args)
        return;
    int read_at_entry = exe[0] || pl;
    size_t elen = alen; /* (a cut list is kept as the stop keeps one: at most ARGV_CAP bytes,
                         * its last item cut and NUL-terminated) */
    if (kernel_cut) {
        elen = alen < ARGV_CAP - 1 ? alen : ARGV_CAP - 1;
        cmd[(size_t)(args - cmd) + elen++] = '\0';
    }
    pending_replace(b, TT_P_EXE, cmd, l0);
    pending_replace(b, TT_P_ARGS, args, elen);
    if (!read_at_entry)
        return; /* (unreadable at the entry stop: the kernel's copy fills the gap) */
    char reason[512];
    snprintf(reason, sizeof reason,
             "execve: the program runs with argv[0] %.150s and %s%zu bytes of arguments; the "
             "ones read at the stop said %.150s and %s%u bytes (rewritten meanwhile)",
             cmd, kernel_cut ? "over " : "", alen, exe, entry_cut ? "over " : "", (unsigned)pl);
    tamper_swap(st, t, 0, cmd, reason);
}

struct tt_evb *tr_decode_exec_begin(struct tr_state *st, struct tr_task *t, struct tr_exec_desc *x)
{
    static uint8_t fresh[TT_EVENT_MAX_LEN];
    struct tt_evb *b;
    if (t->buf && (t->nr == __NR_execve || t->nr == __NR_execveat)) {
        b = &t->evb;
        /* The record was started under the thread that called exec; it is the leader now. */
        struct tt_event *ev = (struct tt_event *)(void *)t->buf;
        ev->tid = t->tid;
        ev->pid = t->tgid;
        exec_args_readback(st, t, b);
    } else {
        /* Exec entry not stopped at (execve.success, or attached mid-exec): the arguments and
         * the file name the kernel copied to the new program, which has not run yet. */
        tr_task_drop_pending(t);
        b = &x->fresh;
        tt_evb_begin(b, fresh, sizeof fresh, TT_EV_EXECVE, tr_now_ns(), t->tid, t->tgid);
        add_execfn(b, t->tgid);
        tr_proc_add_cmdline(b, t->tgid);
    }
    tr_proc_add_exe(b, t->tgid, &x->exe);
    if (st->o->with_env || st->set.with_env)
        tr_proc_add_env(b, t->tgid);
    /* (the builder lives in t->buf or in fresh: the task must not resume with t->buf set, or
     * it would stop again at the exec's syscall exit) */
    x->pending = t->buf;
    t->buf = NULL;
    return b;
}

void tr_decode_exec_finish(struct tr_state *st, struct tr_task *t, struct tt_evb *b,
                           struct tr_exec_desc *x)
{
    long ptid = t->tgid == st->main_pid ? st->main_ptid : -1;
    tr_proc_add_rest(b, t->tgid, t->tid, ptid, &x->exe);
    if (tt_evb_finish(b, 0))
        tr_emit(st, b->buf);
    t->buf = x->pending;
    tr_task_drop_pending(t);
}

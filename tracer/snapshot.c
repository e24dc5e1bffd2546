/* tracer: synthetic state events: the /proc snapshot sent before anything else (one procinfo
 * per thread, one fdinfo per open fd, sockets resolved through /proc/PID/net), procinfo for a
 * single task, and the tracerinfo event that describes the tracer's configuration. */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "decode.h"
#include "procfs.h"
#include "trace.h"
#include "tt_log.h"

static uint8_t evbuf[TT_EVENT_MAX_LEN];

void tr_emit_procinfo(struct tr_state *st, pid_t pid, pid_t tid, long ptid)
{
    struct tt_evb b;
    tt_evb_begin(&b, evbuf, sizeof evbuf, TT_EV_PROCINFO, tr_now_ns(), tid, pid);
    tr_proc_add_cmdline(&b, pid);
    tr_proc_add_desc(&b, pid, tid, ptid, st->o->with_env || st->set.with_env);
    if (tt_evb_finish(&b, 0))
        tr_emit(st, evbuf);
}

/* ---- sockets: inode -> addresses, from /proc/PID/net/{tcp,tcp6,udp,udp6,unix} ---- */

struct sockent {
    unsigned long ino;
    int type;  /* TT_FD_* */
    int stype; /* unix sockets: SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET */
    struct sockaddr_storage local, remote;
    socklen_t llen, rlen;
};

struct socktab {
    struct sockent *v;
    size_t n, cap;
    char netns[64]; /* which namespace the table describes */
};

static struct sockent *sock_push(struct socktab *t)
{
    if (t->n == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 64;
        struct sockent *nv = realloc(t->v, nc * sizeof *nv);
        if (!nv)
            return NULL;
        t->v = nv;
        t->cap = nc;
    }
    memset(&t->v[t->n], 0, sizeof t->v[0]);
    return &t->v[t->n++];
}

static int parse_hexaddr(const char *s, int v6, struct sockaddr_storage *ss, socklen_t *len)
{
    memset(ss, 0, sizeof *ss);
    const char *colon = strchr(s, ':');
    if (!colon)
        return -1;
    unsigned port = (unsigned)strtoul(colon + 1, NULL, 16);
    if (!v6) {
        struct sockaddr_in *sin = (struct sockaddr_in *)ss;
        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t)port);
        sin->sin_addr.s_addr = (uint32_t)strtoul(s, NULL, 16); /* already network order */
        *len = sizeof *sin;
    } else {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((uint16_t)port);
        for (int w = 0; w < 4; w++) {
            char word[9];
            memcpy(word, s + 8 * w, 8);
            word[8] = '\0';
            uint32_t v = (uint32_t)strtoul(word, NULL, 16);
            memcpy(&sin6->sin6_addr.s6_addr[4 * w], &v, 4);
        }
        *len = sizeof *sin6;
    }
    return 0;
}

/* /proc/PID/net/FILE read past its header line, or NULL. */
static FILE *open_net_table(pid_t pid, const char *file)
{
    char path[64], line[512];
    snprintf(path, sizeof path, "/proc/%d/net/%s", (int)pid, file);
    FILE *f = fopen(path, "re");
    if (f && !fgets(line, sizeof line, f)) {
        fclose(f);
        return NULL;
    }
    return f;
}

static void load_inet(struct socktab *t, pid_t pid, const char *file, int v6)
{
    FILE *f = open_net_table(pid, file);
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        char la[64], ra[64];
        unsigned long ino;
        if (sscanf(line, " %*s %63s %63s %*s %*s %*s %*s %*s %*s %lu", la, ra, &ino) != 3)
            continue;
        struct sockent *e = sock_push(t);
        if (!e)
            break;
        e->ino = ino;
        e->type = v6 ? TT_FD_IPV6 : TT_FD_IPV4;
        parse_hexaddr(la, v6, &e->local, &e->llen);
        parse_hexaddr(ra, v6, &e->remote, &e->rlen);
    }
    fclose(f);
}

static void load_unix(struct socktab *t, pid_t pid)
{
    FILE *f = open_net_table(pid, "unix");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        /* Num RefCount Protocol Flags Type St Inode Path */
        unsigned long ino;
        unsigned stype;
        int off = 0;
        if (sscanf(line, "%*s %*s %*s %*s %x %*s %lu%n", &stype, &ino, &off) != 2)
            continue;
        struct sockent *e = sock_push(t);
        if (!e)
            break;
        e->ino = ino;
        e->type = TT_FD_UNIX;
        e->stype = (int)stype;
        struct sockaddr_un *sun = (struct sockaddr_un *)&e->local;
        sun->sun_family = AF_UNIX;
        const char *p = line + off;
        while (*p == ' ')
            p++;
        size_t n = strcspn(p, "\n");
        if (n >= sizeof sun->sun_path)
            n = sizeof sun->sun_path - 1;
        memcpy(sun->sun_path, p, n);
        if (n && sun->sun_path[0] == '@')
            sun->sun_path[0] = '\0'; /* abstract */
        e->llen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
    }
    fclose(f);
}

static void socktab_for(struct socktab *t, pid_t pid)
{
    char path[64], ns[64];
    snprintf(path, sizeof path, "/proc/%d/ns/net", (int)pid);
    ssize_t n = readlink(path, ns, sizeof ns - 1);
    if (n < 0)
        return;
    ns[n] = '\0';
    if (strcmp(ns, t->netns) == 0)
        return;
    t->n = 0;
    snprintf(t->netns, sizeof t->netns, "%s", ns);
    load_inet(t, pid, "tcp", 0);
    load_inet(t, pid, "udp", 0);
    load_inet(t, pid, "tcp6", 1);
    load_inet(t, pid, "udp6", 1);
    load_unix(t, pid);
}

/* One socket, by inode, in pid's /proc/PID/net tables: what pidfd_getfd + getsockname would
 * say when a seccomp profile refuses pidfd_getfd (it needs CAP_SYS_PTRACE in Docker's and
 * containerd's default profiles). */
int tr_proc_sock(pid_t pid, long fd, struct tr_sockinfo *si)
{
    static const struct {
        const char *file;
        int domain, type, proto;
    } tabs[] = {{"tcp", AF_INET, SOCK_STREAM, IPPROTO_TCP},
                {"udp", AF_INET, SOCK_DGRAM, IPPROTO_UDP},
                {"tcp6", AF_INET6, SOCK_STREAM, IPPROTO_TCP},
                {"udp6", AF_INET6, SOCK_DGRAM, IPPROTO_UDP},
                {"raw", AF_INET, SOCK_RAW, -1},
                {"raw6", AF_INET6, SOCK_RAW, -1}};
    char path[64], link[64];
    unsigned long want;
    snprintf(path, sizeof path, "/proc/%d/fd/%ld", (int)pid, fd);
    ssize_t n = readlink(path, link, sizeof link - 1);
    if (n < 0)
        return -1;
    link[n] = '\0';
    if (sscanf(link, "socket:[%lu]", &want) != 1)
        return -1;
    memset(si, 0, sizeof *si);
    for (size_t i = 0; i < sizeof tabs / sizeof tabs[0]; i++) {
        snprintf(path, sizeof path, "/proc/%d/net/%s", (int)pid, tabs[i].file);
        FILE *f = fopen(path, "re");
        if (!f)
            continue;
        char line[512], la[64];
        unsigned long ino;
        int found = 0;
        while (!found && fgets(line, sizeof line, f))
            found = sscanf(line, " %*s %63s %*s %*s %*s %*s %*s %*s %*s %lu", la, &ino) == 2 &&
                    ino == want;
        fclose(f);
        if (!found)
            continue;
        si->domain = tabs[i].domain;
        si->type = tabs[i].type;
        parse_hexaddr(la, tabs[i].domain == AF_INET6, &si->local, &si->llen);
        /* raw sockets show their protocol where the port would be */
        si->proto = tabs[i].proto >= 0 ? tabs[i].proto
                                       : ntohs(((struct sockaddr_in *)&si->local)->sin_port);
        return 0;
    }
    struct socktab t = {0};
    load_unix(&t, pid);
    int found = -1;
    for (size_t i = 0; i < t.n && found < 0; i++) {
        if (t.v[i].ino != want)
            continue;
        si->domain = AF_UNIX;
        si->type = t.v[i].stype;
        si->local = t.v[i].local;
        si->llen = t.v[i].llen;
        found = 0;
    }
    free(t.v);
    return found;
}

static int fd_type_of(const char *link, const char *fdpath)
{
    if (link[0] == '/') {
        if (strncmp(link, "/memfd:", 7) == 0)
            return TT_FD_MEMFD;
        struct stat sb;
        if (stat(fdpath, &sb) == 0 && S_ISDIR(sb.st_mode))
            return TT_FD_DIRECTORY;
        return TT_FD_FILE;
    }
    if (strncmp(link, "pipe:", 5) == 0)
        return TT_FD_PIPE;
    static const struct {
        const char *s;
        int t;
    } anon[] = {{"[eventfd", TT_FD_EVENT},
                {"[signalfd]", TT_FD_SIGNALFD},
                {"[eventpoll]", TT_FD_EVENTPOLL},
                {"inotify", TT_FD_INOTIFY},
                {"[timerfd]", TT_FD_TIMERFD},
                {"bpf", TT_FD_BPF},
                {"[userfaultfd]", TT_FD_USERFAULTFD},
                {"[io_uring]", TT_FD_IO_URING},
                {"[pidfd]", TT_FD_PIDFD}};
    if (strncmp(link, "anon_inode:", 11) == 0) {
        for (size_t i = 0; i < sizeof anon / sizeof anon[0]; i++)
            if (strncmp(link + 11, anon[i].s, strlen(anon[i].s)) == 0)
                return anon[i].t;
    }
    return TT_FD_UNKNOWN;
}

static void snapshot_fds(struct tr_state *st, pid_t pid, struct socktab *socks)
{
    char dpath[64];
    snprintf(dpath, sizeof dpath, "/proc/%d/fd", (int)pid);
    DIR *d = opendir(dpath);
    if (!d)
        return;
    int loaded = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!isdigit((unsigned char)de->d_name[0]))
            continue;
        long fd = strtol(de->d_name, NULL, 10);
        char fpath[96], link[4096];
        snprintf(fpath, sizeof fpath, "/proc/%d/fd/%ld", (int)pid, fd);
        ssize_t n = readlink(fpath, link, sizeof link - 1);
        if (n < 0)
            continue;
        link[n] = '\0';
        struct tt_evb b;
        tt_evb_begin(&b, evbuf, sizeof evbuf, TT_EV_FDINFO, tr_now_ns(), pid, pid);
        tt_evb_i64(&b, TT_P_FD, fd);
        int type = fd_type_of(link, fpath);
        unsigned long ino;
        if (sscanf(link, "socket:[%lu]", &ino) == 1) {
            if (!loaded) {
                socktab_for(socks, pid);
                loaded = 1;
            }
            for (size_t i = 0; i < socks->n; i++) {
                struct sockent *e = &socks->v[i];
                if (e->ino != ino)
                    continue;
                type = e->type;
                if (e->llen)
                    tt_evb_bytes(&b, TT_P_LOCAL_ADDR, TT_PK_SOCKADDR, &e->local, e->llen);
                if (e->rlen)
                    tt_evb_bytes(&b, TT_P_ADDR, TT_PK_SOCKADDR, &e->remote, e->rlen);
                break;
            }
        }
        tt_evb_i64(&b, TT_P_FDTYPE, type);
        tt_evb_str(&b, TT_P_NAME, link);
        char ipath[96], info[512];
        snprintf(ipath, sizeof ipath, "/proc/%d/fdinfo/%ld", (int)pid, fd);
        if (tr_proc_read(ipath, info, sizeof info) > 0) {
            const char *fl = strstr(info, "flags:");
            if (fl)
                tt_evb_u64(&b, TT_P_FLAGS, strtoull(fl + 6, NULL, 8));
        }
        if (tt_evb_finish(&b, 0))
            tr_emit(st, evbuf);
    }
    closedir(d);
}

void tr_snapshot(struct tr_state *st, pid_t skip_pid)
{
    DIR *d = opendir("/proc");
    if (!d) {
        tt_warn("cannot read /proc: no snapshot of existing processes");
        return;
    }
    struct socktab socks;
    memset(&socks, 0, sizeof socks);
    size_t nproc = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!isdigit((unsigned char)de->d_name[0]))
            continue;
        pid_t pid = (pid_t)strtol(de->d_name, NULL, 10);
        if (pid == skip_pid)
            continue;
        char tpath[64];
        snprintf(tpath, sizeof tpath, "/proc/%d/task", (int)pid);
        DIR *td = opendir(tpath);
        if (!td)
            continue;
        struct dirent *te;
        while ((te = readdir(td))) {
            if (!isdigit((unsigned char)te->d_name[0]))
                continue;
            tr_emit_procinfo(st, pid, (pid_t)strtol(te->d_name, NULL, 10), -1);
        }
        closedir(td);
        snapshot_fds(st, pid, &socks);
        nproc++;
    }
    closedir(d);
    free(socks.v);
    tt_debug("snapshot: %zu processes", nproc);
}

static void put_name(char *p, size_t cap, size_t *used, const char *s)
{
    size_t l = strlen(s) + 1;
    if (*used + l <= cap) {
        memcpy(p + *used, s, l);
        *used += l;
    }
}

void tr_emit_tracerinfo(struct tr_state *st, const char *reason)
{
    struct tt_evb b;
    tt_evb_begin(&b, evbuf, sizeof evbuf, TT_EV_TRACER_INFO, tr_now_ns(), st->self, st->self);
    /* defences switched off (tests only) or re-allowed: in the reason, so that they are never
     * off silently, and as flags bits 3 and 4 */
    char why[600];
    size_t wl = (size_t)snprintf(why, sizeof why, "%s", reason);
    const unsigned masks[2] = {st->o->unsafe_off, st->o->allow & ~st->o->unsafe_off};
    const char *labels[2] = {"; UNSAFE (tests only): defences off: ", "; allowed: "};
    for (int k = 0; k < 2; k++)
        for (int d = 0, first = 1; d < TR_DEF_COUNT && wl < sizeof why; d++)
            if (masks[k] & TR_DEF_BIT(d)) {
                wl += (size_t)snprintf(why + wl, sizeof why - wl, "%s%s", first ? labels[k] : ",",
                                       tr_defence_name(d));
                first = 0;
            }
    tt_evb_str(&b, TT_P_REASON, why);
    /* the traced syscall set, as names (the engine can check it covers its rules); socket
     * restricted to some domains as the `socket.domain=D` entries the engine wrote */
    char *p = (char *)evbuf + sizeof evbuf / 2;
    size_t cap = sizeof evbuf / 2, used = 0;
    for (long nr = 0; nr < TR_MAX_NR; nr++) {
        const char *name = tr_sys_name(nr);
        if (!name || !tr_sysset_has(&st->set, nr))
            continue;
        if (nr == SYS_recvfrom && st->set.recvfrom_all) {
            put_name(p, cap, &used, "recvfrom.all");
            continue;
        }
        if (nr != SYS_socket || !st->set.socket_domains) {
            put_name(p, cap, &used, name);
            continue;
        }
        for (int d = 0; d < 63; d++)
            if (st->set.socket_domains & (1ull << d)) {
                char entry[32];
                snprintf(entry, sizeof entry, "socket.domain=%d", d);
                put_name(p, cap, &used, entry);
            }
    }
    if (st->o->with_env || st->set.with_env)
        put_name(p, cap, &used, "proc.env"); /* environments are captured */
    tt_evb_bytes(&b, TT_P_ARGS, TT_PK_STRLIST, p, used);
    tt_evb_u64(&b, TT_P_FLAGS,
               (uint64_t)st->mode | (uint64_t)st->o->fail_policy << 1 |
                   (uint64_t)(st->o->attach_pid != 0) << 2 | (uint64_t)(masks[0] != 0) << 3 |
                   (uint64_t)(masks[1] != 0) << 4);
    tt_evb_u64(&b, TT_P_ARCH, TT_ARCH_NATIVE); /* whose syscall numbers the stream's events use */
    if (tt_evb_finish(&b, 0))
        tr_emit(st, evbuf);
}

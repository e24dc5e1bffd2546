/* tracer: /proc readers for process descriptions (see procfs.h). */
#include "procfs.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "tt_cgroup.h"
#include "tt_event.h"
#include "tt_time.h"

#define OVERLAYFS_MAGIC 0x794c7630ul /* OVERLAYFS_SUPER_MAGIC, linux/magic.h */

ssize_t tr_proc_read(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t got = 0;
    while (got + 1 < cap) {
        ssize_t n = read(fd, buf + got, cap - 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    buf[got] = '\0';
    return (ssize_t)got;
}

unsigned long long tr_now_ns(void)
{
    return tt_wall_ns();
}

/* CLOCK_REALTIME ns of the boot moment (to turn /proc start times into timestamps). */
static unsigned long long tr_boot_realtime_ns(void)
{
    static unsigned long long cached;
    if (!cached)
        cached = tt_wall_ns() - tt_boot_ns();
    return cached;
}

void tr_proc_add_cmdline(struct tt_evb *b, pid_t pid)
{
    char path[64];
    static char buf[32768];
    snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
    ssize_t n = tr_proc_read(path, buf, sizeof buf);
    if (n < 0)
        return;
    size_t l0 = strnlen(buf, (size_t)n);
    tt_evb_bytes(b, TT_P_EXE, TT_PK_STR, buf, l0);
    size_t rest = l0 < (size_t)n ? (size_t)n - l0 - 1 : 0;
    tt_evb_bytes(b, TT_P_ARGS, TT_PK_STRLIST, buf + l0 + 1, rest);
}

/* Value after "Key:" in status text, or NULL. */
static const char *status_field(const char *text, const char *key)
{
    size_t kl = strlen(key);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (strncmp(p, key, kl) == 0 && p[kl] == ':')
            return p + kl + 1;
    }
    return NULL;
}

/* A thread's own file: /proc/PID/FILE for the leader (no task/ lookup: on a process seen for
 * the first time each new /proc directory costs a lookup, measured ~15 us on the exec path),
 * else /proc/PID/task/TID/FILE. */
static void thread_file(char *path, size_t cap, pid_t pid, pid_t tid, const char *file)
{
    if (pid == tid)
        snprintf(path, cap, "/proc/%d/%s", (int)pid, file);
    else
        snprintf(path, cap, "/proc/%d/task/%d/%s", (int)pid, (int)tid, file);
}

/* The comm from status' "Name:" line (read anyway, so no separate comm file): the kernel
 * escapes only newline and backslash there. */
static void add_comm_from_status(struct tt_evb *b, const char *status)
{
    const char *f = status_field(status, "Name");
    if (!f)
        return;
    while (*f == '\t' || *f == ' ')
        f++;
    char comm[64];
    size_t n = 0;
    for (; *f && *f != '\n' && n + 1 < sizeof comm; f++) {
        if (f[0] == '\\' && (f[1] == 'n' || f[1] == '\\')) {
            comm[n++] = f[1] == 'n' ? '\n' : '\\';
            f++;
        } else {
            comm[n++] = *f;
        }
    }
    comm[n] = '\0';
    tt_evb_str(b, TT_P_COMM, comm);
}

/* Last number on the line (NSpid / NStgid: the innermost namespace). */
static long last_num(const char *p)
{
    long v = -1;
    while (p && *p && *p != '\n') {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!isdigit((unsigned char)*p))
            break;
        v = strtol(p, (char **)&p, 10);
    }
    return v;
}

int tr_proc_ids(pid_t tid, pid_t *tgid, pid_t *ppid)
{
    char path[64], buf[2048];
    snprintf(path, sizeof path, "/proc/%d/status", (int)tid);
    if (tr_proc_read(path, buf, sizeof buf) <= 0)
        return -1;
    const char *t = status_field(buf, "Tgid"), *pp = status_field(buf, "PPid");
    if (!t || !pp)
        return -1;
    if (tgid)
        *tgid = (pid_t)strtol(t, NULL, 10);
    if (ppid)
        *ppid = (pid_t)strtol(pp, NULL, 10);
    return 0;
}

/* Start of the pid namespace's init (container.start_ts): /proc/1 as the tracer sees it. */
static unsigned long long pidns_start(void)
{
    static unsigned long long ts;
    char buf[1024];
    if (!ts && tr_proc_read("/proc/1/stat", buf, sizeof buf) > 0) {
        const char *p = strrchr(buf, ')');
        unsigned long long start = 0;
        if (p && sscanf(p + 2,
                        "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d "
                        "%*d %*d %*d %llu",
                        &start) == 1) {
            long hz = sysconf(_SC_CLK_TCK);
            if (hz > 0)
                ts = tr_boot_realtime_ns() + start * (1000000000ull / (unsigned long)hz);
        }
    }
    return ts;
}

/* Is the file at path on an overlay filesystem (statfs magic, as Falco's drivers check the
 * executable's superblock)? */
static int on_overlayfs(const char *path)
{
    struct statfs sf;
    return statfs(path, &sf) == 0 && (unsigned long)sf.f_type == OVERLAYFS_MAGIC;
}

static void add_link(struct tt_evb *b, unsigned id, const char *path, int trailing_slash)
{
    char buf[4096 + 2];
    ssize_t n = readlink(path, buf, sizeof buf - 2);
    if (n < 0)
        return;
    buf[n] = '\0';
    if (!trailing_slash) {
        static const char del[] = " (deleted)";
        size_t dl = sizeof del - 1;
        if ((size_t)n > dl && strcmp(buf + n - dl, del) == 0)
            buf[n - dl] = '\0';
    }
    tt_evb_str(b, id, buf);
}

/* The credentials EXE_WRITABLE is judged with (from /proc/PID/task/TID/status). */
struct exe_creds {
    int known;
    unsigned long long fsuid, fsgid, cap_eff;
    unsigned long long groups[64];
    int ngroups;
};

/* Falco's EXE_WRITABLE: the process could write its executable (DAC permission bits for its
 * fsuid/fsgid/groups, or CAP_DAC_OVERRIDE), or owns it, or holds CAP_FOWNER (the kernel's
 * write permission check or inode_owner_or_capable). Memfds (mode 0777) are writable. */
static int exe_writable(const struct stat *st, const struct exe_creds *c)
{
    if (!c->known)
        return 0;
    if (c->cap_eff & ((1ull << 1) | (1ull << 3))) /* CAP_DAC_OVERRIDE, CAP_FOWNER */
        return 1;
    if (c->fsuid == st->st_uid)
        return 1;
    int in_group = c->fsgid == st->st_gid;
    for (int i = 0; i < c->ngroups && !in_group; i++)
        in_group = c->groups[i] == st->st_gid;
    if (in_group)
        return (st->st_mode & S_IWGRP) != 0;
    return (st->st_mode & S_IWOTH) != 0;
}

void tr_proc_add_exe(struct tt_evb *b, pid_t pid, struct tr_exe_info *x)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/exe", (int)pid);
    x->path[0] = '\0';
    x->overlay = 0;
    ssize_t el = readlink(path, x->path, sizeof x->path - 1);
    if (el >= 0) {
        x->path[el] = '\0';
        static const char del[] = " (deleted)";
        size_t dl = sizeof del - 1;
        if ((size_t)el > dl && strcmp(x->path + el - dl, del) == 0)
            x->path[el - dl] = '\0';
        tt_evb_str(b, TT_P_EXEPATH, x->path);
    }
    x->have_stat = stat(path, &x->st) == 0;
    if (x->have_stat) {
        const struct stat *st = &x->st;
        tt_evb_u64(b, TT_P_EXE_INO, st->st_ino);
        tt_evb_u64(b, TT_P_EXE_CTIME,
                   (uint64_t)st->st_ctim.tv_sec * 1000000000ull + (uint64_t)st->st_ctim.tv_nsec);
        tt_evb_u64(b, TT_P_EXE_MTIME,
                   (uint64_t)st->st_mtim.tv_sec * 1000000000ull + (uint64_t)st->st_mtim.tv_nsec);
        x->overlay = on_overlayfs(path);
    }
}

void tr_proc_add_env(struct tt_evb *b, pid_t pid)
{
    static char buf[32768];
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/environ", (int)pid);
    ssize_t n = tr_proc_read(path, buf, sizeof buf);
    if (n > 0)
        tt_evb_bytes(b, TT_P_ENV, TT_PK_STRLIST, buf, (size_t)n);
}

void tr_proc_add_desc(struct tt_evb *b, pid_t pid, pid_t tid, long ptid, int with_env)
{
    static struct tr_exe_info exe;
    tr_proc_add_exe(b, pid, &exe);
    tr_proc_add_rest(b, pid, tid, ptid, &exe);
    if (with_env)
        tr_proc_add_env(b, pid);
}

static pid_t init_pid;

void tr_proc_set_init(pid_t pid)
{
    init_pid = pid;
}

/* A process group or session id: the main process's pid reads 1 where it stands for PID 1. */
static long long as_init(long long id)
{
    return init_pid && id == init_pid ? 1 : id;
}

void tr_proc_add_rest(struct tt_evb *b, pid_t pid, pid_t tid, long ptid,
                      const struct tr_exe_info *exe)
{
    struct exe_creds cr = {0};
    char path[64];
    static char buf[32768];

    snprintf(path, sizeof path, "/proc/%d/cwd", (int)pid);
    add_link(b, TT_P_CWD, path, 1);

    ssize_t n;
    thread_file(path, sizeof path, pid, tid, "status");
    if (tr_proc_read(path, buf, sizeof buf) > 0) {
        const char *f;
        add_comm_from_status(b, buf);
        if (ptid < 0 && (f = status_field(buf, "PPid")))
            ptid = strtol(f, NULL, 10);
        tt_evb_i64(b, TT_P_PTID, ptid < 0 ? 0 : ptid);
        unsigned long long r = 0, e = 0, s = 0;
        unsigned long long fs = 0;
        if ((f = status_field(buf, "Uid")) &&
            sscanf(f, "%llu %llu %llu %llu", &r, &e, &s, &fs) >= 3) {
            tt_evb_u64(b, TT_P_P_UID, r);
            tt_evb_u64(b, TT_P_P_EUID, e);
            tt_evb_u64(b, TT_P_P_SUID, s);
            cr.fsuid = fs;
            cr.known = 1;
        }
        if ((f = status_field(buf, "Gid")) &&
            sscanf(f, "%llu %llu %llu %llu", &r, &e, &s, &fs) >= 3) {
            tt_evb_u64(b, TT_P_P_GID, r);
            tt_evb_u64(b, TT_P_P_EGID, e);
            tt_evb_u64(b, TT_P_P_SGID, s);
            cr.fsgid = fs;
        }
        if ((f = status_field(buf, "Groups"))) {
            char *end;
            while (cr.ngroups < 64) {
                unsigned long long g = strtoull(f, &end, 10);
                if (end == f)
                    break;
                cr.groups[cr.ngroups++] = g;
                f = end;
            }
        }
        if ((f = status_field(buf, "CapInh")))
            tt_evb_u64(b, TT_P_CAP_INH, strtoull(f, NULL, 16));
        if ((f = status_field(buf, "CapPrm")))
            tt_evb_u64(b, TT_P_CAP_PRM, strtoull(f, NULL, 16));
        if ((f = status_field(buf, "CapEff"))) {
            cr.cap_eff = strtoull(f, NULL, 16);
            tt_evb_u64(b, TT_P_CAP_EFF, cr.cap_eff);
        }
        if ((f = status_field(buf, "NSpid")))
            tt_evb_i64(b, TT_P_VTID, pid == init_pid && tid == pid ? 1 : last_num(f));
        if ((f = status_field(buf, "NStgid")))
            tt_evb_i64(b, TT_P_VPID, pid == init_pid ? 1 : last_num(f));
    } else {
        tt_evb_i64(b, TT_P_PTID, ptid < 0 ? 0 : ptid);
    }

    snprintf(path, sizeof path, "/proc/%d/loginuid", (int)pid);
    if (tr_proc_read(path, buf, 32) > 0)
        tt_evb_i64(b, TT_P_LOGINUID, (int64_t)(int32_t)strtoul(buf, NULL, 10));

    thread_file(path, sizeof path, pid, tid, "stat");
    if (tr_proc_read(path, buf, 2048) > 0) {
        const char *p = strrchr(buf, ')');
        /* fields after comm: 3 state 4 ppid 5 pgrp 6 session 7 tty_nr ... 22 starttime */
        long long fld[24] = {0};
        if (p && p[1] == ' ' && p[2] && p[3] == ' ') {
            p += 4; /* ") S " -> field 4 (ppid) */
            for (int i = 4; *p && i <= 22; i++) {
                fld[i] = strtoll(p, (char **)&p, 10);
                while (*p == ' ')
                    p++;
            }
            tt_evb_u64(b, TT_P_TTY, (uint64_t)fld[7]);
            tt_evb_i64(b, TT_P_P_SID, as_init(fld[6]));
            tt_evb_i64(b, TT_P_P_PGID, as_init(fld[5]));
            static long hz;
            if (!hz)
                hz = sysconf(_SC_CLK_TCK);
            if (hz > 0)
                tt_evb_u64(b, TT_P_CLONE_TS,
                           tr_boot_realtime_ns() +
                               (unsigned long long)fld[22] * (1000000000ull / (unsigned long)hz));
        }
    }

    int have_stat = exe->have_stat;
    const struct stat *st = &exe->st;
    uint64_t xflags = 0;
    if (have_stat && exe_writable(st, &cr))
        xflags |= TT_EXE_WRITABLE;
    if (strncmp(exe->path, "/memfd:", 7) == 0)
        xflags |= TT_EXE_FROM_MEMFD;
    /* Overlay layer, as Falco means it: only for an executable on overlayfs (a file on tmpfs
     * such as /dev/shm, or on a bind mount, is neither). Which layer holds the inode cannot be
     * read from user space: with all layers on one filesystem (Docker, containerd) overlayfs
     * reports the overlay's st_dev and the real inode number for upper and lower files alike,
     * and with layers on different filesystems it gives each layer an anonymous device. So:
     * an inode changed after the container started was written (or copied up) in it. */
    if (have_stat && !(xflags & TT_EXE_FROM_MEMFD) && exe->overlay) {
        unsigned long long ct = (unsigned long long)st->st_ctim.tv_sec * 1000000000ull +
                                (unsigned long long)st->st_ctim.tv_nsec;
        unsigned long long start = pidns_start();
        if (start && ct > start)
            xflags |= TT_EXE_UPPER_LAYER;
        else
            xflags |= TT_EXE_LOWER_LAYER;
    }
    tt_evb_u64(b, TT_P_EXE_FLAGS, xflags);

    snprintf(path, sizeof path, "/proc/%d/cgroup", (int)pid);
    n = tr_proc_read(path, buf, 8192);
    if (n > 0) {
        char cid[128];
        tt_cgroup_container_id(buf, (size_t)n, cid, sizeof cid);
        /* lines -> NUL separated */
        if (buf[n - 1] == '\n')
            buf[--n] = '\0';
        for (ssize_t i = 0; i < n; i++)
            if (buf[i] == '\n')
                buf[i] = '\0';
        tt_evb_bytes(b, TT_P_CGROUPS, TT_PK_STRLIST, buf, (size_t)n + 1);
        tt_evb_str(b, TT_P_CONTAINER_ID, cid);
    }

    unsigned long long pidns_ts = pidns_start();
    if (pidns_ts)
        tt_evb_u64(b, TT_P_PIDNS_INIT_TS, pidns_ts);

    struct rlimit rl;
    if (prlimit(pid, RLIMIT_NOFILE, NULL, &rl) == 0)
        tt_evb_u64(b, TT_P_FDLIMIT, rl.rlim_cur);
}

/* tracer: native syscall names (lib/tt_sysnames.c), the decode table (syscall -> event +
 * parameters) and the traced-set builder (default set, engine-provided list, -a). The table is
 * written with the kernel's __NR_ names; the syscalls only x86_64 has (open, creat, pipe, ...)
 * are under #ifdef __NR_<name>, so the aarch64 build gets the generic table's subset. */
#include "syscalls.h"

#include <ctype.h>
#include <string.h>
#include <sys/syscall.h>

#include "tt_sysnames.h"

_Static_assert(TR_MAX_NR <= TT_SYSNR_MAX, "the name tables cover every traced number");

const char *tr_sys_name(long nr)
{
    return tt_syscall_name(TR_AUDIT_ARCH, nr);
}

long tr_sys_by_name(const char *name)
{
    return tt_syscall_nr(TR_AUDIT_ARCH, name);
}

#define P(i, k, p)                                                                                 \
    {                                                                                              \
        i, AK_##k, TT_P_##p                                                                        \
    }
#define D CL_DEFAULT
#define NR_FCHMODAT2 452

static const struct tr_sysdesc table[TR_MAX_NR] = {
/* files */
#ifdef __NR_open
    [__NR_open] = {TT_EV_OPEN, D | CL_FD, 0, {P(0, PATH, NAME), P(1, U64, FLAGS), P(2, U32, MODE)}},
#endif
    [__NR_openat] = {TT_EV_OPENAT,
                     D | CL_FD,
                     0,
                     {P(0, INT, DIRFD), P(1, PATH, NAME), P(2, U64, FLAGS), P(3, U32, MODE)}},
    [__NR_openat2] = {TT_EV_OPENAT2, D | CL_FD, SP_OPENAT2, {P(0, INT, DIRFD), P(1, PATH, NAME)}},
#ifdef __NR_creat
    [__NR_creat] = {TT_EV_CREAT, D | CL_FD, SP_CREAT, {P(0, PATH, NAME), P(1, U32, MODE)}},
#endif
    [__NR_open_by_handle_at] = {TT_EV_OPEN_BY_HANDLE_AT,
                                D | CL_FD,
                                SP_OPEN_BY_HANDLE,
                                {P(0, INT, DIRFD), P(2, U64, FLAGS)}},
    [__NR_close] = {TT_EV_CLOSE, D | CL_FDSTATE | CL_ENTRY_ONLY, 0, {P(0, INT, FD)}},
    [__NR_dup] = {TT_EV_DUP, D | CL_FDSTATE, 0, {P(0, INT, OLDFD)}},
#ifdef __NR_dup2
    [__NR_dup2] = {TT_EV_DUP2, D | CL_FDSTATE, 0, {P(0, INT, OLDFD), P(1, INT, NEWFD)}},
#endif
    [__NR_dup3] = {TT_EV_DUP3,
                   D | CL_FDSTATE,
                   0,
                   {P(0, INT, OLDFD), P(1, INT, NEWFD), P(2, U64, FLAGS)}},
    [__NR_fcntl] = {TT_EV_FCNTL,
                    D | CL_FDSTATE,
                    0,
                    {P(0, INT, FD), P(1, INT, CMD), P(2, U64, ARG)}},
#ifdef __NR_pipe
    [__NR_pipe] = {TT_EV_PIPE, D | CL_FD, 0, {P(0, FDS_OUT, FD1)}},
#endif
    [__NR_pipe2] = {TT_EV_PIPE2, D | CL_FD, 0, {P(0, FDS_OUT, FD1), P(1, U64, FLAGS)}},
#ifdef __NR_unlink
    [__NR_unlink] = {TT_EV_UNLINK, D, 0, {P(0, PATH, PATH)}},
#endif
    [__NR_unlinkat] = {TT_EV_UNLINKAT,
                       D,
                       0,
                       {P(0, INT, DIRFD), P(1, PATH, NAME), P(2, U64, FLAGS)}},
#ifdef __NR_rename
    [__NR_rename] = {TT_EV_RENAME, D, 0, {P(0, PATH, OLDPATH), P(1, PATH, NEWPATH)}},
#endif
    [__NR_renameat] = {TT_EV_RENAMEAT,
                       D,
                       0,
                       {P(0, INT, OLDDIR), P(1, PATH, OLDPATH), P(2, INT, NEWDIR),
                        P(3, PATH, NEWPATH)}},
    [__NR_renameat2] = {TT_EV_RENAMEAT2,
                        D,
                        0,
                        {P(0, INT, OLDDIR), P(1, PATH, OLDPATH), P(2, INT, NEWDIR),
                         P(3, PATH, NEWPATH), P(4, U64, FLAGS)}},
#ifdef __NR_mkdir
    [__NR_mkdir] = {TT_EV_MKDIR, D, 0, {P(0, PATH, PATH), P(1, U32, MODE)}},
#endif
    [__NR_mkdirat] = {TT_EV_MKDIRAT, D, 0, {P(0, INT, DIRFD), P(1, PATH, PATH), P(2, U32, MODE)}},
#ifdef __NR_rmdir
    [__NR_rmdir] = {TT_EV_RMDIR, D, 0, {P(0, PATH, PATH)}},
#endif
#ifdef __NR_symlink
    [__NR_symlink] = {TT_EV_SYMLINK, D, 0, {P(0, PATH, TARGET), P(1, PATH, LINKPATH)}},
#endif
    [__NR_symlinkat] = {TT_EV_SYMLINKAT,
                        D,
                        0,
                        {P(0, PATH, TARGET), P(1, INT, LINKDIRFD), P(2, PATH, LINKPATH)}},
#ifdef __NR_link
    [__NR_link] = {TT_EV_LINK, D, 0, {P(0, PATH, OLDPATH), P(1, PATH, NEWPATH)}},
#endif
    [__NR_linkat] = {TT_EV_LINKAT,
                     D,
                     0,
                     {P(0, INT, OLDDIR), P(1, PATH, OLDPATH), P(2, INT, NEWDIR),
                      P(3, PATH, NEWPATH), P(4, U64, FLAGS)}},
#ifdef __NR_chmod
    [__NR_chmod] = {TT_EV_CHMOD, D, 0, {P(0, PATH, FILENAME), P(1, U32, MODE)}},
#endif
    [__NR_fchmod] = {TT_EV_FCHMOD, D, 0, {P(0, INT, FD), P(1, U32, MODE)}},
    [__NR_fchmodat] = {TT_EV_FCHMODAT,
                       D,
                       0,
                       {P(0, INT, DIRFD), P(1, PATH, FILENAME), P(2, U32, MODE)}},
    [NR_FCHMODAT2] = {TT_EV_FCHMODAT,
                      D,
                      0,
                      {P(0, INT, DIRFD), P(1, PATH, FILENAME), P(2, U32, MODE), P(3, U64, FLAGS)}},
    [__NR_mount] = {TT_EV_MOUNT,
                    D,
                    0,
                    {P(0, PATH, SOURCE), P(1, PATH, PATH), P(2, PATH, FSTYPE), P(3, U64, FLAGS)}},
    [__NR_umount2] = {TT_EV_UMOUNT2, D, 0, {P(0, PATH, NAME), P(1, U64, FLAGS)}},
    [__NR_memfd_create] = {TT_EV_MEMFD_CREATE, D | CL_FD, 0, {P(0, PATH, NAME), P(1, U64, FLAGS)}},
    [__NR_userfaultfd] = {TT_EV_USERFAULTFD, D | CL_FD, 0, {P(0, U64, FLAGS)}},
#ifdef __NR_eventfd
    [__NR_eventfd] = {TT_EV_EVENTFD, D | CL_FD, 0, {P(0, U64, ARG)}},
#endif
    [__NR_eventfd2] = {TT_EV_EVENTFD2, D | CL_FD, 0, {P(0, U64, ARG), P(1, U64, FLAGS)}},
#ifdef __NR_signalfd
    [__NR_signalfd] = {TT_EV_SIGNALFD, D | CL_FD, 0, {P(0, INT, FD)}},
#endif
    [__NR_signalfd4] = {TT_EV_SIGNALFD4, D | CL_FD, 0, {P(0, INT, FD), P(3, U64, FLAGS)}},
    [__NR_timerfd_create] = {TT_EV_TIMERFD_CREATE,
                             D | CL_FD,
                             0,
                             {P(0, INT, ARG), P(1, U64, FLAGS)}},
#ifdef __NR_inotify_init
    [__NR_inotify_init] = {TT_EV_INOTIFY_INIT, D | CL_FD, 0, {{0, 0, 0}}},
#endif
    [__NR_inotify_init1] = {TT_EV_INOTIFY_INIT1, D | CL_FD, 0, {P(0, U64, FLAGS)}},
#ifdef __NR_epoll_create
    [__NR_epoll_create] = {TT_EV_EPOLL_CREATE, D | CL_FD, 0, {P(0, U64, SIZE)}},
#endif
    [__NR_epoll_create1] = {TT_EV_EPOLL_CREATE1, D | CL_FD, 0, {P(0, U64, FLAGS)}},
    [__NR_io_uring_setup] = {TT_EV_IO_URING_SETUP, D | CL_FD, 0, {P(0, U32, SIZE)}},
    [__NR_pidfd_open] = {TT_EV_PIDFD_OPEN, D | CL_FD, 0, {P(0, INT, PID), P(1, U64, FLAGS)}},
    [__NR_pidfd_getfd] = {TT_EV_PIDFD_GETFD,
                          D | CL_FD,
                          0,
                          {P(0, INT, FD), P(1, INT, OLDFD), P(2, U64, FLAGS)}},
    [__NR_bpf] = {TT_EV_BPF, D | CL_FD, 0, {P(0, INT, CMD)}},
    /* network */
    [__NR_socket] = {TT_EV_SOCKET,
                     D | CL_FD | CL_NET | CL_ENTRY_ONLY,
                     0,
                     {P(0, INT, DOMAIN), P(1, INT, TYPE), P(2, INT, PROTO)}},
    [__NR_socketpair] = {TT_EV_SOCKETPAIR,
                         D | CL_FD | CL_NET,
                         0,
                         {P(0, INT, DOMAIN), P(1, INT, TYPE), P(2, INT, PROTO),
                          P(3, FDS_OUT, FD1)}},
    [__NR_connect] = {TT_EV_CONNECT, D | CL_NET, SP_CONNECT, {P(0, INT, FD), P(1, SOCKADDR, ADDR)}},
    [__NR_accept] = {TT_EV_ACCEPT,
                     D | CL_FD | CL_NET,
                     SP_ACCEPT,
                     {P(0, INT, FD), P(1, SOCKADDR_OUT, ADDR)}},
    [__NR_accept4] = {TT_EV_ACCEPT4,
                      D | CL_FD | CL_NET,
                      SP_ACCEPT,
                      {P(0, INT, FD), P(1, SOCKADDR_OUT, ADDR), P(3, U64, FLAGS)}},
    [__NR_bind] = {TT_EV_BIND, D | CL_NET, 0, {P(0, INT, FD), P(1, SOCKADDR, ADDR)}},
    [__NR_listen] = {TT_EV_LISTEN, D | CL_NET, 0, {P(0, INT, FD), P(1, INT, BACKLOG)}},
    [__NR_sendto] = {TT_EV_SENDTO,
                     D | CL_NET,
                     0,
                     {P(0, INT, FD), P(1, DATA, DATA), P(2, U64, SIZE), P(4, SOCKADDR, ADDR)}},
    [__NR_sendmsg] = {TT_EV_SENDMSG, D | CL_NET, SP_SENDMSG, {P(0, INT, FD)}},
    [__NR_recvfrom] = {TT_EV_RECVFROM,
                       CL_NET,
                       0,
                       {P(0, INT, FD), P(1, DATA_OUT, DATA), P(2, U64, SIZE),
                        P(4, SOCKADDR_OUT, ADDR)}},
    [__NR_recvmsg] = {TT_EV_RECVMSG, CL_NET, SP_RECVMSG, {P(0, INT, FD)}},
    [__NR_getsockopt] = {TT_EV_GETSOCKOPT,
                         D | CL_NET,
                         SP_GETSOCKOPT,
                         {P(0, INT, FD), P(1, INT, LEVEL), P(2, INT, OPTNAME)}},
    [__NR_shutdown] = {TT_EV_SHUTDOWN, D | CL_NET, 0, {P(0, INT, FD), P(1, INT, HOW)}},
    /* process state */
    [__NR_execve] = {TT_EV_EXECVE, D | CL_STATE, SP_EXECVE, {P(0, PATH, FILENAME)}},
    [__NR_execveat] = {TT_EV_EXECVEAT,
                       D | CL_STATE,
                       SP_EXECVEAT,
                       {P(0, INT, DIRFD), P(1, PATH, FILENAME), P(4, U64, FLAGS)}},
    [__NR_chdir] = {TT_EV_CHDIR, D | CL_STATE, 0, {P(0, PATH, PATH)}},
    [__NR_fchdir] = {TT_EV_FCHDIR, D | CL_STATE, 0, {P(0, INT, FD)}},
    [__NR_chroot] = {TT_EV_CHROOT, D | CL_STATE, 0, {P(0, PATH, PATH)}},
    [__NR_setuid] = {TT_EV_SETUID, D | CL_STATE, 0, {P(0, U32, UID)}},
    [__NR_setgid] = {TT_EV_SETGID, D | CL_STATE, 0, {P(0, U32, GID)}},
    [__NR_setresuid] = {TT_EV_SETRESUID,
                        D | CL_STATE,
                        0,
                        {P(0, U32, RUID), P(1, U32, EUID), P(2, U32, SUID)}},
    [__NR_setresgid] = {TT_EV_SETRESGID,
                        D | CL_STATE,
                        0,
                        {P(0, U32, RGID), P(1, U32, EGID), P(2, U32, SGID)}},
    [__NR_setreuid] = {TT_EV_SETREUID, D | CL_STATE, 0, {P(0, U32, RUID), P(1, U32, EUID)}},
    [__NR_setregid] = {TT_EV_SETREGID, D | CL_STATE, 0, {P(0, U32, RGID), P(1, U32, EGID)}},
    [__NR_setsid] = {TT_EV_SETSID, D | CL_STATE, 0, {{0, 0, 0}}},
    [__NR_setpgid] = {TT_EV_SETPGID, D | CL_STATE, 0, {P(0, INT, PID), P(1, INT, PGID)}},
    [__NR_capset] = {TT_EV_CAPSET, D | CL_STATE, SP_CAPSET, {{0, 0, 0}}},
    [__NR_prctl] = {TT_EV_PRCTL, D | CL_STATE, SP_PRCTL, {P(0, INT, CMD), P(1, U64, ARG)}},
    [__NR_setns] = {TT_EV_SETNS, D, 0, {P(0, INT, FD), P(1, INT, NSTYPE)}},
    [__NR_unshare] = {TT_EV_UNSHARE, D, 0, {P(0, U64, FLAGS)}},
    /* security-relevant */
    [__NR_ptrace] = {TT_EV_PTRACE, D, 0, {P(0, INT, REQUEST), P(1, INT, PID)}},
    [__NR_init_module] = {TT_EV_INIT_MODULE, D, 0, {P(1, U64, LENGTH), P(2, PATH, UARGS)}},
    [__NR_finit_module] = {TT_EV_FINIT_MODULE,
                           D,
                           0,
                           {P(0, INT, FD), P(1, PATH, UARGS), P(2, U64, FLAGS)}},
    [__NR_kill] = {TT_EV_KILL, D, 0, {P(0, INT, PID), P(1, INT, SIG)}},
    [__NR_tkill] = {TT_EV_TKILL, D, 0, {P(0, INT, TID), P(1, INT, SIG)}},
    [__NR_tgkill] = {TT_EV_TGKILL, D, 0, {P(0, INT, PID), P(1, INT, TID), P(2, INT, SIG)}},
};

const struct tr_sysdesc *tr_sys_desc(long nr)
{
    if (nr < 0 || nr >= TR_MAX_NR || table[nr].ev == TT_EV_NONE)
        return NULL;
    return &table[nr];
}

int tr_is_clone_nr(long nr)
{
    return nr == __NR_clone || nr == __NR_clone3 || nr == TR_NR_FORK || nr == TR_NR_VFORK;
}

unsigned tr_sys_event(long nr)
{
    const struct tr_sysdesc *d = tr_sys_desc(nr);
    return d ? d->ev : TT_EV_NONE;
}

/* Names that are events handled without a seccomp stop (ptrace events) or not syscalls. */
static int is_ptrace_event_name(const char *w)
{
    /* "syscall" (generic events) and the synthetic events need no syscall stop either. */
    static const char *const names[] = {
        "clone",  "clone3",  "fork", "vfork",  "exit",       "exit_group", "procexit", "procinfo",
        "fdinfo", "syscall", "drop", "tamper", "tracerinfo", "prctl_name", NULL};
    for (int i = 0; names[i]; i++)
        if (strcmp(w, names[i]) == 0)
            return 1;
    return 0;
}

/* Adds every syscall that produces event type ev; returns how many. */
static int add_event(struct tr_sysset *s, unsigned ev)
{
    int n = 0;
    for (long nr = 0; nr < TR_MAX_NR; nr++)
        if (table[nr].ev != TT_EV_NONE && table[nr].ev == ev) {
            tr_sysset_add(s, nr);
            n++;
        }
    return n;
}

int tr_socket_domain_entry(const char *word)
{
    static const char prefix[] = "socket.domain=";
    if (strncmp(word, prefix, sizeof prefix - 1) != 0)
        return -1;
    const char *p = word + sizeof prefix - 1;
    int d = 0;
    if (!*p)
        return -1;
    for (; *p; p++) {
        if (!isdigit((unsigned char)*p) || d > 62)
            return -1;
        d = d * 10 + (*p - '0');
    }
    return d <= 62 ? d : -1;
}

int tr_sysset_build(struct tr_sysset *s, const char *list, int all, char *bad, size_t badlen)
{
    memset(s, 0, sizeof *s);
    if (all) {
        memset(s->bits, 0xff, sizeof s->bits);
        return 0;
    }
    unsigned cls = 0;
    int any_socket = 0; /* socket named without a domain restriction */
    uint8_t entry[TR_MAX_NR / 8] = {0}, full[TR_MAX_NR / 8] = {0};
    if (!list) {
        for (long nr = 0; nr < TR_MAX_NR; nr++)
            if (table[nr].cls & CL_DEFAULT) {
                tr_sysset_add(s, nr);
                cls |= table[nr].cls;
            }
    } else {
        const char *p = list;
        while (*p) {
            while (*p == ',' || isspace((unsigned char)*p))
                p++;
            size_t n = 0;
            while (p[n] && p[n] != ',' && !isspace((unsigned char)p[n]))
                n++;
            if (!n)
                break;
            char w[64];
            if (n >= sizeof w) {
                snprintf(bad, badlen, "%.*s", (int)n, p);
                return -1;
            }
            memcpy(w, p, n);
            w[n] = '\0';
            p += n;
            if (strcmp(w, "proc.env") == 0) {
                s->with_env = 1;
                continue;
            }
            if (strcmp(w, "recvfrom.all") == 0) {
                s->recvfrom_all = 1;
                tr_sysset_add(s, __NR_recvfrom);
                continue;
            }
            int dom = tr_socket_domain_entry(w);
            if (dom >= 0) {
                tr_sysset_add(s, __NR_socket);
                s->socket_domains |= 1ull << dom;
                continue;
            }
            /* `NAME.entry`: the rules read only the arguments of NAME; `execve.success`: no
             * rule needs a failed exec (the engine writes both beside the plain name, which an
             * older tracer traces whole; marked below, once the set is complete) */
            int entry_only = 0, success_only = 0;
            size_t wl = strlen(w);
            if (wl > 6 && strcmp(w + wl - 6, ".entry") == 0) {
                w[wl - 6] = '\0';
                entry_only = 1;
            } else if (wl > 8 && strcmp(w + wl - 8, ".success") == 0) {
                w[wl - 8] = '\0';
                success_only = 1; /* (execve, execveat: see below; others: as plain) */
            }
            unsigned ev = tt_event_type_by_name(w);
            long nr = tr_sys_by_name(w);
            struct tr_sysset before = *s;
            if (nr == __NR_socket || ev == TT_EV_SOCKET)
                any_socket = 1;
            if (is_ptrace_event_name(w)) {
                /* Process creation is reported from ptrace events. Naming it also traps the
                 * syscall (one more stop per clone), so that a failed clone/fork, which has no
                 * ptrace event, is reported too. */
                if (nr >= 0 && tr_is_clone_nr(nr))
                    tr_sysset_add(s, nr);
                continue;
            }
            if (ev != TT_EV_NONE && add_event(s, ev) > 0) {
                /* event name */
            } else if (nr >= 0) {
                tr_sysset_add(s, nr);
            } else if (ev != TT_EV_NONE || tt_syscall_nr(TT_ARCH_X86_64, w) >= 0 ||
                       tt_syscall_nr(TT_ARCH_AARCH64, w) >= 0) {
                /* a syscall this architecture does not have (aarch64: open, creat, fork, ...):
                 * rules written for any architecture load, the name traces nothing here */
            } else {
                snprintf(bad, badlen, "%.*s", (int)n, p - n); /* the word as written */
                return -1;
            }
            for (long k = 0; k < TR_MAX_NR; k++) {
                int named = tr_sysset_has(s, k) && !tr_sysset_has(&before, k);
                if (!named && nr >= 0 && k == nr)
                    named = 1; /* (named again, or by its qualifier) */
                if (!named && ev != TT_EV_NONE && table[k].ev == ev)
                    named = 1;
                if (!named)
                    continue;
                int exec = k == __NR_execve || k == __NR_execveat;
                if (entry_only || (success_only && exec))
                    entry[k >> 3] |= (uint8_t)(1u << (k & 7));
                else
                    full[k >> 3] |= (uint8_t)(1u << (k & 7));
            }
        }
        for (long nr = 0; nr < TR_MAX_NR; nr++)
            if (tr_sysset_has(s, nr))
                cls |= table[nr].cls;
    }
    /* A syscall the rules name has siblings that do the same under another number (openat2
     * for openat, sendmsg for sendto...): a workload would use the one not traced. */
    static const char *const families[][6] = {
        {"open", "openat", "openat2", "creat", NULL}, /* (open_by_handle_at: harden) */
        {"symlink", "symlinkat", NULL},
        {"link", "linkat", NULL},
        {"unlink", "unlinkat", NULL},
        {"rename", "renameat", "renameat2", NULL},
        {"mkdir", "mkdirat", NULL},
        {"chmod", "fchmod", "fchmodat", "fchmodat2", NULL},
        {"init_module", "finit_module", NULL},
        {"kill", "tkill", "tgkill", NULL},
        {"accept", "accept4", NULL},
        {"sendto", "sendmsg", NULL},
        {"recvfrom", "recvmsg", NULL},
        {"dup", "dup2", "dup3", NULL},
        {"pipe", "pipe2", NULL},
        {"eventfd", "eventfd2", NULL},
        {"signalfd", "signalfd4", NULL},
        {"inotify_init", "inotify_init1", NULL},
        {"epoll_create", "epoll_create1", NULL},
    };
    /* (by name: a member the architecture lacks, as aarch64 lacks open, is -1 and skipped) */
    for (size_t f = 0; f < sizeof families / sizeof families[0]; f++) {
        int any = 0;
        for (int i = 0; families[f][i]; i++)
            any |= tr_sysset_has(s, tr_sys_by_name(families[f][i]));
        for (int i = 0; any && families[f][i]; i++)
            tr_sysset_add(s, tr_sys_by_name(families[f][i]));
    }
    /* State tracking the engine needs whatever the rules use. */
    for (long nr = 0; nr < TR_MAX_NR; nr++) {
        unsigned c = table[nr].cls;
        if ((c & CL_STATE) || ((cls & (CL_FD | CL_NET)) && (c & CL_FDSTATE)))
            tr_sysset_add(s, nr);
    }
    /* (socket itself is not needed for state: connect, bind, accept and addressed sends carry
     * the socket's kind) */
    if (cls & CL_NET)
        tr_sysset_add(s, __NR_getsockopt);
    if (any_socket)
        s->socket_domains = 0;
    if (tr_sysset_has(s, __NR_accept) || tr_sysset_has(s, __NR_accept4) ||
        tr_sysset_has(s, __NR_listen))
        tr_sysset_add(s, __NR_bind);
        /* `execve.success`, or a list that does not name execve at all, needs no failed exec:
         * successful ones come from the exec itself (PTRACE_EVENT_EXEC), with the arguments the
         * kernel copied. */
#define BIT(m, k) (((m)[(k) >> 3] >> ((k)&7)) & 1)
    if (list) {
        s->execve_event_only = BIT(entry, __NR_execve) || !BIT(full, __NR_execve);
        s->execveat_event_only = BIT(entry, __NR_execveat) || !BIT(full, __NR_execveat);
        entry[__NR_execve >> 3] &= (uint8_t) ~(1u << (__NR_execve & 7));
        entry[__NR_execveat >> 3] &= (uint8_t) ~(1u << (__NR_execveat & 7));
    }
    /* Entry-only where the list said `NAME.entry`: never
     * for state the engine keeps from results (process, fd table), nor for process creation. */
    for (long nr = 0; nr < TR_MAX_NR; nr++) {
        unsigned c = table[nr].cls;
        if (BIT(entry, nr) && table[nr].ev != TT_EV_NONE && !(c & (CL_STATE | CL_FDSTATE)) &&
            !tr_is_clone_nr(nr))
            s->entry[nr >> 3] |= (uint8_t)(1u << (nr & 7));
    }
#undef BIT
    return 0;
}

void tr_sysset_harden(struct tr_sysset *s, const struct tr_opts *o)
{
    if (tr_def_on(o, TR_DEF_OPEN_BY_HANDLE))
        tr_sysset_add(s, __NR_open_by_handle_at);
    /* Every open, whatever the rules need: a monitor's /proc/PID/mem (or its oom_score_adj) is
     * refused at the open's exit stop (policy.c). The kernel refuses a non-dumpable monitor's
     * mem by itself, but not to a workload with CAP_SYS_PTRACE, nor while a monitor is
     * dumpable: between its exec and its first prctl (a logshipper spawned or an engine
     * restarted while the workload runs). */
    if (tr_def_on(o, TR_DEF_MONITORS)) {
        static const char *const opens[] = {"open", "openat", "openat2", "creat"};
        for (size_t i = 0; i < sizeof opens / sizeof opens[0]; i++)
            tr_sysset_add(s, tr_sys_by_name(opens[i])); /* (-1, none on aarch64: skipped) */
    }
}

/* Event parameters rendered as Falco prints them: PPM open flags in name-table order, enum
 * names (socket families, ptrace requests), errno names, fds as "<f>/path", relative paths
 * made absolute, and the evt.args line. */
#include "evt_args.h"

#include "state_priv.h"
#include "tt_strbuf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

struct name_value {
    const char *name;
    uint64_t value;
};

/* Falco's file_flags table order: rendering walks it and consumes matched bits. */
static const struct name_value file_flags[] = {
    {"O_LARGEFILE", PPM_O_LARGEFILE},
    {"O_DIRECTORY", PPM_O_DIRECTORY},
    {"O_DIRECT", PPM_O_DIRECT},
    {"O_TRUNC", PPM_O_TRUNC},
    {"O_SYNC", PPM_O_SYNC},
    {"O_NONBLOCK", PPM_O_NONBLOCK},
    {"O_EXCL", PPM_O_EXCL},
    {"O_DSYNC", PPM_O_DSYNC},
    {"O_APPEND", PPM_O_APPEND},
    {"O_CREAT", PPM_O_CREAT},
    {"O_RDWR", PPM_O_RDWR},
    {"O_WRONLY", PPM_O_WRONLY},
    {"O_RDONLY", PPM_O_RDONLY},
    {"O_CLOEXEC", PPM_O_CLOEXEC},
    {"O_NONE", PPM_O_NONE},
    {"O_TMPFILE", PPM_O_TMPFILE},
    {"O_F_CREATED", PPM_O_F_CREATED},
    {"O_FD_UPPER_LAYER", PPM_O_FD_UPPER_LAYER},
    {"O_FD_LOWER_LAYER", PPM_O_FD_LOWER_LAYER},
    {NULL, 0},
};

static const struct name_value exe_flags[] = {
    {"EXE_WRITABLE", TT_EXE_WRITABLE},
    {"EXE_UPPER_LAYER", TT_EXE_UPPER_LAYER},
    {"EXE_FROM_MEMFD", TT_EXE_FROM_MEMFD},
    {"EXE_LOWER_LAYER", TT_EXE_LOWER_LAYER},
    {NULL, 0},
};

static const struct name_value clone_flags[] = {
    {"CLONE_FILES", CLONE_FILES},
    {"CLONE_FS", CLONE_FS},
    {"CLONE_IO", CLONE_IO},
    {"CLONE_NEWIPC", CLONE_NEWIPC},
    {"CLONE_NEWNET", CLONE_NEWNET},
    {"CLONE_NEWNS", CLONE_NEWNS},
    {"CLONE_NEWPID", CLONE_NEWPID},
    {"CLONE_NEWUTS", CLONE_NEWUTS},
    {"CLONE_PARENT", CLONE_PARENT},
    {"CLONE_PARENT_SETTID", CLONE_PARENT_SETTID},
    {"CLONE_PTRACE", CLONE_PTRACE},
    {"CLONE_SIGHAND", CLONE_SIGHAND},
    {"CLONE_SYSVSEM", CLONE_SYSVSEM},
    {"CLONE_THREAD", CLONE_THREAD},
    {"CLONE_UNTRACED", CLONE_UNTRACED},
    {"CLONE_VM", CLONE_VM},
    {"CLONE_NEWUSER", CLONE_NEWUSER},
    {"CLONE_CHILD_CLEARTID", CLONE_CHILD_CLEARTID},
    {"CLONE_CHILD_SETTID", CLONE_CHILD_SETTID},
    {"CLONE_SETTLS", CLONE_SETTLS},
    {"CLONE_VFORK", CLONE_VFORK},
    {"CLONE_NEWCGROUP", CLONE_NEWCGROUP},
    {NULL, 0},
};

/* chmod modes in libsinsp's table order (chmod_mode) */
static const struct name_value chmod_modes[] = {
    {"S_IXOTH", 01},   {"S_IWOTH", 02},    {"S_IROTH", 04},    {"S_IXGRP", 010},
    {"S_IWGRP", 020},  {"S_IRGRP", 040},   {"S_IXUSR", 0100},  {"S_IWUSR", 0200},
    {"S_IRUSR", 0400}, {"S_ISVTX", 01000}, {"S_ISGID", 02000}, {"S_ISUID", 04000},
    {NULL, 0},
};

static const struct name_value unlinkat_flag_names[] = {{"AT_REMOVEDIR", 0x200}, {NULL, 0}};
static const struct name_value renameat2_flag_names[] = {
    {"RENAME_NOREPLACE", 1}, {"RENAME_EXCHANGE", 2}, {"RENAME_WHITEOUT", 4}, {NULL, 0}};

/* bpf commands (libsinsp's bpf_commands: the kernel's numbering) */
static const struct name_value bpf_cmds[] = {
    {"BPF_MAP_CREATE", 0},
    {"BPF_MAP_LOOKUP_ELEM", 1},
    {"BPF_MAP_UPDATE_ELEM", 2},
    {"BPF_MAP_DELETE_ELEM", 3},
    {"BPF_MAP_GET_NEXT_KEY", 4},
    {"BPF_PROG_LOAD", 5},
    {"BPF_OBJ_PIN", 6},
    {"BPF_OBJ_GET", 7},
    {"BPF_PROG_ATTACH", 8},
    {"BPF_PROG_DETACH", 9},
    {"BPF_PROG_TEST_RUN", 10},
    {"BPF_PROG_GET_NEXT_ID", 11},
    {"BPF_MAP_GET_NEXT_ID", 12},
    {"BPF_PROG_GET_FD_BY_ID", 13},
    {"BPF_MAP_GET_FD_BY_ID", 14},
    {"BPF_OBJ_GET_INFO_BY_FD", 15},
    {"BPF_PROG_QUERY", 16},
    {"BPF_RAW_TRACEPOINT_OPEN", 17},
    {"BPF_BTF_LOAD", 18},
    {"BPF_BTF_GET_FD_BY_ID", 19},
    {"BPF_TASK_FD_QUERY", 20},
    {"BPF_MAP_LOOKUP_AND_DELETE_ELEM", 21},
    {"BPF_MAP_FREEZE", 22},
    {"BPF_BTF_GET_NEXT_ID", 23},
    {"BPF_MAP_LOOKUP_BATCH", 24},
    {"BPF_MAP_LOOKUP_AND_DELETE_BATCH", 25},
    {"BPF_MAP_UPDATE_BATCH", 26},
    {"BPF_MAP_DELETE_BATCH", 27},
    {"BPF_LINK_CREATE", 28},
    {"BPF_LINK_UPDATE", 29},
    {"BPF_LINK_GET_FD_BY_ID", 30},
    {"BPF_LINK_GET_NEXT_ID", 31},
    {"BPF_ENABLE_STATS", 32},
    {"BPF_ITER_CREATE", 33},
    {"BPF_LINK_DETACH", 34},
    {"BPF_PROG_BIND_MAP", 35},
    {NULL, 0},
};

static const struct name_value af_names[] = {
    {"AF_UNSPEC", 0},      {"AF_UNIX", 1},      {"AF_INET", 2},      {"AF_AX25", 3},
    {"AF_IPX", 4},         {"AF_APPLETALK", 5}, {"AF_NETROM", 6},    {"AF_BRIDGE", 7},
    {"AF_ATMPVC", 8},      {"AF_X25", 9},       {"AF_INET6", 10},    {"AF_ROSE", 11},
    {"AF_DECnet", 12},     {"AF_NETBEUI", 13},  {"AF_SECURITY", 14}, {"AF_KEY", 15},
    {"AF_NETLINK", 16},    {"AF_PACKET", 17},   {"AF_ASH", 18},      {"AF_ECONET", 19},
    {"AF_ATMSVC", 20},     {"AF_RDS", 21},      {"AF_SNA", 22},      {"AF_IRDA", 23},
    {"AF_PPPOX", 24},      {"AF_WANPIPE", 25},  {"AF_LLC", 26},      {"AF_IB", 27},
    {"AF_MPLS", 28},       {"AF_CAN", 29},      {"AF_TIPC", 30},     {"AF_BLUETOOTH", 31},
    {"AF_IUCV", 32},       {"AF_RXRPC", 33},    {"AF_ISDN", 34},     {"AF_PHONET", 35},
    {"AF_IEEE802154", 36}, {"AF_CAIF", 37},     {"AF_ALG", 38},      {"AF_NFC", 39},
    {"AF_VSOCK", 40},      {"AF_KCM", 41},      {"AF_QIPCRTR", 42},  {"AF_SMC", 43},
    {"AF_XDP", 44},        {NULL, 0},
};

static const struct name_value ptrace_names[] = {
    {"PTRACE_TRACEME", 0},
    {"PTRACE_PEEKTEXT", 1},
    {"PTRACE_PEEKDATA", 2},
    {"PTRACE_PEEKUSR", 3},
    {"PTRACE_POKETEXT", 4},
    {"PTRACE_POKEDATA", 5},
    {"PTRACE_POKEUSR", 6},
    {"PTRACE_CONT", 7},
    {"PTRACE_KILL", 8},
    {"PTRACE_SINGLESTEP", 9},
    {"PTRACE_GETREGS", 12},
    {"PTRACE_SETREGS", 13},
    {"PTRACE_GETFPREGS", 14},
    {"PTRACE_SETFPREGS", 15},
    {"PTRACE_ATTACH", 16},
    {"PTRACE_DETACH", 17},
    {"PTRACE_GETFPXREGS", 18},
    {"PTRACE_SETFPXREGS", 19},
    {"PTRACE_SYSCALL", 24},
    {"PTRACE_SINGLEBLOCK", 33},
    {"PTRACE_SYSEMU", 31},
    {"PTRACE_SYSEMU_SINGLESTEP", 32},
    {"PTRACE_SETOPTIONS", 0x4200},
    {"PTRACE_GETEVENTMSG", 0x4201},
    {"PTRACE_GETSIGINFO", 0x4202},
    {"PTRACE_SETSIGINFO", 0x4203},
    {"PTRACE_GETREGSET", 0x4204},
    {"PTRACE_SETREGSET", 0x4205},
    {"PTRACE_SEIZE", 0x4206},
    {"PTRACE_INTERRUPT", 0x4207},
    {"PTRACE_LISTEN", 0x4208},
    {"PTRACE_PEEKSIGINFO", 0x4209},
    {"PTRACE_GETSIGMASK", 0x420a},
    {"PTRACE_SETSIGMASK", 0x420b},
    {"PTRACE_SECCOMP_GET_FILTER", 0x420c},
    {NULL, 0},
};

static const char *const cap_names[] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};

/* Kernel ABI values glibc hides (O_LARGEFILE is 0 in 64-bit userspace headers). */
#define LNX_O_SYNC_ONLY 04000000u
#define LNX_O_TMPFILE_ONLY 020000000u
#if defined(__aarch64__)
#define LNX_O_LARGEFILE 0400000u
#else
#define LNX_O_LARGEFILE 0100000u
#endif

uint32_t evt_open_flags_to_ppm(uint64_t f)
{
    uint32_t r = 0;
    switch (f & O_ACCMODE) {
    case O_RDONLY:
        r |= PPM_O_RDONLY;
        break;
    case O_WRONLY:
        r |= PPM_O_WRONLY;
        break;
    case O_RDWR:
        r |= PPM_O_RDWR;
        break;
    default:
        break;
    }
    if (f & O_CREAT)
        r |= PPM_O_CREAT;
    if (f & O_APPEND)
        r |= PPM_O_APPEND;
    if (f & O_DSYNC)
        r |= PPM_O_DSYNC;
    if (f & O_EXCL)
        r |= PPM_O_EXCL;
    if (f & O_NONBLOCK)
        r |= PPM_O_NONBLOCK;
    if (f & LNX_O_SYNC_ONLY)
        r |= PPM_O_SYNC;
    if (f & O_TRUNC)
        r |= PPM_O_TRUNC;
    if (f & O_DIRECT)
        r |= PPM_O_DIRECT;
    if (f & O_DIRECTORY)
        r |= PPM_O_DIRECTORY;
    if (f & LNX_O_LARGEFILE)
        r |= PPM_O_LARGEFILE;
    if (f & O_CLOEXEC)
        r |= PPM_O_CLOEXEC;
    if (f & LNX_O_TMPFILE_ONLY)
        r |= PPM_O_TMPFILE;
    return r;
}

const char *evt_errno_name(int64_t err)
{
    if (err < -4095 || err > 4095 || err == 0) /* (before negating: INT64_MIN has no opposite) */
        return NULL;
    if (err < 0)
        err = -err;
    if (err == 512)
        return "ERESTARTSYS";
    if (err == 513)
        return "ERESTARTNOINTR";
    if (err == 514)
        return "ERESTARTNOHAND";
    if (err == 516)
        return "ERESTART_RESTARTBLOCK";
    return strerrorname_np((int)err);
}

int evt_res_text(int64_t ret, char *buf, size_t cap)
{
    if (ret >= 0)
        return snprintf(buf, cap, "SUCCESS");
    const char *n = evt_errno_name(ret);
    if (n)
        return snprintf(buf, cap, "%s", n);
    return snprintf(buf, cap, "E%" PRId64, -ret);
}

/* Flag names in table order joined by '|' (snprintf semantics: returns the full length). Hot:
 * evt.arg.flags of every open an enabled rule looks at, so no printf. */
static int flags_render(const struct name_value *t, uint64_t v, char *buf, size_t cap)
{
    uint64_t initial = v;
    size_t n = 0;
    for (; t->name; t++) {
        int hit = (t->value == 0 && initial == 0) ||
                  (t->value != 0 && (v & t->value) == t->value && v != 0);
        if (!hit)
            continue;
        size_t l = strlen(t->name);
        if (n && n < cap)
            buf[n] = '|';
        n += n ? 1 : 0;
        if (n < cap)
            memcpy(buf + n, t->name, n + l < cap ? l : cap - n);
        n += l;
        v &= ~t->value;
    }
    if (cap)
        buf[n < cap ? n : cap - 1] = '\0';
    return (int)n;
}

int evt_flags_text(const char *which, uint64_t v, char *buf, size_t cap)
{
    if (strcmp(which, "open") == 0)
        return flags_render(file_flags, v, buf, cap);
    if (strcmp(which, "exe") == 0)
        return flags_render(exe_flags, v, buf, cap);
    if (strcmp(which, "clone") == 0)
        return flags_render(clone_flags, v, buf, cap);
    return -1;
}

static const char *enum_name(const struct name_value *t, int64_t v)
{
    for (; t->name; t++)
        if ((int64_t)t->value == v)
            return t->name;
    return NULL;
}

const char *evt_af_name(int64_t af)
{
    return enum_name(af_names, af);
}

static const char *evt_ptrace_name(int64_t req)
{
    return enum_name(ptrace_names, req);
}

int evt_caps_text(uint64_t caps, char *buf, size_t cap)
{
    size_t n = 0;
    if (cap)
        buf[0] = '\0';
    for (size_t i = 0; i < sizeof cap_names / sizeof cap_names[0]; i++) {
        if (!(caps & (1ull << i)))
            continue;
        int w = snprintf(buf + (n < cap ? n : cap), n < cap ? cap - n : 0, "%s%s", n ? " " : "",
                         cap_names[i]);
        if (w > 0)
            n += (size_t)w;
    }
    return (int)n;
}

/* ---- fd rendering: "<f>/etc/passwd", "<4t>1.2.3.4:5->6.7.8.9:10" ---- */

static char typechar(uint8_t type)
{
    static const char tc[] = {
        [TT_FD_UNKNOWN] = 'o',   [TT_FD_FILE] = 'f',    [TT_FD_DIRECTORY] = 'd',
        [TT_FD_IPV4] = '4',      [TT_FD_IPV6] = '6',    [TT_FD_UNIX] = 'u',
        [TT_FD_PIPE] = 'p',      [TT_FD_EVENT] = 'e',   [TT_FD_SIGNALFD] = 's',
        [TT_FD_EVENTPOLL] = 'l', [TT_FD_INOTIFY] = 'i', [TT_FD_TIMERFD] = 't',
        [TT_FD_NETLINK] = 'n',   [TT_FD_BPF] = 'b',     [TT_FD_USERFAULTFD] = 'u',
        [TT_FD_IO_URING] = 'r',  [TT_FD_MEMFD] = 'm',   [TT_FD_PIDFD] = 'P',
    };
    return type < sizeof tc && tc[type] ? tc[type] : 'o';
}

static int fd_text(struct eval_ctx *ctx, int64_t fd, char *buf, size_t cap)
{
    if (fd == AT_FDCWD || fd == (int64_t)(uint32_t)AT_FDCWD)
        return snprintf(buf, cap, "AT_FDCWD");
    if (fd < 0) {
        const char *e = evt_errno_name(fd);
        return e ? snprintf(buf, cap, "%s", e) : -1;
    }
    struct st_fd *f = ctx->proc ? state_fd(ctx->proc, fd) : NULL;
    if (!f && ctx->fd && ctx->fdnum == fd)
        f = ctx->fd;
    if (!f)
        return -1;
    const char *l4 = "";
    if (f->type == TT_FD_IPV4 || f->type == TT_FD_IPV6) {
        static const char *const l4c[] = {"", "t", "u", "i", "r"};
        l4 = f->sock.l4proto < 5 ? l4c[f->sock.l4proto] : "";
    }
    return snprintf(buf, cap, "<%c%s>%s", typechar(f->type), l4, f->name ? f->name->s : "");
}

int evt_has_fd(unsigned type)
{
    return (tt_event_flags(type) & (TT_EVF_FD_CREATE | TT_EVF_FD_USE | TT_EVF_FD_DESTROY)) != 0;
}

/* The call returns the fd it creates (pipe and socketpair return 0 and write two fds). */
static int ret_is_fd(unsigned type)
{
    return (tt_event_flags(type) & TT_EVF_RET_FD) != 0;
}

const char *evt_ret_name(unsigned evtype)
{
    return ret_is_fd(evtype) ? "fd" : "res";
}

int evt_ret_text(struct eval_ctx *ctx, const char **name_out, char *buf, size_t cap)
{
    int64_t r = ctx->ev->ret;
    *name_out = evt_ret_name(ctx->evtype);
    if (r == TT_RET_NONE) /* reported at entry: no result to render, the field is missing */
        return -1;
    if (ret_is_fd(ctx->evtype)) {
        *name_out = "fd";
        int n = fd_text(ctx, r, buf, cap);
        return n >= 0 ? n : snprintf(buf, cap, "%" PRId64, r);
    }
    *name_out = "res";
    const char *e = r < 0 ? evt_errno_name(r) : NULL;
    return e ? snprintf(buf, cap, "%s", e) : snprintf(buf, cap, "%" PRId64, r);
}

static unsigned dirfd_param_for(unsigned evtype, unsigned pid)
{
    switch (pid) {
    case TT_P_NAME:
    case TT_P_PATH:
        if (evtype == TT_EV_OPENAT || evtype == TT_EV_OPENAT2 || evtype == TT_EV_UNLINKAT ||
            evtype == TT_EV_MKDIRAT || evtype == TT_EV_FCHMODAT || evtype == TT_EV_EXECVEAT)
            return TT_P_DIRFD;
        return 0;
    case TT_P_LINKPATH:
        return evtype == TT_EV_SYMLINKAT ? TT_P_LINKDIRFD : 0;
    case TT_P_OLDPATH:
        return (evtype == TT_EV_LINKAT || evtype == TT_EV_RENAMEAT || evtype == TT_EV_RENAMEAT2)
                   ? TT_P_OLDDIR
                   : 0;
    case TT_P_NEWPATH:
        return (evtype == TT_EV_LINKAT || evtype == TT_EV_RENAMEAT || evtype == TT_EV_RENAMEAT2)
                   ? TT_P_NEWDIR
                   : 0;
    default:
        return 0;
    }
}

static int is_path_param(unsigned evtype, unsigned id)
{
    switch (id) {
    case TT_P_LINKPATH:
    case TT_P_OLDPATH:
    case TT_P_NEWPATH:
    case TT_P_PATH:
        return 1;
    case TT_P_NAME:
        return evtype != TT_EV_MEMFD_CREATE && evtype != TT_EV_PRCTL && evtype != TT_EV_PRCTL_NAME;
    case TT_P_FILENAME:
        return 1;
    default:
        return 0;
    }
}

static int sockaddr_text(const struct tt_param_view *v, char *buf, size_t cap)
{
    uint16_t fam;
    if (v->len < 2)
        return -1;
    memcpy(&fam, v->data, 2);
    char ip[INET6_ADDRSTRLEN];
    if (fam == AF_INET && v->len >= sizeof(struct sockaddr_in)) {
        struct sockaddr_in s;
        memcpy(&s, v->data, sizeof s);
        inet_ntop(AF_INET, &s.sin_addr, ip, sizeof ip);
        return snprintf(buf, cap, "%s:%u", ip, ntohs(s.sin_port));
    }
    if (fam == AF_INET6 && v->len >= sizeof(struct sockaddr_in6)) {
        struct sockaddr_in6 s;
        memcpy(&s, v->data, sizeof s);
        inet_ntop(AF_INET6, &s.sin6_addr, ip, sizeof ip);
        return snprintf(buf, cap, "%s:%u", ip, ntohs(s.sin6_port));
    }
    if (fam == AF_UNIX) {
        size_t n = v->len - 2;
        const char *p = (const char *)v->data + 2;
        size_t l = strnlen(p, n);
        if (l == 0 && n > 1)
            return snprintf(buf, cap, "@%.*s", (int)strnlen(p + 1, n - 1), p + 1);
        return snprintf(buf, cap, "%.*s", (int)l, p);
    }
    return snprintf(buf, cap, "family %u", fam);
}

static int bytes_text(const struct tt_param_view *v, char sep_for_nul, char *buf, size_t cap)
{
    size_t n = v->len;
    if (sep_for_nul && n > 0 && v->data[n - 1] == 0)
        n--;
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = v->data[i];
        char o = (c >= 32 && c < 127) ? (char)c : (c == 0 && sep_for_nul) ? sep_for_nul : '.';
        if (w + 1 < cap)
            buf[w] = o;
        w++;
    }
    if (cap)
        buf[w < cap ? w : cap - 1] = '\0';
    return (int)w;
}

static int is_open_type(unsigned et)
{
    return (tt_event_flags(et) & TT_EVF_FD_OPEN) != 0;
}

/* Falco keeps two renderings of a parameter: the raw value and a resolved form (flag names,
 * errno names, fd descriptions, absolute paths, user names). Either may be empty. */
static void param_texts(struct eval_ctx *ctx, const struct tt_param_view *v, char *raw,
                        size_t rawcap, char *res, size_t rescap)
{
    unsigned et = ctx->evtype;
    int64_t i = 0;
    uint64_t u = 0;
    raw[0] = res[0] = '\0';
    if (v->kind == TT_PK_I64 || v->kind == TT_PK_U64) {
        memcpy(&u, v->data, 8);
        i = (int64_t)u;
    }
    switch (v->id) {
    case TT_P_FD:
    case TT_P_DIRFD:
    case TT_P_OLDFD:
    case TT_P_NEWFD:
    case TT_P_LINKDIRFD:
    case TT_P_OLDDIR:
    case TT_P_NEWDIR:
    case TT_P_FD1:
    case TT_P_FD2:
        snprintf(raw, rawcap, "%" PRId64, i);
        if (fd_text(ctx, i, res, rescap) < 0)
            res[0] = '\0';
        return;
    case TT_P_FLAGS:
        if (is_open_type(et)) {
            uint32_t ppm = evt_open_flags_to_ppm(u);
            snprintf(raw, rawcap, "%" PRIu32, ppm);
            flags_render(file_flags, ppm, res, rescap);
        } else if (et == TT_EV_DUP3 || et == TT_EV_PIPE2 || et == TT_EV_INOTIFY_INIT1 ||
                   et == TT_EV_EPOLL_CREATE1 || et == TT_EV_EVENTFD2 || et == TT_EV_SIGNALFD4) {
            uint32_t ppm = evt_open_flags_to_ppm(u) & ~(uint32_t)PPM_O_RDONLY;
            snprintf(raw, rawcap, "%" PRIu32, ppm);
            flags_render(file_flags, ppm, res, rescap);
        } else if (et == TT_EV_UNLINKAT || et == TT_EV_RENAMEAT2) { /* PT_FLAGS32, PF_HEX */
            snprintf(raw, rawcap, "%" PRIX32, (uint32_t)u);
            flags_render(et == TT_EV_UNLINKAT ? unlinkat_flag_names : renameat2_flag_names,
                         (uint32_t)u, res, rescap);
        } else {
            snprintf(raw, rawcap, "%" PRIu64, u);
        }
        return;
    case TT_P_EXE_FLAGS:
        snprintf(raw, rawcap, "%" PRIu64, u);
        flags_render(exe_flags, u, res, rescap);
        return;
    case TT_P_CLONE_FLAGS:
        snprintf(raw, rawcap, "%" PRIu64, u);
        flags_render(clone_flags, u, res, rescap);
        return;
    case TT_P_DOMAIN: {
        snprintf(raw, rawcap, "%" PRId64, i);
        const char *n = evt_af_name(i);
        snprintf(res, rescap, "%s", n ? n : "");
        return;
    }
    case TT_P_REQUEST: {
        snprintf(raw, rawcap, "%" PRId64, i);
        const char *n = evt_ptrace_name(i);
        snprintf(res, rescap, "%s", n ? n : "");
        return;
    }
    case TT_P_PID: {
        snprintf(raw, rawcap, "%" PRId64, i);
        struct st_thread *t = state_thread(ctx->st, (int32_t)i);
        if (t && t->comm[0])
            snprintf(res, rescap, "%s", t->comm);
        return;
    }
    case TT_P_UID:
    case TT_P_RUID:
    case TT_P_EUID:
    case TT_P_SUID:
    case TT_P_P_UID:
    case TT_P_P_EUID:
    case TT_P_P_SUID:
        if ((uint32_t)u == UINT32_MAX) {
            snprintf(raw, rawcap, "-1");
            snprintf(res, rescap, "<NONE>");
        } else {
            snprintf(raw, rawcap, "%" PRIu32, (uint32_t)u);
            const char *n =
                ctx->proc ? st_user_name(ctx->st, ctx->proc, (uint32_t)u, NULL, NULL) : NULL;
            snprintf(res, rescap, "%s", n ? n : "<NA>");
        }
        return;
    case TT_P_GID:
    case TT_P_RGID:
    case TT_P_EGID:
    case TT_P_SGID:
    case TT_P_P_GID:
    case TT_P_P_EGID:
    case TT_P_P_SGID:
        if ((uint32_t)u == UINT32_MAX) {
            snprintf(raw, rawcap, "-1");
            snprintf(res, rescap, "<NONE>");
        } else {
            snprintf(raw, rawcap, "%" PRIu32, (uint32_t)u);
            const char *n = ctx->proc ? st_group_name(ctx->st, ctx->proc, (uint32_t)u) : NULL;
            snprintf(res, rescap, "%s", n ? n : "<NA>");
        }
        return;
    case TT_P_MODE:
        if (et == TT_EV_MKDIR || et == TT_EV_MKDIRAT) { /* libsinsp: PT_UINT32, PF_HEX */
            snprintf(raw, rawcap, "%" PRIX32, (uint32_t)u);
            return;
        }
        snprintf(raw, rawcap, "%#" PRIo32, (uint32_t)u);
        if (et == TT_EV_CHMOD || et == TT_EV_FCHMOD || et == TT_EV_FCHMODAT) /* PT_MODE */
            flags_render(chmod_modes, (uint32_t)u, res, rescap);
        return;
    case TT_P_CMD:
        snprintf(raw, rawcap, "%" PRId64, i);
        if (et == TT_EV_BPF) { /* PT_ENUMFLAGS32: the command's name */
            const char *n = enum_name(bpf_cmds, i);
            snprintf(res, rescap, "%s", n ? n : "");
        }
        return;
    case TT_P_DEV:
        snprintf(raw, rawcap, "%" PRIX64, u);
        return;
    case TT_P_CAP_INH:
    case TT_P_CAP_PRM:
    case TT_P_CAP_EFF:
        snprintf(raw, rawcap, "%" PRIu64, u);
        evt_caps_text(u, res, rescap);
        return;
    default:
        break;
    }
    switch (v->kind) {
    case TT_PK_I64:
        snprintf(raw, rawcap, "%" PRId64, i);
        return;
    case TT_PK_U64:
        snprintf(raw, rawcap, "%" PRIu64, u);
        return;
    case TT_PK_STR: {
        size_t n = v->len;
        while (n > 0 && v->data[n - 1] == 0)
            n--;
        snprintf(raw, rawcap, "%.*s", (int)n, (const char *)v->data);
        if (is_path_param(et, v->id)) {
            size_t rl;
            const char *p = st_resolve_param(ctx, v->id, dirfd_param_for(et, v->id), &rl);
            if (p)
                snprintf(res, rescap, "%.*s", (int)rl, p);
        }
        return;
    }
    case TT_PK_STRLIST:
        bytes_text(v, '.', raw, rawcap);
        return;
    case TT_PK_BYTES:
        bytes_text(v, 0, raw, rawcap);
        return;
    case TT_PK_SOCKADDR:
        if (sockaddr_text(v, raw, rawcap) < 0)
            raw[0] = '\0';
        return;
    default:
        return;
    }
}

int evt_param_text(struct eval_ctx *ctx, const struct tt_param_view *v, char *buf, size_t cap)
{
    char raw[1024];
    param_texts(ctx, v, raw, sizeof raw, buf, cap);
    if (cap && buf[0])
        return (int)strlen(buf);
    return snprintf(buf, cap, "%s", raw);
}

/* name=raw, or name=raw(resolved) when a different resolved form exists. */
static size_t append_arg(char *buf, size_t cap, size_t n, const char *name, const char *raw,
                         const char *res)
{
    if (n)
        n = tt_buf_put(buf, cap, n, " ", 1);
    n = tt_buf_put(buf, cap, n, name, strlen(name));
    n = tt_buf_put(buf, cap, n, "=", 1);
    n = tt_buf_put(buf, cap, n, raw, strlen(raw));
    if (res[0] && strcmp(res, raw) != 0) {
        n = tt_buf_put(buf, cap, n, "(", 1);
        n = tt_buf_put(buf, cap, n, res, strlen(res));
        n = tt_buf_put(buf, cap, n, ")", 1);
    }
    return n;
}

/* The name Falco gives parameter id of an event type (tt_param_name, or libsinsp's name where
 * the two differ, e.g. renameat's olddirfd). */
static const char *evt_param_falco_name(unsigned evtype, unsigned id)
{
    /* renameat(2) name their directory fds olddirfd/newdirfd (linkat: olddir/newdir) */
    if (evtype == TT_EV_RENAMEAT || evtype == TT_EV_RENAMEAT2) {
        if (id == TT_P_OLDDIR)
            return "olddirfd";
        if (id == TT_P_NEWDIR)
            return "newdirfd";
    }
    return tt_param_name(id);
}

int evt_args_text(struct eval_ctx *ctx, char *buf, size_t cap)
{
    char raw[1024], res[1024];
    size_t n = 0;
    if (cap)
        buf[0] = '\0';
    /* (an event reported at entry has arguments only, like Falco's enter events) */
    if ((tt_event_flags(ctx->evtype) & TT_EVF_SYSCALL) && ctx->ev->ret != TT_RET_NONE) {
        const char *rname;
        int64_t r = ctx->ev->ret;
        snprintf(raw, sizeof raw, "%" PRId64, r);
        res[0] = '\0';
        if (evt_ret_text(ctx, &rname, res, sizeof res) < 0)
            res[0] = '\0';
        n = append_arg(buf, cap, n, rname, raw, res);
    }
    size_t pos = 0;
    struct tt_param_view v;
    while (tt_event_next_param(ctx->ev, &pos, &v)) {
        const char *name = evt_param_falco_name(ctx->evtype, v.id);
        if (!name || v.id == TT_P_CGROUPS || v.id == TT_P_ENV || v.id == TT_P_RAWARGS)
            continue;
        param_texts(ctx, &v, raw, sizeof raw, res, sizeof res);
        n = append_arg(buf, cap, n, name, raw, res);
    }
    return (int)n;
}

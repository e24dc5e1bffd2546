/* tracer: the capability probe and its messages, and tracees the tracer can no longer read
 * (see privs.h). */
#include "privs.h"

#include <errno.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "arch.h"
#include "decode.h"
#include "inject.h"
#include "mem.h"
#include "procfs.h"
#include "tt_log.h"

/* Where each deployment grants what the tracer lacks. */
#define GRANT_PTRACE                                                                               \
    "grant CAP_SYS_PTRACE to a tracer running as root (ECS task definition: "                      \
    "linuxParameters.capabilities.add [\"SYS_PTRACE\"] with no \"user\" or \"user\": \"0\"; "      \
    "Kubernetes: securityContext.capabilities.add [\"SYS_PTRACE\"] with runAsUser: 0, which EKS "  \
    "on Fargate refuses; docker: --cap-add SYS_PTRACE --user 0)"
#define RUN_AS_FMT                                                                                 \
    "run the tracer as uid %ld (ECS task definition: \"user\": \"%ld\"; Kubernetes: "              \
    "securityContext.runAsUser: %ld; docker: --user %ld)"
#define YAMA_HOST                                                                                  \
    "or set kernel.yama.ptrace_scope to 0 or 1 on the host (sysctl; not from a container)"

/* Capability names as capabilities(7) spells them, by number. */
static const char *const cap_names[] = {
    "chown",
    "dac_override",
    "dac_read_search",
    "fowner",
    "fsetid",
    "kill",
    "setgid",
    "setuid",
    "setpcap",
    "linux_immutable",
    "net_bind_service",
    "net_broadcast",
    "net_admin",
    "net_raw",
    "ipc_lock",
    "ipc_owner",
    "sys_module",
    "sys_rawio",
    "sys_chroot",
    "sys_ptrace",
    "sys_pacct",
    "sys_admin",
    "sys_boot",
    "sys_nice",
    "sys_resource",
    "sys_time",
    "sys_tty_config",
    "mknod",
    "lease",
    "audit_write",
    "audit_control",
    "setfcap",
    "mac_override",
    "mac_admin",
    "syslog",
    "wake_alarm",
    "block_suspend",
    "audit_read",
    "perfmon",
    "bpf",
    "checkpoint_restore",
};
#define NCAPS (sizeof cap_names / sizeof cap_names[0])

/* snprintf that appends at *len and never overruns cap (the text is cut instead). */
static void add(char *msg, size_t cap, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void add(char *msg, size_t cap, size_t *len, const char *fmt, ...)
{
    if (*len + 1 >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg + *len, cap - *len, fmt, ap);
    va_end(ap);
    if (n > 0)
        *len = *len + (size_t)n < cap ? *len + (size_t)n : cap - 1;
}

static long status_long(const char *status, const char *key, int index)
{
    const char *p = strstr(status, key);
    if (!p)
        return -1;
    p += strlen(key);
    char *end;
    long v = -1;
    for (int i = 0; i <= index; i++) {
        v = strtol(p, &end, 10);
        if (end == p)
            return -1;
        p = end;
    }
    return v;
}

static uint64_t status_hex(const char *status, const char *key)
{
    const char *p = strstr(status, key);
    return p ? strtoull(p + strlen(key), NULL, 16) : 0;
}

void tr_privs_parse(struct tr_privs *p, const char *status, const char *yama)
{
    p->uid = status_long(status, "\nUid:", 0);
    p->euid = status_long(status, "\nUid:", 1);
    p->gid = status_long(status, "\nGid:", 0);
    p->egid = status_long(status, "\nGid:", 1);
    p->cap_eff = status_hex(status, "\nCapEff:");
    p->cap_bnd = status_hex(status, "\nCapBnd:");
    p->no_new_privs = (int)status_long(status, "\nNoNewPrivs:", 0);
    p->yama = yama ? atoi(yama) : -1;
}

void tr_privs_read(struct tr_privs *p)
{
    static char status[4096];
    char yama[16];
    if (tr_proc_read("/proc/self/status", status, sizeof status) <= 0)
        status[0] = '\0';
    int have_yama = tr_proc_read("/proc/sys/kernel/yama/ptrace_scope", yama, sizeof yama) > 0;
    tr_privs_parse(p, status, have_yama ? yama : NULL);
}

int tr_privs_has_cap(const struct tr_privs *p, int cap)
{
    return cap >= 0 && cap < 64 && (p->cap_eff >> cap) & 1;
}

static void cap_list(uint64_t set, char *msg, size_t cap, size_t *len)
{
    int n = 0;
    for (size_t i = 0; i < 64; i++) {
        if (!((set >> i) & 1))
            continue;
        if (i < NCAPS)
            add(msg, cap, len, "%s%s", n ? "," : "", cap_names[i]);
        else
            add(msg, cap, len, "%s%zu", n ? "," : "", i);
        n++;
    }
}

/* "uid 1000 gid 1000 (not root), capabilities: none, no_new_privs not set, Yama absent" */
static void describe(const struct tr_privs *p, char *msg, size_t cap, size_t *len)
{
    add(msg, cap, len, "uid %ld gid %ld (%s), capabilities: ", p->euid, p->egid,
        p->euid == 0 ? "root" : "not root");
    uint64_t known = (1ull << NCAPS) - 1;
    int held = __builtin_popcountll(p->cap_eff & known);
    if (!p->cap_eff) {
        add(msg, cap, len, "none");
    } else if (held > (int)NCAPS / 2) {
        add(msg, cap, len, "all");
        if ((p->cap_eff & known) != known) {
            add(msg, cap, len, " but ");
            cap_list(~p->cap_eff & known, msg, cap, len);
        }
    } else {
        cap_list(p->cap_eff, msg, cap, len);
    }
    add(msg, cap, len, ", no_new_privs %s, Yama ", p->no_new_privs > 0 ? "set" : "not set");
    if (p->yama < 0)
        add(msg, cap, len, "absent");
    else
        add(msg, cap, len, "ptrace_scope %d", p->yama);
}

/* What to do about a missing CAP_SYS_PTRACE: a non-root user never receives a capability added
 * to its container (only root's sets are filled), so that case needs root, not an added cap. */
static void grant_ptrace(const struct tr_privs *p, char *msg, size_t cap, size_t *len)
{
    if (p->euid != 0 && (p->cap_bnd >> CAP_SYS_PTRACE) & 1)
        add(msg, cap, len,
            "CAP_SYS_PTRACE is in this container's bounding set but uid %ld does not receive it "
            "(added capabilities reach only root): run the tracer as root (ECS task definition: "
            "\"user\": \"0\"; Kubernetes: securityContext.runAsUser: 0; docker: --user 0)",
            p->euid);
    else
        add(msg, cap, len, "%s", GRANT_PTRACE);
}

/* Yama settings no capability-less tracer can work under. */
static int yama_refusal(const struct tr_privs *p, int ptrace_cap, char *msg, size_t cap,
                        size_t *len)
{
    if (p->yama >= 3) {
        add(msg, cap, len,
            ": Yama ptrace_scope is 3, so this kernel refuses ptrace to every process whatever "
            "its capabilities; set kernel.yama.ptrace_scope to 0 or 1 on the host (sysctl; not "
            "from a container)");
        return 1;
    }
    if (p->yama == 2 && !ptrace_cap) {
        add(msg, cap, len,
            ": Yama ptrace_scope is 2, so only a process holding CAP_SYS_PTRACE "
            "may trace; ");
        grant_ptrace(p, msg, cap, len);
        add(msg, cap, len, "; %s", YAMA_HOST);
        return 1;
    }
    return 0;
}

enum tr_privs_verdict tr_privs_assess(const struct tr_privs *p, int attach, int fail_open,
                                      char *msg, size_t cap)
{
    size_t len = 0;
    msg[0] = '\0';
    int ptrace_cap = tr_privs_has_cap(p, CAP_SYS_PTRACE);
    add(msg, cap, &len, "%s mode, ", attach ? "attach" : "launch");
    describe(p, msg, cap, &len);
    if (yama_refusal(p, ptrace_cap, msg, cap, &len))
        return TR_PRIVS_REFUSED;
    if (ptrace_cap) {
        add(msg, cap, &len, "%s",
            attach ? ": any process of this PID namespace can be attached and read"
                   : ": every process of the workload can be read, also after it changes uid or "
                     "becomes non-dumpable; the workload itself does not keep CAP_SYS_PTRACE");
        return TR_PRIVS_FULL;
    }
    if (attach) {
        add(msg, cap, &len,
            ": without CAP_SYS_PTRACE only processes with this uid and gid (real, effective and "
            "saved) that are dumpable can be attached%s",
            p->yama == 1 ? ", and with Yama ptrace_scope 1 only descendants of the tracer" : "");
        return TR_PRIVS_LIMITED;
    }
    add(msg, cap, &len,
        ": the workload is traced as the tracer's child, which needs no capability; setuid, "
        "setgid and file-capability programs run without their privilege; a process that execs a "
        "file it cannot read (execute-only) can no longer be read and is %s",
        fail_open ? "reported and traced without its arguments (fail-open)"
                  : "reported and killed (fail-closed)");
    if (tr_privs_has_cap(p, CAP_SETUID) || tr_privs_has_cap(p, CAP_SETGID)) {
        add(msg, cap, &len,
            "; this container holds CAP_SETUID/CAP_SETGID, so a workload may switch user (su, "
            "gosu, setpriv, nginx workers): the tracer makes such a process dumpable again and "
            "reads it as its new user, except one left with real, effective and saved ids that "
            "differ (a seteuid-style switch), which is %s there: run the container as that user "
            "(ECS task definition \"user\", Kubernetes securityContext.runAsUser, docker --user) "
            "or ",
            fail_open ? "traced blind" : "stopped");
        grant_ptrace(p, msg, cap, &len);
    }
    return TR_PRIVS_LIMITED;
}

enum tr_privs_verdict tr_privs_attach_target(const struct tr_privs *p, pid_t pid,
                                             const char *target_status, int descendant,
                                             int seize_errno, char *msg, size_t cap)
{
    size_t len = 0;
    msg[0] = '\0';
    int ptrace_cap = tr_privs_has_cap(p, CAP_SYS_PTRACE);
    add(msg, cap, &len, "-p %d", (int)pid);
    if (yama_refusal(p, ptrace_cap, msg, cap, &len))
        return TR_PRIVS_REFUSED;
    if (!ptrace_cap && p->yama == 1 && !descendant) {
        add(msg, cap, &len,
            ": Yama ptrace_scope is 1, so without CAP_SYS_PTRACE the tracer may attach only to its "
            "own descendants and pid %d is not one; ",
            (int)pid);
        grant_ptrace(p, msg, cap, &len);
        add(msg, cap, &len,
            "; or run the workload in launch mode (tracer CMD), which needs no "
            "capability");
        return TR_PRIVS_REFUSED;
    }
    long ids[6];
    for (int i = 0; i < 3; i++) {
        ids[i] = status_long(target_status, "\nUid:", i);
        ids[3 + i] = status_long(target_status, "\nGid:", i);
    }
    int same = 1;
    for (int i = 0; i < 3; i++)
        same &= ids[i] == p->uid && ids[3 + i] == p->gid;
    if (!ptrace_cap && !same) {
        add(msg, cap, &len,
            ": pid %d runs as uid %ld/%ld/%ld gid %ld/%ld/%ld (real/effective/saved) and the "
            "tracer as uid %ld gid %ld without CAP_SYS_PTRACE, which may attach only to its own "
            "uid and gid: ",
            (int)pid, ids[0], ids[1], ids[2], ids[3], ids[4], ids[5], p->uid, p->gid);
        if (ids[0] == ids[1] && ids[1] == ids[2] && ids[0] >= 0) {
            add(msg, cap, &len, RUN_AS_FMT, ids[0], ids[0], ids[0], ids[0]);
            if (ids[0] == 0)
                return TR_PRIVS_REFUSED; /* root may trace root without a capability */
            add(msg, cap, &len, ", or ");
        }
        grant_ptrace(p, msg, cap, &len);
        return TR_PRIVS_REFUSED;
    }
    if (seize_errno == EPERM) {
        add(msg, cap, &len, ": ptrace refused");
        if (!ptrace_cap) {
            add(msg, cap, &len,
                " although pid %d runs with the tracer's uid and gid: it is not dumpable (it "
                "exec'd an unreadable or setuid file, or called prctl(PR_SET_DUMPABLE, 0)) or a "
                "seccomp, AppArmor or SELinux profile blocks ptrace; ",
                (int)pid);
            grant_ptrace(p, msg, cap, &len);
        } else {
            add(msg, cap, &len,
                " although the tracer holds CAP_SYS_PTRACE: a seccomp, AppArmor "
                "or SELinux profile blocks ptrace here (docker: --security-opt; "
                "Kubernetes: securityContext.seccompProfile, appArmorProfile)");
        }
        return TR_PRIVS_REFUSED;
    }
    if (seize_errno) {
        add(msg, cap, &len, ": %s", strerror(seize_errno));
        return TR_PRIVS_REFUSED;
    }
    return ptrace_cap ? TR_PRIVS_FULL : TR_PRIVS_LIMITED;
}

void tr_privs_launch_refusal(const struct tr_privs *p, char *msg, size_t cap)
{
    size_t len = 0;
    msg[0] = '\0';
    add(msg, cap, &len,
        "ptrace of the workload was refused although a process may trace its own child without "
        "any capability: a seccomp, AppArmor or SELinux profile blocks ptrace here (docker: "
        "--security-opt seccomp=/apparmor=; Kubernetes: securityContext.seccompProfile, "
        "appArmorProfile)");
    if (!tr_privs_has_cap(p, CAP_SYS_PTRACE)) {
        add(msg, cap, &len, ", or the tracer's binary is not readable; otherwise ");
        grant_ptrace(p, msg, cap, &len);
    }
}

/* A tamper event as the engine's rules read it: technique, target, action, reason. */
static void emit_tamper(struct tr_state *st, const struct tr_task *t, long nr, const uint64_t *args,
                        const char *technique, const char *target, int denied, const char *why)
{
    static const uint64_t none[6];
    uint8_t buf[1536];
    struct tt_evb b;
    tt_evb_begin(&b, buf, sizeof buf, TT_EV_TAMPER, tr_now_ns(), t->tid, t->tgid);
    tt_evb_i64(&b, TT_P_NR, nr);
    tt_evb_u64(&b, TT_P_ARCH, TR_AUDIT_ARCH);
    tt_evb_bytes(&b, TT_P_RAWARGS, TT_PK_BYTES, args ? args : none, sizeof none);
    tt_evb_str(&b, TT_P_REASON, why);
    tt_evb_str(&b, TT_P_TECHNIQUE, technique);
    tt_evb_str(&b, TT_P_TARGET, target);
    tt_evb_str(&b, TT_P_ACTION, denied ? "denied" : "observed");
    if (tt_evb_finish(&b, -EPERM))
        tr_emit(st, buf);
}

/* t (stopped) can no longer be read: a tamper event (technique, target, action denied when
 * fail-closed, reason "WHAT; ..."; nr: the syscall seen, or -1), an error line, and,
 * fail-closed, the process is killed. entry_args: t is at the syscall-entry or seccomp stop of
 * nr with these arguments, and that syscall is skipped (NULL: another stop). Fail-open reports
 * once per thread and lets it run. */
static void tr_unreadable(struct tr_state *st, struct tr_task *t, const char *technique,
                          const char *target, const char *what, long nr, const uint64_t *entry_args)
{
    int closed = st->o->fail_policy == TR_FAIL_CLOSED;
    if (st->unreadable_off || (!closed && (t->flags & TF_UNREADABLE)))
        return;
    t->flags |= TF_UNREADABLE;
    char why[1024];
    snprintf(why, sizeof why,
             "%s; the tracer cannot read this process' memory without CAP_SYS_PTRACE: %s", what,
             closed ? "killed (fail-closed)" : "traced without its arguments (fail-open)");
    emit_tamper(st, t, nr, entry_args, technique, target, closed, why);
    tt_error("pid %d: %s: %s", (int)t->tgid, technique, why);
    if (!closed)
        return;
    /* (kill may be refused: a tracee that changed uid, a tracer without CAP_KILL; its syscalls
     * that need a read are then denied one by one, as this one) */
    if (kill(t->tgid, SIGKILL) != 0)
        tt_error("pid %d: SIGKILL refused (%s); its syscalls that cannot be read are denied",
                 (int)t->tgid, strerror(errno));
    if (entry_args && tr_stop_deny(t, -EPERM) != 0 && errno != ESRCH)
        tt_debug("tid %d: cannot skip the syscall: %s", (int)t->tid, strerror(errno));
}

int tr_privs_deny_undumpable(struct tr_state *st, struct tr_task *t, long nr, const uint64_t *args)
{
    if (st->reads_all || st->unreadable_off || nr != __NR_prctl || args[0] != PR_SET_DUMPABLE ||
        args[1] != 0)
        return 0;
    if (tr_stop_deny(t, -EPERM) != 0)
        return 0; /* (gone) */
    char why[256];
    snprintf(why, sizeof why,
             "prctl(PR_SET_DUMPABLE, 0) denied (EPERM): it would close the process' memory to "
             "the tracer, which lacks CAP_SYS_PTRACE");
    emit_tamper(st, t, nr, args, TR_TECH_SET_NONDUMPABLE, "PR_SET_DUMPABLE", 1, why);
    static unsigned warned;
    if (warned++ < 10)
        tt_warn("pid %d: %s: %s", (int)t->tgid, TR_TECH_SET_NONDUMPABLE, why);
    return 1;
}

void tr_unreadable_exec(struct tr_state *st, struct tr_task *t, const char *exe_path)
{
    char argv0[256] = "", path[64], what[512];
    if (!exe_path || !exe_path[0]) {
        /* /proc/PID/exe is closed to us now; cmdline is not (world-readable). */
        snprintf(path, sizeof path, "/proc/%d/cmdline", (int)t->tgid);
        if (tr_proc_read(path, argv0, sizeof argv0) < 0)
            snprintf(argv0, sizeof argv0, "?");
        exe_path = argv0;
    }
    snprintf(what, sizeof what,
             "exec of %s left the process non-dumpable (a file it may execute but not read, or a "
             "setuid or setgid file)",
             exe_path);
    tr_unreadable(st, t, TR_TECH_UNREADABLE_EXEC, exe_path, what, __NR_execve, NULL);
}

void tr_unreadable_stop(struct tr_state *st, struct tr_task *t,
                        const struct __ptrace_syscall_info *info)
{
    long nr = -1;
    const uint64_t *args = NULL;
    if (info->op == PTRACE_SYSCALL_INFO_SECCOMP) {
        nr = (long)info->seccomp.nr;
        args = info->seccomp.args;
    } else if (info->op == PTRACE_SYSCALL_INFO_ENTRY) {
        nr = (long)info->entry.nr;
        args = info->entry.args;
    } else {
        nr = t->nr;
    }
    const char *name = nr >= 0 ? tr_sys_name(nr) : NULL;
    char what[256];
    snprintf(what, sizeof what,
             "the arguments of %s could not be read (the kernel closed the process' memory to "
             "the tracer: a uid or gid change it cannot follow, such as real, effective and "
             "saved ids left different, or setfsuid)",
             name ? name : "a syscall");
    if (args && st->o->fail_policy == TR_FAIL_CLOSED && !st->unreadable_off)
        tr_task_drop_pending(t); /* it will not run: the tamper event reports it */
    tr_unreadable(st, t, TR_TECH_UNREADABLE_MEMORY, name ? name : "?", what, nr, args);
}

/* ---- tracees that switch user ---- */

/* The fs ids the tracer reads with now, and its own. */
static int64_t cur_fsuid = -1, cur_fsgid = -1;
static int64_t own_uid = -1, own_gid = -1;

/* "Uid:"/"Gid:" of a thread's status: real, effective, saved. 0 or -1. */
static int thread_ids(const struct tr_task *t, long uids[3], long gids[3])
{
    static char status[4096];
    char path[64];
    if (t->tid == t->tgid)
        snprintf(path, sizeof path, "/proc/%d/status", (int)t->tid);
    else
        snprintf(path, sizeof path, "/proc/%d/task/%d/status", (int)t->tgid, (int)t->tid);
    if (tr_proc_read(path, status, sizeof status) <= 0)
        return -1;
    for (int i = 0; i < 3; i++) {
        uids[i] = status_long(status, "\nUid:", i);
        gids[i] = status_long(status, "\nGid:", i);
    }
    return uids[0] < 0 || gids[0] < 0 ? -1 : 0;
}

/* The fs ids t can be read with: its ids when real, effective and saved agree (-1 otherwise). */
static void note_ids(struct tr_task *t, const long uids[3], const long gids[3])
{
    int uniform =
        uids[0] == uids[1] && uids[1] == uids[2] && gids[0] == gids[1] && gids[1] == gids[2];
    t->read_uid = uniform ? uids[0] : -1;
    t->read_gid = uniform ? gids[0] : -1;
    t->flags |= TF_IDS_KNOWN;
}

void tr_privs_inherit(struct tr_task *c, const struct tr_task *t)
{
    c->flags = (c->flags & ~TF_IDS_KNOWN) | (t->flags & TF_IDS_KNOWN);
    c->read_uid = t->read_uid;
    c->read_gid = t->read_gid;
}

void tr_privs_setid_exit(struct tr_state *st, struct tr_task *t)
{
    long uids[3], gids[3];
    if (thread_ids(t, uids, gids) != 0)
        return; /* (gone) */
    tt_evb_u64(&t->evb, TT_P_P_UID, (uint64_t)uids[0]);
    tt_evb_u64(&t->evb, TT_P_P_EUID, (uint64_t)uids[1]);
    tt_evb_u64(&t->evb, TT_P_P_SUID, (uint64_t)uids[2]);
    tt_evb_u64(&t->evb, TT_P_P_GID, (uint64_t)gids[0]);
    tt_evb_u64(&t->evb, TT_P_P_EGID, (uint64_t)gids[1]);
    tt_evb_u64(&t->evb, TT_P_P_SGID, (uint64_t)gids[2]);
    if (st->reads_all || st->redump_off)
        return;
    note_ids(t, uids, gids);
    if (own_uid < 0) {
        own_uid = cur_fsuid = getuid();
        own_gid = cur_fsgid = getgid();
    }
    if (t->read_uid < 0) {
        tt_warn("pid %d: uids %ld/%ld/%ld gids %ld/%ld/%ld (real/effective/saved) differ: without "
                "CAP_SYS_PTRACE the tracer cannot read this process",
                (int)t->tgid, uids[0], uids[1], uids[2], gids[0], gids[1], gids[2]);
        return;
    }
    if (t->read_uid != own_uid || t->read_gid != own_gid)
        st->ids_changed = 1;
    /* A change of the effective or fs ids made the process non-dumpable (the kernel then lets
     * only CAP_SYS_PTRACE read it); dumpable again it is what any exec of a readable file makes
     * of it, readable by its own uid. The syscall returns its own result afterwards. */
    static const uint64_t dumpable[6] = {PR_SET_DUMPABLE, 1};
    if (tr_inject(t, __NR_prctl, dumpable, 0) != 0 && errno != ESRCH)
        tt_warn("pid %d: cannot make it dumpable again after its uid change (%s)", (int)t->tgid,
                strerror(errno));
}

/* setfsuid/setfsgid return the previous id whatever happens: asking again (-1 changes nothing)
 * tells whether it took. Leaving fs uid 0 takes the filesystem capabilities (CAP_DAC_OVERRIDE,
 * CAP_FOWNER...) out of the effective set; the kernel's read check also wants the target's
 * permitted capabilities within the reader's effective ones (a tracee that kept its
 * capabilities across the change, PR_SET_KEEPCAPS, as setpriv does), so the tracer's effective
 * set is put back as it was. */
static int set_fsids(int64_t uid, int64_t gid)
{
    static struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    static struct __user_cap_data_struct own[2];
    static int have_own = -1;
    if (have_own < 0)
        have_own = syscall(SYS_capget, &h, own) == 0;
    setfsgid((gid_t)gid);
    setfsuid((uid_t)uid);
    if (have_own && syscall(SYS_capset, &h, own) != 0)
        tt_debug("capset after setfsuid: %s", strerror(errno));
    return (int64_t)(uid_t)setfsuid((uid_t)-1) == uid && (int64_t)(gid_t)setfsgid((gid_t)-1) == gid
               ? 0
               : -1;
}

void tr_privs_read_as(struct tr_state *st, struct tr_task *t)
{
    if (!st->ids_changed)
        return;
    if (!(t->flags & TF_IDS_KNOWN)) {
        long uids[3], gids[3];
        if (thread_ids(t, uids, gids) != 0)
            return;
        note_ids(t, uids, gids);
    }
    /* (mixed ids: no fs id can read it; the tracer's own at least keep the error honest) */
    int64_t uid = t->read_uid >= 0 ? t->read_uid : own_uid;
    int64_t gid = t->read_uid >= 0 ? t->read_gid : own_gid;
    if (uid == cur_fsuid && gid == cur_fsgid)
        return;
    if (set_fsids(uid, gid) != 0) {
        static unsigned warned;
        if (warned++ < 5)
            tt_warn("cannot take uid %lld gid %lld as filesystem ids to read pid %d (the tracer "
                    "lacks CAP_SETUID or CAP_SETGID): it stays unreadable",
                    (long long)uid, (long long)gid, (int)t->tgid);
        set_fsids(own_uid, own_gid);
        uid = own_uid;
        gid = own_gid;
    }
    cur_fsuid = uid;
    cur_fsgid = gid;
    tr_mem_via_proc = uid != own_uid || gid != own_gid;
}

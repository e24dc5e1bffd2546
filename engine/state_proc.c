/* Process and thread state from the event stream: snapshots (procinfo), clone/fork/vfork in
 * the parent, execve/execveat, credential and session changes, cwd changes, exit with
 * reparenting of the children. */
#include "state_priv.h"

#include <limits.h>
#include <sched.h>
#include <string.h>
#include <sys/prctl.h>

#define ST_ARGS_MAX 4096

static void set_str_param(struct engine_state *st, const struct tt_event *ev, unsigned id,
                          struct st_str **slot)
{
    const char *s;
    size_t n;
    if (st_param_str(ev, id, &s, &n))
        st_str_set(st, slot, s, n);
}

static void set_u32(const struct tt_event *ev, unsigned id, uint32_t *out)
{
    uint64_t v;
    if (tt_event_get_u64(ev, id, &v))
        *out = (uint32_t)v;
}

/* The real, effective and saved uid and gid the tracer read for the process, where given. */
static void take_reported_ids(const struct tt_event *ev, struct st_proc *p)
{
    set_u32(ev, TT_P_P_UID, &p->uid);
    set_u32(ev, TT_P_P_EUID, &p->euid);
    set_u32(ev, TT_P_P_SUID, &p->suid);
    set_u32(ev, TT_P_P_GID, &p->gid);
    set_u32(ev, TT_P_P_EGID, &p->egid);
    set_u32(ev, TT_P_P_SGID, &p->sgid);
}

static void set_u64(const struct tt_event *ev, unsigned id, uint64_t *out)
{
    uint64_t v;
    if (tt_event_get_u64(ev, id, &v))
        *out = v;
}

static void set_i32(const struct tt_event *ev, unsigned id, int32_t *out)
{
    int64_t v;
    if (tt_event_get_i64(ev, id, &v))
        *out = (int32_t)v;
}

static void set_comm(struct st_thread *t, const char *s, size_t n)
{
    if (n > sizeof t->comm - 1)
        n = sizeof t->comm - 1;
    memcpy(t->comm, s, n);
    t->comm[n] = '\0';
}

/* argv[1..] as NUL-separated list -> joined with spaces (capped like Falco's args buffer). */
static void set_args(struct engine_state *st, struct st_proc *p, const struct tt_event *ev)
{
    struct tt_param_view v;
    if (!tt_event_param(ev, TT_P_ARGS, &v))
        return;
    size_t n = v.len;
    if (n > ST_ARGS_MAX)
        n = ST_ARGS_MAX;
    while (n > 0 && v.data[n - 1] == '\0')
        n--;
    st_str_set(st, &p->argv, (const char *)v.data, n);
    char *tmp = st->pathbuf; /* 2*PATH_MAX+2 >= ST_ARGS_MAX */
    uint32_t nargs = n ? 1 : 0;
    for (size_t i = 0; i < n; i++) {
        tmp[i] = v.data[i] ? (char)v.data[i] : ' ';
        if (!v.data[i])
            nargs++;
    }
    p->nargs = nargs;
    st_str_set(st, &p->args, tmp, n);
}

static void set_cwd(struct engine_state *st, struct st_proc *p, const char *s, size_t n)
{
    if (n == 0)
        return;
    char *tmp = st->pathbuf;
    if (n > 2 * PATH_MAX - 2)
        n = 2 * PATH_MAX - 2;
    memcpy(tmp, s, n);
    if (tmp[0] == '/')
        n = st_path_normalize(tmp, n);
    if (tmp[n - 1] != '/')
        tmp[n++] = '/';
    st_str_set(st, &p->cwd, tmp, n);
}

static void set_exepath(struct engine_state *st, struct st_proc *p, const char *s, size_t n)
{
    static const char del[] = " (deleted)";
    if (n >= sizeof del - 1 && memcmp(s + n - (sizeof del - 1), del, sizeof del - 1) == 0)
        n -= sizeof del - 1;
    st_str_set(st, &p->exepath, s, n);
}

static void set_container(struct engine_state *st, struct st_proc *p, const struct tt_event *ev)
{
    char id12[16], full[72];
    if (!st_container_id_from_event(ev, id12, sizeof id12, full, sizeof full))
        return;
    if (st->dflt && strcmp(id12, "host") == 0) { /* the engine knows it runs in a container */
        snprintf(id12, sizeof id12, "%s", st->dflt->id);
        snprintf(full, sizeof full, "%s", st->dflt->full_id);
    }
    if (strcmp(p->ctr->id, id12) == 0)
        return;
    struct st_container *c = st_container_get(st, id12, full);
    if (!c)
        return;
    st_container_unref(st, p->ctr);
    p->ctr = c;
}

static int32_t pid_of_tid(struct engine_state *st, int32_t tid)
{
    struct st_thread *t = st_thread_get(st, tid);
    return t ? t->proc->pid : tid;
}

/* Fill a thread+process from a description event (execve/procinfo params). */
static void st_proc_describe(struct engine_state *st, struct st_thread *t,
                             const struct tt_event *ev, int is_exec)
{
    struct st_proc *p = t->proc;
    const char *s;
    size_t n;
    set_str_param(st, ev, TT_P_EXE, &p->exe);
    if (tt_event_param(ev, TT_P_ARGS, &(struct tt_param_view){0}))
        set_args(st, p, ev);
    if (st_param_str(ev, TT_P_EXEPATH, &s, &n) && n > 0)
        set_exepath(st, p, s, n);
    else if (is_exec && st_param_str(ev, TT_P_FILENAME, &s, &n) && n > 0)
        set_exepath(st, p, s, n);
    if (st_param_str(ev, TT_P_CWD, &s, &n))
        set_cwd(st, p, s, n);
    if (st_param_str(ev, TT_P_COMM, &s, &n) && n > 0) {
        set_comm(t, s, n);
    } else if (is_exec && p->exepath) {
        const char *b = strrchr(p->exepath->s, '/');
        b = b ? b + 1 : p->exepath->s;
        set_comm(t, b, strlen(b));
    }
    int64_t ptid;
    if (tt_event_get_i64(ev, TT_P_PTID, &ptid) && ptid >= 0 && ptid != t->tid)
        p->ppid = ptid ? pid_of_tid(st, (int32_t)ptid) : 0;
    take_reported_ids(ev, p);
    int64_t v;
    if (tt_event_get_i64(ev, TT_P_LOGINUID, &v))
        p->loginuid = (v == 4294967295LL) ? -1 : v;
    set_u64(ev, TT_P_TTY, &p->tty);
    set_i32(ev, TT_P_P_SID, &p->sid);
    set_i32(ev, TT_P_P_PGID, &p->vpgid);
    set_u64(ev, TT_P_CAP_INH, &p->cap_inh);
    set_u64(ev, TT_P_CAP_PRM, &p->cap_prm);
    set_u64(ev, TT_P_CAP_EFF, &p->cap_eff);
    set_u64(ev, TT_P_EXE_INO, &p->exe_ino);
    set_u64(ev, TT_P_EXE_CTIME, &p->exe_ctime);
    set_u64(ev, TT_P_EXE_MTIME, &p->exe_mtime);
    uint64_t u;
    if (tt_event_get_u64(ev, TT_P_EXE_FLAGS, &u))
        p->exe_flags = (uint32_t)u;
    else if (is_exec)
        p->exe_flags = 0;
    if (!is_exec) {
        if (tt_event_get_u64(ev, TT_P_CLONE_TS, &u)) {
            t->clone_ts = u;
            if (t->tid == p->pid)
                p->clone_ts = u;
        }
    }
    set_u64(ev, TT_P_FDLIMIT, &p->fdlimit);
    set_u64(ev, TT_P_PIDNS_INIT_TS, &p->pidns_init_ts);
    set_i32(ev, TT_P_VTID, &t->vtid);
    set_i32(ev, TT_P_VPID, &p->vpid);
    struct tt_param_view envv;
    if (tt_event_param(ev, TT_P_ENV, &envv)) { /* NUL-separated list, kept as is */
        size_t en = envv.len;
        while (en > 0 && envv.data[en - 1] == '\0')
            en--;
        st_str_set(st, &p->env, (const char *)envv.data, en);
    }
    set_container(st, p, ev);
    if (p->pidns_init_ts && p->ctr->start_ts == 0 && strcmp(p->ctr->id, "host") != 0)
        p->ctr->start_ts = p->pidns_init_ts;
    t->flags &= ~(uint32_t)ST_TH_PARTIAL;
}

/* A thread we have never heard of: create it (and its process) with what the event says. */
static struct st_thread *thread_for_event(struct engine_state *st, const struct tt_event *ev)
{
    if (ev->tid <= 0)
        return NULL;
    struct st_thread *t = st_thread_get(st, ev->tid);
    if (t && (ev->pid <= 0 || t->proc->pid == ev->pid || ev->type == TT_EV_EXECVE ||
              ev->type == TT_EV_EXECVEAT))
        return t;
    if (t) /* the id was reused by another process: its exit was never seen */
        st_thread_remove(st, t);
    int32_t pid = ev->pid > 0 ? ev->pid : ev->tid;
    struct st_proc *p = st_proc_get(st, pid);
    int created = 0;
    if (!p) {
        p = st_proc_new(st, pid);
        if (!p)
            return NULL;
        p->vpid = pid;
        p->clone_ts = 0;
        created = 1;
    }
    t = st_thread_add(st, ev->tid, p);
    if (!t) {
        if (created)
            st_proc_unref(st, p);
        return NULL;
    }
    t->flags |= ST_TH_PARTIAL;
    return t;
}

/* A partially known child (events seen before its parent's clone): link it to the parent and
 * fill what it has not told us yet; the parent's fds appear where the child has none. */
static void inherit_from_parent(struct engine_state *st, struct st_thread *t,
                                const struct st_thread *parent, uint64_t flags)
{
    struct st_proc *p = t->proc, *pp = parent->proc;
    p->ppid = (flags & CLONE_PARENT) ? pp->ppid : pp->pid;
    if (!t->comm[0])
        memcpy(t->comm, parent->comm, sizeof t->comm);
    struct st_str **mine[] = {&p->exe, &p->exepath, &p->args, &p->argv, &p->cwd, &p->env, &p->root};
    struct st_str *const theirs[] = {pp->exe, pp->exepath, pp->args, pp->argv,
                                     pp->cwd, pp->env,     pp->root};
    for (size_t i = 0; i < sizeof mine / sizeof mine[0]; i++)
        if (!*mine[i])
            *mine[i] = st_str_ref(theirs[i]);
    if (!p->nargs)
        p->nargs = pp->nargs;
    p->uid = pp->uid;
    p->euid = pp->euid;
    p->suid = pp->suid;
    p->gid = pp->gid;
    p->egid = pp->egid;
    p->sgid = pp->sgid;
    p->loginuid = pp->loginuid;
    p->tty = pp->tty;
    p->sid = pp->sid;
    p->vpgid = pp->vpgid;
    p->cap_inh = pp->cap_inh;
    p->cap_prm = pp->cap_prm;
    p->cap_eff = pp->cap_eff;
    p->exe_ino = pp->exe_ino;
    p->exe_ctime = pp->exe_ctime;
    p->exe_mtime = pp->exe_mtime;
    p->exe_flags = pp->exe_flags;
    if (p->ctr != pp->ctr) {
        st_container_unref(st, p->ctr);
        p->ctr = pp->ctr;
        p->ctr->ref++;
    }
    for (uint32_t i = 0; pp->fds && i < pp->fds->cap; i++) {
        if (!pp->fds->v[i].used || state_fd(p, i))
            continue;
        struct st_fd copy;
        st_fd_copy(&copy, &pp->fds->v[i]);
        struct st_fd *f = st_fd_set(st, p, i);
        if (f)
            *f = copy;
        else
            st_str_unref(st, copy.name);
    }
    t->flags &= ~(uint32_t)ST_TH_PARTIAL;
}

static void on_clone(struct engine_state *st, struct eval_ctx *ctx)
{
    const struct tt_event *ev = ctx->ev;
    struct st_thread *parent = ctx->thr;
    if (ev->ret <= 0 || !parent)
        return; /* failed, or the child's side */
    int64_t ctid = ev->ret, cpid = 0;
    uint64_t flags = 0, is_thread = 0;
    tt_event_get_i64(ev, TT_P_CHILD_TID, &ctid);
    tt_event_get_u64(ev, TT_P_CLONE_FLAGS, &flags);
    if (!tt_event_get_u64(ev, TT_P_IS_THREAD, &is_thread))
        is_thread = (flags & CLONE_THREAD) != 0;
    if (!tt_event_get_i64(ev, TT_P_CHILD_PID, &cpid) || cpid <= 0)
        cpid = is_thread ? parent->proc->pid : ctid;
    if (ctid <= 0)
        return;
    struct st_thread *old = st_thread_get(st, (int32_t)ctid);
    if (old && !(old->flags & ST_TH_PARTIAL))
        return; /* already described (the child's own events came first with a snapshot) */
    if (old && !is_thread && old->proc != parent->proc && old->proc->ref == 1) {
        /* The child's first events were seen before this clone (ptrace does not order
         * them): keep what it did, inherit the rest from the parent. */
        inherit_from_parent(st, old, parent, flags);
        return;
    }
    if (old)
        st_thread_remove(st, old);
    struct st_proc *p;
    if (is_thread) {
        p = parent->proc;
    } else {
        p = st_proc_fork(st, parent->proc, (int32_t)cpid, (flags & CLONE_FILES) != 0);
        if (!p)
            return;
        if (flags & CLONE_PARENT)
            p->ppid = parent->proc->ppid;
    }
    struct st_thread *t = st_thread_add(st, (int32_t)ctid, p);
    if (!t) {
        if (!is_thread)
            st_proc_unref(st, p);
        return;
    }
    memcpy(t->comm, parent->comm, sizeof t->comm);
    uint64_t ts = ev->ts_ns;
    tt_event_get_u64(ev, TT_P_CLONE_TS, &ts);
    t->clone_ts = ts;
    t->vtid = (int32_t)ctid;
    int64_t v;
    if (tt_event_get_i64(ev, TT_P_VTID, &v) && v > 0)
        t->vtid = (int32_t)v;
    if (!is_thread) {
        p->clone_ts = ts;
        p->vpid = (int32_t)cpid;
        if (tt_event_get_i64(ev, TT_P_VPID, &v) && v > 0)
            p->vpid = (int32_t)v;
    }
}

static void drop_other_threads(struct engine_state *st, struct st_thread *keep)
{
    struct st_proc *p = keep->proc;
    if (p->ref <= 1)
        return;
    for (uint32_t i = 0; i < st->tbuckets && p->ref > 1; i++) {
        struct st_thread *t = st->thash[i], *next;
        for (; t; t = next) {
            next = t->hnext;
            if (t != keep && t->proc == p)
                st_thread_remove(st, t);
        }
    }
}

static void on_exec(struct engine_state *st, struct eval_ctx *ctx)
{
    const struct tt_event *ev = ctx->ev;
    if (ev->ret != 0)
        return; /* failed exec: the caller's fields stay */
    struct st_thread *t = ctx->thr;
    if (!t)
        return;
    if (ev->pid > 0 && t->tid != ev->pid) {
        /* exec from a non-leader thread: the thread takes over the leader's id */
        struct st_proc *p = t->proc;
        p->ref++;
        struct st_thread *leader = st_thread_get(st, ev->pid);
        if (leader && leader != t)
            st_thread_remove(st, leader);
        char comm[16];
        memcpy(comm, t->comm, sizeof comm);
        uint64_t cts = t->clone_ts;
        st_thread_remove(st, t);
        t = st_thread_add(st, ev->pid, p);
        st_proc_unref(st, p);
        if (!t) {
            ctx->thr = NULL;
            ctx->proc = NULL;
            return;
        }
        memcpy(t->comm, comm, sizeof comm);
        t->clone_ts = cts;
        ctx->thr = t;
    }
    drop_other_threads(st, t);
    struct st_proc *p = t->proc;
    if (p->fds->ref > 1) { /* exec unshares the fd table */
        struct st_fdtab *c = st_fdtab_copy(st, p->fds);
        if (c) {
            st_fdtab_unref(st, p->fds);
            p->fds = c;
        }
    }
    st_fd_drop_cloexec(st, p);
    /* Fields that exec resets unless the event says otherwise. */
    st_str_unref(st, p->env);
    p->env = NULL;
    st_str_unref(st, p->args);
    st_str_unref(st, p->argv);
    p->args = p->argv = NULL;
    p->nargs = 0;
    st_proc_describe(st, t, ev, 1);
    ctx->proc = p;
}

/* setuid/setgid: root sets the real, effective and saved id, anyone else the effective one. */
static void set_id(const struct tt_event *ev, unsigned param, int root, uint32_t *real,
                   uint32_t *eff, uint32_t *saved)
{
    uint64_t v;
    if (!tt_event_get_u64(ev, param, &v))
        return;
    if (root)
        *real = *saved = (uint32_t)v;
    *eff = (uint32_t)v;
}

/* setres[ug]id, setre[ug]id: each id given and not -1. */
static void set_ids(const struct tt_event *ev, unsigned pr, unsigned pe, unsigned ps,
                    uint32_t *real, uint32_t *eff, uint32_t *saved)
{
    const unsigned params[3] = {pr, pe, ps};
    uint32_t *ids[3] = {real, eff, saved};
    for (int i = 0; i < 3; i++) {
        uint64_t v = (uint64_t)-1;
        tt_event_get_u64(ev, params[i], &v);
        if ((uint32_t)v != UINT32_MAX)
            *ids[i] = (uint32_t)v;
    }
}

static void on_setids(struct engine_state *st, struct eval_ctx *ctx)
{
    const struct tt_event *ev = ctx->ev;
    struct st_proc *p = ctx->proc;
    if (ev->ret != 0 || !p)
        return;
    int root = p->euid == 0; /* setgid too asks whether the effective uid is 0 */
    switch (ev->type) {
    case TT_EV_SETUID:
        set_id(ev, TT_P_UID, root, &p->uid, &p->euid, &p->suid);
        break;
    case TT_EV_SETGID:
        set_id(ev, TT_P_GID, root, &p->gid, &p->egid, &p->sgid);
        break;
    case TT_EV_SETRESUID:
    case TT_EV_SETREUID:
        set_ids(ev, TT_P_RUID, TT_P_EUID, TT_P_SUID, &p->uid, &p->euid, &p->suid);
        break;
    case TT_EV_SETRESGID:
    case TT_EV_SETREGID:
        set_ids(ev, TT_P_RGID, TT_P_EGID, TT_P_SGID, &p->gid, &p->egid, &p->sgid);
        break;
    default:
        break;
    }
    /* The tracer may report the resulting ids directly; they win. */
    take_reported_ids(ev, p);
}

static void on_chdir(struct engine_state *st, struct eval_ctx *ctx)
{
    const struct tt_event *ev = ctx->ev;
    struct st_proc *p = ctx->proc;
    if (ev->ret != 0 || !p)
        return;
    const char *s;
    size_t n;
    if (ev->type == TT_EV_FCHDIR) {
        int64_t fd;
        struct st_fd *f;
        if (tt_event_get_i64(ev, TT_P_FD, &fd) && (f = state_fd(p, fd)) && f->name)
            set_cwd(st, p, f->name->s, f->name->len);
        return;
    }
    s = st_resolve_param(ctx, TT_P_PATH, 0, &n);
    if (!s)
        s = st_resolve_param(ctx, TT_P_NAME, 0, &n);
    if (!s)
        return;
    if (ev->type == TT_EV_CHDIR)
        set_cwd(st, p, s, n);
    else if (ev->type == TT_EV_CHROOT)
        st_str_set(st, &p->root, s, n);
}

void st_proc_event(struct engine_state *st, struct eval_ctx *ctx)
{
    const struct tt_event *ev = ctx->ev;
    if (ev->type == TT_EV_TRACER_INFO || ev->type == TT_EV_DROP || ev->type == TT_EV_TAMPER) {
        /* notices from the tracer itself (or about the workload as a whole): no thread */
        ctx->thr = st_thread_get(st, ev->tid);
        ctx->proc = ctx->thr ? ctx->thr->proc : NULL;
        return;
    }
    struct st_thread *t = thread_for_event(st, ev);
    ctx->thr = t;
    ctx->proc = t ? t->proc : NULL;
    if (!t)
        return;
    t->lru = ctx->evtnum;
    switch (ev->type) {
    case TT_EV_PROCINFO:
        st_proc_describe(st, t, ev, 0);
        break;
    case TT_EV_CLONE:
    case TT_EV_CLONE3:
    case TT_EV_FORK:
    case TT_EV_VFORK:
        on_clone(st, ctx);
        break;
    case TT_EV_EXECVE:
    case TT_EV_EXECVEAT:
        on_exec(st, ctx);
        break;
    case TT_EV_SETUID:
    case TT_EV_SETGID:
    case TT_EV_SETRESUID:
    case TT_EV_SETRESGID:
    case TT_EV_SETREUID:
    case TT_EV_SETREGID:
        on_setids(st, ctx);
        break;
    case TT_EV_SETSID:
        if (ev->ret >= 0) {
            t->proc->sid = (int32_t)(ev->ret ? ev->ret : t->proc->pid);
            t->proc->vpgid = t->proc->sid;
        }
        break;
    case TT_EV_SETPGID:
        if (ev->ret == 0) {
            int64_t who = 0, pg = 0;
            tt_event_get_i64(ev, TT_P_PID, &who);
            tt_event_get_i64(ev, TT_P_PGID, &pg);
            struct st_proc *tp = who == 0 ? t->proc : st_proc_get(st, (int32_t)who);
            if (tp)
                tp->vpgid = (int32_t)(pg == 0 ? tp->pid : pg);
        }
        break;
    case TT_EV_CHDIR:
    case TT_EV_FCHDIR:
    case TT_EV_CHROOT:
        on_chdir(st, ctx);
        break;
    case TT_EV_CAPSET:
        if (ev->ret == 0) {
            set_u64(ev, TT_P_CAP_INH, &t->proc->cap_inh);
            set_u64(ev, TT_P_CAP_PRM, &t->proc->cap_prm);
            set_u64(ev, TT_P_CAP_EFF, &t->proc->cap_eff);
        }
        break;
    case TT_EV_PRCTL:
    case TT_EV_PRCTL_NAME: {
        int64_t cmd = PR_SET_NAME;
        const char *s;
        size_t n;
        if (ev->type == TT_EV_PRCTL)
            tt_event_get_i64(ev, TT_P_CMD, &cmd);
        if (ev->ret == 0 && cmd == PR_SET_NAME &&
            (st_param_str(ev, TT_P_NAME, &s, &n) || st_param_str(ev, TT_P_COMM, &s, &n)))
            set_comm(t, s, n);
        break;
    }
    default:
        break;
    }
}

struct reparent_arg {
    int32_t from, to;
};

static int reparent_one(struct st_proc *p, void *arg)
{
    struct reparent_arg *a = arg;
    if (p->ppid == a->from && p->pid != a->to)
        p->ppid = a->to;
    return 0;
}

void st_proc_end_event(struct engine_state *st, struct eval_ctx *ctx)
{
    const struct tt_event *ev = ctx->ev;
    if (ev->type != TT_EV_PROCEXIT)
        return;
    struct st_thread *t = st_thread_get(st, ev->tid);
    if (!t)
        return;
    struct st_proc *p = t->proc;
    if (p->ref == 1) {
        /* Last thread: the process goes; its children are reparented like the kernel does,
         * to the init of the traced world (pid 1 when known), else to the grandparent. */
        struct reparent_arg a = {.from = p->pid, .to = 0};
        if (st_proc_get(st, 1) && p->pid != 1)
            a.to = 1;
        else if (state_parent(st, p))
            a.to = p->ppid;
        st_proc_foreach(st, reparent_one, &a);
    }
    st_thread_remove(st, t);
    ctx->thr = NULL;
    ctx->proc = NULL;
    ctx->fd = NULL;
}

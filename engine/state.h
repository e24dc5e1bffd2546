/* Engine state: the thread/process table and per-process fd tables rebuilt from the Tartan
 * event stream, and struct eval_ctx, the per-event context every field extractor reads.
 *
 * Semantics follow libsinsp (../shared/reference/falco-engine-digest.md sections c, d):
 * a process is its thread-group leader; threads share the fd table (CLONE_FILES) and the
 * process record; fork copies the fd table; exec drops CLOEXEC fds; exit reparents children.
 *
 * Memory: tables grow on demand up to fixed caps (struct state_opts); strings are refcounted
 * and shared between a parent and its forked children. Processing an event never allocates
 * except when it creates state (a new thread, a new fd, an exec). */
#ifndef ENGINE_STATE_H
#define ENGINE_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "fields.h"
#include "tt_event.h"

/* An immutable refcounted string (exe, args, cwd, fd names, ...). */
struct st_str {
    uint32_t ref;
    uint32_t len; /* bytes in s, not counting the NUL */
    char s[];     /* NUL-terminated */
};

/* Socket tuple of an fd: client/server as Falco orders them (fd.cip/fd.sip...). */
struct st_sock {
    uint8_t family;    /* AF_INET, AF_INET6, AF_UNIX, AF_NETLINK, AF_PACKET... (Linux values) */
    uint8_t l4proto;   /* ST_L4_* */
    uint8_t is_server; /* 1: this fd is the server side (accepted / listening) */
    uint8_t connected;
    uint8_t name_changed; /* this event changed the tuple */
    uint8_t role;         /* ST_ROLE_*: which tuple fields are meaningful */
    uint8_t pad[2];
    uint16_t cport, sport;
    uint8_t cip[16], sip[16]; /* v4 in the first 4 bytes */
};

enum st_l4 { ST_L4_UNKNOWN = 0, ST_L4_TCP, ST_L4_UDP, ST_L4_ICMP, ST_L4_RAW };

/* Socket roles as libsinsp: none (no tuple yet: ip/port fields missing), client or server of
 * a connection, or a bound listening socket (only the server address is known). */
enum st_role { ST_ROLE_NONE = 0, ST_ROLE_CLIENT, ST_ROLE_SERVER, ST_ROLE_LISTEN };

/* One open fd. type is enum tt_fd_type (TT_FD_*). */
struct st_fd {
    uint8_t used;
    uint8_t type;
    uint8_t cloexec;
    uint8_t pad;
    uint32_t openflags; /* PPM open flags (PPM_O_*), see evt_args.h */
    uint64_t dev, ino;
    struct st_str *name; /* fd.name: absolute normalized path, socket tuple text, ... */
    struct st_sock sock;
};

/* A per-process fd table, shared by threads created with CLONE_FILES. */
struct st_fdtab {
    uint32_t ref;
    uint32_t cap; /* entries in v (grows by doubling up to state_opts.max_fds) */
    uint32_t nused;
    struct st_fd *v;
};

/* Container of a process (shared by every process in it). */
struct st_mount {
    char *source, *dest;
};

struct st_container {
    uint32_t ref;
    char id[16]; /* 12-char id or "host" */
    char full_id[72];
    struct st_str *name, *image, *image_repo, *image_tag, *image_digest, *ip;
    int privileged;          /* -1 unknown */
    int mounts_known;        /* the mount list below came from ECS task metadata */
    struct st_mount *mounts; /* ECS Volumes, in document order */
    size_t nmounts;
    uint64_t start_ts;      /* container.start_ts (pid-ns init start), 0 unknown */
    struct st_users *users; /* passwd/group cache, loaded on first use */
    struct st_container *next;
};

/* Process-wide state (the thread-group leader's view); shared by its threads. */
struct st_proc {
    uint32_t ref; /* threads pointing here */
    int32_t pid;  /* tgid */
    int32_t ppid; /* parent process (after reparenting) */
    int32_t sid, vpgid;
    int32_t vpid;
    uint32_t uid, euid, suid, gid, egid, sgid;
    int64_t loginuid; /* -1 when unset */
    uint64_t tty;
    uint64_t cap_inh, cap_prm, cap_eff;
    uint64_t exe_ino, exe_ctime, exe_mtime;
    uint32_t exe_flags; /* TT_EXE_* */
    uint32_t nargs;
    uint64_t clone_ts; /* when the process (its leader) was created, ns */
    uint64_t pidns_init_ts;
    uint64_t fdlimit;
    struct st_str *exe;     /* argv[0] */
    struct st_str *exepath; /* resolved path, " (deleted)" stripped */
    struct st_str *args;    /* argv[1..] joined with spaces */
    struct st_str *argv;    /* argv[1..] NUL-separated (for proc.args by index) */
    struct st_str *cwd;     /* always ends with '/' */
    struct st_str *env;     /* NUL-separated, may be NULL */
    struct st_str *root;    /* chroot dir, NULL for "/" */
    struct st_fdtab *fds;
    struct st_container *ctr;
    struct st_proc *hnext; /* hash chain (state code only) */
};

/* One thread. */
struct st_thread {
    int32_t tid;
    int32_t vtid;
    uint32_t flags; /* ST_TH_* */
    char comm[16];
    uint64_t clone_ts;
    uint64_t lru; /* last event number that touched it */
    struct st_proc *proc;
    struct st_thread *hnext; /* hash chain (state code only) */
};

enum st_thread_flags {
    ST_TH_USED = 1u << 0,
    ST_TH_EXITED = 1u << 1,  /* procexit seen, kept until its process goes */
    ST_TH_PARTIAL = 1u << 2, /* created from a bare event, no description yet */
};

/* Per-event scratch space for rendered values (evt.arg.*, evt.args, fd names of failed
 * calls, cap lists...). Reset by state_begin_event; values stay valid for that event. */
#define ST_SCRATCH_SIZE (64 * 1024)

struct engine_state;

/* Per-event memo of rendered strings (fields code), keyed by field id and argument. */
struct ctx_memo {
    uint32_t key;
    uint32_t len;
    const char *p; /* NULL: known missing */
};
#define CTX_NMEMO 24

/* The context of one event, filled by state_begin_event() and read by fld_extract(). */
struct eval_ctx {
    struct engine_state *st;
    const struct tt_event *ev;
    uint64_t evtnum;       /* evt.num: 1 for the first event */
    unsigned evtype;       /* ev->type */
    struct st_thread *thr; /* thread of the event, NULL if unknown */
    struct st_proc *proc;  /* thr->proc or NULL */
    struct st_fd *fd;      /* the fd the event refers to (created/used), NULL if none */
    int64_t fdnum;         /* fd.num: the fd of the event, -1 if none/failed */
    const char *path;      /* absolute normalized path of a path event (fd.name on failure) */
    size_t pathlen;
    const char *rawpath; /* fd.nameraw: path as passed */
    size_t rawpathlen;
    struct st_fd fdtmp;   /* fd description when the call failed or closed the fd */
    uint32_t cache_valid; /* bits of lazily computed per-event values (fields code) */
    uint32_t nmemo;
    struct ctx_memo memo[CTX_NMEMO];
    size_t scratch_used;
    char scratch[ST_SCRATCH_SIZE];
};

/* Limits (0 in a field = default). */
struct state_opts {
    uint32_t max_threads;  /* default 32768 */
    uint32_t max_fds;      /* per process, default 65536 */
    const char *host_root; /* where the host's /etc/passwd lives, default "/" (tests) */
    int no_proc_lookup;    /* never read /proc/<pid>/root (capture replay of another host) */
};

struct engine_state *state_new(void);
struct engine_state *state_new_opts(const struct state_opts *o);
void state_free(struct engine_state *st);

/* Apply the part of the event that must be visible to the rules (new thread, exec, new fd,
 * cwd change...), then fill ctx for field extraction. Always returns 0 for a valid event
 * (state problems degrade to missing fields), -1 only on a NULL argument. */
int state_begin_event(struct engine_state *st, const struct tt_event *ev, uint64_t evtnum,
                      struct eval_ctx *ctx);
/* Apply what Falco applies after the filters ran (close removes the fd, procexit removes the
 * thread). */
void state_end_event(struct engine_state *st, struct eval_ctx *ctx);

/* Container metadata from RUNTIME (ECS task metadata...). id: 12-char or full id, "host" for
 * the host. Any string may be NULL (left unchanged). privileged: -1 unchanged. */
int state_set_container_meta(struct engine_state *st, const char *id, const char *name,
                             const char *image, const char *image_repo, const char *image_tag,
                             int privileged);

/* The container's mounts (ECS task metadata Volumes: Source, Destination), replacing any
 * earlier list (n = 0: known to have none). */
int state_set_container_mounts(struct engine_state *st, const char *id, const char *const *source,
                               const char *const *dest, size_t n);
/* The image's registry digest (ECS ImageID, "sha256:..."). */
int state_set_container_digest(struct engine_state *st, const char *id, const char *digest);

/* The container every process belongs to when its cgroups name none (the engine knows it runs
 * inside one: ECS task metadata). Processes already marked "host" move to it. id as for
 * state_set_container_meta. */
int state_set_default_container(struct engine_state *st, const char *id);

/* Lookups (NULL if unknown). */
struct st_thread *state_thread(struct engine_state *st, int32_t tid);
struct st_proc *state_proc(struct engine_state *st, int32_t pid);
/* The parent process of p (after reparenting), NULL if unknown. */
struct st_proc *state_parent(struct engine_state *st, const struct st_proc *p);
/* The main thread of p (for comm), NULL if gone. */
struct st_thread *state_main_thread(struct engine_state *st, const struct st_proc *p);
/* fd entry of p, NULL if not open. */
struct st_fd *state_fd(const struct st_proc *p, int64_t fd);

/* Counters for metrics and tests. */
struct state_stats {
    uint64_t threads, procs, fds; /* live now */
    uint64_t threads_dropped;     /* not created because max_threads was reached */
    uint64_t threads_purged;      /* forgotten: /proc/<tid> gone, exit never seen */
    uint64_t fds_dropped;
    uint64_t bytes; /* heap bytes held by the tables (approximate) */
};
void state_get_stats(const struct engine_state *st, struct state_stats *out);

/* Scratch allocation for the current event: returns n bytes or NULL if the event already used
 * ST_SCRATCH_SIZE (the field is then treated as missing/truncated). */
char *ctx_scratch(struct eval_ctx *ctx, size_t n);

#endif

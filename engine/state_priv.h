/* Internal interface between the state files (state_*.c) and the field extractors
 * (fields_*.c, evt_*.c). Not for the rules or runtime code. */
#ifndef ENGINE_STATE_PRIV_H
#define ENGINE_STATE_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "state.h"

struct st_users;

struct engine_state {
    struct state_opts o;
    struct st_thread **thash;
    uint32_t tbuckets, nthreads;
    struct st_proc **phash;
    uint32_t pbuckets, nprocs;
    struct st_container *ctrs; /* list, host first */
    struct st_container *host;
    struct st_container *dflt; /* state_set_default_container(): replaces "host" */
    uint64_t nfds;
    uint64_t threads_dropped, fds_dropped;
    uint64_t bytes;
    uint64_t evtnum;     /* current event number */
    uint64_t last_purge; /* event number of the last dead-thread purge */
    uint64_t threads_purged;
    char *pathbuf;         /* PATH_MAX * 2 work area for path joins */
    struct st_str **names; /* ST_NAME_CACHE recently used fd names, shared (no malloc per open) */
};

#define ST_NAME_CACHE 1024u

/* An fd name shared through the name cache (a new reference), NULL on ENOMEM. */
struct st_str *st_name_get(struct engine_state *st, const char *s, size_t len);

static inline struct st_str *st_str_ref(struct st_str *s)
{
    if (s)
        s->ref++;
    return s;
}
void st_str_unref(struct engine_state *st, struct st_str *s);
/* Replace *slot by a new string (old one unreferenced). 0 or -1. */
int st_str_set(struct engine_state *st, struct st_str **slot, const char *s, size_t len);

/* Thread/process table (state_core.c). */
struct st_thread *st_thread_get(struct engine_state *st, int32_t tid);
/* New thread record attached to proc p (ref taken); NULL at the cap or on ENOMEM. */
struct st_thread *st_thread_add(struct engine_state *st, int32_t tid, struct st_proc *p);
void st_thread_remove(struct engine_state *st, struct st_thread *t);
struct st_proc *st_proc_get(struct engine_state *st, int32_t pid);
/* New empty process (not in any thread yet, ref 0); NULL on ENOMEM. */
struct st_proc *st_proc_new(struct engine_state *st, int32_t pid);
/* Process record p's copy (fork): shares strings, copies or shares the fd table. */
struct st_proc *st_proc_fork(struct engine_state *st, const struct st_proc *parent, int32_t pid,
                             int share_fds);
void st_proc_unref(struct engine_state *st, struct st_proc *p);
/* Iterate every process: calls fn until it returns non-zero. */
void st_proc_foreach(struct engine_state *st, int (*fn)(struct st_proc *p, void *arg), void *arg);

/* fd tables (state_fd.c). */
struct st_fdtab *st_fdtab_new(struct engine_state *st);
struct st_fdtab *st_fdtab_copy(struct engine_state *st, const struct st_fdtab *src);
void st_fdtab_unref(struct engine_state *st, struct st_fdtab *t);
/* Slot for fd n (cleared and marked used, old content released); NULL if over the cap. */
struct st_fd *st_fd_set(struct engine_state *st, struct st_proc *p, int64_t n);
void st_fd_clear(struct engine_state *st, struct st_proc *p, int64_t n);
void st_fd_copy(struct st_fd *dst, const struct st_fd *src);
void st_fd_drop_cloexec(struct engine_state *st, struct st_proc *p);
/* Event handlers for fd events. */
void st_fd_event(struct engine_state *st, struct eval_ctx *ctx);

/* Paths (state_path.c). */
/* Lexically normalize an absolute path in place ("/a/./b/../c//" -> "/a/c"). Returns length. */
size_t st_path_normalize(char *p, size_t len);
/* Join base dir (absolute; may end in '/') and path (absolute or relative) into out, normalized.
 * Returns length, or (size_t)-1 if it does not fit. */
size_t st_path_join(const char *base, size_t blen, const char *path, size_t plen, char *out,
                    size_t cap);
/* Resolve path param pid with dirfd param did (0: cwd) into scratch; NULL if missing. */
const char *st_resolve_param(struct eval_ctx *ctx, unsigned pid, unsigned did, size_t *len);

/* Processes (state_proc.c). */
void st_proc_event(struct engine_state *st, struct eval_ctx *ctx);
void st_proc_end_event(struct engine_state *st, struct eval_ctx *ctx);

/* Containers (state_container.c). */
struct st_container *st_container_get(struct engine_state *st, const char *id12,
                                      const char *full_id);
void st_container_unref(struct engine_state *st, struct st_container *c);
/* Container id from an event's container_id / cgroups params: writes 12-char id (or "host")
 * and the full id; returns 1 if the event had the information. */
int st_container_id_from_event(const struct tt_event *ev, char *id12, size_t n12, char *full,
                               size_t nfull);

/* Users (state_user.c): name of uid/gid in the process's container; NULL if unknown. */
const char *st_user_name(struct engine_state *st, struct st_proc *p, uint32_t uid,
                         const char **home, const char **shell);
const char *st_group_name(struct engine_state *st, struct st_proc *p, uint32_t gid);
void st_users_free(struct st_users *u);

/* Parameter helpers. */
int st_param_str(const struct tt_event *ev, unsigned id, const char **s, size_t *len);

#endif

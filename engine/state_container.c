/* Containers: the container id of a process from the tracer's container_id / cgroups params
 * (12 characters as Falco prints it, "host" outside a container) and the metadata RUNTIME may
 * add later (name, image). One shared record per container. */
#include "state_priv.h"

#include "tt_cgroup.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

struct st_container *st_container_get(struct engine_state *st, const char *id12,
                                      const char *full_id)
{
    for (struct st_container *c = st->ctrs; c; c = c->next) {
        if (strcmp(c->id, id12) == 0) {
            c->ref++;
            return c;
        }
    }
    struct st_container *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->ref = 2; /* the list keeps one reference: metadata survives short-lived processes */
    snprintf(c->id, sizeof c->id, "%s", id12);
    snprintf(c->full_id, sizeof c->full_id, "%s", full_id ? full_id : "");
    c->privileged = -1;
    c->next = st->ctrs;
    st->ctrs = c;
    st->bytes += sizeof *c;
    return c;
}

static void free_mounts(struct st_container *c)
{
    for (size_t i = 0; i < c->nmounts; i++) {
        free(c->mounts[i].source);
        free(c->mounts[i].dest);
    }
    free(c->mounts);
    c->mounts = NULL;
    c->nmounts = 0;
}

void st_container_unref(struct engine_state *st, struct st_container *c)
{
    if (!c || (c->ref > 0 && --c->ref > 0))
        return;
    for (struct st_container **pp = &st->ctrs; *pp; pp = &(*pp)->next) {
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    }
    st_str_unref(st, c->name);
    st_str_unref(st, c->image);
    st_str_unref(st, c->image_repo);
    st_str_unref(st, c->image_tag);
    st_str_unref(st, c->image_digest);
    st_str_unref(st, c->ip);
    free_mounts(c);
    st_users_free(c->users);
    st->bytes -= sizeof *c;
    free(c);
}

int st_container_id_from_event(const struct tt_event *ev, char *id12, size_t n12, char *full,
                               size_t nfull)
{
    const char *s;
    size_t n;
    int had_id = st_param_str(ev, TT_P_CONTAINER_ID, &s, &n);
    if (had_id && n > 0 && !(n == 4 && memcmp(s, "host", 4) == 0)) {
        snprintf(full, nfull, "%.*s", (int)n, s);
        snprintf(id12, n12, "%.*s", (int)(n > 12 ? 12 : n), s);
        return 1;
    }
    /* No 64-hex id from the tracer: the cgroup lines may still name one (ECS/Fargate ids are
     * "<task>-<n>"), else the process is on the host. */
    struct tt_param_view v;
    if (!tt_event_param(ev, TT_P_CGROUPS, &v)) {
        if (!had_id)
            return 0;
        snprintf(id12, n12, "host");
        snprintf(full, nfull, "%s", "");
        return 1;
    }
    if (tt_cgroup_container_id((const char *)v.data, v.len, full, nfull)) {
        snprintf(id12, n12, "%.12s", full);
        return 1;
    }
    snprintf(id12, n12, "host");
    return 1;
}

int state_set_container_meta(struct engine_state *st, const char *id, const char *name,
                             const char *image, const char *image_repo, const char *image_tag,
                             int privileged)
{
    if (!st || !id)
        return -1;
    char id12[16];
    snprintf(id12, sizeof id12, "%.12s", id);
    struct st_container *c = st_container_get(st, id12, strlen(id) > 12 ? id : NULL);
    if (!c)
        return -1;
    int rc = 0;
    if (name && st_str_set(st, &c->name, name, strlen(name)) < 0)
        rc = -1;
    if (image && st_str_set(st, &c->image, image, strlen(image)) < 0)
        rc = -1;
    if (image_repo && st_str_set(st, &c->image_repo, image_repo, strlen(image_repo)) < 0)
        rc = -1;
    if (image_tag && st_str_set(st, &c->image_tag, image_tag, strlen(image_tag)) < 0)
        rc = -1;
    if (privileged >= 0)
        c->privileged = privileged;
    st_container_unref(st, c);
    return rc;
}

static struct st_container *container_of_id(struct engine_state *st, const char *id)
{
    if (!st || !id)
        return NULL;
    char id12[16];
    snprintf(id12, sizeof id12, "%.12s", id);
    return st_container_get(st, id12, strlen(id) > 12 ? id : NULL);
}

int state_set_container_mounts(struct engine_state *st, const char *id, const char *const *source,
                               const char *const *dest, size_t n)
{
    struct st_container *c = container_of_id(st, id);
    if (!c)
        return -1;
    free_mounts(c);
    int rc = 0;
    if (n && !(c->mounts = calloc(n, sizeof *c->mounts)))
        rc = -1;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        struct st_mount *m = &c->mounts[c->nmounts];
        m->source = strdup(source[i] ? source[i] : "");
        m->dest = strdup(dest[i] ? dest[i] : "");
        if (!m->source || !m->dest) {
            free(m->source);
            free(m->dest);
            rc = -1;
            break;
        }
        c->nmounts++;
    }
    c->mounts_known = 1;
    st_container_unref(st, c);
    return rc;
}

int state_set_container_digest(struct engine_state *st, const char *id, const char *digest)
{
    struct st_container *c = container_of_id(st, id);
    if (!c)
        return -1;
    int rc = digest ? st_str_set(st, &c->image_digest, digest, strlen(digest)) : 0;
    st_container_unref(st, c);
    return rc < 0 ? -1 : 0;
}

struct remap_arg {
    struct engine_state *st;
    struct st_container *to;
};

static int remap_host(struct st_proc *p, void *arg)
{
    struct remap_arg *a = arg;
    if (p->ctr == a->st->host) {
        st_container_unref(a->st, p->ctr);
        p->ctr = a->to;
        a->to->ref++;
    }
    return 0;
}

int state_set_default_container(struct engine_state *st, const char *id)
{
    if (!st || !id || !*id)
        return -1;
    char id12[16];
    snprintf(id12, sizeof id12, "%.12s", id);
    if (strcmp(id12, "host") == 0)
        return -1;
    struct st_container *c = st_container_get(st, id12, strlen(id) > 12 ? id : NULL);
    if (!c)
        return -1;
    if (st->dflt)
        st_container_unref(st, st->dflt);
    st->dflt = c; /* keeps the reference */
    struct remap_arg a = {st, c};
    st_proc_foreach(st, remap_host, &a);
    return 0;
}

/* User and group names as Falco resolves them: from the passwd and group files of the
 * process's container (/proc/<pid>/root/etc/{passwd,group} when readable, else the host's
 * files under state_opts.host_root), loaded once per container and cached. */
#include "state_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tt_io.h"
#include "tt_log.h"

struct st_ent {
    uint32_t id;
    const char *name, *home, *shell;
};

struct st_users {
    char *pw_blob, *gr_blob;
    struct st_ent *pw, *gr;
    size_t npw, ngr;
};

/* A passwd or group file whole, or NULL. A file over TT_CAP_USERS_FILE is refused, never cut:
 * *too_big is set and the caller resolves no names from it (nor from the host's). */
static char *slurp(const char *path, size_t *len, int *too_big)
{
    char *b = tt_read_file(path, TT_CAP_USERS_FILE, len);
    if (!b && errno == EFBIG) {
        *too_big = 1;
        tt_warn("%s is larger than %u MiB: user and group names from it are not resolved", path,
                TT_CAP_USERS_FILE >> 20);
    }
    return b;
}

/* Parse colon-separated lines: name:x:id:... ; for passwd also home (6th) and shell (7th). */
static size_t parse_db(char *blob, size_t len, struct st_ent **out)
{
    size_t lines = 1;
    for (size_t i = 0; i < len; i++)
        lines += blob[i] == '\n';
    struct st_ent *v = calloc(lines, sizeof *v);
    if (!v)
        return 0;
    size_t n = 0;
    char *save = NULL;
    for (char *line = strtok_r(blob, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *f[7] = {0};
        int nf = 0;
        char *p = line;
        while (nf < 7) {
            f[nf++] = p;
            char *c = strchr(p, ':');
            if (!c)
                break;
            *c = '\0';
            p = c + 1;
        }
        if (nf < 3 || !f[0][0] || f[0][0] == '#')
            continue;
        char *end;
        unsigned long id = strtoul(f[2], &end, 10);
        if (end == f[2])
            continue;
        v[n].id = (uint32_t)id;
        v[n].name = f[0];
        v[n].home = nf > 5 ? f[5] : "";
        v[n].shell = nf > 6 ? f[6] : "";
        n++;
    }
    *out = v;
    return n;
}

void st_users_free(struct st_users *u)
{
    if (!u)
        return;
    free(u->pw_blob);
    free(u->gr_blob);
    free(u->pw);
    free(u->gr);
    free(u);
}

static struct st_users *users_load(struct engine_state *st, struct st_proc *p)
{
    struct st_users *u = calloc(1, sizeof *u);
    if (!u)
        return NULL;
    char path[320];
    size_t len = 0;
    int in_ctr = strcmp(p->ctr->id, "host") != 0 && !st->o.no_proc_lookup;
    int too_big = 0;
    if (in_ctr) {
        snprintf(path, sizeof path, "/proc/%d/root/etc/passwd", (int)p->pid);
        u->pw_blob = slurp(path, &len, &too_big);
    }
    if (!u->pw_blob && !too_big) {
        snprintf(path, sizeof path, "%s/etc/passwd", st->o.host_root);
        u->pw_blob = slurp(path, &len, &too_big);
    }
    if (u->pw_blob)
        u->npw = parse_db(u->pw_blob, len, &u->pw);
    len = 0;
    too_big = 0;
    if (in_ctr) {
        snprintf(path, sizeof path, "/proc/%d/root/etc/group", (int)p->pid);
        u->gr_blob = slurp(path, &len, &too_big);
    }
    if (!u->gr_blob && !too_big) {
        snprintf(path, sizeof path, "%s/etc/group", st->o.host_root);
        u->gr_blob = slurp(path, &len, &too_big);
    }
    if (u->gr_blob)
        u->ngr = parse_db(u->gr_blob, len, &u->gr);
    return u;
}

static struct st_users *users_of(struct engine_state *st, struct st_proc *p)
{
    if (!p || !p->ctr)
        return NULL;
    if (!p->ctr->users)
        p->ctr->users = users_load(st, p);
    return p->ctr->users;
}

const char *st_user_name(struct engine_state *st, struct st_proc *p, uint32_t uid,
                         const char **home, const char **shell)
{
    struct st_users *u = users_of(st, p);
    for (size_t i = 0; u && i < u->npw; i++) {
        if (u->pw[i].id == uid) {
            if (home)
                *home = u->pw[i].home;
            if (shell)
                *shell = u->pw[i].shell;
            return u->pw[i].name;
        }
    }
    if (uid == 0) {
        if (home)
            *home = "/root";
        if (shell)
            *shell = NULL;
        return "root";
    }
    return NULL;
}

const char *st_group_name(struct engine_state *st, struct st_proc *p, uint32_t gid)
{
    struct st_users *u = users_of(st, p);
    for (size_t i = 0; u && i < u->ngr; i++)
        if (u->gr[i].id == gid)
            return u->gr[i].name;
    return gid == 0 ? "root" : NULL;
}

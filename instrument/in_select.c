/* Selection of containers. */
#include "in_select.h"

#include <stdlib.h>
#include <string.h>

static void add_names(struct in_list *l, const char *v)
{
    /* ':' separates (tag values cannot hold ','), ',' is accepted too */
    while (v && *v) {
        const char *e = v + strcspn(v, ":,");
        if (e > v) {
            char **nv = realloc(l->v, (l->n + 1) * sizeof *nv);
            if (!nv)
                return;
            l->v = nv;
            if ((l->v[l->n] = strndup(v, (size_t)(e - v))))
                l->n++;
        }
        v = *e ? e + 1 : e;
    }
}

void in_sel_add(struct in_sel *s, const char *key, const char *value)
{
    if (!strcmp(key, "tartan-ignore") || !strcmp(key, "kilt-ignore"))
        s->ignore_all = 1;
    else if (!strcmp(key, "tartan-include") || !strcmp(key, "kilt-include"))
        s->include_all = 1;
    else if (!strcmp(key, "tartan-ignore-containers") || !strcmp(key, "kilt-ignore-containers"))
        add_names(&s->ignore, value);
    else if (!strcmp(key, "tartan-include-containers") || !strcmp(key, "kilt-include-containers"))
        add_names(&s->include, value);
}

int in_sel_skip(const struct in_sel *s, const struct in_opts *o)
{
    if (s->ignore_all)
        return 1;
    return o->opt_in && !s->include_all && !s->include.n && !o->include.n;
}

int in_sel_container(const struct in_sel *s, const struct in_opts *o, const char *name, int ignored)
{
    if (ignored || in_list_has(&o->exclude, name) || in_list_has(&s->ignore, name))
        return 0;
    if (o->include.n && !in_list_has(&o->include, name))
        return 0;
    if (o->opt_in)
        return s->include_all || in_list_has(&s->include, name) || in_list_has(&o->include, name);
    return 1;
}

void in_sel_free(struct in_sel *s)
{
    for (size_t i = 0; i < s->ignore.n; i++)
        free(s->ignore.v[i]);
    for (size_t i = 0; i < s->include.n; i++)
        free(s->include.v[i]);
    free(s->ignore.v);
    free(s->include.v);
    memset(s, 0, sizeof *s);
}

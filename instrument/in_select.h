/* Which task definitions, workloads and containers are instrumented: --include/--exclude, and the
 * opt-out / opt-in marks Kilt users know, read from ECS tags, CloudFormation Tags, Kubernetes
 * labels and annotations:
 *   tartan-ignore (or kilt-ignore)                      leave the whole task / workload alone
 *   tartan-ignore-containers: a:b (or kilt-...)         leave these containers alone
 *   tartan-include, tartan-include-containers: a:b      with --opt-in: instrument only these
 * and per ECS container: the docker label tartan.ignore=true. */
#ifndef IN_SELECT_H
#define IN_SELECT_H
#include "in_opts.h"

struct in_sel {
    int ignore_all, include_all;
    struct in_list ignore, include;
};

/* Feeds one tag, label or annotation. */
void in_sel_add(struct in_sel *s, const char *key, const char *value);
/* The whole task / workload is left alone. */
int in_sel_skip(const struct in_sel *s, const struct in_opts *o);
/* This container is instrumented (ignored: its own tartan.ignore mark). */
int in_sel_container(const struct in_sel *s, const struct in_opts *o, const char *name,
                     int ignored);
void in_sel_free(struct in_sel *s);

#endif

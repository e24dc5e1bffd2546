/* The engine's configuration that instrument puts in the environment. */
#ifndef IN_FALCO_H
#define IN_FALCO_H
#include "in_opts.h"

/* falco.yaml text: --falco-yaml's as given, else the built-in one: upstream and Tartan rules
 * under PREFIX/etc, JSON alerts, stdout off (the workload's log stays the workload's), and
 * program_output to PREFIX/bin/logshipper with logshipper_args appended (--region,
 * --retention-days or --no-create-group). A heap string, NULL when out of memory. */
char *in_falco_yaml(const struct in_opts *o, const char *prefix, const char *logshipper_args);

/* The k8s sidecar's variant: alerts also on stdout (kubectl logs). */
char *in_falco_yaml_sidecar(const struct in_opts *o, const char *prefix,
                            const char *logshipper_args);

#endif

/* Built-in falco.yaml. */
#include "in_falco.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *build(const struct in_opts *o, const char *prefix, const char *args, int to_stdout)
{
    if (o->falco_yaml)
        return strdup(o->falco_yaml);
    char region[160] = "";
    if (o->region)
        snprintf(region, sizeof region, " --region %s", o->region);
#define FALCO_FMT                                                                                  \
    "# Tartan engine configuration, written by instrument " IN_VERSION ".\n"                       \
    "rules_files:\n"                                                                               \
    "  - %s/etc/falco_rules.yaml\n"                                                                \
    "  - %s/etc/tartan_rules.yaml\n"                                                               \
    "rule_matching: all\n"                                                                         \
    "json_output: true\n"                                                                          \
    "json_include_output_property: true\n"                                                         \
    "json_include_tags_property: true\n"                                                           \
    "priority: informational\n"                                                                    \
    "stdout_output:\n"                                                                             \
    "  enabled: %s\n"                                                                              \
    "program_output:\n"                                                                            \
    "  enabled: true\n"                                                                            \
    "  keep_alive: true\n"                                                                         \
    "  program: %s/bin/logshipper%s%s%s\n"
    const char *a = args ? args : "";
    size_t n = sizeof FALCO_FMT + 3 * strlen(prefix) + strlen(region) + strlen(a) + 16;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, FALCO_FMT, prefix, prefix, to_stdout ? "true" : "false", prefix, region,
                 *a ? " " : "", a);
    return s;
}

char *in_falco_yaml(const struct in_opts *o, const char *prefix, const char *logshipper_args)
{
    return build(o, prefix, logshipper_args, 0);
}

char *in_falco_yaml_sidecar(const struct in_opts *o, const char *prefix,
                            const char *logshipper_args)
{
    return build(o, prefix, logshipper_args, 1);
}

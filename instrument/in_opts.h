/* instrument's options: one table serves the command line, the CloudFormation macro's
 * parameters, the Lambda function's environment and the Terraform external program's query. */
#ifndef IN_OPTS_H
#define IN_OPTS_H
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "tt_version.h"

struct in_list {
    char **v;
    size_t n;
};

struct in_opts {
    /* which containers */
    struct in_list include, exclude;
    int opt_in;
    /* what is added */
    char *binaries_image, *binaries_name, *engine_image, *prefix;
    int sys_ptrace, stop_timeout, retention_days;
    char *falco_yaml;     /* the text (read from the file on the command line) */
    struct in_list rules; /* "NAME\ntext" pairs: the variable suffix, a newline, the rules text */
    char *log_group, *log_stream, *region;
    int allow_no_task_role;
    /* images */
    char *image_config, *registry_auth, *platform;
    struct in_list insecure_registries, registry_urls, parameters;
    int offline, pin_digests;
    /* output */
    int compact;
    /* modes */
    int lambda, terraform, show_help, show_version;
    char *input; /* FILE, or NULL for stdin */
};

void in_opts_init(struct in_opts *o);
void in_opts_free(struct in_opts *o);
/* Command line. 0, or -1 with why in err (usage error). */
int in_opts_parse_argv(struct in_opts *o, int argc, char **argv, char *err, size_t errlen);
/* One option by name, as a macro parameter, a Terraform query key or an environment variable
 * gives it: "BinariesImage", "binaries_image", "binaries-image" are the same option. val is a JSON
 * string, number, boolean or (lists) array. File options take the text itself. 1 taken, 0 not
 * an option name, -1 bad value (why in err). */
int in_opts_set(struct in_opts *o, const char *name, const json_t *val, char *err, size_t errlen);
/* Every INSTRUMENT_<NAME> environment variable (the Lambda function's configuration). */
int in_opts_from_env(struct in_opts *o, char *err, size_t errlen);
/* Checks that hold whatever the source: 0 or -1. */
int in_opts_check(const struct in_opts *o, char *err, size_t errlen);
void in_opts_usage(FILE *f);

int in_list_has(const struct in_list *l, const char *s);

#define IN_VERSION TT_VERSION /* VERSION, as every Tartan program */
/* What instrument adds is marked with this; a different mark means another layout. */
#define IN_MARK "v1"
#define IN_MARK_ENV "TARTAN_INSTRUMENTED"
#define IN_MARK_LABEL "tartan.instrumented"

#endif

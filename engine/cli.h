/* The engine's command line (Falco's flags, old and current, where they apply). */
#ifndef ENGINE_CLI_H
#define ENGINE_CLI_H

#include <stddef.h>
#include <stdio.h>

struct cli_opts {
    const char *config_path; /* -c */
    const char **rules;      /* -r (repeatable) */
    size_t nrules;
    const char **overrides; /* -o key=value (repeatable) */
    size_t noverrides;
    const char **validate; /* -V/--validate (repeatable) */
    size_t nvalidate;
    const char **disable_substr; /* -D */
    size_t ndisable_substr;
    const char **disable_tags; /* -T */
    size_t ndisable_tags;
    const char **only_tags; /* -t */
    size_t nonly_tags;
    const char *capture;       /* -e FILE */
    const char *describe_rule; /* -l RULE */
    int describe_all;          /* -L */
    int list_fields;           /* --list [source] */
    const char *list_source;
    int list_names_only;       /* -N */
    const char *list_format;   /* --format text|markdown|json */
    int list_events;           /* --list-events */
    int version;               /* --version */
    int health;                /* --health: probe the running engine */
    int support;               /* --support */
    int dry_run;               /* --dry-run */
    int unbuffered;            /* -U */
    double max_seconds;        /* -M (event time), 0 = none */
    const char *pidfile;       /* -P */
    const char *append_format; /* -p (c/container/k/kubernetes are no-ops) */
    int userspace;             /* -u/--userspace: accepted, no-op */
    int verbose;               /* -v */
    int help;                  /* -h */
    char **argv;               /* for --support's cmdline */
    int argc;
};

/* Parses argv. 0 ok, -1 usage error (message written to err). Arrays are malloc'd. */
int cli_parse(struct cli_opts *o, int argc, char **argv, FILE *err);
void cli_free(struct cli_opts *o);
void cli_usage(FILE *out);

#endif

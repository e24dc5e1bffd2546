/* Command-line parsing for the engine: Falco's flags (current and the old ones a ptrace
 * deployment used: -u, -e, -D/-t/-T, -p), with getopt_long. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

enum {
    OPT_DRY_RUN = 1000,
    OPT_SUPPORT,
    OPT_VERSION,
    OPT_LIST,
    OPT_LIST_EVENTS,
    OPT_FORMAT,
    OPT_MARKDOWN,
    OPT_HEALTH,
};

static int push(const char ***arr, size_t *n, const char *v)
{
    const char **a = realloc(*arr, (*n + 1) * sizeof *a);
    if (!a)
        return -1;
    a[(*n)++] = v;
    *arr = a;
    return 0;
}

void cli_usage(FILE *out)
{
    fputs("Usage: engine [options]\n"
          "Falco-compatible rules engine reading the Tartan event stream.\n\n"
          "  -c FILE                  configuration file (default "
          "/etc/falco/falco.yaml"
          ", or $TARTAN_FALCO_YAML[_B64])\n"
          "  -r PATH                  rules file or directory (repeatable; replaces rules_files)\n"
          "  -o, --option KEY=VALUE   configuration override (dot path, [i] list index)\n"
          "  -e FILE                  read events from a capture file instead of the ring\n"
          "  -u, --userspace          accepted for compatibility (the ring is the default)\n"
          "  -V, --validate FILE      validate rules files and exit (repeatable)\n"
          "  -L                       describe all rules and exit\n"
          "  -l RULE                  describe one rule and exit\n"
          "  --list [SOURCE]          list supported fields (-N: names only; --format)\n"
          "  --list-events            list supported events\n"
          "  -D SUBSTR                disable rules whose name contains SUBSTR\n"
          "  -T TAG                   disable rules with TAG\n"
          "  -t TAG                   only run rules with TAG\n"
          "  -p FORMAT                append FORMAT to every rule output\n"
          "  -U, --unbuffered         do not buffer outputs\n"
          "  -M SECONDS               stop after SECONDS of event time\n"
          "  -P, --pidfile FILE       write the process id to FILE\n"
          "  --dry-run                load configuration and rules, process no events\n"
          "  --support                print support information (JSON) and exit\n"
          "  --version                print version information and exit\n"
          "  --health                 check the running engine (status file, ring, delivery):\n"
          "                           one line, exit 0 healthy, 1 not (container health checks)\n"
          "  -v                       verbose\n"
          "  -h, --help               this help\n"
          "Exit status: 0 success (-V: every file valid); 1 configuration, rules or output\n"
          "set-up error (-V: a file is invalid, as Falco); 125 usage error (docs/exit-codes.md).\n",
          out);
}

int cli_parse(struct cli_opts *o, int argc, char **argv, FILE *err)
{
    static const struct option longopts[] = {
        {"option", required_argument, NULL, 'o'},
        {"validate", required_argument, NULL, 'V'},
        {"userspace", no_argument, NULL, 'u'},
        {"unbuffered", no_argument, NULL, 'U'},
        {"pidfile", required_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'},
        {"dry-run", no_argument, NULL, OPT_DRY_RUN},
        {"support", no_argument, NULL, OPT_SUPPORT},
        {"version", no_argument, NULL, OPT_VERSION},
        {"list", optional_argument, NULL, OPT_LIST},
        {"list-events", no_argument, NULL, OPT_LIST_EVENTS},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"markdown", no_argument, NULL, OPT_MARKDOWN},
        {"health", no_argument, NULL, OPT_HEALTH},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    o->argc = argc;
    o->argv = argv;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":c:r:o:e:uV:Ll:ND:T:t:p:UM:P:vh", longopts, NULL)) != -1) {
        int rc = 0;
        switch (c) {
        case 'c':
            o->config_path = optarg;
            break;
        case 'r':
            rc = push(&o->rules, &o->nrules, optarg);
            break;
        case 'o':
            rc = push(&o->overrides, &o->noverrides, optarg);
            break;
        case 'e':
            o->capture = optarg;
            break;
        case 'u':
            o->userspace = 1;
            break;
        case 'V':
            rc = push(&o->validate, &o->nvalidate, optarg);
            break;
        case 'L':
            o->describe_all = 1;
            break;
        case 'l':
            o->describe_rule = optarg;
            break;
        case 'N':
            o->list_names_only = 1;
            break;
        case 'D':
            rc = push(&o->disable_substr, &o->ndisable_substr, optarg);
            break;
        case 'T':
            rc = push(&o->disable_tags, &o->ndisable_tags, optarg);
            break;
        case 't':
            rc = push(&o->only_tags, &o->nonly_tags, optarg);
            break;
        case 'p':
            if (strcmp(optarg, "c") && strcmp(optarg, "container") && strcmp(optarg, "k") &&
                strcmp(optarg, "kubernetes"))
                o->append_format = optarg;
            break;
        case 'U':
            o->unbuffered = 1;
            break;
        case 'M': {
            char *end;
            errno = 0;
            o->max_seconds = strtod(optarg, &end);
            if (errno || *end || o->max_seconds < 0) {
                fprintf(err, "engine: -M needs a number of seconds, got '%s'\n", optarg);
                return -1;
            }
            break;
        }
        case 'P':
            o->pidfile = optarg;
            break;
        case 'v':
            o->verbose = 1;
            break;
        case 'h':
            o->help = 1;
            break;
        case OPT_DRY_RUN:
            o->dry_run = 1;
            break;
        case OPT_SUPPORT:
            o->support = 1;
            break;
        case OPT_VERSION:
            o->version = 1;
            break;
        case OPT_HEALTH:
            o->health = 1;
            break;
        case OPT_LIST:
            o->list_fields = 1;
            if (!optarg && optind < argc && argv[optind][0] != '-')
                optarg = argv[optind++];
            o->list_source = optarg;
            break;
        case OPT_LIST_EVENTS:
            o->list_events = 1;
            break;
        case OPT_FORMAT:
            if (strcmp(optarg, "text") && strcmp(optarg, "markdown") && strcmp(optarg, "json")) {
                fprintf(err, "engine: --format must be text, markdown or json\n");
                return -1;
            }
            o->list_format = optarg;
            break;
        case OPT_MARKDOWN:
            o->list_format = "markdown";
            break;
        case ':':
            fprintf(err, "engine: option '%s' needs an argument\n", argv[optind - 1]);
            return -1;
        default:
            fprintf(err, "engine: unknown option '%s'\n", argv[optind - 1]);
            return -1;
        }
        if (rc) {
            fprintf(err, "engine: out of memory\n");
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(err, "engine: unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    return 0;
}

void cli_free(struct cli_opts *o)
{
    free(o->rules);
    free(o->overrides);
    free(o->validate);
    free(o->disable_substr);
    free(o->disable_tags);
    free(o->only_tags);
    memset(o, 0, sizeof *o);
}

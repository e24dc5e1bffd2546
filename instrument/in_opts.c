/* Option table, command line, parameters and environment. */
#include "in_opts.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "tt_io.h"

enum kind { K_STR, K_INT, K_FLAG, K_LIST, K_FILE, K_RULES };

struct def {
    const char *name;
    enum kind kind;
    size_t off;
    const char *arg, *help;
};

#define F(field) offsetof(struct in_opts, field)

static const struct def defs[] = {
    {"include", K_LIST, F(include), "NAMES", "instrument only these containers (comma-separated)"},
    {"exclude", K_LIST, F(exclude), "NAMES", "leave these containers alone"},
    {"opt-in", K_FLAG, F(opt_in), NULL,
     "only task definitions / workloads tagged tartan-include (or kilt-include)"},
    {"binaries-image", K_STR, F(binaries_image), "IMAGE",
     "the tartan-binaries image (ECS: the volume donor; Kubernetes: an image volume)"},
    {"binaries-name", K_STR, F(binaries_name), "NAME",
     "name of the binaries container (default tartan-binaries)"},
    {"engine-image", K_STR, F(engine_image), "IMAGE", "Kubernetes: the engine sidecar's image"},
    {"prefix", K_STR, F(prefix), "DIR", "where the binaries are mounted (default /vendor/falco)"},
    {"sys-ptrace", K_FLAG, F(sys_ptrace), NULL,
     "add the SYS_PTRACE capability (launch mode needs none; for seteuid-style user switches "
     "of a root workload, see docs/instrument.md)"},
    {"stop-timeout", K_INT, F(stop_timeout), "S",
     "ECS stopTimeout / Kubernetes grace period at least S seconds (default 30)"},
    {"retention-days", K_INT, F(retention_days), "N", "alert log group retention (default 90)"},
    {"falco-yaml", K_FILE, F(falco_yaml), "FILE", "the engine's falco.yaml (default: built in)"},
    {"rules", K_RULES, F(rules), "FILE", "a rules file passed as TARTAN_RULES_<NAME> (repeatable)"},
    {"log-group", K_STR, F(log_group), "NAME", "alert log group (see docs/instrument.md)"},
    {"log-stream", K_STR, F(log_stream), "NAME", "alert log stream (default: the ECS task id)"},
    {"region", K_STR, F(region), "REGION", "region logshipper ships to (default: the task's)"},
    {"allow-no-task-role", K_FLAG, F(allow_no_task_role), NULL,
     "accept a task definition without taskRoleArn (alerts cannot reach CloudWatch)"},
    {"image-config", K_STR, F(image_config), "FILE",
     "ENTRYPOINT/CMD of images, instead of asking their registry"},
    {"registry-auth", K_STR, F(registry_auth), "FILE",
     "docker config.json with registry credentials (default $DOCKER_CONFIG/config.json)"},
    {"platform", K_STR, F(platform), "OS/ARCH",
     "image platform (default: the task's runtimePlatform, else linux/amd64)"},
    {"insecure-registry", K_LIST, F(insecure_registries), "HOST",
     "talk plain HTTP to this registry (loopback registries always are)"},
    {"registry-url", K_LIST, F(registry_urls), "HOST=URL",
     "send the requests for registry HOST to URL (a mirror, a private endpoint)"},
    {"parameter", K_LIST, F(parameters), "KEY=VALUE",
     "CloudFormation parameter value, to find the image of a container"},
    {"offline", K_FLAG, F(offline), NULL,
     "never ask a registry; fail where the command is unknown"},
    {"pin-digests", K_FLAG, F(pin_digests), NULL, "write images as name@sha256:digest"},
    {"compact", K_FLAG, F(compact), NULL, "JSON output on one line"},
    {"lambda", K_FLAG, F(lambda), NULL,
     "serve as the CloudFormation macro (AWS Lambda custom runtime)"},
    {"terraform", K_FLAG, F(terraform), NULL,
     "Terraform external program: JSON object of strings in and out"},
};
#define NDEFS (sizeof defs / sizeof defs[0])

void in_opts_init(struct in_opts *o)
{
    memset(o, 0, sizeof *o);
    o->stop_timeout = 30;
    o->retention_days = 90;
}

static void list_free(struct in_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

void in_opts_free(struct in_opts *o)
{
    for (size_t i = 0; i < NDEFS; i++) {
        void *p = (char *)o + defs[i].off;
        if (defs[i].kind == K_STR || defs[i].kind == K_FILE)
            free(*(char **)p);
        else if (defs[i].kind == K_LIST || defs[i].kind == K_RULES)
            list_free(p);
    }
    free(o->input);
    memset(o, 0, sizeof *o);
}

int in_list_has(const struct in_list *l, const char *s)
{
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->v[i], s))
            return 1;
    return 0;
}

static int list_push(struct in_list *l, const char *s, size_t n)
{
    char **v = realloc(l->v, (l->n + 1) * sizeof *v);
    if (!v)
        return -1;
    l->v = v;
    char *c = strndup(s, n);
    if (!c)
        return -1;
    l->v[l->n++] = c;
    return 0;
}

/* Comma-separated (blanks around items ignored, empty items skipped). */
static int list_add_csv(struct in_list *l, const char *s)
{
    while (*s) {
        while (*s == ' ' || *s == ',')
            s++;
        const char *e = s;
        while (*e && *e != ',')
            e++;
        const char *t = e;
        while (t > s && t[-1] == ' ')
            t--;
        if (t > s && list_push(l, s, (size_t)(t - s)) < 0)
            return -1;
        s = e;
    }
    return 0;
}

/* "prod-rules.yaml" -> "PROD_RULES": the suffix of TARTAN_RULES_<NAME>. */
static void rules_var_name(const char *path, char *out, size_t outlen)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    size_t k = 0;
    for (; *b && *b != '.' && k + 1 < outlen; b++)
        out[k++] = isalnum((unsigned char)*b) ? (char)toupper((unsigned char)*b) : '_';
    out[k] = '\0';
    if (!k)
        snprintf(out, outlen, "LOCAL");
}

static int add_rules(struct in_list *l, const char *name, const char *text, char *err,
                     size_t errlen)
{
    char var[64];
    rules_var_name(name, var, sizeof var);
    for (size_t i = 0; i < l->n; i++) {
        size_t vl = strlen(var);
        if (!strncmp(l->v[i], var, vl) && l->v[i][vl] == '\n') {
            snprintf(err, errlen, "two rules files named %s (TARTAN_RULES_%s)", name, var);
            return -1;
        }
    }
    size_t n = strlen(var) + 1 + strlen(text);
    char *s = malloc(n + 1);
    if (!s || snprintf(s, n + 1, "%s\n%s", var, text) < 0 || list_push(l, s, n) < 0) {
        free(s);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    free(s);
    return 0;
}

static char *read_text_file(const char *path, char *err, size_t errlen)
{
    size_t len;
    char *t = tt_read_file(path, 1u << 20, &len);
    if (!t)
        snprintf(err, errlen, "%s: %s", path,
                 errno == EFBIG ? "larger than 1 MiB" : strerror(errno));
    else if (strlen(t) != len) {
        snprintf(err, errlen, "%s: contains a NUL byte", path);
        free(t);
        return NULL;
    }
    return t;
}

/* Applies a textual value to def d. from_file: K_FILE/K_RULES values are paths. */
static int apply(struct in_opts *o, const struct def *d, const char *v, int from_file, char *err,
                 size_t errlen)
{
    void *p = (char *)o + d->off;
    switch (d->kind) {
    case K_STR:
        free(*(char **)p);
        if (!(*(char **)p = strdup(v)))
            goto oom;
        return 0;
    case K_FILE: {
        char *t = from_file ? read_text_file(v, err, errlen) : strdup(v);
        if (!t)
            return from_file ? -1 : (snprintf(err, errlen, "out of memory"), -1);
        free(*(char **)p);
        *(char **)p = t;
        return 0;
    }
    case K_RULES: {
        if (!from_file)
            return add_rules(p, "LOCAL", v, err, errlen);
        char *t = read_text_file(v, err, errlen);
        if (!t)
            return -1;
        int rc = add_rules(p, v, t, err, errlen);
        free(t);
        return rc;
    }
    case K_INT: {
        char *end;
        errno = 0;
        long x = strtol(v, &end, 10);
        if (errno || end == v || *end || x < 0 || x > INT_MAX) {
            snprintf(err, errlen, "--%s: '%s' is not a number", d->name, v);
            return -1;
        }
        *(int *)p = (int)x;
        return 0;
    }
    case K_FLAG:
        if (!strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "yes"))
            *(int *)p = 1;
        else if (!strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "no") || !*v)
            *(int *)p = 0;
        else {
            snprintf(err, errlen, "--%s: '%s' is not true or false", d->name, v);
            return -1;
        }
        return 0;
    case K_LIST:
        if (list_add_csv(p, v) < 0)
            goto oom;
        return 0;
    }
    return 0;
oom:
    snprintf(err, errlen, "out of memory");
    return -1;
}

/* "BinariesImage", "binaries_image", "BINARIES_IMAGE", "binaries-image" -> "binariesimage" */
static void squash(const char *s, char *out, size_t outlen)
{
    size_t k = 0;
    for (; *s && k + 1 < outlen; s++)
        if (*s != '-' && *s != '_')
            out[k++] = (char)tolower((unsigned char)*s);
    out[k] = '\0';
}

static const struct def *find(const char *name)
{
    char a[64], b[64];
    squash(name, a, sizeof a);
    for (size_t i = 0; i < NDEFS; i++) {
        squash(defs[i].name, b, sizeof b);
        if (!strcmp(a, b))
            return &defs[i];
    }
    return NULL;
}

int in_opts_set(struct in_opts *o, const char *name, const json_t *val, char *err, size_t errlen)
{
    const struct def *d = find(name);
    if (!d || !strcmp(d->name, "lambda") || !strcmp(d->name, "terraform"))
        return 0;
    if (json_is_array(val)) {
        size_t i;
        const json_t *x;
        json_array_foreach(val, i, x)
        {
            if (in_opts_set(o, name, x, err, errlen) < 0)
                return -1;
        }
        return 1;
    }
    char num[32];
    const char *v;
    if (json_is_string(val))
        v = json_string_value(val);
    else if (json_is_integer(val))
        v = (snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(val)), num);
    else if (json_is_boolean(val))
        v = json_is_true(val) ? "true" : "false";
    else {
        snprintf(err, errlen, "parameter %s: not a string, number or boolean", name);
        return -1;
    }
    return apply(o, d, v, 0, err, errlen) < 0 ? -1 : 1;
}

int in_opts_from_env(struct in_opts *o, char *err, size_t errlen)
{
    for (size_t i = 0; i < NDEFS; i++) {
        char var[64] = "INSTRUMENT_";
        size_t k = strlen(var);
        for (const char *s = defs[i].name; *s && k + 1 < sizeof var; s++)
            var[k++] = *s == '-' ? '_' : (char)toupper((unsigned char)*s);
        var[k] = '\0';
        const char *v = getenv(var);
        if (!v || !strcmp(defs[i].name, "lambda") || !strcmp(defs[i].name, "terraform"))
            continue;
        if (apply(o, &defs[i], v, 0, err, errlen) < 0)
            return -1;
    }
    return 0;
}

int in_opts_parse_argv(struct in_opts *o, int argc, char **argv, char *err, size_t errlen)
{
    int only_files = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (only_files || a[0] != '-' || !strcmp(a, "-")) {
            if (o->input) {
                snprintf(err, errlen, "one input file at most ('%s' and '%s')", o->input, a);
                return -1;
            }
            if (!(o->input = strdup(a))) {
                snprintf(err, errlen, "out of memory");
                return -1;
            }
            continue;
        }
        if (!strcmp(a, "--")) {
            only_files = 1;
            continue;
        }
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            o->show_help = 1;
            continue;
        }
        if (!strcmp(a, "--version")) {
            o->show_version = 1;
            continue;
        }
        if (strncmp(a, "--", 2)) {
            snprintf(err, errlen, "unknown option %s", a);
            return -1;
        }
        const char *eq = strchr(a, '=');
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(eq ? eq - a - 2 : (long)strlen(a) - 2), a + 2);
        const struct def *d = NULL;
        for (size_t k = 0; k < NDEFS && !d; k++)
            if (!strcmp(defs[k].name, name))
                d = &defs[k];
        if (!d) {
            snprintf(err, errlen, "unknown option --%s", name);
            return -1;
        }
        const char *v;
        if (d->kind == K_FLAG) {
            v = eq ? eq + 1 : "true";
        } else if (eq) {
            v = eq + 1;
        } else if (i + 1 < argc) {
            v = argv[++i];
        } else {
            snprintf(err, errlen, "--%s needs a value (%s)", d->name, d->arg);
            return -1;
        }
        if (apply(o, d, v, 1, err, errlen) < 0)
            return -1;
    }
    return 0;
}

static const int retention_values[] = {1,    3,    5,    7,    14,   30,  60,  90,
                                       120,  150,  180,  365,  400,  545, 731, 1096,
                                       1827, 2192, 2557, 2922, 3288, 3653};

int in_opts_check(const struct in_opts *o, char *err, size_t errlen)
{
    int ok = 0;
    for (size_t i = 0; i < sizeof retention_values / sizeof retention_values[0]; i++)
        ok |= o->retention_days == retention_values[i];
    if (!ok) {
        snprintf(err, errlen,
                 "--retention-days %d: CloudWatch Logs accepts 1, 3, 5, 7, 14, 30, 60, 90, 120, "
                 "150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653",
                 o->retention_days);
        return -1;
    }
    if (o->stop_timeout < 2 || o->stop_timeout > 120) {
        snprintf(err, errlen, "--stop-timeout %d: ECS accepts 2 to 120 seconds", o->stop_timeout);
        return -1;
    }
    for (size_t i = 0; i < o->registry_urls.n; i++) {
        const char *eq = strchr(o->registry_urls.v[i], '=');
        if (!eq || eq == o->registry_urls.v[i] ||
            (strncmp(eq + 1, "http://", 7) && strncmp(eq + 1, "https://", 8))) {
            snprintf(err, errlen, "--registry-url %s: expected HOST=http(s)://...",
                     o->registry_urls.v[i]);
            return -1;
        }
    }
    for (size_t i = 0; i < o->parameters.n; i++) {
        const char *eq = strchr(o->parameters.v[i], '=');
        if (!eq || eq == o->parameters.v[i]) {
            snprintf(err, errlen, "--parameter %s: expected KEY=VALUE", o->parameters.v[i]);
            return -1;
        }
    }
    if (o->platform && !strchr(o->platform, '/')) {
        snprintf(err, errlen, "--platform %s: expected OS/ARCH such as linux/arm64", o->platform);
        return -1;
    }
    const char *names[] = {o->binaries_name, o->log_group, o->prefix};
    for (size_t i = 0; i < 3; i++)
        if (names[i] && !*names[i]) {
            snprintf(err, errlen, "an empty --binaries-name, --log-group or --prefix");
            return -1;
        }
    if (o->prefix && (o->prefix[0] != '/' || strpbrk(o->prefix, " \t\n\"'\\"))) {
        snprintf(err, errlen, "--prefix %s: an absolute path without blanks or quotes", o->prefix);
        return -1;
    }
    return 0;
}

void in_opts_usage(FILE *f)
{
    fprintf(f, "usage: instrument [options] [FILE]\n"
               "Reads an ECS task definition, a CloudFormation template (JSON or YAML) or a\n"
               "Kubernetes manifest from FILE (or stdin) and writes it instrumented with Tartan\n"
               "to stdout.\n");
    for (size_t i = 0; i < NDEFS; i++) {
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", defs[i].name, defs[i].arg ? " " : "",
                 defs[i].arg ? defs[i].arg : "");
        fprintf(f, "  %-28s %s\n", left, defs[i].help);
    }
    fprintf(f, "  %-28s %s\n", "-h, --help", "this text;  --version  version and exit");
    fprintf(f, "Options given as repeated flags or comma-separated lists accumulate.\n"
               "Exit status: 0 written; 1 refused (every reason on stderr); 125 usage error\n"
               "(docs/exit-codes.md). See docs/instrument.md.\n");
}

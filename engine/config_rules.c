/* Collecting the rules to load: files, directories and environment variables, read into
 * memory in Falco's load order. */
#include "config_rules.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "ruleset.h"
#include "tt_log.h"

static int has_yaml_ext(const char *name)
{
    size_t l = strlen(name);
    return (l > 5 && !strcmp(name + l - 5, ".yaml")) || (l > 4 && !strcmp(name + l - 4, ".yml"));
}

static int push(char ***arr, size_t *n, char *v)
{
    if (!v)
        return -1;
    char **a = realloc(*arr, (*n + 1) * sizeof *a);
    if (!a) {
        free(v);
        return -1;
    }
    a[(*n)++] = v;
    *arr = a;
    return 0;
}

static int add_file(struct rules_input *in, const char *path, char *err, size_t n)
{
    size_t len = 0;
    char *text = config_read_file(path, &len, 1, err, n);
    if (!text) {
        free(in->failed);
        in->failed = strdup(path);
        return -1;
    }
    size_t *lens = realloc(in->lens, (in->n + 1) * sizeof *lens);
    if (!lens) {
        free(text);
        snprintf(err, n, "out of memory");
        return -1;
    }
    in->lens = lens;
    size_t k = in->n;
    if (push(&in->texts, &k, text)) {
        snprintf(err, n, "out of memory");
        return -1;
    }
    k = in->n;
    if (push(&in->names, &k, strdup(path))) {
        in->texts[in->n] = NULL;
        free(text);
        snprintf(err, n, "out of memory");
        return -1;
    }
    in->lens[in->n] = len;
    in->n++;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int config_dir_files(const char *dir, int yaml_only, char ***out, size_t *nout, char *err, size_t n)
{
    *out = NULL;
    *nout = 0;
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, n, "Could not open directory %s: %s", dir, strerror(errno));
        return -1;
    }
    char **names = NULL;
    size_t nn = 0;
    struct dirent *de;
    int rc = 0;
    while ((de = readdir(d))) {
        if (yaml_only && !has_yaml_ext(de->d_name))
            continue;
        size_t l = strlen(dir) + strlen(de->d_name) + 2;
        char *full = malloc(l);
        if (!full) {
            rc = -1;
            break;
        }
        snprintf(full, l, "%s/%s", dir, de->d_name);
        struct stat fs;
        if (stat(full, &fs) != 0 || !S_ISREG(fs.st_mode)) {
            free(full);
            continue;
        }
        if (push(&names, &nn, full)) {
            rc = -1;
            break;
        }
    }
    closedir(d);
    if (rc) {
        for (size_t i = 0; i < nn; i++)
            free(names[i]);
        free(names);
        snprintf(err, n, "out of memory");
        return -1;
    }
    if (nn > 1) /* an empty directory leaves names NULL, and qsort(NULL, 0) is undefined */
        qsort(names, nn, sizeof *names, cmp_str);
    *out = names;
    *nout = nn;
    return 0;
}

/* The one path every rules path goes through (the runtime's -r and rules_files, -V,
 * ruleset_load): a file is read, a directory gives its .yaml and .yml regular files, sorted.
 * How a path that cannot be read, and a named file of another extension, are treated depends on
 * where the path comes from (enum rules_path_from). */
static int add_path(struct rules_input *in, const char *path, enum rules_path_from from, char *err,
                    size_t n)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        int e = errno;
        if (from == RULES_FROM_CLI || from == RULES_FROM_NAMED) {
            snprintf(err, n, "Could not open file %s for reading: %s", path, strerror(e));
            free(in->failed);
            in->failed = strdup(path);
            return -1;
        }
        if (from == RULES_FROM_CONFIG_STRICT) {
            snprintf(err, n,
                     "rules file %s listed in rules_files cannot be read: %s "
                     "(tartan.rules_files_missing: error)",
                     path, strerror(e));
            return -1;
        }
        tt_warn("rules file %s listed in rules_files cannot be read (%s): skipped; its rules "
                "are not loaded (tartan.rules_files_missing: error makes this fatal)",
                path, strerror(e));
        if (push(&in->missing, &in->nmissing, strdup(path))) {
            snprintf(err, n, "out of memory");
            return -1;
        }
        return 0;
    }
    if (push(&in->watch, &in->nwatch, strdup(path))) {
        snprintf(err, n, "out of memory");
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        if (from != RULES_FROM_NAMED && !has_yaml_ext(path)) {
            tt_warn("rules file %s skipped: not a .yaml/.yml file", path);
            return 0;
        }
        return add_file(in, path, err, n);
    }
    char **names = NULL;
    size_t nn = 0;
    int rc = config_dir_files(path, 1, &names, &nn, err, n);
    if (rc) {
        free(in->failed);
        in->failed = strdup(path);
    }
    if (rc == 0 && nn == 0 && from != RULES_FROM_NAMED)
        tt_warn("rules directory %s has no .yaml/.yml file", path);
    for (size_t i = 0; i < nn && !rc; i++)
        rc = add_file(in, names[i], err, n);
    for (size_t i = 0; i < nn; i++)
        free(names[i]);
    free(names);
    return rc;
}

int rules_input_collect(struct rules_input *in, const struct engine_config *cfg,
                        const char *const *cli_paths, size_t ncli, char *err, size_t n)
{
    memset(in, 0, sizeof *in);
    if (ncli) {
        for (size_t i = 0; i < ncli; i++)
            if (add_path(in, cli_paths[i], RULES_FROM_CLI, err, n))
                goto fail;
    } else {
        enum rules_path_from from =
            cfg->rules_files_missing_error ? RULES_FROM_CONFIG_STRICT : RULES_FROM_CONFIG;
        for (size_t i = 0; i < cfg->nrules_files; i++)
            if (add_path(in, cfg->rules_files[i], from, err, n))
                goto fail;
    }
    struct env_rules er;
    if (config_env_rules(&er, err, n))
        goto fail;
    for (size_t i = 0; i < er.n; i++) {
        size_t *lens = realloc(in->lens, (in->n + 1) * sizeof *lens);
        if (!lens)
            goto oom_env;
        in->lens = lens;
        size_t k = in->n;
        if (push(&in->texts, &k, er.texts[i]))
            goto oom_env;
        er.texts[i] = NULL;
        k = in->n;
        if (push(&in->names, &k, er.names[i])) {
            free(in->texts[in->n]);
            goto oom_env;
        }
        er.names[i] = NULL;
        in->lens[in->n] = strlen(in->texts[in->n]);
        in->n++;
    }
    config_env_rules_free(&er);
    return 0;
oom_env:
    config_env_rules_free(&er);
    snprintf(err, n, "out of memory");
fail:
    rules_input_free(in);
    return -1;
}

void rules_input_free(struct rules_input *in)
{
    for (size_t i = 0; i < in->n; i++) {
        free(in->names[i]);
        free(in->texts[i]);
    }
    for (size_t i = 0; i < in->nwatch; i++)
        free(in->watch[i]);
    for (size_t i = 0; i < in->nmissing; i++)
        free(in->missing[i]);
    free(in->missing);
    free(in->failed);
    free(in->names);
    free(in->texts);
    free(in->lens);
    free(in->watch);
    memset(in, 0, sizeof *in);
}

struct ruleset *ruleset_load(const char *const *paths, size_t npaths, const struct ruleset_opts *o,
                             struct rules_diags *d)
{
    struct rules_input in;
    memset(&in, 0, sizeof in);
    char err[512];
    for (size_t i = 0; i < npaths; i++) {
        if (add_path(&in, paths[i], RULES_FROM_NAMED, err, sizeof err)) {
            if (rules_diags_file_error(d, in.failed ? in.failed : paths[i], err) < 0 && d)
                d->oom = 1;
            rules_input_free(&in);
            return NULL;
        }
    }
    struct ruleset *rs = NULL;
    ruleset_load_buffers((const char *const *)in.names, (const char *const *)in.texts, in.lens,
                         in.n, o, d, &rs);
    rules_input_free(&in);
    return rs;
}

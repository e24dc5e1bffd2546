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
    if (!text)
        return -1;
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

static int add_path(struct rules_input *in, const char *path, int from_cli, char *err, size_t n)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        if (from_cli) {
            snprintf(err, n, "Could not open file %s for reading: %s", path, strerror(errno));
            return -1;
        }
        tt_debug("rules file %s does not exist, skipped", path);
        return 0;
    }
    if (push(&in->watch, &in->nwatch, strdup(path))) {
        snprintf(err, n, "out of memory");
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        if (!has_yaml_ext(path)) {
            tt_debug("rules file %s skipped: not a .yaml/.yml file", path);
            return 0;
        }
        return add_file(in, path, err, n);
    }
    DIR *d = opendir(path);
    if (!d) {
        snprintf(err, n, "Could not open directory %s: %s", path, strerror(errno));
        return -1;
    }
    char **names = NULL;
    size_t nn = 0;
    struct dirent *de;
    int rc = 0;
    while ((de = readdir(d))) {
        if (!has_yaml_ext(de->d_name))
            continue;
        size_t l = strlen(path) + strlen(de->d_name) + 2;
        char *full = malloc(l);
        if (!full) {
            rc = -1;
            break;
        }
        snprintf(full, l, "%s/%s", path, de->d_name);
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
        snprintf(err, n, "out of memory");
    } else {
        if (nn > 1) /* an empty directory leaves names NULL, and qsort(NULL, 0) is undefined */
            qsort(names, nn, sizeof *names, cmp_str);
        for (size_t i = 0; i < nn && !rc; i++)
            rc = add_file(in, names[i], err, n);
    }
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
            if (add_path(in, cli_paths[i], 1, err, n))
                goto fail;
    } else {
        for (size_t i = 0; i < cfg->nrules_files; i++)
            if (add_path(in, cfg->rules_files[i], 0, err, n))
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
    free(in->names);
    free(in->texts);
    free(in->lens);
    free(in->watch);
    memset(in, 0, sizeof *in);
}

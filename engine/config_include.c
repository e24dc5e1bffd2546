/* config_files: further configuration files merged into the main one, as Falco does.
 *
 *   config_files:
 *     - /etc/falco/config.d                 # a directory: its regular files, sorted by name
 *     - path: /data/outputs.yaml
 *       strategy: override                  # append (default) | override | add-only
 *
 * Each entry is a file or a directory (non-recursive, every regular file, in name order),
 * merged in list order after the main file and the environment's configuration, before the
 * -o overrides. Strategies work on top-level keys: append adds a list's items to the list
 * already there (any other value replaces it), override replaces the key's value, add-only sets
 * keys that are not set yet. An included file may not have config_files itself, and may not be
 * the main file. Entries that do not exist are skipped with a warning (Falco skips silently). */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum strategy { STRAT_APPEND, STRAT_OVERRIDE, STRAT_ADDONLY };

static int parse_entry(const struct cfg_node *it, const char **path, enum strategy *st, char *err,
                       size_t n)
{
    *st = STRAT_APPEND;
    if (it->kind == CFG_SCALAR) {
        *path = it->scalar;
        return 0;
    }
    const struct cfg_node *p = cfg_get(it, "path"), *s = cfg_get(it, "strategy");
    if (it->kind != CFG_MAP || !p || p->kind != CFG_SCALAR) {
        snprintf(err, n,
                 "configuration key 'config_files' (%s:%d): each entry is a path or "
                 "{path: ..., strategy: append|override|add-only}",
                 it->file, it->line);
        return -1;
    }
    *path = p->scalar;
    if (!s || s->kind == CFG_NULL)
        return 0;
    if (s->kind == CFG_SCALAR && !strcmp(s->scalar, "append"))
        *st = STRAT_APPEND;
    else if (s->kind == CFG_SCALAR && !strcmp(s->scalar, "override"))
        *st = STRAT_OVERRIDE;
    else if (s->kind == CFG_SCALAR && !strcmp(s->scalar, "add-only"))
        *st = STRAT_ADDONLY;
    else {
        snprintf(err, n,
                 "configuration key 'config_files' (%s:%d): strategy '%s' is not append, "
                 "override or add-only",
                 s->file, s->line, s->kind == CFG_SCALAR ? s->scalar : "(not a string)");
        return -1;
    }
    return 0;
}

/* Takes the i-th value out of map (a null stays in its place). */
static struct cfg_node *take(struct cfg_node *map, size_t i)
{
    struct cfg_node *v = map->items[i];
    map->items[i] = cfg_node_new(CFG_NULL, v->file, v->line);
    return v;
}

static int include_file(struct engine_config *cfg, struct cfg_node *root, const char *file,
                        enum strategy st, char *err, size_t n)
{
    struct cfg_node *doc = cfg_parse_file(file, err, n);
    if (!doc)
        return -1;
    if (cfg_expand_env(doc, err, n)) {
        cfg_node_free(doc);
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < doc->n && !rc; i++) {
        const char *key = doc->keys[i];
        if (!strcmp(key, "config_files")) {
            snprintf(err, n, "%s:%d: config_files in an included configuration file is not allowed",
                     file, doc->items[i]->line);
            rc = -1;
            break;
        }
        struct cfg_node *cur = cfg_get(root, key);
        struct cfg_node *v = take(doc, i);
        if (st == STRAT_ADDONLY && cur) {
            cfg_node_free(v);
            continue;
        }
        if (st == STRAT_APPEND && v->kind == CFG_SEQ && cur && cur->kind != CFG_NULL) {
            if (cur->kind != CFG_SEQ) {
                snprintf(err, n,
                         "%s:%d: strategy append: '%s' is a list here but not in the "
                         "configuration (%s:%d); use strategy override",
                         file, v->line, key, cur->file, cur->line);
                cfg_node_free(v);
                rc = -1;
                break;
            }
            for (size_t j = 0; j < v->n && !rc; j++) {
                if (cfg_seq_push(cur, v->items[j]))
                    rc = -1;
                else
                    v->items[j] = NULL;
            }
            cfg_node_free(v);
            if (rc)
                snprintf(err, n, "out of memory");
            continue;
        }
        if (cfg_map_put(root, key, v)) { /* the whole value: strategies never deep-merge */
            cfg_node_free(v);
            snprintf(err, n, "out of memory");
            rc = -1;
        }
    }
    cfg_node_free(doc);
    if (!rc && config_add_source(cfg, file)) {
        snprintf(err, n, "out of memory");
        rc = -1;
    }
    return rc;
}

static int include_dir(struct engine_config *cfg, struct cfg_node *root, const char *dir,
                       enum strategy st, char *err, size_t n)
{
    char **names;
    size_t nn;
    if (config_dir_files(dir, 0, &names, &nn, err, n)) /* every regular file, as Falco */
        return -1;
    int rc = 0;
    for (size_t i = 0; i < nn && !rc; i++)
        rc = include_file(cfg, root, names[i], st, err, n);
    for (size_t i = 0; i < nn; i++)
        free(names[i]);
    free(names);
    if (!rc && config_add_source(cfg, dir)) {
        snprintf(err, n, "out of memory");
        rc = -1;
    }
    return rc;
}

int config_include_files(struct engine_config *cfg, struct cfg_node *root, const char *main_path,
                         char *err, size_t n)
{
    const struct cfg_node *cf = cfg_get(root, "config_files");
    if (!cf || cf->kind == CFG_NULL)
        return 0;
    /* The list is read from a copy: merging may replace nodes of root. */
    struct cfg_node *list = cfg_node_clone(cf);
    if (!list) {
        snprintf(err, n, "out of memory");
        return -1;
    }
    if (list->kind == CFG_SCALAR || list->kind == CFG_MAP) { /* one entry */
        struct cfg_node *seq = cfg_node_new(CFG_SEQ, list->file, list->line);
        if (!seq || cfg_seq_push(seq, list)) {
            cfg_node_free(seq);
            cfg_node_free(list);
            snprintf(err, n, "out of memory");
            return -1;
        }
        list = seq;
    }
    char main_real[PATH_MAX];
    int have_main = main_path && realpath(main_path, main_real) != NULL;
    int rc = 0;
    for (size_t i = 0; i < list->n && !rc; i++) {
        const char *path;
        enum strategy st;
        if (parse_entry(list->items[i], &path, &st, err, n)) {
            rc = -1;
            break;
        }
        struct stat sb;
        if (stat(path, &sb) != 0) {
            if (config_warn(cfg, "config_files entry %s (%s:%d) does not exist: skipped", path,
                            list->items[i]->file, list->items[i]->line)) {
                snprintf(err, n, "out of memory");
                rc = -1;
            }
            continue;
        }
        char real[PATH_MAX];
        if (have_main && realpath(path, real) && !strcmp(real, main_real)) {
            snprintf(err, n,
                     "configuration key 'config_files' (%s:%d): %s is the main configuration "
                     "file and cannot include itself",
                     list->items[i]->file, list->items[i]->line, path);
            rc = -1;
        } else if (S_ISDIR(sb.st_mode)) {
            rc = include_dir(cfg, root, path, st, err, n);
        } else {
            rc = include_file(cfg, root, path, st, err, n);
        }
    }
    cfg_node_free(list);
    return rc;
}

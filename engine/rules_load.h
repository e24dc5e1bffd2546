/* Rules loader internals shared by rules_load.c (YAML items -> collector, Falco's merge
 * semantics), rules_build.c (collector -> compiled ruleset; it looks items up in the collector,
 * rules_load.c never calls it) and rules_diag.c (ld_diag). */
#ifndef ENGINE_RULES_LOAD_H
#define ENGINE_RULES_LOAD_H

#include "rules_int.h"

struct exc_entry {
    int is_list;
    const char *item;
    struct exc_entry *items;
    size_t nitems;
};

struct exc_info {
    const char *name;
    int has_fields, has_comps;
    struct exc_entry fields, comps;
    struct exc_entry *values;
    size_t nvalues;
    struct rctx ctx;
};

struct list_info {
    const char *name;
    const char **items;
    size_t nitems;
    uint32_t index, visibility;
    struct rctx ctx;
};

struct macro_info {
    const char *name;
    const char *cond;
    uint32_t index, visibility;
    struct rctx ctx, cond_ctx;
};

struct rule_info {
    const char *name;
    const char *cond, *output, *desc, *source;
    const char **tags;
    size_t ntags;
    int priority, enabled, capture, warn_evttypes, skip_unknown, unknown_source;
    uint64_t capture_duration;
    struct exc_info *exc;
    size_t nexc;
    uint32_t index, visibility;
    struct rctx ctx, cond_ctx, output_ctx;
    const char *file;
    int line;
};

/* A required_plugin_versions entry no built-in provider satisfies (only `container` is). */
struct plugin_req {
    const char *text; /* "name (>= ver), alt (>= ver)" */
    struct rctx ctx;
};

/* Every required_plugin_versions entry, for -L. */
struct plugin_entry {
    const char *name, *version;
    const char **alt_names, **alt_versions;
    size_t nalts;
};

struct file_content {
    const char *name;
    const char *data;
    size_t len;
};

/* name -> index+1 (open addressing), for the collector's lists, macros and rules */
struct nmap {
    uint32_t *slot;
    size_t cap, n;
};

struct loader {
    struct arena a; /* collector data, lives for the whole load */
    struct nmap lmap, mmap, rmap;
    struct list_info *lists;
    size_t nlists, caplists;
    struct macro_info *macros;
    size_t nmacros, capmacros;
    struct rule_info *rules;
    size_t nrules, caprules;
    uint32_t cur_index;
    struct file_content *files;
    size_t nfiles, capfiles;
    struct rules_diags *d;
    const struct ruleset_opts *opts;
    const struct cond_fields *fields;
    struct plugin_req *preqs;
    size_t npreqs, cappreqs;
    struct plugin_entry *pents;
    size_t npents, cappents;
    unsigned req_version[3]; /* highest required_engine_version */
    int oom;
};

/* Adds a diagnostic with the snippet taken from the file the context points at (rules_diag.c). */
void ld_diag(struct loader *ld, int code, const char *msg, const struct rctx *c);
/* LOAD_DEPRECATED_ITEM about a field (df: static string). */
void ld_diag_field(struct loader *ld, const char *df, const char *msg, const struct rctx *c);
/* Reads one file's content into the collector. 0 ok, -1 error (already reported). */
int ld_read(struct loader *ld, const char *name, const char *data, size_t len);
/* Compiles everything collected; on success with out != NULL fills *out (allocated in
 * out's arena). 0 ok, -1 error (reported). */
int ld_build(struct loader *ld, struct ruleset *out);

/* -L details (rules_details.c). */
int rs_strs_from(struct arena *a, const char *const *v, size_t n, struct rs_strs *out);
int rs_details_fill(struct arena *out, struct loader *ld, const char *raw_text,
                    const struct cnode *compiled, const uint8_t *evset, struct rs_details *d);

void ld_free_maps(struct loader *ld);
struct list_info *ld_find_list(struct loader *ld, const char *name);
struct macro_info *ld_find_macro(struct loader *ld, const char *name);

#endif

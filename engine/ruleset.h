/* Rules: loading Falco rules files, compiling conditions, evaluating them per event.
 *
 * The contract between the rules language (rules_*.c, cond_*.c; the RULES area) and the rest of
 * the engine (pipeline.c, main.c). Semantics follow Falco
 * (../shared/reference/falco-engine-digest.md, sections a, b, i).
 *
 * A struct ruleset is immutable once loaded: evaluation never parses, and never allocates.
 * One ruleset is evaluated by one thread at a time (it owns a small scratch area). */
#ifndef ENGINE_RULESET_H
#define ENGINE_RULESET_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fields.h"
#include "priority.h"

struct eval_ctx; /* engine/state.h */
struct fmt;      /* engine/format.h */

struct rule {
    const char *name;
    const char *desc;
    int priority; /* enum rule_priority */
    const char *source;
    const char *const *tags; /* sorted, unique */
    size_t ntags;
    const char *output;    /* as loaded (appends applied), trimmed */
    struct fmt *fmt;       /* compiled output (NULL until engine/format.c is linked) */
    const char *condition; /* final condition text: appends + exceptions (before list/macro
                              expansion) */
    int enabled;           /* after every selection (falco.yaml rules:, -D/-t/-T, priority) */
    size_t index;          /* position in load order (the evaluation order) */
    int capture;
    uint64_t capture_duration; /* ms */
    int warn_evttypes;
    int skip_if_unknown_filter;
    const char *file;                    /* where it was (first) defined */
    int line;                            /* 0-based like Falco */
    const char *const *exception_fields; /* every field named by the rule's exceptions */
    size_t nexception_fields;
};

/* Diagnostics, with Falco's codes (rules_diag.def). */
enum rules_diag_code {
#define RULES_DIAG(code, kind, desc) code,
#include "rules_diag.def"
#undef RULES_DIAG
    RULES_DIAG_CODE_COUNT
};
/* How many codes are errors: they come first. */
enum {
    RULES_DIAG_NERRORS = 0
#define RULES_DIAG(code, kind, desc) +RULES_DIAG_KIND_##kind
#define RULES_DIAG_KIND_ERROR 1
#define RULES_DIAG_KIND_WARNING 0
#include "rules_diag.def"
#undef RULES_DIAG
};
#define RULES_DIAG_IS_ERROR(code) ((int)(code) < (int)RULES_DIAG_NERRORS)
const char *rules_diag_code_str(int code);  /* "LOAD_ERR_YAML_PARSE" */
const char *rules_diag_code_desc(int code); /* "YAML parse error" */

/* One level of the context chain Falco prints ("In rule 'x': (file:line:col)"). */
struct rules_diag_loc {
    const char *item_type; /* "rules content", "rule", "macro", "list", "condition expression"... */
    char *item_name;       /* may be "" */
    char *name;            /* file name, or "\"<condition prefix>...\"" for condition positions */
    int line, column;      /* 0-based (Falco prints YAML marks as they are) */
    size_t offset;
};

struct rules_diag {
    int code; /* enum rules_diag_code */
    char *message;
    char *file;       /* the loaded file whose result holds this diagnostic */
    int line, column; /* position of the innermost location (0-based) */
    struct rules_diag_loc *locs;
    size_t nlocs;
    char *snippet;                /* the offending line and a caret line, each ending in '\n' */
    const char *deprecated_field; /* LOAD_DEPRECATED_ITEM about a field: its name (static) */
};

/* Per-file results in load order, each with its diagnostics. */
struct rules_file_result {
    char *name;
    int ok;       /* no errors */
    size_t first; /* diags[first .. first+n) belong to this file */
    size_t n;
};

struct rules_diags {
    struct rules_diag *v;
    size_t n, cap;
    struct rules_file_result *files;
    size_t nfiles, capfiles;
    size_t nerrors, nwarnings;
    int oom; /* an allocation failed while loading: counted in nerrors, printed last */
};
void rules_diags_init(struct rules_diags *d);
/* Records that a rules file could not be read (LOAD_ERR_FILE_READ, msg as Falco words it) as
 * that file's result. 0, or -1 when out of memory; nothing when d is NULL. */
int rules_diags_file_error(struct rules_diags *d, const char *file, const char *msg);
void rules_diags_free(struct rules_diags *d);
/* Falco's verbose text for every file ("f: Invalid\n1 Errors:\nIn rules content: ..."). */
void rules_diags_print(const struct rules_diags *d, FILE *out);

/* The falco.yaml `rules:` selection, applied in order after loading. */
struct rule_selection {
    int enable;       /* 1 enable, 0 disable */
    const char *rule; /* name with '*' wildcards, or NULL */
    const char *tag;  /* exact tag, or NULL */
};

/* Optional field provider; NULL in ruleset_opts means engine/fields.h (fld_resolve/fld_extract).
 * Unit tests and fuzzers pass their own. */
struct cond_fields {
    int (*resolve)(void *arg, const char *name, const char *farg, struct fld_ref *out, char *err,
                   size_t errlen);
    int (*extract)(void *arg, const struct fld_ref *ref, struct eval_ctx *ctx, enum fld_mode mode,
                   struct fld_value *out, int max);
    void *arg;
    /* Optional. A literal an enabled rule's condition compares ref with (=, != or in), given
     * by ruleset_note_literals (the default provider resolves the host names of fd.*ip.name
     * ahead of the events). */
    void (*note_literal)(void *arg, const struct fld_ref *ref, const char *value);
    /* Optional. A comparison (enum fld_cmp_op) of ref with literals when ref has no value
     * for the event: 1 or 0, -1 when the provider has no answer (false: the rule for missing
     * values). libsinsp's fd.*ip.name compares the connection's address with the names'. */
    int (*compare_missing)(void *arg, const struct fld_ref *ref, struct eval_ctx *ctx, int op,
                           const struct fld_value *vals, size_t nvals);
};

struct ruleset_opts {
    const struct rule_selection *sel; /* falco.yaml rules: */
    size_t nsel;
    const char *const *disable_substr; /* -D: disable rules whose name contains it */
    size_t ndisable_substr;
    const char *const *disable_tags; /* -T: disable rules with this tag */
    size_t ndisable_tags;
    const char *const *only_tags; /* -t: only rules with one of these tags */
    size_t nonly_tags;
    int min_priority_set; /* falco.yaml priority: rules less severe are disabled */
    int min_priority;
    int keep_going;        /* load every file even after an error (as -V does) */
    int no_output_compile; /* do not fmt_compile outputs */
    int no_details;        /* skip what only -L/-l print (macros, lists, fields... per rule) */
    const struct cond_fields *fields;
};

struct ruleset;

/* Loads files or directories (non-recursive, *.yaml and *.yml, sorted) in order, cumulatively,
 * read through the engine's one rules-collection path (config_rules.c, as -V and the runtime):
 * a file that cannot be read is its LOAD_ERR_FILE_READ and ends the load. Returns NULL on any
 * error (diagnostics in d; d may be NULL). */
struct ruleset *ruleset_load(const char *const *paths, size_t npaths, const struct ruleset_opts *o,
                             struct rules_diags *d);
/* Same from memory: names[i] is used in diagnostics. Returns 0 and sets *out, or -1. */
int ruleset_load_buffers(const char *const *names, const char *const *bufs, const size_t *lens,
                         size_t n, const struct ruleset_opts *o, struct rules_diags *d,
                         struct ruleset **out);
void ruleset_free(struct ruleset *rs);

size_t ruleset_nrules(const struct ruleset *rs); /* every loaded rule, enabled or not */
const struct rule *ruleset_rule(const struct ruleset *rs, size_t i);
const struct rule *ruleset_find(const struct ruleset *rs, const char *name);
size_t ruleset_nenabled(const struct ruleset *rs);

/* Evaluates the enabled rules that can match evtype (enum tt_event_type), in rule order (Falco's:
 * load order, a rule re-enabled by a selection after being disabled moves last), calling
 * on_match for each match with priority <= min_priority (PRI_DEBUG for all). Stops at the first
 * match unless match_all. Returns the number of matches. No allocation. Values extracted and
 * checks evaluated are cached for the duration of one call (one event). */
int ruleset_eval(const struct ruleset *rs, struct eval_ctx *ctx, unsigned evtype, int match_all,
                 int min_priority,
                 void (*on_match)(const struct rule *r, struct eval_ctx *ctx, void *arg),
                 void *arg);
/* Evaluates one rule's condition (tests, -l debugging): 1 match, 0 no match. */
int ruleset_eval_rule(const struct ruleset *rs, size_t i, struct eval_ctx *ctx, unsigned evtype);

/* Which event types the enabled rules can match: set[t] = 1 (t < TT_EV_COUNT). Returns how many
 * types are set. A rule without evt.type restriction sets every type. */
int ruleset_event_types(const struct ruleset *rs, uint8_t *set);
/* Socket domains the enabled rules can match socket events for: bit d for domain d < 63, bit 63
 * for any other (see cond_domains.c); 0 when no rule looks at socket events. */
uint64_t ruleset_socket_domains(const struct ruleset *rs);
/* 1 when an enabled rule reads the process environment (proc.env, proc.aenv in its condition
 * or output): the tracer must capture it (the `proc.env` entry of TARTAN_SYSCALLS_FILE). */
int ruleset_needs_env(const struct ruleset *rs);
/* 1 when an enabled rule that can match recvfrom reads the data (evt.buffer...): the tracer must
 * stop on every recvfrom, not only the addressed ones it traces by default (the
 * `recvfrom.all` entry of TARTAN_SYSCALLS_FILE). */
int ruleset_recvfrom_needs_all(const struct ruleset *rs);
/* 1 when an enabled rule can match a failed exec of evtype (TT_EV_EXECVE or TT_EV_EXECVEAT):
 * the tracer then stops at the exec's entry; otherwise it reports only successful execs, from
 * the exec itself (the `execve.success` entry of the syscall list; cond_failed.c). */
int ruleset_matches_failed_exec(const struct ruleset *rs, unsigned evtype);
/* 1 when the tracer must see the result of evtype's calls: the engine keeps state from it, or
 * an enabled rule that can match it reads its result, an fd, a parameter filled at the exit or
 * every parameter (condition or output). 0: a report at the call's entry, before it runs, is
 * exact (the `NAME.entry` entry of the syscall list). */
int ruleset_reads_result(const struct ruleset *rs, unsigned evtype);
/* Gives the field provider's note_literal every literal the enabled rules compare a field
 * with (=, != or in): the engine calls it once the rules are in place, before the events. */
void ruleset_note_literals(const struct ruleset *rs);
/* Per-rule event types (for -l and tests). */
int ruleset_rule_event_types(const struct ruleset *rs, size_t i, uint8_t *set);

/* -V: loads the files in order, cumulatively, prints Falco's report (JSON
 * {"falco_load_results":[...]} when json), warnings of files that are Ok go to warn_out (may be
 * NULL). Returns the exit code (0 ok, 1 invalid). */
int rules_validate_main(const char *const *paths, size_t n, int json, FILE *out, FILE *warn_out);

/* -L (rule NULL) and -l RULE. Returns 0, or 1 if the rule does not exist. */
int rules_describe(const struct ruleset *rs, const char *rule_or_null, int json, FILE *out);

#endif

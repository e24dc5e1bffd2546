/* Internal structures of the rules language (rules_*.c, cond_*.c); not a contract for others.
 *
 * Pipeline: rules files' YAML read with libyaml, items merged into a collector with Falco's
 * append/override rules (rules_load.c) -> lists, macros and rule conditions expanded and parsed
 * (rules_build.c, cond_parse.c) -> each rule's AST compiled into a flat program of checks with
 * true/false jump targets (cond_compile.c; event names cond_evnames.c, socket domains
 * cond_domains.c, transformers cond_transform.c) -> rules selected, indexed by event type and
 * evaluated per event by cond_vm.c (rules_api.c). Beside it: diagnostics (rules_diag.c), the
 * arena and growable strings (rules_util.c), -V/-L (rules_validate.c, rules_details.c), output
 * tokens compiled alone (cond_expr.c) and the allocation wrappers (rules_alloc.c). */
#ifndef ENGINE_RULES_INT_H
#define ENGINE_RULES_INT_H

#include <regex.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

#include "cond_expr.h"
#include "falco_compat.h"
#include "fields.h"
#include "rules_alloc.h" /* last system-header user: it renames malloc & co. for these files */
#include "ruleset.h"
#include "tt_event.h"

/* ---- arena: every allocation of a load (and of a ruleset) lives in one and dies with it ---- */
struct arena_chunk;
struct arena {
    struct arena_chunk *head;
    size_t total;
};
void arena_init(struct arena *a);
void arena_free(struct arena *a);
void *arena_alloc(struct arena *a, size_t n); /* zeroed; NULL on ENOMEM */
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);

/* ---- growable string (malloc'd) ---- */
struct sbuf {
    char *p;
    size_t len, cap;
    int oom;
};
void sb_init(struct sbuf *b);
void sb_free(struct sbuf *b);
void sb_putn(struct sbuf *b, const char *s, size_t n);
void sb_puts(struct sbuf *b, const char *s);
void sb_putc(struct sbuf *b, char c);
const char *sb_str(struct sbuf *b); /* "" when empty */

/* ---- diagnostic contexts (Falco's location chains; rules_diag.c) ---- */
#define RCTX_MAX 10
struct rctx_loc {
    const char *type; /* static string */
    const char *iname;
    const char *name;
    int line, col;
    size_t off;
};
struct rctx {
    int n;
    struct rctx_loc l[RCTX_MAX];
    const char *alt; /* condition text for "condition expression" snippets, else NULL */
};
void rctx_root(struct rctx *c, const char *file);
/* c = parent + one location. Strings must outlive c (arena). */
void rctx_push(struct rctx *c, const struct rctx *parent, const char *type, const char *iname,
               int line, int col, size_t off);
/* A position inside a condition string, relative to parent's last location (Falco's rule). */
void rctx_cond(struct rctx *c, const struct rctx *parent, struct arena *a, const char *cond,
               size_t idx, int line, int col);

int rdiag_begin_file(struct rules_diags *d, const char *name);
void rules_diags_print_file(const struct rules_diags *d, size_t fi, FILE *out);

/* ---- condition AST ---- */
struct cpos {
    size_t idx;
    int line, col; /* 1-based, like libsinsp */
};

enum cn_kind {
    CN_AND,
    CN_OR,
    CN_NOT,
    CN_IDENT,  /* macro reference */
    CN_UCHECK, /* kids[0] exists */
    CN_BCHECK, /* kids[0] op kids[1] */
    CN_FIELD,
    CN_TRANSFORMER, /* str = name ("val" included), kids = args */
    CN_VALUE,
    CN_LIST,
    CN_TLIST, /* transformer list argument */
};

struct cnode {
    enum cn_kind kind;
    struct cpos pos;
    const char *str; /* ident / field / transformer name / value / op */
    const char *arg; /* field or transformer [arg], NULL if none */
    struct cnode **kids;
    size_t nkids;
    const char **vals; /* CN_LIST */
    size_t nvals;
    int depth; /* nesting depth once macros are expanded (memo, rules_build.c) */
};

struct cparse_err {
    char msg[256];
    struct cpos pos;
};
/* Parses a condition (Falco's grammar, max depth). NULL on error (err filled; NULL also on
 * ENOMEM with msg "out of memory"). */
struct cnode *cond_parse(struct arena *a, const char *text, unsigned max_depth,
                         struct cparse_err *err);
/* Parses the transformer call or field at the start of text (an output format token); *used
 * gets the characters taken. NULL on error as cond_parse. */
struct cnode *cond_parse_expr(struct arena *a, const char *text, size_t *used,
                              struct cparse_err *err);

/* ---- compiled program ---- */
enum cop {
    OP_EQ,
    OP_NE,
    OP_LT,
    OP_LE,
    OP_GT,
    OP_GE,
    OP_CONTAINS,
    OP_ICONTAINS,
    OP_BCONTAINS,
    OP_STARTSWITH,
    OP_BSTARTSWITH,
    OP_ENDSWITH,
    OP_GLOB,
    OP_IGLOB,
    OP_REGEX,
    OP_PMATCH,
    OP_IN,
    OP_INTERSECTS,
    OP_EXISTS,
    OP_COUNT
};
enum cmod { MOD_NONE, MOD_ONEOF, MOD_ANYOF, MOD_ALLOF };
int cop_parse(const char *s, enum cop *op, enum cmod *mod); /* 0 ok */

/* ---- transformers (cond_transformers.def, cond_transform.c) ---- */
enum tr_kind {
#define COND_TR(id, name, evaluated) TR_##id,
#include "cond_transformers.def"
#undef COND_TR
    TR_COUNT
};
/* "tolower" ... by kind; NULL out of range. */
const char *cond_tr_name(int tr);
/* The kind of a transformer name (evaluated or not), -1 if none. */
int cond_tr_lookup(const char *name);
/* Whether Tartan evaluates it. */
int cond_tr_evaluated(int tr);
/* The type a transformer gives for a value of type in: 0 with *out set, or -1 with Falco's
 * message in err (the transformer does not take that type, or is not evaluated). */
int cond_tr_type(int tr, enum fld_type in, enum fld_type *out, char *err, size_t n);
/* Applies transformer tr to *v in place. Text results are written at buf + *used (cap bytes in
 * all), *used advances. 0 ok; -1 when the value has no result (Falco drops it: a b64 input
 * that is not base64) or the space is full. */
int cond_tr_apply(int tr, struct fld_value *v, char *buf, size_t cap, size_t *used);

#define CEXPR_MAX_TR 8
struct cexpr {
    struct fld_ref ref;
    enum fld_type ftype; /* type of the field */
    enum fld_type type;  /* type after transformers */
    uint8_t ntr;
    uint8_t tr[CEXPR_MAX_TR]; /* applied in order (innermost first) */
    uint8_t multi;            /* FF_MULTI: any candidate may satisfy */
    uint8_t either;           /* FF_NE_ALL (fd.ip, fd.net...): != means "no candidate equals" */
    uint8_t norhs;            /* FF_NO_RHS */
    uint8_t notr;             /* FF_NO_TRANSFORMER */
    int32_t slot;             /* per-event extraction cache slot, -1 none */
};

enum ck_kind {
    CK_CONST,  /* constant result */
    CK_EVTYPE, /* evt.type compare on the event type number */
    CK_FIELD,  /* field op literal(s) */
    CK_VAL,    /* field op val(field) / transformer */
};

struct cins {
    uint8_t kind, op, mod, konst;
    int32_t t, f;  /* next instruction; -1 accept, -2 reject */
    int32_t check; /* per-event result cache id, -1 none */
    struct cexpr lhs;
    struct cexpr rhs;       /* CK_VAL */
    const uint8_t *evset;   /* CK_EVTYPE: TT_EV_COUNT bytes */
    struct fld_value *vals; /* literals (sorted for in/intersects on scalar types) */
    size_t nvals;
    const char **cstr; /* NUL-terminated patterns (glob, pmatch) */
    regex_t *re;       /* OP_REGEX, one per value */
};

struct cprog {
    struct cins *ins;
    uint32_t nins;
};

/* Scratch area for one evaluation (owned by the ruleset). */
#define CSCRATCH_VALS 64
#define CSCRATCH_BUF COND_EXPR_SPACE
/* Per-event extraction cache: identical field references (same field and argument) used by
 * several checks or rules are extracted once per event. */
#define CSLOT_VALS 4
struct cslot {
    uint64_t gen; /* event generation the values belong to */
    int n;        /* values (0: missing), -1: too many to cache */
    struct fld_value v[CSLOT_VALS];
};

struct cscratch {
    struct fld_value a[CSCRATCH_VALS], b[CSCRATCH_VALS];
    char buf[CSCRATCH_BUF];
    size_t used;
    struct cslot *cache; /* one per slot of the ruleset, may be NULL */
    size_t ncache;
    uint64_t *rgen; /* check result cache: generation and value per check id */
    uint8_t *rval;
    size_t nres;
    uint64_t gen; /* bumped for every event */
};

/* The field provider (defaults to fields.h). */
extern const struct cond_fields cond_fields_default;

#define CCOMP_MAX_WARN 16
struct ccomp_warn {
    char msg[256];
    struct cpos pos;
};
struct ccomp_err {
    char msg[256];
    struct cpos pos;
    /* libsinsp compiler hints (LOAD_COMPILE_CONDITION), valid on success too */
    struct ccomp_warn warn[CCOMP_MAX_WARN];
    int nwarn;
};
/* Compiles an expanded AST (no CN_IDENT left) into prog; regexes/sets go to arena (regexes are
 * also recorded in *regs so they can be freed). Returns 0 or -1 with err. */
struct cregs {
    regex_t **v;
    size_t n, cap;
    struct fld_ref *slots; /* distinct field references (extraction cache keys) */
    size_t nslots, capslots;
    /* distinct check nodes: macro trees are shared, so a check coming from the same macro in
     * several rules is the same node; its result is computed once per event */
    const void **ckeys; /* open addressing on node pointers (valid during one build only) */
    uint32_t *cids;
    size_t ncap, nchecks;
};
int cond_compile(struct arena *a, struct cregs *regs, const struct cond_fields *fp,
                 const struct cnode *root, struct cprog *prog, struct ccomp_err *err);
/* Compiles a field or transformer expression (cond_parse_expr) alone, with the type rules of a
 * condition's left-hand side. 0, or -1 with err. */
int cond_compile_expr(const struct cond_fields *fp, const struct cnode *n, struct cexpr *e,
                      struct ccomp_err *err);
void cregs_free(struct cregs *r);
/* Drops the node-pointer table (after a build; check ids stay valid). */
void cregs_forget_nodes(struct cregs *r);

/* Values of an expression for one event: the field's (mode: FX_FILTER every candidate,
 * FX_OUTPUT one), each through the transformers, those a transformer drops left out. Text
 * results go to space at *used (cap bytes in all). Returns how many values are in out. */
int cond_expr_values(const struct cond_fields *fp, const struct cexpr *e, struct eval_ctx *ctx,
                     enum fld_mode mode, struct fld_value *out, int max, char *space, size_t cap,
                     size_t *used);

/* 1 match, 0 no match. */
int cond_eval(const struct cprog *p, const struct cond_fields *fp, struct eval_ctx *ctx,
              unsigned evtype, struct cscratch *s);

/* Event types a (macro-expanded) AST can match: set[t] for t < TT_EV_COUNT. */
void cond_evtypes(const struct cnode *n, uint8_t *set);
/* Socket domains an expanded condition can match socket events for (cond_domains.c): bit d for
 * domain d < 63, COND_DOM_OTHER for any other; COND_DOM_ALL when it cannot tell. */
#define COND_DOM_OTHER (1ull << 63)
#define COND_DOM_ALL UINT64_MAX
uint64_t cond_socket_domains(const struct cnode *n);
/* Can an expanded condition match an event of type evtype whose call failed (cond_failed.c)?
 * 0 only when it is false for every failed call, whatever the other checks say. */
int cond_can_match_failed(const struct cnode *n, unsigned evtype);
/* Is this name a known event type (Tartan's or a Linux syscall Falco knows)? Returns the
 * Tartan type (may be TT_EV_NONE for a known name Tartan never produces), -1 if unknown. */
int cond_evtype_lookup(const char *name);

/* ---- the loaded ruleset ---- */
/* -L details (Falco's describe_rule JSON) */
struct rs_strs {
    const char **v;
    size_t n;
};
struct rs_details {
    struct rs_strs macros, lists, ops, fields, events;
    const char *compiled; /* condition_compiled */
};

struct rs_rule {
    struct rule pub;
    struct cprog prog;
    uint8_t evset[TT_EV_COUNT];
    uint64_t socket_domains; /* cond_socket_domains, when evset has socket */
    uint8_t failed_exec;     /* can match a failed exec: bit 0 execve, bit 1 execveat */
    int any_type;
    const char *info_cond, *info_output; /* as collected (before exceptions) */
    int info_enabled;
    struct rs_details d;
    struct rs_strs exc_names, exc_ops;
};

struct rs_macro {
    const char *name, *cond;
    int used;
    struct rs_details d;
};

struct rs_list {
    const char *name;
    struct rs_strs items, lists, compiled;
    int used;
};

struct rs_plugin_req {
    const char *name, *version;
    struct rs_strs alt_names, alt_versions;
};

struct ruleset {
    struct arena arena;
    struct cregs regs;
    struct rs_rule *rules;
    size_t nrules;
    const struct rs_rule **bytype[TT_EV_COUNT]; /* enabled rules per type, rule order */
    size_t nbytype[TT_EV_COUNT];
    const struct cond_fields *fields;
    struct cscratch *scratch;
    size_t nenabled;
    size_t *order; /* enabled rules in evaluation order (enabling order) */
    size_t norder;
    /* for -L */
    struct rs_macro *macros;
    size_t nmacros;
    struct rs_list *lists;
    size_t nlists;
    char engine_version[32]; /* highest required_engine_version, "0.0.0" if none */
    struct rs_plugin_req *preqs;
    size_t npreqs;
};

/* falco engine version this implementation is compatible with (engine/falco_compat.h) */
#define RULES_ENGINE_VERSION_MAJOR FALCO_ENGINE_VERSION_MAJOR
#define RULES_ENGINE_VERSION_MINOR FALCO_ENGINE_VERSION_MINOR
#define RULES_ENGINE_VERSION_PATCH FALCO_ENGINE_VERSION_PATCH

#endif

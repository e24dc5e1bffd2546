/* Field registry and extraction: the contract between the condition compiler (cond_*.c,
 * rules_*.c), output formatting (format.c) and the state/field code (state_*.c, fields_*.c).
 *
 * Names and semantics follow Falco (../shared/reference/falco-engine-digest.md, section c).
 * Extraction never allocates: string values point into the state tables or into the per-event
 * scratch space of struct eval_ctx, and stay valid until the next event is processed. */
#ifndef ENGINE_FIELDS_H
#define ENGINE_FIELDS_H

#include <stddef.h>
#include <stdint.h>

/* Falco's field types (libs ppm_param_type names in comments). */
enum fld_type {
    FT_NONE = 0,
    FT_STRING,  /* CHARBUF, FSPATH, FSRELPATH */
    FT_INT64,   /* INT8..INT64, ERRNO, FD, PID */
    FT_UINT64,  /* UINT8..UINT64 */
    FT_BOOL,    /* BOOL */
    FT_IPADDR,  /* IPADDR (v4 or v6) */
    FT_IPNET,   /* IPNET (filter only) */
    FT_PORT,    /* PORT (uint16) */
    FT_RELTIME, /* RELTIME, ns */
    FT_ABSTIME, /* ABSTIME, ns since epoch */
    FT_BYTES,   /* BYTEBUF */
};

/* Field flags. */
enum fld_flags {
    FF_FILTER_ONLY = 1u << 0, /* usable in conditions only (fd.net, fd.ip...) */
    FF_MULTI = 1u << 1,       /* several candidate values in conditions (bare proc.aname) */
    FF_ARG_INDEX = 1u << 2,   /* takes [N] (proc.aname[2]) */
    FF_ARG_KEY = 1u << 3,     /* takes [KEY] (proc.env[HOME]) */
    FF_ARG_REQUIRED = 1u << 4,
    FF_DOTTED_ARG = 1u << 5,     /* takes .NAME as argument (evt.arg.flags) */
    FF_NE_ALL = 1u << 6,         /* FF_MULTI field whose `!=` is true only if NO candidate equals
                                    (fd.ip, fd.net, fd.port, fd.proto: client OR server); without
                                    this flag `!=` on FF_MULTI is "any candidate differs"
                                    (proc.aname: any ancestor satisfies the comparison) */
    FF_NO_TRANSFORMER = 1u << 7, /* rejects tolower(...) etc. (proc.aname, fd.ip, ...) */
    FF_NO_RHS = 1u << 8,         /* may not appear inside val(...) */
    FF_HIDDEN = 1u << 9,         /* accepted but not listed by --list */
};

struct fld_info {
    const char *name; /* "proc.name", "evt.arg" for evt.arg.* */
    enum fld_type type;
    unsigned flags; /* enum fld_flags */
    const char *desc;
    int id; /* index in the registry, used by extractors */
};

struct fld_ip {
    uint8_t family; /* 4 or 6 */
    uint8_t prefix; /* IPNET only: prefix length */
    uint8_t addr[16];
};

struct fld_value {
    enum fld_type type;
    union {
        int64_t i;  /* FT_INT64, FT_RELTIME */
        uint64_t u; /* FT_UINT64, FT_PORT, FT_ABSTIME */
        int b;      /* FT_BOOL */
        struct {
            const char *p; /* not NUL-terminated necessarily */
            size_t len;
        } s;              /* FT_STRING, FT_BYTES */
        struct fld_ip ip; /* FT_IPADDR, FT_IPNET */
    } v;
};

/* A resolved field reference, as written in a condition or output: name plus argument. */
struct fld_ref {
    const struct fld_info *info;
    int has_arg;
    int64_t index; /* [N] */
    char key[64];  /* [KEY] or the NAME of evt.arg.NAME */
    int param_id;  /* evt.arg.NAME / evt.arg[N]: resolved tt_param id when known, else 0 */
};

/* Resolves "proc.name", "proc.aname" with arg "2", "evt.arg.flags" (arg NULL), "evt.arg" with
 * arg "0", "proc.env" with arg "HOME". arg is the text between [ and ] or NULL.
 * Returns 0, or -1 with a one-line Falco-style message in err ("filter_check called with
 * nonexistent field proc.nme"). */
int fld_resolve(const char *name, const char *arg, struct fld_ref *out, char *err, size_t errlen);

/* The registry, for --list and for tests. */
size_t fld_count(void);
const struct fld_info *fld_at(size_t i);

/* Extraction mode. */
enum fld_mode {
    FX_FILTER = 0, /* condition evaluation: FF_MULTI fields yield every candidate */
    FX_OUTPUT = 1, /* output formatting: exactly one value (e.g. ancestors joined by spaces) */
};

struct eval_ctx; /* defined by the state code (engine/state.h): event + state + scratch */

/* Values of the field for the event in ctx. Writes at most max values into out and returns
 * how many there are (0: missing, Falco's rule: every comparison on it is false). */
int fld_extract(const struct fld_ref *ref, struct eval_ctx *ctx, enum fld_mode mode,
                struct fld_value *out, int max);

/* Comparisons the field code may decide for a field without value (fld_compare_missing). */
enum fld_cmp_op { FC_EQ, FC_NE, FC_IN };

/* Hooks of the default condition field provider (ruleset.h, struct cond_fields): a literal a
 * condition compares ref with, at compile time; a comparison (enum fld_cmp_op) decided for
 * a field without value (fd.*ip.name: the connection's address against the names' addresses).
 * fld_compare_missing returns 1/0, or -1 for other fields. */
void fld_note_literal(const struct fld_ref *ref, const char *value);
int fld_compare_missing(const struct fld_ref *ref, struct eval_ctx *ctx, int op,
                        const struct fld_value *vals, size_t nvals);

/* Text of a value as Falco prints it in text output and in %field substitution
 * (numbers in decimal, IPs dotted/colon form, bools true/false). Returns bytes written
 * (snprintf semantics). */
int fld_value_to_text(const struct fld_value *v, char *buf, size_t cap);

/* Value as a JSON scalar for output_fields (numbers bare, strings quoted and escaped, bools
 * true/false). Returns bytes written (snprintf semantics). */
int fld_value_to_json(const struct fld_value *v, char *buf, size_t cap);

/* `--list` output: every registered field, Falco-like layout (mode 0: text by class with
 * descriptions; 1: a JSON array of {name,type,desc}; 2: names only, one a line, as `-N`).
 * Returns 0, or -1 on a write error. */
#include <stdio.h>
int fields_list(FILE *out, int mode);

#endif

/* One field or transformer expression, compiled once and evaluated per event, outside a rule's
 * condition: the tokens of an output format such as %tolower(proc.name) or %b64(evt.arg.data)
 * (format.c). It goes through the condition language's own parser, type rules and transformers
 * (cond_parse.c, cond_compile.c, cond_transform.c), so a transformer gives the same result in
 * an output as in a condition, as libsinsp's formatter does with its filter parser. */
#ifndef ENGINE_COND_EXPR_H
#define ENGINE_COND_EXPR_H

#include <stddef.h>

#include "fields.h"

struct cond_expr;
struct eval_ctx;

/* Scratch space transformers may use for one value (the same bound as in conditions). */
#define COND_EXPR_SPACE (64 * 1024)

/* Whether s starts with a transformer call ("tolower(", "b64(", ... any name the grammar
 * knows, evaluated by Tartan or not). */
int cond_expr_is_call(const char *s);
/* Compiles the transformer call or field at the start of s; *used gets the characters it
 * takes. NULL with a one-line message in err (the compiler's: unknown field, transformer
 * on a type it does not take, missing ')'). */
struct cond_expr *cond_expr_compile(const char *s, size_t *used, char *err, size_t n);
/* The innermost field the expression reads. */
const struct fld_ref *cond_expr_field(const struct cond_expr *x);
/* Its value for the event in ctx in output mode (one value): 1 with *out set, 0 when missing
 * (the field has none, or a transformer drops it). Text results are written into space
 * (cap bytes; COND_EXPR_SPACE is what conditions allow), valid while space is. */
int cond_expr_value(const struct cond_expr *x, struct eval_ctx *ctx, struct fld_value *out,
                    char *space, size_t cap);
void cond_expr_free(struct cond_expr *x);

#endif

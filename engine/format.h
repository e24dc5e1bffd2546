/* Output format strings (a rule's `output:`): literal text with %field tokens.
 *
 * Token syntax as in Falco: `%` then the longest field expression that resolves
 * (`%proc.name`, `%proc.aname[2]`, `%evt.arg.flags`, `%evt.arg[0]`, `%proc.env[HOME]`), or a
 * transformer call (`%tolower(proc.name)`, `%basename(fd.name)`, nested), compiled and applied
 * by the condition language's code (cond_expr.h), so it gives what it gives in a condition;
 * `%<digits>field`
 * pads with spaces or truncates the value to exactly that width; `%%` is a literal `%`; a
 * trailing lone `%` is an error. Missing values render as `<NA>`. Compiled once; rendering never
 * allocates. */
#ifndef ENGINE_FORMAT_H
#define ENGINE_FORMAT_H

#include <stddef.h>

#include "fields.h"

struct fmt;
struct eval_ctx;

/* NULL on error with a one-line message in err. */
struct fmt *fmt_compile(const char *s, char *err, size_t n);
/* Renders into buf (always NUL-terminated when cap > 0). Returns the length the full text
 * needs (snprintf semantics), or -1 if fmt or ctx is NULL. */
int fmt_render(const struct fmt *f, struct eval_ctx *ctx, char *buf, size_t cap);

/* The field tokens of the format, in order of appearance, duplicates removed (for JSON
 * output_fields). name is the token as written ("proc.aname[2]", "tolower(proc.name)"). */
size_t fmt_nfields(const struct fmt *f);
const char *fmt_field_name(const struct fmt *f, size_t i);
const struct fld_ref *fmt_field_ref(const struct fmt *f, size_t i);
/* 1 if the token i has a transformer (Falco omits those from output_fields). */
int fmt_field_is_transformed(const struct fmt *f, size_t i);
/* Typed value of token i for output_fields: 1 with *out set, 0 if missing (JSON null). A
 * transformer's result is typed as in a condition (len gives a number); its text stays valid
 * until this thread renders or reads the next token. */
int fmt_field_value(const struct fmt *f, size_t i, struct eval_ctx *ctx, struct fld_value *out);
/* Text of token i exactly as %token renders it ("<NA>" if missing). Returns length. */
int fmt_field_text(const struct fmt *f, size_t i, struct eval_ctx *ctx, char *buf, size_t cap);

void fmt_free(struct fmt *f);

#endif

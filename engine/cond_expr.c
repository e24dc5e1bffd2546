/* Expressions compiled alone (cond_expr.h): the parser's cond_parse_expr, the compiler's
 * cond_compile_expr and the evaluator's cond_expr_values, on the default field provider. */
#include <stdio.h>
#include <string.h>

#include "rules_int.h"

struct cond_expr {
    struct cexpr e;
};

int cond_expr_is_call(const char *s)
{
    size_t k = 0;
    while ((s[k] >= 'a' && s[k] <= 'z') || (s[k] >= '0' && s[k] <= '9') || s[k] == '_')
        k++;
    if (k == 0 || s[k] != '(' || k >= 32)
        return 0;
    char name[32];
    memcpy(name, s, k);
    name[k] = '\0';
    return cond_tr_lookup(name) >= 0;
}

struct cond_expr *cond_expr_compile(const char *s, size_t *used, char *err, size_t n)
{
    struct arena a; /* the parse tree, dropped once compiled */
    arena_init(&a);
    struct cparse_err pe;
    struct cnode *node = cond_parse_expr(&a, s, used, &pe);
    struct cond_expr *x = NULL;
    if (!node) {
        snprintf(err, n, "%s", pe.msg);
        goto out;
    }
    x = calloc(1, sizeof(*x));
    if (!x) {
        snprintf(err, n, "out of memory");
        goto out;
    }
    struct ccomp_err ce;
    if (cond_compile_expr(&cond_fields_default, node, &x->e, &ce) < 0) {
        snprintf(err, n, "%s", ce.msg);
        free(x);
        x = NULL;
    }
out:
    arena_free(&a);
    return x;
}

const struct fld_ref *cond_expr_field(const struct cond_expr *x)
{
    return &x->e.ref;
}

int cond_expr_value(const struct cond_expr *x, struct eval_ctx *ctx, struct fld_value *out,
                    char *space, size_t cap)
{
    size_t used = 0;
    return cond_expr_values(&cond_fields_default, &x->e, ctx, FX_OUTPUT, out, 1, space, cap,
                            &used) > 0;
}

void cond_expr_free(struct cond_expr *x)
{
    free(x);
}

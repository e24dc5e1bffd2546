/* Refusals collected while instrumenting: every one is reported, then nothing is written. */
#ifndef IN_ERR_H
#define IN_ERR_H
#include <stddef.h>
#include <stdio.h>

struct in_errs {
    char **v;
    size_t n;
};

/* Adds one message (printf format); out of memory keeps a generic one. */
void in_errf(struct in_errs *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Each message as "instrument: error: MSG" on f. */
void in_errs_print(const struct in_errs *e, FILE *f);
/* All messages joined with "; " into a heap string (for the macro's errorMessage). */
char *in_errs_join(const struct in_errs *e);
void in_errs_free(struct in_errs *e);

#endif

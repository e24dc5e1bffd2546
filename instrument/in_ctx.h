/* What every part of one instrumentation run shares. */
#ifndef IN_CTX_H
#define IN_CTX_H
#include <jansson.h>

#include "in_err.h"
#include "in_image.h"
#include "in_opts.h"

struct in_ctx {
    const struct in_opts *o;
    const char *prefix;        /* --prefix or /vendor/falco */
    const char *binaries_name; /* --binaries-name or tartan-binaries */
    struct in_images *images;
    struct in_errs errs;
    json_t *params; /* CloudFormation: parameter and pseudo-parameter values (strings) */
    int found;      /* task definitions / workloads seen */
    int done;       /* ... instrumented (or already instrumented) */
};

#endif

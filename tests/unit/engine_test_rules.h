/* Helpers for engine unit tests that need a rule: one rule loaded from text with the default
 * field provider. Header-only (static functions). */
#ifndef ENGINE_TEST_RULES_H
#define ENGINE_TEST_RULES_H

#include <stdio.h>
#include <string.h>

#include "ruleset.h"

/* A ruleset holding one rule `r` with this condition and priority (output not compiled), or
 * NULL when it does not load. */
static inline struct ruleset *ter_one_rule(const char *condition, const char *priority)
{
    char yaml[2048];
    snprintf(yaml, sizeof yaml,
             "- rule: r\n  desc: d\n  condition: |-\n    %s\n  output: o\n  priority: %s\n",
             condition, priority);
    const char *names[] = {"t.yaml"}, *bufs[] = {yaml};
    size_t lens[] = {strlen(yaml)};
    struct ruleset_opts o;
    memset(&o, 0, sizeof o);
    o.no_output_compile = 1;
    struct rules_diags d;
    rules_diags_init(&d);
    struct ruleset *rs = NULL;
    int rc = ruleset_load_buffers(names, bufs, lens, 1, &o, &d, &rs);
    rules_diags_free(&d);
    return rc == 0 ? rs : NULL;
}

#endif

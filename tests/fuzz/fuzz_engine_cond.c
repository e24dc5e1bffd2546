/* libFuzzer target: the condition parser and compiler (real field registry) on arbitrary
 * text, plus the event-type analysis of whatever parses. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rules_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    struct arena a;
    arena_init(&a);
    struct cparse_err perr;
    struct cnode *ast = cond_parse(&a, text, 1000, &perr);
    if (ast) {
        uint8_t set[TT_EV_COUNT];
        cond_evtypes(ast, set);
        struct cregs regs = {0};
        struct cprog prog;
        struct ccomp_err cerr;
        cond_compile(&a, &regs, NULL, ast, &prog, &cerr);
        cregs_free(&regs);
    }
    arena_free(&a);
    free(text);
    return 0;
}

/* libFuzzer target: the rules loader (YAML, items, merge, lists/macros, conditions, outputs)
 * on arbitrary bytes, then -V and -L rendering of whatever was produced. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ruleset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    const char *names[] = {"fuzz.yaml"}, *bufs[] = {buf};
    size_t lens[] = {size};
    struct rules_diags d;
    rules_diags_init(&d);
    struct ruleset *rs = NULL;
    ruleset_load_buffers(names, bufs, lens, 1, NULL, &d, &rs);
    FILE *out = fopen("/dev/null", "w");
    if (out) {
        rules_diags_print(&d, out);
        if (rs)
            rules_describe(rs, NULL, 1, out);
        fclose(out);
    }
    if (rs) {
        uint8_t set[512];
        ruleset_event_types(rs, set);
    }
    ruleset_free(rs);
    rules_diags_free(&d);
    free(buf);
    return 0;
}

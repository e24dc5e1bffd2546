/* libFuzzer: lib/tt_cgroup on arbitrary /proc/PID/cgroup text (a workload with a delegated
 * cgroup subtree names its own cgroups). The text is an exact-size heap copy without a NUL, so
 * reading past it is caught; the id must fit the caller's buffer and be one of the shapes the
 * parser accepts. */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tt_cgroup.h"

static int lower_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
            return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size ? size : 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    char full[100], small[13];
    int r = tt_cgroup_container_id(text, size, full, sizeof full);
    if (r) {
        size_t n = strlen(full);
        int ok64 = n == 64 && lower_hex(full, 64);
        int ecs = n > 33 && full[32] == '-' && lower_hex(full, 32);
        if (!ok64 && !ecs)
            abort();
    } else if (full[0] != '\0') {
        abort();
    }
    if (tt_cgroup_container_id(text, size, small, sizeof small) != r || strlen(small) > 12)
        abort();
    free(text);
    return 0;
}

/* Container ids from cgroup paths (see tt_cgroup.h). */
#include "tt_cgroup.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static int is_hex_run(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
            return 0;
    return 1;
}

int tt_cgroup_line_container_id(const char *line, size_t len, char *full, size_t nfull)
{
    /* Look at each path component. */
    const char *end = line + len, *p = line;
    const char *colon = memchr(line, ':', len);
    if (colon) {
        const char *c2 = memchr(colon + 1, ':', (size_t)(end - colon - 1));
        if (c2)
            p = c2 + 1;
    }
    const char *prev = NULL;
    size_t prevlen = 0;
    while (p < end) {
        while (p < end && *p == '/')
            p++;
        const char *s = p;
        while (p < end && *p != '/')
            p++;
        size_t n = (size_t)(p - s);
        if (n == 0)
            break;
        /* strip a ".scope" suffix and a "<runtime>-" prefix */
        const char *c = s;
        size_t cn = n;
        if (cn > 6 && memcmp(c + cn - 6, ".scope", 6) == 0)
            cn -= 6;
        const char *dash = memrchr(c, '-', cn);
        if (cn > 64 && dash && (size_t)(c + cn - dash - 1) == 64) {
            c = dash + 1;
            cn = 64;
        }
        if (cn == 64 && is_hex_run(c, 64)) {
            snprintf(full, nfull, "%.*s", 64, c);
            return 1;
        }
        /* ECS (also Fargate): /ecs/<32hex task id>/<32hex>-<digits> */
        if (prev && prevlen == 3 && memcmp(prev, "ecs", 3) == 0) {
            /* task component; the container component follows */
        } else if (n > 33 && s[32] == '-' && is_hex_run(s, 32)) {
            snprintf(full, nfull, "%.*s", (int)n, s);
            return 1;
        }
        prev = s;
        prevlen = n;
    }
    return 0;
}

int tt_cgroup_container_id(const char *text, size_t len, char *full, size_t nfull)
{
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *e = memchr(p, '\0', (size_t)(end - p));
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!e || (nl && nl < e))
            e = nl;
        if (!e)
            e = end;
        if (tt_cgroup_line_container_id(p, (size_t)(e - p), full, nfull))
            return 1;
        p = e + 1;
    }
    if (nfull)
        full[0] = '\0';
    return 0;
}

/* Test-only switches (see testsw.h). */
#include "testsw.h"

#include <stdlib.h>
#include <string.h>

#include "tt_log.h"

#define TESTSW_ENV "TARTAN_TEST_SWITCHES"

/* Pointer just past "word" or "word=" in the list, NULL if absent. */
static const char *find(const char *word)
{
    const char *s = getenv(TESTSW_ENV);
    size_t n = strlen(word);
    while (s && *s) {
        size_t len = strcspn(s, ",");
        if (len >= n && !strncmp(s, word, n) && (len == n || s[n] == '='))
            return s + n;
        s += len;
        if (*s == ',')
            s++;
    }
    return NULL;
}

int testsw_on(const char *word)
{
    return find(word) != NULL;
}

long testsw_num(const char *word, long def)
{
    const char *p = find(word);
    return p && *p == '=' ? strtol(p + 1, NULL, 10) : def;
}

void testsw_announce(void)
{
    const char *s = getenv(TESTSW_ENV);
    if (s && *s)
        tt_warn("%s=%s: test-only switches are set (fault injection, defences off); never set "
                "this in a deployment",
                TESTSW_ENV, s);
}

/* Upstream files for C unit tests (Falco's falco_rules.yaml...), found as every test finds them:
 * tests/lib/upstream.sh ($TT_SHARED, then build/upstream/, then the pinned download, each copy
 * checked against its SHA-256). Include after tt_test.h.
 *
 *   const char *rules = tt_upstream("falco-rules/falco_rules.yaml");
 *   if (!rules) return;     // the current test has failed with how to provide the file
 */
#ifndef TT_UPSTREAM_H
#define TT_UPSTREAM_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The path, or NULL after failing the current test with the helper's explanation. The answer
 * (path or explanation) is asked once per name and kept for the test binary's life. */
static inline const char *tt_upstream(const char *name)
{
    static char names[4][128], answers[4][1024];
    static int ok[4], n;
    int i = 0;
    while (i < n && strcmp(names[i], name) != 0)
        i++;
    if (i == n && n < 4) {
        const char *root = getenv("TT_ROOT");
        char cmd[1024];
        snprintf(cmd, sizeof cmd, "sh '%s/tests/lib/upstream.sh' '%s' 2>&1", root ? root : ".",
                 name);
        FILE *f = popen(cmd, "r");
        size_t len = f ? fread(answers[i], 1, sizeof answers[i] - 1, f) : 0;
        answers[i][len] = '\0';
        answers[i][strcspn(answers[i], "\n")] = '\0';
        ok[i] = f && pclose(f) == 0 && answers[i][0];
        if (!f)
            snprintf(answers[i], sizeof answers[i], "cannot run tests/lib/upstream.sh");
        snprintf(names[i], sizeof names[i], "%s", name);
        n++;
    }
    if (i < n && ok[i])
        return answers[i];
    TT_FAILF("%s", i < n ? answers[i] : "too many upstream names");
    return NULL;
}

#endif

/* Data-driven: every file of tests/data/engine/rules_invalid/ must fail to load with the error
 * code and position (0-based line:column of the innermost YAML location, as Falco prints it)
 * written on its first line ("# expect: CODE LINE:COL"), and -V must report it as Invalid. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ruleset.h"

static char dir[1024];

static int check_file(const char *name, char *why, size_t whylen)
{
    char path[2048], first[256] = "", code[64];
    int line, col;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(why, whylen, "cannot open");
        return -1;
    }
    if (!fgets(first, sizeof(first), f))
        first[0] = '\0';
    fclose(f);
    if (sscanf(first, "# expect: %63s %d:%d", code, &line, &col) != 3) {
        snprintf(why, whylen, "no '# expect: CODE L:C' header");
        return -1;
    }
    const char *paths[] = {path};
    struct rules_diags d;
    rules_diags_init(&d);
    struct ruleset *rs = ruleset_load(paths, 1, NULL, &d);
    int rc = 0;
    const struct rules_diag *e = NULL;
    for (size_t i = 0; i < d.n && !e; i++)
        if (RULES_DIAG_IS_ERROR(d.v[i].code))
            e = &d.v[i];
    if (rs) {
        snprintf(why, whylen, "loaded without error");
        rc = -1;
    } else if (!e) {
        snprintf(why, whylen, "failed without a diagnostic");
        rc = -1;
    } else if (strcmp(rules_diag_code_str(e->code), code) != 0 || e->line != line ||
               e->column != col) {
        snprintf(why, whylen, "got %s %d:%d (%s), want %s %d:%d", rules_diag_code_str(e->code),
                 e->line, e->column, e->message, code, line, col);
        rc = -1;
    } else if (!e->snippet || !strchr(e->snippet, '^')) {
        snprintf(why, whylen, "snippet without caret");
        rc = -1;
    }
    ruleset_free(rs);
    rules_diags_free(&d);
    if (rc)
        return rc;
    /* -V text */
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    if (!out)
        return -1;
    int vrc = rules_validate_main(paths, 1, 0, out, NULL);
    fclose(out);
    char want[4400];
    snprintf(want, sizeof(want), "%s: Invalid\n1 Errors:\nIn rules content: (%s:0:0)\n", path,
             path);
    if (vrc != 1 || !buf || strncmp(buf, want, strlen(want)) != 0 || !strstr(buf, code)) {
        snprintf(why, whylen, "-V rc=%d output: %.150s", vrc, buf ? buf : "");
        rc = -1;
    }
    free(buf);
    /* -V JSON */
    buf = NULL;
    out = open_memstream(&buf, &len);
    if (!out)
        return -1;
    vrc = rules_validate_main(paths, 1, 1, out, NULL);
    fclose(out);
    if (rc == 0 && (vrc != 1 || !buf || !strstr(buf, "\"successful\":false") ||
                    !strstr(buf, "{\"falco_load_results\":["))) {
        snprintf(why, whylen, "-V json rc=%d output: %.150s", vrc, buf ? buf : "");
        rc = -1;
    }
    free(buf);
    return rc;
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *root = getenv("TT_ROOT");
    snprintf(dir, sizeof(dir), "%s/tests/data/engine/rules_invalid", root ? root : ".");
    DIR *dp = opendir(dir);
    if (!dp) {
        printf("FAIL rules_invalid_corpus: cannot open %s\n", dir);
        return 1;
    }
    char *names[256];
    int n = 0;
    struct dirent *de;
    while ((de = readdir(dp)) && n < 256)
        if (strstr(de->d_name, ".yaml"))
            names[n++] = strdup(de->d_name);
    closedir(dp);
    qsort(names, (size_t)n, sizeof(*names), cmp);
    int failures = 0;
    for (int i = 0; i < n; i++) {
        char why[400];
        if (!names[i])
            continue;
        if (check_file(names[i], why, sizeof(why)) == 0) {
            printf("PASS invalid_%s\n", names[i]);
        } else {
            printf("FAIL invalid_%s: %s\n", names[i], why);
            failures++;
        }
        free(names[i]);
    }
    if (n < 20) {
        printf("FAIL rules_invalid_corpus: only %d files\n", n);
        failures++;
    }
    return failures ? 1 : 0;
}

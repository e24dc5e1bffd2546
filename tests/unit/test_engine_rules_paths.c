/* -V (rules_validate_main, ruleset_load) and the runtime (rules_input_collect for -r and
 * rules_files) read rules through one collection path (engine/config_rules.c): for the same
 * paths they load the same files in the same order, and refuse an unreadable file with the same
 * words. The one intended difference is Falco's: -V reads a file it is given whatever its
 * extension, while -r and rules_files take only .yaml/.yml files. A second collection path that
 * drifted (another extension rule, another order, symlinks or subdirectories treated otherwise)
 * would fail here. */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#include "tt_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "config_rules.h"
#include "ruleset.h"

static char dir[] = "/tmp/tt_rules_paths.XXXXXX";

static const char *at(const char *name)
{
    static char p[8][512];
    static int k;
    k = (k + 1) % 8;
    snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
    return p[k];
}

static void put(const char *name, const char *text)
{
    FILE *f = fopen(at(name), "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

#define RULE(n)                                                                                    \
    "- rule: " n "\n  desc: d\n  condition: evt.type = open\n  output: o\n  priority: INFO\n"

/* The files -V loads for paths, in order, joined by '|' ("FAIL:<message>" when it refused). */
static const char *validate_files(const char *const *paths, size_t n)
{
    static char out[4096];
    struct rules_diags d;
    rules_diags_init(&d);
    struct ruleset *rs = ruleset_load(paths, n, NULL, &d);
    out[0] = '\0';
    if (!rs) {
        for (size_t i = 0; i < d.n; i++)
            if (d.v[i].code == LOAD_ERR_FILE_READ)
                snprintf(out, sizeof out, "FAIL:%s", d.v[i].message);
    } else {
        for (size_t i = 0; i < d.nfiles; i++)
            snprintf(out + strlen(out), sizeof out - strlen(out), "%s%s", i ? "|" : "",
                     d.files[i].name);
    }
    ruleset_free(rs);
    rules_diags_free(&d);
    return out;
}

/* The files the runtime loads for -r paths (cli) or rules_files (config), the same way. */
static const char *runtime_files(const char *const *paths, size_t n, int cli)
{
    static char out[4096];
    struct engine_config cfg;
    config_defaults(&cfg);
    cfg.rules_files = (char **)paths;
    cfg.nrules_files = cli ? 0 : n;
    struct rules_input in;
    char err[512];
    out[0] = '\0';
    if (rules_input_collect(&in, &cfg, cli ? paths : NULL, cli ? n : 0, err, sizeof err) < 0) {
        snprintf(out, sizeof out, "FAIL:%s", err);
        return out;
    }
    for (size_t i = 0; i < in.n; i++)
        snprintf(out + strlen(out), sizeof out - strlen(out), "%s%s", i ? "|" : "", in.names[i]);
    rules_input_free(&in);
    return out;
}

TT_TEST(the_same_files_in_the_same_order)
{
    TT_REQUIRE(mkdtemp(dir) != NULL);
    unsetenv("TARTAN_RULES");
    mkdir(at("rules.d"), 0755);
    mkdir(at("rules.d/sub.yaml"), 0755); /* a directory named like a file: not read */
    put("rules.d/20-b.yaml", RULE("B"));
    put("rules.d/10-a.yml", RULE("A"));
    put("rules.d/30-c.txt", "not: [yaml");
    put("rules.d/.hidden.yaml", RULE("H"));
    put("rules.d/sub.yaml/x.yaml", RULE("X"));
    put("main.yaml", RULE("M"));
    TT_REQUIRE(symlink(at("main.yaml"), at("rules.d/40-link.yaml")) == 0);
    TT_REQUIRE(symlink(at("nowhere.yaml"), at("rules.d/50-dangling.yaml")) == 0);
    mkdir(at("empty.d"), 0755);
    static const char *const layouts[][3] = {
        {"main.yaml", NULL, NULL},
        {"rules.d", NULL, NULL},
        {"main.yaml", "rules.d", NULL},
        {"rules.d", "main.yaml", "empty.d"},
    };
    for (size_t l = 0; l < sizeof layouts / sizeof layouts[0]; l++) {
        const char *paths[3];
        size_t n = 0;
        while (n < 3 && layouts[l][n]) {
            paths[n] = at(layouts[l][n]);
            n++;
        }
        char v[4096];
        snprintf(v, sizeof v, "%s", validate_files(paths, n));
        TT_CHECKF(strncmp(v, "FAIL", 4) != 0, "layout %zu: %s", l, v);
        TT_CHECKF(strcmp(v, runtime_files(paths, n, 1)) == 0, "layout %zu: -V %s, -r %s", l, v,
                  runtime_files(paths, n, 1));
        TT_CHECKF(strcmp(v, runtime_files(paths, n, 0)) == 0, "layout %zu: -V %s, rules_files %s",
                  l, v, runtime_files(paths, n, 0));
    }
    /* what the directory gives: sorted, .yaml and .yml regular files (symlinks followed) */
    const char *d1[] = {at("rules.d")};
    char want[2048];
    snprintf(want, sizeof want, "%s|%s|%s|%s", at("rules.d/.hidden.yaml"), at("rules.d/10-a.yml"),
             at("rules.d/20-b.yaml"), at("rules.d/40-link.yaml"));
    TT_CHECK_STR(validate_files(d1, 1), want);
    /* negative control: a collector with another extension rule (every regular file, as
     * config_files takes them) gives another list, so the comparison above can tell */
    char **names = NULL, lax[2048] = "", err[256];
    size_t nn = 0;
    TT_REQUIRE(config_dir_files(at("rules.d"), 0, &names, &nn, err, sizeof err) == 0);
    for (size_t i = 0; i < nn; i++) {
        snprintf(lax + strlen(lax), sizeof lax - strlen(lax), "%s%s", i ? "|" : "", names[i]);
        free(names[i]);
    }
    free(names);
    TT_CHECKF(strcmp(lax, validate_files(d1, 1)) != 0, "a lax collector matched: %s", lax);
}

TT_TEST(an_unreadable_file_is_refused_in_the_same_words)
{
    const char *missing[] = {at("missing.yaml")};
    char v[1024];
    snprintf(v, sizeof v, "%s", validate_files(missing, 1));
    TT_CHECK_STR(v, runtime_files(missing, 1, 1));
    TT_CHECKF(strstr(v, "Could not open file") && strstr(v, "missing.yaml"), "%s", v);
    /* rules_files skips it with a warning (Falco's -r and -V refuse it) */
    TT_CHECK_STR(runtime_files(missing, 1, 0), "");
}

TT_TEST(minus_V_reads_a_named_file_whatever_its_extension)
{
    put("rules.txt", RULE("T"));
    const char *named[] = {at("rules.txt")};
    TT_CHECK_STR(validate_files(named, 1), at("rules.txt"));
    TT_CHECK_STR(runtime_files(named, 1, 1), ""); /* -r: skipped, as Falco */
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    TT_CHECK(system(cmd) == 0);
}

int main(void)
{
    return tt_run_all();
}

/* Whole-file reads have named caps (lib/tt_io.h): an input over its cap is refused with an error
 * that names the file and the cap, never truncated and parsed in part. */
#include "tt_test.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "config.h"
#include "ruleset.h"
#include "tt_io.h"

/* A sparse file of size bytes (reads as zeros). */
static int sparse(char *path, off_t size)
{
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    int rc = ftruncate(fd, size);
    close(fd);
    return rc;
}

TT_TEST(config_file_over_its_cap_is_refused)
{
    char path[] = "/tmp/tt_cap_cfg_XXXXXX";
    TT_REQUIRE(sparse(path, (off_t)TT_CAP_CONFIG_FILE + 1) == 0);
    struct engine_config c;
    struct config_load_opts o = {.path = path};
    char err[512] = "";
    unsetenv(CONFIG_ENV_YAML);
    unsetenv(CONFIG_ENV_YAML_B64);
    TT_CHECK_INT(config_load(&c, &o, err, sizeof err), -1);
    TT_CHECKF(strstr(err, path) && strstr(err, "larger than 4 MiB"), "err: %s", err);
    config_free(&c);
    unlink(path);
}

TT_TEST(rules_file_over_its_cap_is_refused)
{
    char path[] = "/tmp/tt_cap_rules_XXXXXX";
    TT_REQUIRE(sparse(path, (off_t)TT_CAP_RULES_FILE + 1) == 0);
    const char *paths[] = {path};
    struct rules_diags d;
    rules_diags_init(&d);
    struct ruleset *rs = ruleset_load(paths, 1, NULL, &d);
    TT_CHECK(rs == NULL);
    TT_CHECK(d.nerrors > 0);
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    TT_REQUIRE(m != NULL);
    rules_diags_print(&d, m);
    fclose(m);
    TT_CHECKF(text && strstr(text, "larger than 64 MiB"), "diagnostics: %.300s", text ? text : "");
    free(text);
    rules_diags_free(&d);
    ruleset_free(rs);
    unlink(path);
}

int main(void)
{
    return tt_run_all();
}

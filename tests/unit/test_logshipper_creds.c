/* Credential parsing, the environment provider, profile lookup, and the chain's cache:
 * refresh inside the window, forced refresh, no hammering of a provider. */
#include "tt_test.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ls_creds.h"
#include "tt_time.h"

static void reset_env(void)
{
    const char *v[] = {"AWS_ACCESS_KEY_ID",
                       "AWS_SECRET_ACCESS_KEY",
                       "AWS_SESSION_TOKEN",
                       "AWS_CREDENTIAL_EXPIRATION",
                       "AWS_PROFILE",
                       "AWS_WEB_IDENTITY_TOKEN_FILE",
                       "AWS_ROLE_ARN",
                       "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                       "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                       "LOGSHIPPER_CREDENTIAL_REFRESH_WINDOW"};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        unsetenv(v[i]);
    setenv("AWS_CONFIG_FILE", "/nonexistent/config", 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials", 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
}

TT_TEST(parse_credentials_json)
{
    struct ls_creds c;
    char err[128];
    const char *j = "{\"AccessKeyId\":\"AK\",\"SecretAccessKey\":\"SK\",\"Token\":\"TK\","
                    "\"Expiration\":\"2030-01-01T00:00:00Z\"}";
    TT_CHECK(ls_creds_parse_json(j, strlen(j), &c, err, sizeof err) == 0);
    TT_CHECK_STR(c.akid, "AK");
    TT_CHECK_STR(c.secret, "SK");
    TT_CHECK_STR(c.token, "TK");
    TT_CHECK_INT(c.expires_ms, 1893456000000LL);
    const char *k = "{\"AccessKeyId\":\"AK\",\"SecretAccessKey\":\"SK\",\"SessionToken\":\"S\"}";
    TT_CHECK(ls_creds_parse_json(k, strlen(k), &c, err, sizeof err) == 0);
    TT_CHECK_STR(c.token, "S");
    TT_CHECK_INT(c.expires_ms, 0);
    TT_CHECK(ls_creds_parse_json("{\"AccessKeyId\":\"AK\"}", 20, &c, err, sizeof err) < 0);
    TT_CHECK(ls_creds_parse_json("nope", 4, &c, err, sizeof err) < 0);
}

TT_TEST(env_provider)
{
    struct ls_creds c;
    char err[128];
    reset_env();
    TT_CHECK(ls_cred_env(&c, err, sizeof err) == 0);
    setenv("AWS_ACCESS_KEY_ID", "AKENV", 1);
    TT_CHECK(ls_cred_env(&c, err, sizeof err) == -1);
    setenv("AWS_SECRET_ACCESS_KEY", "SKENV", 1);
    setenv("AWS_SESSION_TOKEN", "TKENV", 1);
    TT_CHECK(ls_cred_env(&c, err, sizeof err) == 1);
    TT_CHECK_STR(c.akid, "AKENV");
    TT_CHECK_STR(c.token, "TKENV");
    reset_env();
}

static char dir[64];

static const char *file_in(const char *name)
{
    static char p[128];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return p;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
    chmod(path, mode);
}

static int count_calls(void)
{
    FILE *f = fopen(file_in("calls"), "r");
    int n = 0;
    if (f) {
        char b[16];
        while (fgets(b, sizeof b, f))
            n++;
        fclose(f);
    }
    return n;
}

TT_TEST(chain_caches_refreshes_and_does_not_hammer)
{
    reset_env();
    snprintf(dir, sizeof dir, "/tmp/ls-unit-creds-XXXXXX");
    TT_CHECK(mkdtemp(dir) != NULL);
    /* credential_process printing credentials that expire in 100 s: inside the default 300 s
     * refresh window from the start. */
    char script[512];
    snprintf(script, sizeof script,
             "#!/bin/sh\necho x >> %s\nexp=$(date -u -d @$(($(date +%%s) + 100)) "
             "+%%Y-%%m-%%dT%%H:%%M:%%SZ)\n"
             "echo \"{\\\"Version\\\":1,\\\"AccessKeyId\\\":\\\"AK$(wc -l < %s)\\\","
             "\\\"SecretAccessKey\\\":\\\"SK\\\",\\\"SessionToken\\\":\\\"T\\\","
             "\\\"Expiration\\\":\\\"$exp\\\"}\"\n",
             file_in("calls"), file_in("calls"));
    write_file(file_in("proc.sh"), script, 0700);
    char cfg[256];
    snprintf(cfg, sizeof cfg, "[default]\ncredential_process = %s\n", file_in("proc.sh"));
    write_file(file_in("config"), cfg, 0600);
    setenv("AWS_CONFIG_FILE", file_in("config"), 1);

    struct ls_cred_chain ch;
    TT_CHECK(ls_cred_chain_init(&ch, "us-east-1") == 0);
    const struct ls_creds *c;
    char err[256];
    TT_CHECK(ls_cred_chain_get(&ch, 0, &c, err, sizeof err) == 0);
    TT_CHECK_STR(c->akid, "AK1");
    TT_CHECK_STR(c->source, "profile");
    TT_CHECK(c->expires_ms > tt_wall_ms() + 90000);
    for (int i = 0; i < 5; i++) /* inside the window, but asked again at most every 30 s */
        TT_CHECK(ls_cred_chain_get(&ch, 0, &c, err, sizeof err) == 0);
    usleep(1100 * 1000);
    TT_CHECK(ls_cred_chain_get(&ch, 0, &c, err, sizeof err) == 0);
    TT_CHECK_INT(count_calls(), 1);
    TT_CHECK(ls_cred_chain_get(&ch, 1, &c, err, sizeof err) == 0); /* forced */
    TT_CHECK_INT(count_calls(), 2);
    TT_CHECK_STR(c->akid, "AK2");
    /* A failing provider keeps the still-valid credentials. */
    write_file(file_in("proc.sh"), "#!/bin/sh\nexit 1\n", 0700);
    TT_CHECK(ls_cred_chain_get(&ch, 1, &c, err, sizeof err) == 0);
    TT_CHECK_STR(c->akid, "AK2");
    ls_cred_chain_free(&ch);
    unlink(file_in("proc.sh"));
    unlink(file_in("config"));
    unlink(file_in("calls"));
    rmdir(dir);
    reset_env();
}

TT_TEST(chain_nothing_configured)
{
    reset_env();
    struct ls_cred_chain ch;
    TT_CHECK(ls_cred_chain_init(&ch, "us-east-1") == 0);
    const struct ls_creds *c;
    char err[256];
    TT_CHECK(ls_cred_chain_get(&ch, 0, &c, err, sizeof err) < 0);
    TT_CHECK(strstr(err, "no credentials found") != NULL);
    ls_cred_chain_free(&ch);
}

int main(void)
{
    return tt_run_all();
}

/* engine: the Falco-compatible rules engine. Parses the command line, loads the configuration
 * and the rules, then evaluates the event stream (the tracer's ring, or a capture with -e) and
 * sends alerts to the configured outputs. See docs/engine.md. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "cli.h"
#include "config.h"
#include "tt_log.h"

#define TARTAN_ENGINE_VERSION "0.1.0"

static int print_version(const struct engine_config *cfg)
{
    if (cfg->json_output) {
        printf("{\"default_driver_version\":\"tartan-ring-%u\",\"driver_api_version\":\"tartan\","
               "\"driver_schema_version\":\"tartan\",\"engine_version\":\"%s\","
               "\"engine_version_semver\":\"%s\",\"falco_version\":\"%s\","
               "\"libs_version\":\"tartan-%s\",\"plugin_api_version\":\"none\"}\n",
               1u, TARTAN_ENGINE_VERSION, TARTAN_ENGINE_VERSION, TARTAN_ENGINE_VERSION,
               TARTAN_ENGINE_VERSION);
    } else {
        printf("Falco version: %s (tartan)\n"
               "Libs version:  tartan-%s\n"
               "Plugin API:    none\n"
               "Engine:        %s\n"
               "Driver:\n"
               "  API version:    tartan\n"
               "  Schema version: tartan\n"
               "  Default driver: tartan-ring-%u\n",
               TARTAN_ENGINE_VERSION, TARTAN_ENGINE_VERSION, TARTAN_ENGINE_VERSION, 1u);
    }
    return fflush(stdout) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    tt_log_init("engine");
    struct cli_opts cli;
    if (cli_parse(&cli, argc, argv, stderr)) {
        cli_usage(stderr);
        return 1;
    }
    if (cli.help) {
        cli_usage(stdout);
        cli_free(&cli);
        return 0;
    }
    struct engine_config cfg;
    char err[512];
    struct config_load_opts lo = {
        .path = cli.config_path, .overrides = cli.overrides, .noverrides = cli.noverrides};
    if (config_load(&cfg, &lo, err, sizeof err)) {
        tt_error("%s", err);
        config_free(&cfg);
        cli_free(&cli);
        return 1;
    }
    tt_log_set_level(cfg.log_level);
    int rc = 0;
    if (cli.version)
        rc = print_version(&cfg);
    else {
        tt_error("event processing is not wired yet");
        rc = 2;
    }
    config_free(&cfg);
    cli_free(&cli);
    return rc;
}

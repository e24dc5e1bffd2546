/* Which rules the engine loads: -r paths (replacing rules_files) or the configuration's
 * rules_files, directories expanded (non-recursive, *.yaml and *.yml, sorted), plus rules from the
 * environment (TARTAN_RULES*), all read into memory in load order. The one rules-collection
 * path: -V (rules_validate_main) and ruleset_load (ruleset.h) read their paths here too. */
#ifndef ENGINE_CONFIG_RULES_H
#define ENGINE_CONFIG_RULES_H

#include <stddef.h>

struct engine_config;

struct rules_input {
    char **names; /* file path or "env:NAME" */
    char **texts;
    size_t *lens;
    size_t n;
    char **watch; /* files and directories to watch for changes */
    size_t nwatch;
    char **missing; /* rules_files entries that could not be read (skipped, warned) */
    size_t nmissing;
    char *failed; /* the file or directory whose reading ended the collection, or NULL */
};

/* Where a rules path comes from, which decides what a path that cannot be read does:
 * CLI (-r): ends the collection (Falco's "Could not open file X for reading"); a named file
 *   must be .yaml/.yml (skipped with a warning otherwise, as Falco);
 * CONFIG (rules_files): skipped with a warning naming it, listed in `missing`;
 * CONFIG_STRICT (rules_files with tartan.rules_files_missing: error): ends the collection;
 * NAMED (-V and ruleset_load): ends the collection, reported as the file's LOAD_ERR_FILE_READ;
 *   a named file is read whatever its extension (Falco's -V reads what it is given). */
enum rules_path_from {
    RULES_FROM_CLI,
    RULES_FROM_CONFIG,
    RULES_FROM_CONFIG_STRICT,
    RULES_FROM_NAMED
};

/* cli_paths (may be NULL) replaces cfg->rules_files; a -r path that cannot be read is fatal
 * ("Could not open file X for reading"), configuration entries that cannot be read are skipped
 * with a warning naming them (fatal with tartan.rules_files_missing: error).
 * 0, or -1 with the reason in err. */
int rules_input_collect(struct rules_input *in, const struct engine_config *cfg,
                        const char *const *cli_paths, size_t ncli, char *err, size_t n);
void rules_input_free(struct rules_input *in);

#endif

/* libFuzzer target: the engine configuration on arbitrary bytes. The first line is an -o
 * override, the rest a falco.yaml; ${VAR} expansion (with variables that nest and recurse), the
 * typed reader with its key warnings, the JSON dump and the alert formatter (with the resulting
 * options and a hostile message) must neither crash nor leak. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *nl = memchr(buf, '\n', size);
    const char *ov = NULL, *yaml = buf;
    if (nl) {
        *nl = '\0';
        ov = buf;
        yaml = nl + 1;
    }
    char err[512];
    static int env_set;
    if (!env_set) {
        setenv("A", "${B}x", 1);
        setenv("B", "$${A}${C}", 1);
        setenv("C", "true", 1);
        setenv("LOOP", "${LOOP}", 1);
        env_set = 1;
    }
    struct engine_config c;
    config_defaults(&c);
    struct cfg_node *t = cfg_parse(yaml, strlen(yaml), "fuzz.yaml", err, sizeof err);
    if (t && cfg_expand_env(t, err, sizeof err) != 0) {
        cfg_node_free(t);
        t = NULL;
    }
    if (t) {
        if (ov)
            cfg_override(t, ov, err, sizeof err);
        char *j = cfg_to_json(t);
        free(j);
        if (config_from_tree(&c, t, err, sizeof err) == 0) {
            struct alert_fmt_opts o;
            alert_fmt_opts_from_config(&o, &c, "fuzz");
            struct alert a = {.ts_ns = size,
                              .priority = (int)(size % 9),
                              .rule = "r",
                              .source = "syscall",
                              .message = buf};
            char *line = alert_format(&a, &o);
            free(line);
        }
    }
    config_free(&c);
    free(buf);
    return 0;
}

/* An alert as handed to the outputs, and Falco's text and JSON renderings of it
 * (../shared/reference/falco-engine-digest.md, section e).
 *
 * struct alert is self-contained: strings and the output_fields object are owned by whoever
 * built it (alert_from_rule() builds one from a matched rule; internal alerts are built by
 * hand). alert_format() renders the line every output channel sends. */
#ifndef ENGINE_ALERT_H
#define ENGINE_ALERT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "priority.h"

struct engine_config;

struct alert {
    uint64_t ts_ns;          /* event time, ns since the epoch (UTC) */
    int priority;            /* enum rule_priority (priority.h) */
    const char *rule;        /* rule name, or "Falco internal: ..." */
    const char *source;      /* "syscall" or "internal" */
    const char *const *tags; /* as loaded; rendered sorted and de-duplicated */
    size_t ntags;
    const char *message;   /* rendered rule output (no time/priority prefix) */
    json_t *output_fields; /* object (borrowed), or NULL; keys as written in the format */
    int internal;          /* internal alert: text form appends " (k=v ...)", JSON has no tags */
};

/* Output-format options (from the configuration). */
struct alert_fmt_opts {
    int json_output;
    int json_include_output_property;
    int json_include_tags_property;
    int json_include_message_property;
    int json_include_output_fields_property;
    int time_format_iso_8601;
    const char *hostname; /* FALCO_HOSTNAME or gethostname() */
};

void alert_fmt_opts_from_config(struct alert_fmt_opts *o, const struct engine_config *cfg,
                                const char *hostname);
/* FALCO_HOSTNAME if set, else gethostname(); writes into buf. */
void alert_hostname(char *buf, size_t n);

/* JSON "time": "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ". */
int alert_time_json(uint64_t ts_ns, char *buf, size_t n);

/* Copies s replacing invalid UTF-8 by U+FFFD and (escape_ctl) control characters by JSON
 * escapes (\n, \t, \u00XX). malloc'd. */
char *alert_sanitize(const char *s, size_t len, int escape_ctl);

/* Renders the line (no trailing newline) in the configured format. malloc'd; NULL on
 * allocation failure. */
char *alert_format(const struct alert *a, const struct alert_fmt_opts *o);

/* Builds an internal alert ("Falco internal: ..."); fields may be NULL (borrowed). */
void alert_internal(struct alert *a, uint64_t ts_ns, int prio, const char *rule,
                    const char *message, json_t *fields);

/* ---- Alerts from matched rules (alert_build.c) ----
 * An alert builder is made once per loaded ruleset: it compiles, for each rule, what
 * append_output (and -p) add to its output, the JSON output_fields, and static_fields. */
struct ruleset;
struct rule;
struct eval_ctx;
struct alert_builder;

struct alert_builder *alert_builder_new(const struct ruleset *rs, const struct engine_config *cfg,
                                        const char *append_format, char *err, size_t n);
void alert_builder_free(struct alert_builder *b);
/* Fills a (strings point into the builder, the rule or b's scratch; valid until the next call)
 * for rule r matched on the event in ctx. a->output_fields is a new reference owned by the
 * builder until the next call. 0, or -1 on allocation failure. */
int alert_build(struct alert_builder *b, const struct rule *r, struct eval_ctx *ctx,
                struct alert *a);

#endif

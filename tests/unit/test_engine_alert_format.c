/* Unit tests for Falco's alert formats: the deployment guide's sample alert byte for byte (in
 * today's sorted-key layout) and equal as JSON to the guide's text, text lines, priorities,
 * sorted tags, json_include_* switches, invalid UTF-8 and control characters, internal alerts. */
#include "tt_test.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"

static const char *guide_sample =
    "{\"output\":\"2022-09-08T17:42:00.851005190+0000: Informational Bash ran inside a container "
    "(user= command=bash /vendor/falco/scripts/myscript.sh "
    "(id=2e153fc3dafb))\",\"priority\":\"Informational\",\"rule\":\"Detect bash in a "
    "container\",\"source\":\"syscall\",\"tags\":[],\"time\":\"2022-09-08T17:42:00.851005190Z\", "
    "\"output_fields\": "
    "{\"container.id\":\"2e153fc3dafb\",\"container.name\":null,\"evt.time.iso8601\":"
    "1662658920851005190,\"proc.cmdline\":\"bash "
    "/vendor/falco/scripts/myscript.sh\",\"user.name\":\"\"}}";

/* TT_CHECK_STR for long strings (its message buffer is smaller than these lines). */
#define CHECK_LONG_STR(got, want)                                                                  \
    do {                                                                                           \
        const char *g_ = (got), *w_ = (want);                                                      \
        tt_checks_current++;                                                                       \
        if (!g_ || strcmp(g_, w_) != 0) {                                                          \
            size_t i_ = 0;                                                                         \
            while (g_ && g_[i_] && g_[i_] == w_[i_])                                               \
                i_++;                                                                              \
            TT_FAILF("differs at byte %zu: got \"%.80s\", want \"%.80s\"", i_,                     \
                     g_ ? g_ + i_ : "(null)", w_ + i_);                                            \
        }                                                                                          \
    } while (0)

static json_t *sample_fields(void)
{
    json_t *f = json_object();
    json_object_set_new(f, "container.id", json_string("2e153fc3dafb"));
    json_object_set_new(f, "container.name", json_null());
    json_object_set_new(f, "evt.time.iso8601", json_integer(1662658920851005190LL));
    json_object_set_new(f, "proc.cmdline", json_string("bash /vendor/falco/scripts/myscript.sh"));
    json_object_set_new(f, "user.name", json_string(""));
    return f;
}

static void sample_alert(struct alert *a, json_t *fields)
{
    memset(a, 0, sizeof *a);
    a->ts_ns = 1662658920851005190ULL;
    a->priority = PRI_INFO;
    a->rule = "Detect bash in a container";
    a->source = "syscall";
    a->message = "Bash ran inside a container (user= command=bash "
                 "/vendor/falco/scripts/myscript.sh (id=2e153fc3dafb))";
    a->output_fields = fields;
}

static struct alert_fmt_opts json_opts(void)
{
    struct alert_fmt_opts o = {
        .json_output = 1,
        .json_include_output_property = 1,
        .json_include_tags_property = 1,
        .json_include_output_fields_property = 1,
        .time_format_iso_8601 = 1,
        .hostname = "9f972d379b33",
    };
    return o;
}

TT_TEST(guide_sample_json_bytes)
{
    json_t *f = sample_fields();
    struct alert a;
    sample_alert(&a, f);
    struct alert_fmt_opts o = json_opts();
    char *line = alert_format(&a, &o);
    CHECK_LONG_STR(
        line, "{\"hostname\":\"9f972d379b33\",\"output\":\"2022-09-08T17:42:00.851005190+0000: "
              "Informational Bash ran inside a container (user= command=bash "
              "/vendor/falco/scripts/myscript.sh "
              "(id=2e153fc3dafb))\",\"output_fields\":{\"container.id\":\"2e153fc3dafb\","
              "\"container.name\":null,\"evt.time.iso8601\":1662658920851005190,"
              "\"proc.cmdline\":\"bash /vendor/falco/scripts/myscript.sh\",\"user.name\":\"\"},"
              "\"priority\":\"Informational\",\"rule\":\"Detect bash in a "
              "container\",\"source\":\"syscall\",\"tags\":[],\"time\":\"2022-09-08T17:42:00."
              "851005190Z\"}");
    /* same document as the guide's sample (which predates the hostname key) */
    json_t *ours = json_loads(line, 0, NULL);
    json_t *theirs = json_loads(guide_sample, 0, NULL);
    TT_CHECK(ours && theirs);
    json_object_del(ours, "hostname");
    TT_CHECK(json_equal(ours, theirs));
    json_decref(ours);
    json_decref(theirs);
    free(line);
    json_decref(f);
}

TT_TEST(text_line_local_and_iso)
{
    setenv("TZ", "UTC", 1);
    json_t *f = sample_fields();
    struct alert a;
    sample_alert(&a, f);
    struct alert_fmt_opts o = {.hostname = "h"};
    char *line = alert_format(&a, &o);
    CHECK_LONG_STR(line, "17:42:00.851005190: Informational Bash ran inside a container (user= "
                         "command=bash /vendor/falco/scripts/myscript.sh (id=2e153fc3dafb))");
    free(line);
    o.time_format_iso_8601 = 1;
    line = alert_format(&a, &o);
    TT_CHECK(line &&
             strncmp(line, "2022-09-08T17:42:00.851005190+0000: Informational Bash", 54) == 0);
    free(line);
    json_decref(f);
}

TT_TEST(priority_names_and_parse)
{
    const char *want[] = {"Emergency", "Alert",  "Critical",      "Error",
                          "Warning",   "Notice", "Informational", "Debug"};
    for (int i = 0; i < 8; i++) {
        TT_CHECK_STR(priority_name(i), want[i]);
        TT_CHECK_INT(priority_parse(want[i]), i);
    }
    TT_CHECK_INT(priority_parse("INFO"), PRI_INFO);
    TT_CHECK_INT(priority_parse("warning"), PRI_WARNING);
    TT_CHECK_INT(priority_parse("loud"), -1);
}

TT_TEST(tags_sorted_unique_and_switches)
{
    const char *tags[] = {"mitre_execution", "T1059", "container", "T1059", "Shell"};
    struct alert a;
    sample_alert(&a, NULL);
    a.tags = tags;
    a.ntags = 5;
    struct alert_fmt_opts o = json_opts();
    o.json_include_output_fields_property = 0;
    o.json_include_output_property = 0;
    o.json_include_message_property = 1;
    char *line = alert_format(&a, &o);
    TT_CHECK(line &&
             strstr(line, "\"tags\":[\"Shell\",\"T1059\",\"container\",\"mitre_execution\"]"));
    TT_CHECK(line && !strstr(line, "\"output\""));
    TT_CHECK(line && !strstr(line, "output_fields"));
    TT_CHECK(line && strstr(line, "\"message\":\"Bash ran inside a container (user="));
    free(line);
    o.json_include_tags_property = 0;
    line = alert_format(&a, &o);
    TT_CHECK(line && !strstr(line, "\"tags\""));
    free(line);
}

TT_TEST(invalid_utf8_and_control_chars)
{
    struct alert a;
    sample_alert(&a, NULL);
    a.message = "cmd=ab\xff\xfe c\nd \xc3\xa9";
    struct alert_fmt_opts o = {.hostname = "h"};
    char *line = alert_format(&a, &o);
    TT_CHECK(line && strstr(line, "cmd=ab\xef\xbf\xbd\xef\xbf\xbd c\\nd \xc3\xa9"));
    free(line);
    json_t *f = json_object();
    char bad[] = "x\xc0y";
    char *clean = alert_sanitize(bad, strlen(bad), 0);
    json_object_set_new(f, "proc.name", json_string(clean));
    free(clean);
    a.output_fields = f;
    o = json_opts();
    line = alert_format(&a, &o);
    TT_CHECK(line != NULL);
    json_t *j = line ? json_loads(line, 0, NULL) : NULL;
    TT_CHECK(j != NULL);
    TT_CHECK(line && strstr(line, "\"proc.name\":\"x\xef\xbf\xbdy\""));
    TT_CHECK(line && strstr(line, "c\\nd"));
    json_decref(j);
    free(line);
    json_decref(f);
}

TT_TEST(internal_alert_formats)
{
    setenv("TZ", "UTC", 1);
    json_t *f = json_object();
    json_object_set_new(f, "last_event_time", json_string("none"));
    json_object_set_new(f, "a_count", json_string("3"));
    struct alert a;
    alert_internal(&a, 1663772897731995145ULL, PRI_DEBUG,
                   "Falco internal: timeouts notification",
                   "Falco internal: timeouts notification. 1000 consecutive timeouts without "
                   "event.",
                   f);
    struct alert_fmt_opts o = json_opts();
    char *line = alert_format(&a, &o);
    CHECK_LONG_STR(line, "{\"hostname\":\"9f972d379b33\",\"output\":\"Falco internal: timeouts "
                         "notification. 1000 consecutive timeouts without "
                         "event.\",\"output_fields\":{\"a_count\":\"3\",\"last_event_time\":"
                         "\"none\"},\"priority\":\"Debug\",\"rule\":\"Falco internal: timeouts "
                         "notification\",\"source\":\"internal\",\"time\":\"2022-09-21T15:08:17."
                         "731995145Z\"}");
    free(line);
    struct alert_fmt_opts t = {.hostname = "h"};
    line = alert_format(&a, &t);
    CHECK_LONG_STR(line, "15:08:17.731995145: Debug Falco internal: timeouts notification. 1000 "
                         "consecutive timeouts without event. (a_count=\"3\" "
                         "last_event_time=\"none\")");
    free(line);
    json_decref(f);
}

TT_TEST(hostname_from_env)
{
    char buf[64];
    setenv("FALCO_HOSTNAME", "from-env", 1);
    alert_hostname(buf, sizeof buf);
    TT_CHECK_STR(buf, "from-env");
    unsetenv("FALCO_HOSTNAME");
    alert_hostname(buf, sizeof buf);
    TT_CHECK(strcmp(buf, "from-env") != 0 && buf[0]);
}

TT_TEST(json_control_escapes_lower_case_like_falco)
{
    struct alert a;
    sample_alert(&a, NULL);
    a.message = "esc\x1b[31m \\u00AB tab\t";
    struct alert_fmt_opts o = json_opts();
    o.json_include_message_property = 1;
    char *line = alert_format(&a, &o);
    TT_CHECK(line && strstr(line, "\"message\":\"esc\\u001b[31m \\\\u00AB tab\\t\""));
    free(line);
}

TT_TEST(json_time_is_utc_nanoseconds)
{
    char buf[64];
    alert_time_json(5, buf, sizeof buf);
    TT_CHECK_STR(buf, "1970-01-01T00:00:00.000000005Z");
}

TT_TEST(sanitize_escapes_every_control_character)
{
    char *s = alert_sanitize("\t\r\b\f\x01\n\x1fz", 8, 1);
    TT_CHECK_STR(s, "\\t\\r\\b\\f\\u0001\\n\\u001fz");
    free(s);
    s = alert_sanitize("a\tb", 3, 0); /* not escaped when not asked */
    TT_CHECK_STR(s, "a\tb");
    free(s);
}

int main(void)
{
    return tt_run_all();
}

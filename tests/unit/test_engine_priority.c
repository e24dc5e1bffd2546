/* Priorities and the loader's diagnostic codes each come from one list (engine/priority.def,
 * engine/rules_diag.def): a rule's `priority:`, falco.yaml's `priority:` and the alert line
 * accept and print the same spellings, and every code has its name, description and kind. */
#include "tt_test.h"

#include "alert.h"
#include "config.h"
#include "engine_test_rules.h"

/* The priority a one-rule file gets, or -1 when it does not load. */
static int rule_priority_of(const char *spelling)
{
    struct ruleset *rs = ter_one_rule("evt.num > 0", spelling);
    if (!rs)
        return -1;
    int p = ruleset_rule(rs, 0)->priority;
    ruleset_free(rs);
    return p;
}

/* falco.yaml's minimum priority, or -1 when refused. */
static int config_priority_of(const char *spelling)
{
    char yaml[128], err[256];
    snprintf(yaml, sizeof yaml, "priority: %s\n", spelling);
    struct engine_config c;
    config_defaults(&c);
    struct cfg_node *t = cfg_parse(yaml, strlen(yaml), "falco.yaml", err, sizeof err);
    if (!t)
        return -2;
    int rc = config_from_tree(&c, t, err, sizeof err);
    int p = rc == 0 ? c.priority : -1;
    config_free(&c);
    return p;
}

TT_TEST(rules_config_and_alerts_share_the_spellings)
{
    static const struct {
        const char *s;
        int want;
    } c[] = {
        {"EMERGENCY", PRI_EMERGENCY},
        {"alert", PRI_ALERT},
        {"Critical", PRI_CRITICAL},
        {"error", PRI_ERROR},
        {"WARNING", PRI_WARNING},
        {"notice", PRI_NOTICE},
        {"INFO", PRI_INFO},
        {"informational", PRI_INFO},
        {"Debug", PRI_DEBUG},
        {"loud", -1},
        {"warn", -1},
        {"inf", -1},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        TT_CHECKF(priority_parse(c[i].s) == c[i].want, "parse %s", c[i].s);
        TT_CHECKF(rule_priority_of(c[i].s) == c[i].want, "rule priority %s: %d", c[i].s,
                  rule_priority_of(c[i].s));
        TT_CHECKF(config_priority_of(c[i].s) == c[i].want, "falco.yaml priority %s: %d", c[i].s,
                  config_priority_of(c[i].s));
    }
    static const char *const printed[] = {"Emergency", "Alert",  "Critical",      "Error",
                                          "Warning",   "Notice", "Informational", "Debug"};
    TT_REQUIRE_INT(PRI_COUNT, 8);
    for (int p = 0; p < PRI_COUNT; p++) {
        TT_CHECK_STR(priority_name(p), printed[p]);
        TT_CHECK_INT(priority_parse(priority_name(p)), p); /* what is printed parses back */
    }
    TT_CHECK_STR(priority_name(-1), "Unknown");
    TT_CHECK_STR(priority_name(PRI_COUNT), "Unknown");
}

TT_TEST(every_code_has_its_name_description_and_kind)
{
    int errors = 0;
    for (int code = 0; code < RULES_DIAG_CODE_COUNT; code++) {
        const char *name = rules_diag_code_str(code);
        TT_CHECKF(strncmp(name, "LOAD_", 5) == 0, "code %d: %s", code, name);
        TT_CHECKF(strcmp(rules_diag_code_desc(code), "Unknown") != 0, "code %d: no description",
                  code);
        /* Falco's error codes are spelled LOAD_ERR_*, its warnings are not */
        TT_CHECKF(RULES_DIAG_IS_ERROR(code) == (strncmp(name, "LOAD_ERR_", 9) == 0), "%s", name);
        errors += RULES_DIAG_IS_ERROR(code);
    }
    TT_CHECK_INT(errors, 7);
    TT_CHECK_STR(rules_diag_code_str(LOAD_ERR_YAML_PARSE), "LOAD_ERR_YAML_PARSE");
    TT_CHECK_STR(rules_diag_code_desc(LOAD_UNUSED_MACRO), "Unused macro");
    TT_CHECK_STR(rules_diag_code_str(RULES_DIAG_CODE_COUNT), "LOAD_UNKNOWN");
}

int main(void)
{
    return tt_run_all();
}

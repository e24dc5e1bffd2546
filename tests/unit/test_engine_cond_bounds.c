/* Condition operators at their boundaries, checked against Falco's semantics (libsinsp
 * filter_compare.cpp): a value equal to the literal, one character shorter or longer, an empty
 * literal or value, another case; numbers at the literal and one either side, signed against
 * unsigned; network prefixes that are not a multiple of 8; sets searched at both ends; the
 * per-event extraction and result caches. Field values are set by each test on a fake provider
 * that also counts extractions. */
#include "cond_fake.h"

/* The condition's result, with the failing condition and field value in the message. */
#define T(cond, want)                                                                              \
    do {                                                                                           \
        int got_ = ev(cond);                                                                       \
        tt_checks_current++;                                                                       \
        if (got_ != (want))                                                                        \
            TT_FAILF("`%s` with b.s=\"%s\" = %d, want %d %s", cond, s_val ? s_val : "(missing)",   \
                     got_, want, last_err);                                                        \
    } while (0)

/* ---- string prefix, suffix and substring ---- */

TT_TEST(startswith_matches_a_value_equal_to_the_prefix)
{
    /* proc.pname startswith runc must match a parent named exactly runc */
    reset_values();
    T("b.s startswith runc", 1);
    T("b.s startswith run", 1);
    T("b.s startswith r", 1);
    T("b.s startswith runcx", 0);
    T("b.s startswith xrunc", 0);
    T("b.s startswith unc", 0);
    T("b.s startswith RUNC", 0);
    T("b.s startswith Runc", 0);
    T("b.s startswith ''", 1); /* strncmp(v, "", 0) == 0 */
    s_val = "";
    T("b.s startswith ''", 1);
    T("b.s startswith r", 0);
    s_val = "r";
    T("b.s startswith r", 1);
    T("b.s startswith ru", 0);
}

TT_TEST(endswith_matches_a_value_equal_to_the_suffix)
{
    reset_values();
    T("b.s endswith runc", 1);
    T("b.s endswith unc", 1);
    T("b.s endswith c", 1);
    T("b.s endswith xrunc", 0);
    T("b.s endswith runcx", 0);
    T("b.s endswith run", 0);
    T("b.s endswith UNC", 0);
    T("b.s endswith ''", 1);
    s_val = "";
    T("b.s endswith ''", 1);
    T("b.s endswith c", 0);
    s_val = "c";
    T("b.s endswith c", 1);
    T("b.s endswith rc", 0);
}

TT_TEST(contains_at_both_ends_and_whole)
{
    reset_values();
    T("b.s contains runc", 1);
    T("b.s contains ru", 1);
    T("b.s contains nc", 1);
    T("b.s contains un", 1);
    T("b.s contains runcr", 0);
    T("b.s contains xrunc", 0);
    T("b.s contains RUNC", 0);
    T("b.s contains ''", 1); /* strstr(v, "") != NULL */
    s_val = "";
    T("b.s contains ''", 1);
    T("b.s contains r", 0);
}

TT_TEST(icontains_folds_ascii_case_only)
{
    reset_values();
    s_val = "Docker-RUNC";
    T("b.s icontains runc", 1);
    T("b.s icontains DOCKER", 1);
    T("b.s icontains docker-runc", 1);
    T("b.s icontains r-ru", 1);
    T("b.s icontains docker-runcx", 0);
    T("b.s icontains xdocker", 0);
    T("b.s icontains runcc", 0);
    T("b.s icontains ''", 1);
    T("b.s icontains '_'", 0);
    /* a partial match before the real one: the search goes on after a mismatch */
    s_val = "rurunc";
    T("b.s icontains RUNC", 1);
    s_val = "ru";
    T("b.s icontains run", 0);
    s_val = "";
    T("b.s icontains ''", 1);
    T("b.s icontains a", 0);
}

TT_TEST(string_equality_is_exact_length_and_case)
{
    reset_values();
    T("b.s = runc", 1);
    T("b.s = run", 0);
    T("b.s = runcx", 0);
    T("b.s = RUNC", 0);
    T("b.s != runc", 0);
    T("b.s != run", 1);
    T("b.s != runcx", 1);
    T("b.s = ''", 0);
    T("b.s != ''", 1);
    s_val = "";
    T("b.s = ''", 1);
    T("b.s != ''", 0);
    T("b.s = runc", 0);
}

TT_TEST(string_order_is_byte_order_with_prefix_first)
{
    reset_values();
    s_val = "abc";
    s2_val = "abc";
    T("b.s <= val(b.s2)", 1);
    T("b.s >= val(b.s2)", 1);
    T("b.s < val(b.s2)", 0);
    T("b.s > val(b.s2)", 0);
    s2_val = "abcd"; /* a prefix sorts first */
    T("b.s < val(b.s2)", 1);
    T("b.s <= val(b.s2)", 1);
    T("b.s > val(b.s2)", 0);
    T("b.s >= val(b.s2)", 0);
    s2_val = "ab";
    T("b.s > val(b.s2)", 1);
    T("b.s < val(b.s2)", 0);
    s2_val = "abd";
    T("b.s < val(b.s2)", 1);
    s2_val = "ABC"; /* upper case sorts before lower case */
    T("b.s > val(b.s2)", 1);
    s2_val = "";
    T("b.s > val(b.s2)", 1);
    s_val = "";
    T("b.s >= val(b.s2)", 1);
    T("b.s > val(b.s2)", 0);
    s_val = "\xc3\xa9"; /* bytes compare unsigned: 0xc3 sorts after 'z' */
    s2_val = "z";
    T("b.s > val(b.s2)", 1);
}

TT_TEST(string_fields_compared_with_val)
{
    reset_values();
    s_val = "runc";
    s2_val = "runc";
    T("b.s = val(b.s2)", 1);
    T("b.s != val(b.s2)", 0);
    T("b.s startswith val(b.s2)", 1);
    T("b.s endswith val(b.s2)", 1);
    T("b.s contains val(b.s2)", 1);
    T("b.s glob val(b.s2)", 1);
    s2_val = "run";
    T("b.s = val(b.s2)", 0);
    T("b.s != val(b.s2)", 1);
    T("b.s startswith val(b.s2)", 1);
    T("b.s endswith val(b.s2)", 0);
    s2_val = "r*";
    T("b.s glob val(b.s2)", 1);
    T("b.s iglob val(b.s2)", 1);
    s2_val = "R*";
    T("b.s glob val(b.s2)", 0);
    T("b.s iglob val(b.s2)", 1);
    s2_val = NULL; /* the right side missing: false, like the left side missing */
    T("b.s = val(b.s2)", 0);
    T("b.s != val(b.s2)", 0);
    s2_val = "runc";
    s_val = NULL;
    T("b.s != val(b.s2)", 0);
}

/* ---- bytes ---- */

TT_TEST(buffer_prefix_and_substring_boundaries)
{
    reset_values(); /* 01 02 03 */
    T("b.buf bstartswith 010203", 1);
    T("b.buf bstartswith 0102", 1);
    T("b.buf bstartswith 01020304", 0);
    T("b.buf bstartswith 02", 0);
    T("b.buf bcontains 010203", 1);
    T("b.buf bcontains 0203", 1);
    T("b.buf bcontains 03", 1);
    T("b.buf bcontains 01020303", 0);
    T("b.buf bcontains 0302", 0);
    T("b.buf startswith val(b.buf)", 1);
    buf_len = 0;
    T("b.buf bstartswith 01", 0);
    T("b.buf bcontains 01", 0);
}

TT_TEST(buffer_equality_needs_the_same_length)
{
    reset_values();
    buf_val = "ab";
    buf_len = 2;
    T("b.buf = ab", 1);
    T("b.buf = a", 0);
    T("b.buf = abc", 0);
    T("b.buf != abc", 1);
    T("b.buf endswith b", 1);
    T("b.buf endswith ab", 1);
    T("b.buf endswith xab", 0);
}

/* ---- glob, pmatch, regex ---- */

TT_TEST(glob_wildcards_match_exactly_what_they_say)
{
    reset_values();
    T("b.s glob runc", 1);
    T("b.s glob run", 0);
    T("b.s glob runcx", 0);
    T("b.s glob 'run?'", 1);
    T("b.s glob 'runc?'", 0);
    T("b.s glob 'r*c'", 1);
    T("b.s glob '*'", 1);
    T("b.s glob '[rs]unc'", 1);
    T("b.s glob '[st]unc'", 0);
    T("b.s glob RUNC", 0);
    T("b.s iglob RUNC", 1);
    T("b.s iglob 'R?N*'", 1);
    T("b.s iglob 'RUN'", 0);
    s_val = "";
    T("b.s glob '*'", 1);
    T("b.s glob '?'", 0);
}

TT_TEST(pmatch_matches_whole_path_components)
{
    reset_values();
    s_val = "/etc/ssh/sshd_config";
    T("b.s pmatch (/etc)", 1);
    T("b.s pmatch (/etc/)", 1);
    T("b.s pmatch (/etc/ssh)", 1);
    T("b.s pmatch (/etc/ssh/sshd_config)", 1);
    T("b.s pmatch (/etc/ssh/sshd_config/x)", 0);
    T("b.s pmatch (/et)", 0);
    T("b.s pmatch (/etc/ss)", 0);
    T("b.s pmatch (/etcx)", 0);
    T("b.s pmatch (/ETC)", 0);
    T("b.s pmatch (/)", 1);
    T("b.s pmatch (/etc/*/sshd_config)", 1);
    T("b.s pmatch (/etc/s?h)", 1);
    T("b.s pmatch (/etc/s?)", 0);
    T("b.s pmatch (/var, /usr, /etc/ssh)", 1);
    T("b.s pmatch (/var, /usr)", 0);
    s_val = "/etc";
    T("b.s pmatch (/etc)", 1);
    T("b.s pmatch (/etc/ssh)", 0);
    s_val = "/etcetera/ssh";
    T("b.s pmatch (/etc)", 0);
    s_val = "//etc//ssh/";
    T("b.s pmatch (/etc/ssh)", 1);
}

TT_TEST(regex_must_match_the_whole_value)
{
    reset_values();
    T("b.s regex 'runc'", 1);
    T("b.s regex 'run'", 0);
    T("b.s regex 'unc'", 0);
    T("b.s regex 'r.*'", 1);
    T("b.s regex 'RUNC'", 0);
    s_val = "";
    T("b.s regex '.*'", 1);
    T("b.s regex '.+'", 0);
}

/* ---- sets ---- */

TT_TEST(in_finds_every_member_of_a_large_set)
{
    /* large sets are sorted and binary-searched: the first, last and every middle member are
     * found, and neighbours of each are not */
    static const char *members[] = {"ash", "bash", "csh", "dash", "fish",
                                    "ksh", "mksh", "sh",  "tcsh", "zsh"};
    const char *cond = "b.s in (zsh, tcsh, sh, mksh, ksh, fish, dash, csh, bash, ash)";
    struct ruleset *rs = load_rules(&cond, 1);
    TT_CHECK(rs != NULL);
    if (!rs)
        return;
    reset_values();
    for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
        s_val = members[i];
        tt_checks_current++;
        if (ruleset_eval_rule(rs, 0, NULL, TT_EV_OPEN) != 1)
            TT_FAILF("%s not found in the set", members[i]);
    }
    static const char *others[] = {"a", "as",  "asha", "b",    "bas", "cs", "e",
                                   "s", "shh", "zz",   "zsh ", "",    "ZSH"};
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
        s_val = others[i];
        tt_checks_current++;
        if (ruleset_eval_rule(rs, 0, NULL, TT_EV_OPEN) != 0)
            TT_FAILF("'%s' found in the set", others[i]);
    }
    ruleset_free(rs);
}

TT_TEST(in_and_intersects_on_small_sets_and_lists)
{
    reset_values();
    T("b.s in (runc)", 1);
    T("b.s in (run)", 0);
    T("b.s in (runcx)", 0);
    T("b.s in (run, runc)", 1);
    T("b.s in ()", 0);
    T("b.s in (empty_list)", 0);
    T("b.s intersects (runc)", 1);
    T("b.s intersects (run, x)", 0);
    multi_val[0] = "a";
    multi_val[1] = "b";
    multi_val[2] = "c";
    multi_n = 3;
    T("b.list in (a, b, c)", 1);
    T("b.list in (a, b, c, d)", 1);
    T("b.list in (a, b)", 0); /* every value must be in the set */
    T("b.list in (b, c)", 0);
    T("b.list in (c)", 0);
    T("b.list intersects (c)", 1);
    T("b.list intersects (a)", 1);
    T("b.list intersects (x, y)", 0);
    T("b.list intersects ()", 0);
    multi_n = 0;
    T("b.list in (a)", 0);
    T("b.list intersects (a)", 0);
}

TT_TEST(sets_of_numbers_and_addresses)
{
    reset_values();
    n_val = -3;
    T("b.n in (-3)", 1);
    T("b.n in (-4, -2)", 0);
    T("b.n in (-9, -5, -4, -3, 0, 1, 7)", 1);
    T("b.n in (-9, -5, -4, -2, 0, 1, 7)", 0);
    u_val = 7;
    T("b.u in (1, 3, 5, 7)", 1);
    T("b.u in (1, 3, 5, 8)", 0);
    T("b.u in (7, 9, 11, 13)", 1);
    T("b.ip in (10.1.2.3)", 1);
    T("b.ip in (10.1.2.4, 10.1.2.3)", 1);
    T("b.ip in (10.1.2.4, 10.1.2.2)", 0);
    T("b.ip in (10.1.3.0/24, 10.1.2.0/24)", 1);
    T("b.ip intersects (10.1.3.0/24, 10.1.2.0/24)", 1);
}

/* ---- numbers ---- */

TT_TEST(signed_numbers_at_the_literal_and_either_side)
{
    reset_values();
    static const int64_t vals[] = {-6, -5, -4};
    static const char *ops[] = {"<", "<=", ">", ">=", "=", "!="};
    /* want[value][op] against the literal -5 */
    static const int want[3][6] = {
        {1, 1, 0, 0, 0, 1},
        {0, 1, 0, 1, 1, 0},
        {0, 0, 1, 1, 0, 1},
    };
    for (int v = 0; v < 3; v++)
        for (int o = 0; o < 6; o++) {
            char cond[64];
            snprintf(cond, sizeof(cond), "b.n %s -5", ops[o]);
            n_val = vals[v];
            int got = ev(cond);
            tt_checks_current++;
            if (got != want[v][o])
                TT_FAILF("%lld %s -5 = %d, want %d", (long long)n_val, ops[o], got, want[v][o]);
        }
    n_val = INT64_MIN;
    T("b.n < 0", 1);
    T("b.n < -9223372036854775807", 1);
    rt_val = -1; /* relative times are signed too */
    T("b.rt < 0", 1);
    T("b.rt > 0", 0);
    T("b.rt in (-1, 5)", 1);
}

TT_TEST(unsigned_numbers_above_the_signed_range)
{
    reset_values();
    u_val = 41;
    T("b.u < 42", 1);
    T("b.u <= 42", 1);
    T("b.u > 40", 1);
    T("b.u >= 41", 1);
    T("b.u >= 42", 0);
    T("b.u > 41", 0);
    u_val = 42;
    T("b.u <= 42", 1);
    T("b.u < 42", 0);
    u_val = 18446744073709551615ull; /* compared unsigned: the largest, not -1 */
    T("b.u > 1", 1);
    T("b.u < 1", 0);
    T("b.u = 18446744073709551615", 1);
    T("b.u in (1, 18446744073709551615)", 1);
    T("b.u in (1, 2, 9223372036854775808)", 0);
    u_val = 9223372036854775808ull;
    T("b.u in (1, 2, 9223372036854775808)", 1);
    T("b.u > 9223372036854775807", 1);
}

TT_TEST(bool_equality)
{
    reset_values();
    bool_val = 1;
    T("b.bool = true", 1);
    T("b.bool != true", 0);
    T("b.bool in (false)", 0);
    T("b.bool in (true)", 1);
    bool_val = 5; /* any non-zero value is true */
    T("b.bool = true", 1);
    bool_val = 0;
    T("b.bool = false", 1);
    T("b.bool = true", 0);
}

/* ---- addresses and networks ---- */

TT_TEST(network_prefixes_not_on_a_byte_boundary)
{
    reset_values();
    ip_val = "10.1.2.200"; /* 200 = 11001000 */
    T("b.ip = 10.1.2.128/25", 1);
    T("b.ip = 10.1.2.0/25", 0);
    T("b.ip = 10.1.2.192/26", 1);
    T("b.ip = 10.1.2.192/27", 1);
    T("b.ip = 10.1.2.224/27", 0);
    T("b.ip = 10.1.2.200/29", 1);
    T("b.ip = 10.1.2.208/29", 0);
    T("b.ip = 10.1.2.200/31", 1);
    T("b.ip = 10.1.2.201/32", 0);
    T("b.ip = 10.1.2.201/31", 1);
    T("b.ip = 10.1.2.0/23", 1);
    T("b.ip = 10.1.0.0/23", 0);
    T("b.ip = 10.0.0.0/15", 1);
    T("b.ip = 10.2.0.0/15", 0);
    T("b.ip = 0.0.0.0/0", 1);
    T("b.ip = 10.1.2.200", 1);
    T("b.ip = 10.1.2.201", 0);
    T("b.ip = 11.1.2.200", 0);
    T("b.ip != 10.1.2.128/25", 0);
    T("b.net = 10.1.2.128/25", 1);
    T("b.net = 10.1.2.0/25", 0);
    T("b.net in (10.1.2.0/25, 10.1.2.192/26)", 1);
}

TT_TEST(ipv6_addresses_and_networks)
{
    reset_values();
    ip_val = "2001:db8::1";
    T("b.ip = 2001:db8::1", 1);
    T("b.ip = 2001:db8::2", 0);
    T("b.ip = 2001:db8::/32", 1);
    T("b.ip = 2001:db9::/32", 0);
    T("b.ip = 2001:db8::/127", 1);
    T("b.ip = 2001:db8::2/127", 0);
    T("b.ip = 2001:db8::1/128", 1);
    /* another family never matches, so != is true (libsinsp: op == CO_NE) */
    T("b.ip = 10.0.0.0/8", 0);
    T("b.ip != 10.0.0.1", 1);
    ip_val = "10.0.0.1";
    T("b.ip = 2001:db8::1", 0);
    T("b.ip != 2001:db8::/32", 1);
}

TT_TEST(either_side_addresses)
{
    reset_values(); /* 127.0.0.1 and 10.0.0.9 */
    T("b.either = 10.0.0.9", 1);
    T("b.either = 10.0.0.8", 0);
    T("b.either != 10.0.0.9", 0);
    T("b.either != 127.0.0.1", 0);
    T("b.either != 10.0.0.8", 1);
    T("b.either in (10.0.0.0/8)", 1);
    T("b.either in (192.168.0.0/16)", 0);
}

/* ---- exists and missing values ---- */

TT_TEST(missing_values_fail_every_operator)
{
    static const char *conds[] = {
        "b.s = runc",         "b.s != runc",     "b.s < val(b.s2)",
        "b.s contains r",     "b.s icontains r", "b.s startswith ''",
        "b.s endswith ''",    "b.s glob '*'",    "b.s iglob '*'",
        "b.s regex '.*'",     "b.s pmatch (/)",  "b.s in (runc)",
        "b.s intersects (a)", "b.s exists",      "tolower(b.s) = a",
        "len(b.s) = 0",       "b.s = val(b.s2)", "b.s contains anyof (a, b)",
    };
    reset_values();
    s_val = NULL;
    for (size_t i = 0; i < sizeof(conds) / sizeof(conds[0]); i++) {
        char negated[160];
        snprintf(negated, sizeof(negated), "not %s", conds[i]);
        int a = ev(conds[i]), b = ev(negated);
        tt_checks_current++;
        if (a != 0 || b != 1)
            TT_FAILF("missing b.s: `%s` = %d, `%s` = %d %s", conds[i], a, negated, b, last_err);
    }
    s_val = "";
    T("b.s exists", 1);
}

TT_TEST(the_provider_may_decide_equality_on_a_missing_value)
{
    /* fd.*ip.name compares the connection's address with host names even when it has no
     * value of its own: =, != and in are asked, nothing else is */
    reset_values();
    s_val = NULL;
    provider = &fake_missing;
    static const struct {
        const char *cond;
        int asked, op;
        size_t nvals;
    } cases[] = {
        {"b.s = a", 1, FC_EQ, 1},          {"b.s != a", 1, FC_NE, 1},
        {"b.s in (a, b, c)", 1, FC_IN, 3}, {"b.s contains a", 0, 0, 0},
        {"b.s startswith a", 0, 0, 0},     {"b.s intersects (a)", 0, 0, 0},
        {"b.s = anyof (a)", 0, 0, 0},      {"tolower(b.s) = a", 0, 0, 0},
        {"b.s = val(b.s2)", 0, 0, 0},      {"b.s exists", 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (int answer = 0; answer <= 1; answer++) {
            missing_answer = answer;
            missing_calls = 0;
            missing_op = -1;
            missing_nvals = 0;
            int r = ev(cases[i].cond);
            int want = cases[i].asked ? answer : 0;
            tt_checks_current++;
            if (r != want || missing_calls != cases[i].asked ||
                (cases[i].asked && (missing_op != cases[i].op || missing_nvals != cases[i].nvals)))
                TT_FAILF("`%s` (answer %d) = %d, asked %d times (op %d, %zu values)", cases[i].cond,
                         answer, r, missing_calls, missing_op, missing_nvals);
        }
    }
    missing_answer = -1; /* no answer: false */
    TT_CHECK_INT(ev("b.s = a"), 0);
    s_val = "a"; /* a value: the provider is not asked */
    missing_calls = 0;
    TT_CHECK_INT(ev("b.s = a"), 1);
    TT_CHECK_INT(missing_calls, 0);
    provider = &fake;
}

/* ---- any-candidate fields ---- */

TT_TEST(any_candidate_fields_look_at_every_candidate)
{
    reset_values();
    static const char *anc[] = {"runc", "containerd-shim", "containerd", "systemd"};
    for (int i = 0; i < 4; i++)
        multi_val[i] = anc[i];
    multi_n = 4;
    T("b.anc = systemd", 1); /* the last candidate */
    T("b.anc = runc", 1);    /* the first */
    T("b.anc = init", 0);
    T("b.anc startswith containerd", 1);
    T("b.anc in (init, systemd)", 1);
    T("b.anc in (init, sshd)", 0);
    T("b.anc != runc", 1); /* another candidate differs */
    T("b.anc[1] = runc", 1);
    T("b.anc[4] = systemd", 1);
    T("b.anc[5] = systemd", 0);
    T("b.anc[0] = runc", 0);
    multi_n = 1;
    T("b.anc != runc", 0);
    T("b.anc = runc", 1);
}

TT_TEST(many_values_are_all_seen_when_a_field_is_used_twice)
{
    /* more values than the per-event cache keeps: the second use extracts again */
    reset_values();
    static const char *v[] = {"v1", "v2", "v3", "v4", "v5", "v6", "v7"};
    for (int i = 0; i < 7; i++)
        multi_val[i] = v[i];
    multi_n = 7;
    T("b.anc = v7 and b.anc = v6", 1);
    T("b.anc = v1 and b.anc startswith v7", 1);
    T("b.anc = v6 and b.anc = v8", 0);
    multi_n = 4; /* exactly as many as the cache keeps */
    T("b.anc = v4 and b.anc = v1", 1);
    T("b.anc = v4 and b.anc = v5", 0);
}

/* ---- modifiers ---- */

TT_TEST(oneof_anyof_allof_count_matching_items)
{
    reset_values();
    s_val = "/usr/bin/runc";
    T("b.s contains oneof (usr, zsh)", 1);
    T("b.s contains oneof (usr, bin)", 0); /* two match */
    T("b.s contains oneof (zsh, ksh)", 0);
    T("b.s contains anyof (zsh, runc)", 1);
    T("b.s contains anyof (zsh, ksh)", 0);
    T("b.s contains allof (usr, bin, runc)", 1);
    T("b.s contains allof (usr, bin, zsh)", 0);
    T("b.s contains allof (zsh)", 0);
    T("b.s startswith oneof (/usr, /bin)", 1);
    T("b.s endswith anyof (runc, crun)", 1);
    T("b.s endswith allof (runc, unc, c)", 1);
    T("b.s = allof (/usr/bin/runc)", 1);
    T("b.s != allof (a, b)", 1);
    T("b.s != allof (a, /usr/bin/runc)", 0);
    T("b.s icontains anyof (RUNC)", 1);
    T("b.s glob anyof ('*/runc', x)", 1);
    T("b.s regex anyof ('.*runc', x)", 1);
    T("b.s regex oneof ('.*runc', '/usr.*')", 0);
    multi_val[0] = "a";
    multi_val[1] = "usr";
    multi_n = 2;
    T("b.anc = oneof (x, usr)", 1); /* the second candidate matches */
}

/* ---- transformers ---- */

TT_TEST(tolower_and_toupper_change_letters_only)
{
    reset_values();
    s_val = "Run-C_1.2/X";
    T("tolower(b.s) = 'run-c_1.2/x'", 1);
    T("toupper(b.s) = 'RUN-C_1.2/X'", 1);
    T("tolower(b.s) = 'Run-C_1.2/X'", 0);
    T("toupper(tolower(b.s)) = 'RUN-C_1.2/X'", 1);
    T("len(toupper(b.s)) = 11", 1);
    s_val = "";
    T("tolower(b.s) = ''", 1);
}

TT_TEST(basename_is_the_text_after_the_last_slash)
{
    reset_values();
    s_val = "/usr/bin/runc";
    T("basename(b.s) = runc", 1);
    s_val = "runc";
    T("basename(b.s) = runc", 1);
    s_val = "/runc";
    T("basename(b.s) = runc", 1);
    s_val = "/usr/bin/";
    T("basename(b.s) = ''", 1);
    s_val = "/";
    T("basename(b.s) = ''", 1);
    s_val = "a/b";
    T("basename(b.s) = b", 1);
    T("len(basename(b.s)) = 1", 1);
}

TT_TEST(b64_decodes_and_drops_invalid_input)
{
    reset_values();
    s_val = "cnVuYw=="; /* "runc" */
    T("b64(b.s) = runc", 1);
    s_val = "cnVuYw"; /* padding is optional */
    T("b64(b.s) = runc", 1);
    s_val = "YWJj"; /* "abc": no padding needed */
    T("b64(b.s) = abc", 1);
    s_val = "QUJDWFla"; /* "ABCXYZ" */
    T("b64(b.s) = ABCXYZ", 1);
    s_val = "MDEyMzQ1Njc4OQ=="; /* digits */
    T("b64(b.s) = '0123456789'", 1);
    s_val = "Pz4/Pg=="; /* "?>?>": '+'/'/'-free but uses 62/63 below */
    T("b64(b.s) = '?>?>'", 1);
    s_val = "+/+/"; /* 62 63 62 63 */
    T("len(b64(b.s)) = 3", 1);
    T("b64(b.s) = '\\xfb\\xff\\xbf'", 1);
    s_val = "AZaz09+/"; /* the first and last character of each range, 0, 25, 26, 51, ... */
    T("b64(b.s) = '\\x01\\x96\\xb3\\xd3\\xdf\\xbf'", 1);
    s_val = "cn*u"; /* invalid: the value is dropped, so every comparison is false */
    T("b64(b.s) = runc", 0);
    T("b64(b.s) exists", 0);
    T("not b64(b.s) = runc", 1);
    s_val = "";
    T("b64(b.s) = ''", 1);
}

TT_TEST(len_counts_bytes)
{
    reset_values();
    T("len(b.s) = 4", 1);
    T("len(b.s) > 3", 1);
    T("len(b.s) > 4", 0);
    T("len(b.s) < 4", 0);
    T("len(b.s) <= 4", 1);
    s_val = "";
    T("len(b.s) = 0", 1);
    T("len(b.s) exists", 1);
    buf_len = 3;
    T("len(b.buf) = 3", 1);
}

TT_TEST(values_too_long_for_the_scratch_area_are_dropped)
{
    /* transformed values and glob subjects are copied to a 64 KiB scratch area per check; a
     * value that does not fit is dropped (the check is false), never written past the end */
    static char big[70001];
    memset(big, 'A', sizeof(big) - 1);
    reset_values();
    s_val = big;
    T("b.s startswith AAA", 1);
    T("tolower(b.s) startswith aaa", 0);
    T("tolower(b.s) exists", 0);
    T("toupper(b.s) startswith AAA", 0);
    T("b64(b.s) exists", 0);
    /* a value and its terminator exactly fill the area: it fits; one byte more does not */
    big[65535] = '\0';
    T("tolower(b.s) startswith aaa", 1);
    T("tolower(b.s) endswith aaa", 1);
    big[65535] = 'A';
    big[65536] = '\0';
    T("tolower(b.s) exists", 0);
    big[65536] = 'A';
    T("len(b.s) = 70000", 1);
    T("basename(b.s) startswith AAA", 1); /* no copy needed */
    T("b.s glob 'A*'", 0);
    T("not b.s glob 'A*'", 1);
    s_val = "AAAA";
    s2_val = big;
    T("b.s glob val(b.s2)", 0);
    /* two transformers on one value need two copies: 40 KB does not fit twice */
    big[40000] = '\0';
    s_val = big;
    T("tolower(b.s) startswith a", 1);
    T("toupper(tolower(b.s)) startswith A", 0);
    T("toupper(tolower(b.s)) exists", 0);
    /* glob's NUL-terminated copy of a transformed value comes after it: 40 KB twice does not
     * fit, 30 KB twice does */
    T("tolower(b.s) glob 'a*'", 0);
    big[30000] = '\0';
    T("tolower(b.s) glob 'a*'", 1);
    big[30000] = 'A';
    /* the area is reused for each check: two 40 KB copies in two checks both fit */
    big[40000] = '\0';
    s_val = big;
    s2_val = big;
    T("tolower(b.s) startswith a and tolower(b.s2) endswith a", 1);
    T("tolower(b.s) = x or toupper(b.s2) startswith AAA", 1);
}

TT_TEST(glob_subject_is_terminated_after_a_longer_value)
{
    /* the second check's copy is shorter than what the first left in the scratch area */
    reset_values();
    s2_val = "RUNCXYZ";
    s_val = "runc";
    T("tolower(b.s2) = x or b.s glob runc", 1);
    T("tolower(b.s2) = x or b.s glob 'r*c'", 1);
}

TT_TEST(val_with_set_operators_looks_at_every_value)
{
    reset_values();
    static const char *v[] = {"a", "b", "c"};
    for (int i = 0; i < 3; i++)
        multi_val[i] = v[i];
    multi_n = 3;
    s_val = "b";
    T("b.s in val(b.list)", 1);
    T("b.s intersects val(b.list)", 1);
    T("b.list intersects val(b.s)", 1);
    T("b.list in val(b.s)", 0); /* a and c are not in (b) */
    T("b.list in val(b.list)", 1);
    s_val = "a";
    T("b.list intersects val(b.s)", 1);
    s_val = "c";
    T("b.list intersects val(b.s)", 1);
    s_val = "z";
    T("b.list intersects val(b.s)", 0);
    T("b.s in val(b.list)", 0);
    s_val = "runc";
    s2_val = "runc";
    T("b.s in val(b.s2)", 1);
    T("b.s intersects val(b.s2)", 1);
    s2_val = "crun";
    T("b.s in val(b.s2)", 0);
    T("b.s intersects val(b.s2)", 0);
}

TT_TEST(modifiers_count_each_matching_item_once)
{
    reset_values();
    T("b.s icontains oneof (RUNC, zzz)", 1);
    T("b.s icontains oneof ('', zzz)", 1);
    T("b.s icontains oneof ('', RU)", 0);
    T("b.s contains oneof ('', zzz)", 1);
    T("b.s startswith oneof ('', zzz)", 1);
    T("b.s endswith oneof ('', zzz)", 1);
    T("b.s glob oneof ('r*', zzz)", 1);
    T("b.s iglob oneof ('R*', zzz)", 1);
    T("b.s = oneof (runc, zzz)", 1);
    T("b.s != oneof (runc, zzz)", 1);
    T("b.s regex oneof ('r.*', zzz)", 1);
    buf_val = "\x01\x02";
    buf_len = 2;
    T("b.buf bcontains oneof (02, 03)", 1);
    T("b.buf bstartswith oneof (01, 0102)", 0);
}

TT_TEST(pmatch_component_globs_honour_escapes)
{
    reset_values();
    s_val = "/x*y/z";
    T("b.s pmatch ('/x\\\\*y')", 1);
    s_val = "/xay/z";
    T("b.s pmatch ('/x\\\\*y')", 0);
    T("b.s pmatch ('/x*y')", 1);
    /* a component of 256 characters or more is compared as text, not as a pattern */
    static char pat[300], val[300];
    snprintf(pat, sizeof(pat), "b.s pmatch ('/%0255d*')", 0);
    snprintf(val, sizeof(val), "/%0255d*", 0);
    s_val = val;
    T(pat, 1);
    snprintf(val, sizeof(val), "/%0255dx", 0);
    T(pat, 0);
    snprintf(val, sizeof(val), "/%0255d", 0); /* would match as a pattern */
    T(pat, 0);
    snprintf(pat, sizeof(pat), "b.s pmatch ('/%0254d*')", 0);
    snprintf(val, sizeof(val), "/%0254dx", 0); /* 255 characters each: a pattern */
    T(pat, 1);
}

/* ---- caches ---- */

TT_TEST(a_field_is_extracted_once_per_event)
{
    reset_values();
    T("b.s = a or b.s = b or b.s = c or b.s startswith r", 1);
    TT_CHECK_INT(extractions[F_S], 1);
    reset_values();
    T("b.s = a or b.s = runc", 1);
    TT_CHECK_INT(extractions[F_S], 1);
    /* a new event extracts again */
    const char *cond = "b.s = runc";
    struct ruleset *rs = load_rules(&cond, 1);
    TT_CHECK(rs != NULL);
    if (!rs)
        return;
    reset_values();
    TT_CHECK_INT(ruleset_eval_rule(rs, 0, NULL, TT_EV_OPEN), 1);
    s_val = "crun";
    TT_CHECK_INT(ruleset_eval_rule(rs, 0, NULL, TT_EV_OPEN), 0);
    TT_CHECK_INT(extractions[F_S], 2);
    ruleset_free(rs);
}

TT_TEST(a_check_shared_by_rules_sees_each_event)
{
    /* two rules with the same macro: the check's result is cached for one event only */
    static const char *conds[] = {"b.s = runc and b.n = 1", "b.s = runc and b.n = 2"};
    struct ruleset *rs = load_rules(conds, 2);
    TT_CHECK(rs != NULL);
    if (!rs)
        return;
    reset_values();
    n_val = 1;
    nmatched = 0;
    TT_CHECK_INT(ruleset_eval(rs, NULL, TT_EV_OPEN, 1, 7, count_match, NULL), 1);
    n_val = 2;
    TT_CHECK_INT(ruleset_eval(rs, NULL, TT_EV_OPEN, 1, 7, count_match, NULL), 1);
    s_val = "crun";
    TT_CHECK_INT(ruleset_eval(rs, NULL, TT_EV_OPEN, 1, 7, count_match, NULL), 0);
    TT_CHECK_INT(nmatched, 2);
    ruleset_free(rs);
}

int main(void)
{
    return tt_run_all();
}

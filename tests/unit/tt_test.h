/* Minimal unit-test harness: each TT_TEST prints one PASS/FAIL line (tests/run.sh protocol).
 *
 *   TT_TEST(parses_empty) { TT_CHECK(parse("") == 0); }
 *   int main(void) { return tt_run_all(); }
 *
 * Tests register themselves through a constructor, so a file only defines tests and main. */
#ifndef TT_TEST_H
#define TT_TEST_H
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

struct tt_test_case {
    const char *name;
    void (*fn)(void);
};

#define TT_MAX_TESTS 512
extern struct tt_test_case tt_tests[TT_MAX_TESTS];
extern int tt_ntests;
extern int tt_failed_current;
extern char tt_fail_msg[1024];

#define TT_TEST(name)                                                                              \
    static void tt_test_##name(void);                                                              \
    __attribute__((constructor)) static void tt_register_##name(void)                              \
    {                                                                                              \
        if (tt_ntests < TT_MAX_TESTS)                                                              \
            tt_tests[tt_ntests++] = (struct tt_test_case){#name, tt_test_##name};                  \
    }                                                                                              \
    static void tt_test_##name(void)

/* A function (vsnprintf) rather than snprintf in the macro: gcc's -Wformat-truncation cannot
 * see through it, so long messages are truncated silently instead of failing the build. */
void tt_failf_impl(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define TT_FAILF(...) tt_failf_impl(__FILE__, __LINE__, __VA_ARGS__)

#define TT_CHECK(cond)                                                                             \
    do {                                                                                           \
        if (!(cond))                                                                               \
            TT_FAILF("check failed: %s", #cond);                                                   \
    } while (0)

#define TT_CHECK_INT(got, want)                                                                    \
    do {                                                                                           \
        long long tt_g_ = (long long)(got), tt_w_ = (long long)(want);                             \
        if (tt_g_ != tt_w_)                                                                        \
            TT_FAILF("%s = %lld, want %lld", #got, tt_g_, tt_w_);                                  \
    } while (0)

#define TT_CHECK_STR(got, want)                                                                    \
    do {                                                                                           \
        const char *tt_g_ = (got), *tt_w_ = (want);                                                \
        if (!tt_g_ || !tt_w_ || strcmp(tt_g_, tt_w_) != 0)                                         \
            TT_FAILF("%s = \"%s\", want \"%s\"", #got, tt_g_ ? tt_g_ : "(null)",                   \
                     tt_w_ ? tt_w_ : "(null)");                                                    \
    } while (0)

/* Define once per test binary: in exactly one translation unit, before including. */
#ifndef TT_TEST_NO_MAIN_IMPL
struct tt_test_case tt_tests[TT_MAX_TESTS];
int tt_ntests;
int tt_failed_current;
char tt_fail_msg[1024];

#include <stdarg.h>
void tt_failf_impl(const char *file, int line, const char *fmt, ...)
{
    if (tt_failed_current)
        return;
    tt_failed_current = 1;
    int n = snprintf(tt_fail_msg, sizeof tt_fail_msg, "%s:%d: ", file, line);
    if (n < 0 || (size_t)n >= sizeof tt_fail_msg)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tt_fail_msg + n, sizeof tt_fail_msg - (size_t)n, fmt, ap);
    va_end(ap);
}

static int tt_run_all(void)
{
    int failures = 0;
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (int i = 0; i < tt_ntests; i++) {
        tt_failed_current = 0;
        tt_fail_msg[0] = '\0';
        tt_tests[i].fn();
        if (tt_failed_current) {
            printf("FAIL %s: %s\n", tt_tests[i].name, tt_fail_msg);
            failures++;
        } else {
            printf("PASS %s\n", tt_tests[i].name);
        }
    }
    return failures ? 1 : 0;
}
#endif
#endif

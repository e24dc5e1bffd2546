/* Minimal unit-test harness: each TT_TEST prints one PASS/FAIL line (tests/run.sh protocol).
 *
 *   TT_TEST(parses_empty) { TT_CHECK(parse("") == 0); }
 *   int main(void) { return tt_run_all(); }
 *
 * Tests register themselves through a constructor, so a file only defines tests and main.
 *
 * TT_CHECK* record a failure and go on; TT_REQUIRE* record it and end the test at once (the
 * next test still runs), for a check that guards what follows:
 *   struct x *p = make();  TT_REQUIRE(p != NULL);  TT_CHECK_INT(p->n, 3);
 * A test that ran no check at all fails ("ran no checks"), and so does a file with no tests. */
#ifndef TT_TEST_H
#define TT_TEST_H
#include <setjmp.h>
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
extern unsigned long tt_checks_current;
extern int tt_skip_current;
extern jmp_buf tt_require_jmp;
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

/* Ends the current test now (after a failure was recorded): back to tt_run_all. */
#define TT_ABORT_TEST() longjmp(tt_require_jmp, 1)

/* Ends the current test as SKIP with a reason (printed "SKIP name: reason"). */
#define TT_SKIP(...)                                                                               \
    do {                                                                                           \
        tt_skip_current = 1;                                                                       \
        snprintf(tt_fail_msg, sizeof tt_fail_msg, __VA_ARGS__);                                    \
        TT_ABORT_TEST();                                                                           \
    } while (0)

#define TT_CHECK(cond)                                                                             \
    do {                                                                                           \
        tt_checks_current++;                                                                       \
        if (!(cond))                                                                               \
            TT_FAILF("check failed: %s", #cond);                                                   \
    } while (0)

#define TT_CHECK_INT(got, want)                                                                    \
    do {                                                                                           \
        long long tt_g_ = (long long)(got), tt_w_ = (long long)(want);                             \
        tt_checks_current++;                                                                       \
        if (tt_g_ != tt_w_)                                                                        \
            TT_FAILF("%s = %lld, want %lld", #got, tt_g_, tt_w_);                                  \
    } while (0)

#define TT_CHECK_STR(got, want)                                                                    \
    do {                                                                                           \
        const char *tt_g_ = (got), *tt_w_ = (want);                                                \
        tt_checks_current++;                                                                       \
        if (!tt_g_ || !tt_w_ || strcmp(tt_g_, tt_w_) != 0)                                         \
            TT_FAILF("%s = \"%s\", want \"%s\"", #got, tt_g_ ? tt_g_ : "(null)",                   \
                     tt_w_ ? tt_w_ : "(null)");                                                    \
    } while (0)

/* A check with its own failure message: TT_CHECKF(h != NULL, "%s: no alert", name). */
#define TT_CHECKF(cond, ...)                                                                       \
    do {                                                                                           \
        tt_checks_current++;                                                                       \
        if (!(cond))                                                                               \
            TT_FAILF(__VA_ARGS__);                                                                 \
    } while (0)

/* Fatal variants: on failure the test ends here (a longjmp back to the runner). Only for checks
 * whose failure makes the rest of the test meaningless or unsafe (a NULL about to be used);
 * resources the test allocated before are leaked, which is fine in a test that already failed. */
#define TT_REQUIRE(cond)                                                                           \
    do {                                                                                           \
        tt_checks_current++;                                                                       \
        if (!(cond)) {                                                                             \
            TT_FAILF("required check failed: %s", #cond);                                          \
            TT_ABORT_TEST();                                                                       \
        }                                                                                          \
    } while (0)

#define TT_REQUIRE_INT(got, want)                                                                  \
    do {                                                                                           \
        long long tt_g_ = (long long)(got), tt_w_ = (long long)(want);                             \
        tt_checks_current++;                                                                       \
        if (tt_g_ != tt_w_) {                                                                      \
            TT_FAILF("%s = %lld, want %lld (required)", #got, tt_g_, tt_w_);                       \
            TT_ABORT_TEST();                                                                       \
        }                                                                                          \
    } while (0)

/* Define once per test binary: in exactly one translation unit, before including. */
#ifndef TT_TEST_NO_MAIN_IMPL
struct tt_test_case tt_tests[TT_MAX_TESTS];
int tt_ntests;
int tt_failed_current;
unsigned long tt_checks_current;
int tt_skip_current;
jmp_buf tt_require_jmp;
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
    volatile int failures = 0; /* volatile: live across setjmp/longjmp */
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (tt_ntests == 0) {
        printf("FAIL %s: no tests registered\n", __FILE__);
        return 1;
    }
    for (volatile int i = 0; i < tt_ntests; i++) {
        tt_failed_current = 0;
        tt_checks_current = 0;
        tt_skip_current = 0;
        tt_fail_msg[0] = '\0';
        if (setjmp(tt_require_jmp) == 0)
            tt_tests[i].fn();
        if (tt_skip_current && !tt_failed_current) {
            printf("SKIP %s: %s\n", tt_tests[i].name, tt_fail_msg);
            continue;
        }
        if (!tt_failed_current && tt_checks_current == 0)
            snprintf(tt_fail_msg, sizeof tt_fail_msg, "ran no checks"), tt_failed_current = 1;
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

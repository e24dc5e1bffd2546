/* The delivery status records between logshipper and the engine (lib/tt_shipstatus.h): what
 * logshipper writes, the engine reads back exactly; anything else is refused whole. */
#include <stdio.h>
#include <string.h>

#include "ship_status.h"
#include "tt_test.h"

static struct tt_ship_status sample(void)
{
    struct tt_ship_status s = {.read = 120,
                               .delivered = 100,
                               .rejected = 2,
                               .dropped = 3,
                               .undelivered = 15,
                               .retries = 7,
                               .batches = 9,
                               .queued = 15,
                               .failing_ms = 4200,
                               .last_ok_ms = 5000,
                               .final = 1};
    snprintf(s.last_error, sizeof s.last_error, "ThrottlingException");
    return s;
}

TT_TEST(format_then_parse_round_trips)
{
    struct tt_ship_status s = sample(), got;
    char line[TT_SHIP_STATUS_MAX_LINE];
    int n = tt_ship_status_format(&s, line, sizeof line);
    TT_CHECK(n > 0 && line[n - 1] == '\n');
    memset(&got, 0xff, sizeof got);
    TT_CHECK_INT(ship_status_parse(line, (size_t)n, &got), 0);
    TT_CHECK(memcmp(&got.read, &s.read, 8 * sizeof(uint64_t)) == 0);
    TT_CHECK_INT(got.failing_ms, 4200);
    TT_CHECK_INT(got.last_ok_ms, 5000);
    TT_CHECK_STR(got.last_error, "ThrottlingException");
    TT_CHECK_INT(got.final, 1);
    s.last_ok_ms = -1; /* never delivered yet */
    s.final = 0;
    n = tt_ship_status_format(&s, line, sizeof line);
    TT_CHECK_INT(ship_status_parse(line, (size_t)n, &got), 0);
    TT_CHECK_INT(got.last_ok_ms, -1);
    TT_CHECK_INT(got.final, 0);
}

TT_TEST(format_keeps_error_codes_to_a_safe_alphabet)
{
    struct tt_ship_status s = sample(), got;
    snprintf(s.last_error, sizeof s.last_error, "Bad\"}\n\x1b[31mCode");
    char line[TT_SHIP_STATUS_MAX_LINE];
    int n = tt_ship_status_format(&s, line, sizeof line);
    TT_CHECK(n > 0 && memchr(line, '\n', (size_t)n - 1) == NULL);
    TT_CHECK_INT(ship_status_parse(line, (size_t)n, &got), 0);
    TT_CHECK_STR(got.last_error, "Bad31mCode");
    TT_CHECK_INT(tt_ship_status_format(&s, line, 40), -1); /* does not fit: nothing half-written */
}

TT_TEST(parse_refuses_what_is_not_a_record)
{
    struct tt_ship_status got = sample(), before = got;
    static const char *const bad[] = {
        "",
        "not json",
        "[1,2]",
        "{\"v\":2,\"read\":1,\"delivered\":1,\"rejected\":0,\"dropped\":0,\"undelivered\":0,"
        "\"retries\":0,\"batches\":1,\"queued\":0,\"failing_ms\":0,\"last_ok_ms\":1,"
        "\"last_error\":\"\",\"final\":false}",
        /* a negative counter */
        "{\"v\":1,\"read\":-1,\"delivered\":1,\"rejected\":0,\"dropped\":0,\"undelivered\":0,"
        "\"retries\":0,\"batches\":1,\"queued\":0,\"failing_ms\":0,\"last_ok_ms\":1,"
        "\"last_error\":\"\",\"final\":false}",
        /* a missing field */
        "{\"v\":1,\"read\":1,\"rejected\":0,\"dropped\":0,\"undelivered\":0,"
        "\"retries\":0,\"batches\":1,\"queued\":0,\"failing_ms\":0,\"last_ok_ms\":1,"
        "\"last_error\":\"\",\"final\":false}",
        /* a counter as text */
        "{\"v\":1,\"read\":\"1\",\"delivered\":1,\"rejected\":0,\"dropped\":0,\"undelivered\":0,"
        "\"retries\":0,\"batches\":1,\"queued\":0,\"failing_ms\":0,\"last_ok_ms\":1,"
        "\"last_error\":\"\",\"final\":false}",
        /* a key twice: which one would count? */
        "{\"v\":1,\"read\":1,\"read\":5,\"delivered\":1,\"rejected\":0,\"dropped\":0,"
        "\"undelivered\":0,\"retries\":0,\"batches\":1,\"queued\":0,\"failing_ms\":0,"
        "\"last_ok_ms\":1,\"last_error\":\"\",\"final\":false}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        if (ship_status_parse(bad[i], strlen(bad[i]), &got) != -1)
            TT_FAILF("accepted: %s", bad[i]);
    }
    TT_CHECK(memcmp(&got, &before, sizeof got) == 0); /* untouched */
    char big[TT_SHIP_STATUS_MAX_LINE + 8];
    memset(big, ' ', sizeof big);
    TT_CHECK_INT(ship_status_parse(big, sizeof big, &got), -1);
}

int main(void)
{
    return tt_run_all();
}

/* Line reader, UTF-8 repair, Falco time parsing and line -> event conversion. */
#include "tt_test.h"

#include <unistd.h>

#include "ls_event.h"
#include "ls_json.h"
#include "ls_reader.h"
#include "ls_utf8.h"

/* Feed text through a reader with the given limit; collect "len/total" of each line. */
static void read_all(const char *text, size_t n, size_t limit, char *out, size_t outcap)
{
    struct ls_reader r;
    out[0] = '\0';
    if (ls_reader_init(&r, -1, limit) < 0)
        return;
    size_t off = 0, w = 0;
    struct ls_line l;
    for (;;) {
        int rc;
        while ((rc = ls_reader_next(&r, &l)) == 1)
            w += (size_t)snprintf(out + w, outcap - w, "%zu/%zu:%.*s|", l.len, l.total,
                                  (int)(l.len < 8 ? l.len : 8), l.data);
        if (rc < 0)
            break;
        if (off < n)
            off += ls_reader_feed(&r, text + off, n - off > 1000 ? 1000 : n - off);
        else
            ls_reader_set_eof(&r);
    }
    ls_reader_free(&r);
}

TT_TEST(reader_lines_and_last_line_without_newline)
{
    char out[256];
    read_all("a\nbb\n\nccc", 9, 100, out, sizeof out);
    TT_CHECK_STR(out, "1/1:a|2/2:bb|0/0:|3/3:ccc|");
}

TT_TEST(reader_overlong_line_keeps_prefix_and_total)
{
    static char text[5000];
    memset(text, 'x', 3000);
    text[3000] = '\n';
    memcpy(text + 3001, "next\n", 5);
    char out[256];
    read_all(text, 3006, 1024, out, sizeof out);
    TT_CHECK_STR(out, "1024/3000:xxxxxxxx|4/4:next|");
}

TT_TEST(reader_overlong_last_line_at_eof)
{
    static char text[5000];
    memset(text, 'y', 5000);
    char out[256];
    read_all(text, 5000, 100, out, sizeof out);
    TT_CHECK_STR(out, "100/5000:yyyyyyyy|");
}

TT_TEST(reader_from_pipe_5mib_line)
{
    int p[2];
    TT_CHECK(pipe(p) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        static char chunk[65536];
        memset(chunk, 'z', sizeof chunk);
        for (int i = 0; i < 80; i++) /* 5 MiB */
            if (write(p[1], chunk, sizeof chunk) < 0)
                _exit(1);
        if (write(p[1], "\nend\n", 5) < 0)
            _exit(1);
        _exit(0);
    }
    close(p[1]);
    struct ls_reader r;
    TT_CHECK(ls_reader_init(&r, p[0], LS_DEFAULT_EVENT_LIMIT) == 0);
    struct ls_line l;
    size_t totals[4], n = 0;
    for (;;) {
        int rc = ls_reader_next(&r, &l);
        if (rc == 1) {
            if (n < 4)
                totals[n] = l.total;
            n++;
            continue;
        }
        if (rc < 0 || ls_reader_fill(&r) < 0)
            break;
    }
    ls_reader_free(&r);
    close(p[0]);
    TT_CHECK_INT(n, 2);
    TT_CHECK_INT(totals[0], 5 * 1024 * 1024);
    TT_CHECK_INT(totals[1], 3);
    TT_CHECK(r.cap < 2 * 1024 * 1024); /* memory stayed bounded */
}

TT_TEST(utf8_valid_kept_invalid_replaced)
{
    char out[64];
    size_t used;
    const char in[] = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z";
    size_t w = ls_utf8_sanitize(in, sizeof in - 1, out, sizeof out, &used);
    TT_CHECK_INT(w, sizeof in - 1);
    TT_CHECK(memcmp(out, in, w) == 0);
    /* lone continuation, overlong '/', surrogate, > U+10FFFF, truncated sequence */
    const char bad[] = "\x80|\xc0\xaf|\xed\xa0\x80|\xf4\x90\x80\x80|\xe2\x82";
    w = ls_utf8_sanitize(bad, sizeof bad - 1, out, sizeof out, &used);
    out[w] = '\0';
    TT_CHECK_STR(out, "\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd|"
                      "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd");
}

TT_TEST(utf8_never_splits_a_character)
{
    char out[8];
    size_t used;
    size_t w = ls_utf8_sanitize("ab\xe2\x82\xac", 5, out, 4, &used);
    TT_CHECK_INT(w, 2);
    TT_CHECK_INT(used, 2);
}

TT_TEST(json_falco_time)
{
    int64_t ms = 0;
    const char *a =
        "{\"hostname\":\"h\",\"output\":\"x \\\"time\\\":1\",\"output_fields\":{\"time\":"
        "\"1999-01-01T00:00:00Z\",\"n\":[1,{\"a\":\"}\"}]},\"priority\":\"Warning\","
        "\"time\":\"2024-05-01T12:34:56.789123456Z\"}";
    TT_CHECK(ls_json_alert_time(a, strlen(a), &ms) == 1);
    TT_CHECK_INT(ms, 1714566896789LL);
    TT_CHECK(ls_json_alert_time("plain text", 10, &ms) == 0);
    TT_CHECK(ls_json_alert_time("{\"time\":12}", 11, &ms) == 0);
    TT_CHECK(ls_json_alert_time("{\"time\":\"2024-05-01T12:34:56", 28, &ms) == 0);
}

TT_TEST(rfc3339_offsets_and_fractions)
{
    int64_t ms = 0;
    TT_CHECK(ls_rfc3339_ms("1970-01-01T00:00:00Z", 20, &ms) == 1);
    TT_CHECK_INT(ms, 0);
    TT_CHECK(ls_rfc3339_ms("1970-01-01T01:00:00.5+01:00", 27, &ms) == 1);
    TT_CHECK_INT(ms, 500);
    TT_CHECK(ls_rfc3339_ms("2000-02-29T23:59:59.999-00:30", 29, &ms) == 1);
    TT_CHECK_INT(ms, 951868799999LL + 1800000LL);
    TT_CHECK(ls_rfc3339_ms("2000-13-01T00:00:00Z", 20, &ms) == 0);
    TT_CHECK(ls_rfc3339_ms("2000-01-01T00:00:00", 19, &ms) == 0);
}

TT_TEST(event_timestamp_from_alert_else_now)
{
    const char *a = "{\"time\":\"2024-05-01T12:34:56.789Z\",\"rule\":\"r\"}";
    struct ls_event *e = ls_event_from_line(a, strlen(a), strlen(a), 1000, 42, NULL);
    TT_CHECK(e && e->ts == 1714566896789LL && e->len == strlen(a));
    free(e);
    e = ls_event_from_line("hello\r", 6, 6, 1000, 42, NULL);
    TT_CHECK(e && e->ts == 42 && e->len == 5 && memcmp(e->msg, "hello", 5) == 0);
    free(e);
}

TT_TEST(event_empty_line_skipped)
{
    TT_CHECK(ls_event_from_line("", 0, 0, 1000, 1, NULL) == NULL);
    TT_CHECK(ls_event_from_line("\r", 1, 1, 1000, 1, NULL) == NULL);
}

TT_TEST(event_truncated_with_marker_within_limit)
{
    static char big[4000];
    memset(big, 'q', sizeof big);
    int tr = 0;
    struct ls_event *e = ls_event_from_line(big, 1000, 4000, 1000, 1, &tr);
    TT_CHECK(e != NULL && tr == 1);
    TT_CHECK(e->len <= 1000 && e->len > 900);
    const char *m = "...[logshipper: line of 4000 bytes truncated]";
    TT_CHECK(e->len >= strlen(m) && memcmp(e->msg + e->len - strlen(m), m, strlen(m)) == 0);
    free(e);
}

TT_TEST(event_invalid_utf8_growth_truncated)
{
    /* 600 invalid bytes become 1800 bytes of U+FFFD: must be cut to the limit. */
    static char bad[600];
    memset(bad, 0xff, sizeof bad);
    int tr = 0;
    struct ls_event *e = ls_event_from_line(bad, sizeof bad, sizeof bad, 1000, 1, &tr);
    TT_CHECK(e != NULL && tr == 1 && e->len <= 1000);
    TT_CHECK(memcmp(e->msg, "\xef\xbf\xbd", 3) == 0);
    free(e);
}

TT_TEST(json_escape)
{
    struct ls_buf b = {0};
    TT_CHECK(ls_json_escape(&b, "a\"b\\c\n\x01\xc3\xa9", 9) == 0);
    TT_CHECK_STR(b.p, "a\\\"b\\\\c\\n\\u0001\xc3\xa9");
    ls_buf_free(&b);
}

int main(void)
{
    return tt_run_all();
}

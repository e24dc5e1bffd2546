/* Capture files: round trip, and truncated / corrupt / foreign files refused with the file name
 * and the offset of the bad record. */
#include "tt_test.h"
#include "tt_capture.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[64];

static const char *tmp_path(const char *name)
{
    static char p[128];
    if (!tmpdir[0]) {
        snprintf(tmpdir, sizeof tmpdir, "/tmp/tt-capture-test.XXXXXX");
        if (!mkdtemp(tmpdir))
            abort();
    }
    snprintf(p, sizeof p, "%s/%s", tmpdir, name);
    return p;
}

/* Record i: an openat with a name of i%50 characters and the sequence number as fd. */
static size_t make_record(uint8_t *buf, size_t cap, int i)
{
    struct tt_evb b;
    char name[64];
    int n = i % 50;
    for (int k = 0; k < n; k++)
        name[k] = (char)('a' + (i + k) % 26);
    name[n] = 0;
    tt_evb_begin(&b, buf, cap, TT_EV_OPENAT, 1000u + (uint64_t)i, 100 + i, 100);
    tt_evb_i64(&b, TT_P_FD, i);
    tt_evb_str(&b, TT_P_NAME, name);
    return tt_evb_finish(&b, i);
}

static int write_file(const char *path, int nrec)
{
    char why[256];
    struct tt_capture_writer *w = tt_capture_create(path, why, sizeof why);
    if (!w)
        return -1;
    uint8_t buf[256];
    for (int i = 0; i < nrec; i++) {
        make_record(buf, sizeof buf, i);
        if (tt_capture_write(w, (const void *)buf) != 0)
            return -1;
    }
    return tt_capture_close(w);
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

TT_TEST(round_trip)
{
    const char *path = tmp_path("rt.cap");
    TT_CHECK_INT(write_file(path, 1000), 0);
    struct stat st;
    TT_CHECK_INT(stat(path, &st), 0);
    TT_CHECK_INT(st.st_mode & 0777, 0600);
    char why[256] = "";
    struct tt_capture_reader *r = tt_capture_open(path, why, sizeof why);
    TT_REQUIRE(r != NULL);
    if (!r)
        return;
    TT_CHECK(memcmp(tt_capture_header(r)->magic, TT_STREAM_MAGIC, 8) == 0);
    TT_CHECK_INT(tt_capture_header(r)->producer_pid, getpid());
    const struct tt_event *ev;
    int i = 0, rc;
    uint8_t want[256];
    while ((rc = tt_capture_next(r, &ev, why, sizeof why)) == 1) {
        size_t len = make_record(want, sizeof want, i);
        if (ev->len != len || memcmp(ev, want, len) != 0) {
            TT_FAILF("record %d differs", i);
            break;
        }
        i++;
    }
    TT_CHECK_INT(rc, 0);
    TT_CHECK_INT(i, 1000);
    tt_capture_close_reader(r);
}

/* Reads until the first error; returns the number of good records, the last rc in *rc. */
static int read_all(const char *path, int *rc, char *why, size_t whylen)
{
    struct tt_capture_reader *r = tt_capture_open(path, why, whylen);
    if (!r) {
        *rc = -2;
        return 0;
    }
    const struct tt_event *ev;
    int n = 0;
    while ((*rc = tt_capture_next(r, &ev, why, whylen)) == 1)
        n++;
    tt_capture_close_reader(r);
    return n;
}

TT_TEST(truncated_record_names_file_and_offset)
{
    const char *path = tmp_path("trunc.cap");
    TT_CHECK_INT(write_file(path, 10), 0);
    long size = file_size(path);
    /* Offset of the last record: header + the first nine. */
    uint8_t buf[256];
    long off = (long)sizeof(struct tt_stream_hdr);
    for (int i = 0; i < 9; i++)
        off += (long)make_record(buf, sizeof buf, i);
    TT_CHECK_INT(truncate(path, size - 5), 0);
    char why[256] = "", want[64];
    int rc;
    TT_CHECK_INT(read_all(path, &rc, why, sizeof why), 9);
    TT_CHECK_INT(rc, -1);
    TT_CHECK(strstr(why, path) != NULL);
    TT_CHECK(strstr(why, "truncated") != NULL);
    snprintf(want, sizeof want, "offset %ld ", off);
    TT_CHECK(strstr(why, want) != NULL);
    /* Cut inside the record header. */
    TT_CHECK_INT(truncate(path, off + 10), 0);
    TT_CHECK_INT(read_all(path, &rc, why, sizeof why), 9);
    TT_CHECK_INT(rc, -1);
    TT_CHECK(strstr(why, want) != NULL);
}

TT_TEST(corrupt_record_names_offset)
{
    const char *path = tmp_path("corrupt.cap");
    TT_CHECK_INT(write_file(path, 10), 0);
    uint8_t buf[256];
    long off = (long)sizeof(struct tt_stream_hdr);
    for (int i = 0; i < 4; i++)
        off += (long)make_record(buf, sizeof buf, i);
    FILE *f = fopen(path, "r+b");
    TT_REQUIRE(f != NULL);
    if (!f)
        return;
    /* Unknown event type in record 4. */
    uint16_t bad_type = 60000;
    fseek(f, off + 4, SEEK_SET);
    fwrite(&bad_type, sizeof bad_type, 1, f);
    fclose(f);
    char why[256] = "", want[64];
    int rc;
    TT_CHECK_INT(read_all(path, &rc, why, sizeof why), 4);
    TT_CHECK_INT(rc, -1);
    snprintf(want, sizeof want, "offset %ld ", off);
    TT_CHECK(strstr(why, want) != NULL);
    TT_CHECK(strstr(why, "corrupt") != NULL);
    TT_CHECK(strstr(why, path) != NULL);
    /* A length that is not a multiple of 8. */
    f = fopen(path, "r+b");
    uint32_t bad_len = 33;
    fseek(f, off, SEEK_SET);
    fwrite(&bad_len, sizeof bad_len, 1, f);
    fclose(f);
    TT_CHECK_INT(read_all(path, &rc, why, sizeof why), 4);
    TT_CHECK(strstr(why, "bad length 33") != NULL);
}

TT_TEST(header_errors)
{
    char why[256] = "";
    int rc;
    const char *path = tmp_path("short.cap");
    FILE *f = fopen(path, "wb");
    fputs("TARTAN", f);
    fclose(f);
    read_all(path, &rc, why, sizeof why);
    TT_CHECK_INT(rc, -2);
    TT_CHECK(strstr(why, "truncated stream header") != NULL);
    TT_CHECK(strstr(why, path) != NULL);

    path = tmp_path("foreign.cap");
    f = fopen(path, "wb");
    for (int i = 0; i < 100; i++)
        fputs("not an event stream ", f);
    fclose(f);
    read_all(path, &rc, why, sizeof why);
    TT_CHECK_INT(rc, -2);
    TT_CHECK(strstr(why, "bad magic") != NULL);

    path = tmp_path("v2.cap");
    TT_CHECK_INT(write_file(path, 3), 0);
    f = fopen(path, "r+b");
    uint32_t v = TT_EVENT_VERSION + 1;
    fseek(f, 8, SEEK_SET);
    fwrite(&v, sizeof v, 1, f);
    fclose(f);
    read_all(path, &rc, why, sizeof why);
    TT_CHECK_INT(rc, -2);
    TT_CHECK(strstr(why, "version 2") != NULL);

    read_all(tmp_path("missing.cap"), &rc, why, sizeof why);
    TT_CHECK_INT(rc, -2);
    TT_CHECK(strstr(why, "missing.cap") != NULL);
}

TT_TEST(empty_stream_is_eof)
{
    const char *path = tmp_path("empty.cap");
    TT_CHECK_INT(write_file(path, 0), 0);
    char why[256] = "";
    int rc;
    TT_CHECK_INT(read_all(path, &rc, why, sizeof why), 0);
    TT_CHECK_INT(rc, 0);
}

TT_TEST(writer_rejects_bad_record)
{
    const char *path = tmp_path("bad.cap");
    char why[256];
    struct tt_capture_writer *w = tt_capture_create(path, why, sizeof why);
    TT_REQUIRE(w != NULL);
    if (!w)
        return;
    struct tt_event ev = {0};
    ev.len = 12;
    TT_CHECK_INT(tt_capture_write(w, &ev), -1);
    TT_CHECK_INT(tt_capture_close(w), 0);
    w = tt_capture_create("/nonexistent-dir/x.cap", why, sizeof why);
    TT_CHECK(w == NULL);
    TT_CHECK(strstr(why, "/nonexistent-dir/x.cap") != NULL);
}

/* tt_event.c fix: bytes after the declared parameters must be under 8 bytes of zeros, or a
 * reader walking parameters by position would reach unvalidated ones. */
TT_TEST(validate_rejects_trailing_params)
{
    uint8_t buf[256];
    size_t len = make_record(buf, sizeof buf, 3);
    TT_CHECK_INT(tt_event_validate(buf, len), 0);
    struct tt_event *ev = (void *)buf;
    ev->nparams = 1; /* the name parameter is now outside the declared ones */
    TT_CHECK_INT(tt_event_validate(buf, len), -1);
    ev->nparams = 2;
    TT_CHECK_INT(len, 64); /* 32 header + 16 fd + 8+3 name + 5 padding */
    TT_CHECK_INT(tt_event_validate(buf, len), 0);
    buf[len - 1] = 0x41; /* non-zero padding */
    TT_CHECK_INT(tt_event_validate(buf, len), -1);
}

int main(void)
{
    int rc = tt_run_all();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (tmpdir[0] && system(cmd) != 0)
        fprintf(stderr, "cleanup failed\n");
    return rc;
}

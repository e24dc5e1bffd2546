/* Parser of the program output's delivery status records. The pipe is private to the engine and
 * its child, but the child is a program named in the configuration: every record is checked. */
#include "ship_status.h"

#include <jansson.h>
#include <string.h>

static int get_u64(json_t *o, const char *key, uint64_t *out)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return -1;
    *out = (uint64_t)json_integer_value(v);
    return 0;
}

static int get_i64(json_t *o, const char *key, int64_t *out)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v) || json_integer_value(v) < -1)
        return -1;
    *out = (int64_t)json_integer_value(v);
    return 0;
}

int ship_status_parse(const char *line, size_t len, struct tt_ship_status *out)
{
    if (!line || len == 0 || len > TT_SHIP_STATUS_MAX_LINE)
        return -1;
    json_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(o)) {
        json_decref(o);
        return -1;
    }
    struct tt_ship_status s;
    memset(&s, 0, sizeof s);
    json_t *v = json_object_get(o, "v");
    json_t *fin = json_object_get(o, "final");
    json_t *code = json_object_get(o, "last_error");
    int bad = !json_is_integer(v) || json_integer_value(v) != 1 || get_u64(o, "read", &s.read) ||
              get_u64(o, "delivered", &s.delivered) || get_u64(o, "rejected", &s.rejected) ||
              get_u64(o, "dropped", &s.dropped) || get_u64(o, "undelivered", &s.undelivered) ||
              get_u64(o, "retries", &s.retries) || get_u64(o, "batches", &s.batches) ||
              get_u64(o, "queued", &s.queued) || get_i64(o, "failing_ms", &s.failing_ms) ||
              s.failing_ms < 0 || get_i64(o, "last_ok_ms", &s.last_ok_ms) ||
              !json_is_boolean(fin) || !json_is_string(code);
    if (!bad) {
        s.final = json_is_true(fin);
        size_t k = 0;
        for (const char *p = json_string_value(code); *p && k + 1 < sizeof s.last_error; p++)
            if (tt_ship_status_code_char(*p))
                s.last_error[k++] = *p;
        s.last_error[k] = '\0';
        *out = s;
    }
    json_decref(o);
    return bad ? -1 : 0;
}

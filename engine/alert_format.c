/* Falco's alert line formats: text (`<time>: <Priority> <output>`) and JSON (sorted keys,
 * UTC time with nanoseconds, hostname, tags sorted, typed output_fields), plus internal alerts.
 * See ../shared/reference/falco-engine-digest.md e.2/e.3. */
#include "alert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "config.h"

void alert_hostname(char *buf, size_t n)
{
    const char *h = getenv("FALCO_HOSTNAME");
    if (h && h[0]) {
        snprintf(buf, n, "%s", h);
        return;
    }
    if (gethostname(buf, n) != 0)
        snprintf(buf, n, "unknown");
    buf[n - 1] = '\0';
}

void alert_fmt_opts_from_config(struct alert_fmt_opts *o, const struct engine_config *cfg,
                                const char *hostname)
{
    o->json_output = cfg->json_output;
    o->json_include_output_property = cfg->json_include_output_property;
    o->json_include_tags_property = cfg->json_include_tags_property;
    o->json_include_message_property = cfg->json_include_message_property;
    o->json_include_output_fields_property = cfg->json_include_output_fields_property;
    o->time_format_iso_8601 = cfg->time_format_iso_8601;
    o->hostname = hostname;
}

/* The text prefix time: "HH:MM:SS.nnnnnnnnn" local time, or ISO 8601 UTC
 * "YYYY-MM-DDTHH:MM:SS.nnnnnnnnn+0000". Returns bytes written. */
static int alert_time_text(uint64_t ts_ns, int iso8601, char *buf, size_t n)
{
    time_t secs = (time_t)(ts_ns / 1000000000u);
    unsigned long ns = (unsigned long)(ts_ns % 1000000000u);
    struct tm tm;
    char base[40]; /* "YYYY-MM-DDTHH:MM:SS" for any time_t year */
    if (iso8601) {
        if (!gmtime_r(&secs, &tm) || !strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm))
            base[0] = '\0';
        return snprintf(buf, n, "%s.%09lu+0000", base, ns);
    }
    if (!localtime_r(&secs, &tm) || !strftime(base, sizeof base, "%H:%M:%S", &tm))
        base[0] = '\0';
    return snprintf(buf, n, "%s.%09lu", base, ns);
}

int alert_time_json(uint64_t ts_ns, char *buf, size_t n)
{
    time_t secs = (time_t)(ts_ns / 1000000000u);
    struct tm tm;
    char base[64];
    if (!gmtime_r(&secs, &tm) || !strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm))
        base[0] = '\0';
    return snprintf(buf, n, "%s.%09luZ", base, (unsigned long)(ts_ns % 1000000000u));
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if invalid. */
static size_t utf8_len(const unsigned char *p, size_t avail)
{
    unsigned char c = p[0];
    size_t len;
    unsigned min;
    unsigned cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        cp = c & 0x1f;
        min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        cp = c & 0x0f;
        min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        cp = c & 0x07;
        min = 0x10000;
    } else {
        return 0;
    }
    if (len > avail)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

/* The JSON two-character escape letter of a control character, or 0 when it has none. */
static char short_escape(unsigned char c)
{
    switch (c) {
    case '\n':
        return 'n';
    case '\t':
        return 't';
    case '\r':
        return 'r';
    case '\b':
        return 'b';
    case '\f':
        return 'f';
    default:
        return 0;
    }
}

char *alert_sanitize(const char *s, size_t len, int escape_ctl)
{
    /* worst case: every byte becomes "\u00XX" (6) */
    size_t cap = len * 6 + 1;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    size_t o = 0;
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        size_t l = utf8_len(p + i, len - i);
        if (l == 0) {
            memcpy(out + o, "\xef\xbf\xbd", 3); /* U+FFFD */
            o += 3;
            i++;
            continue;
        }
        if (l == 1 && p[i] < 0x20 && escape_ctl) {
            char e = short_escape(p[i]);
            if (e) {
                out[o++] = '\\';
                out[o++] = e;
            } else {
                o += (size_t)snprintf(out + o, cap - o, "\\u%04x", p[i]);
            }
            i++;
            continue;
        }
        if (l == 1 && p[i] == 0) { /* NUL cannot be carried in a C string */
            memcpy(out + o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
            continue;
        }
        memcpy(out + o, p + i, l);
        o += l;
        i += l;
    }
    out[o] = '\0';
    return out;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static char *text_line(const struct alert *a, const struct alert_fmt_opts *o, int escape_ctl)
{
    char tbuf[64];
    alert_time_text(a->ts_ns, o->time_format_iso_8601, tbuf, sizeof tbuf);
    const char *msg = a->message ? a->message : "";
    char *m = alert_sanitize(msg, strlen(msg), escape_ctl);
    if (!m)
        return NULL;
    char *suffix = NULL;
    if (a->internal && a->output_fields && json_object_size(a->output_fields) > 0) {
        /* " (k1=v1 k2=v2)" with sorted keys and JSON-encoded scalar values */
        size_t nk = json_object_size(a->output_fields), k = 0;
        const char **keys = calloc(nk, sizeof *keys);
        if (!keys) {
            free(m);
            return NULL;
        }
        const char *key;
        json_t *val;
        json_object_foreach(a->output_fields, key, val) keys[k++] = key;
        qsort(keys, k, sizeof *keys, cmp_str);
        size_t cap = 64, len = 0;
        suffix = malloc(cap);
        if (suffix) {
            suffix[0] = '\0';
            for (size_t i = 0; i < k && suffix; i++) {
                char *v = json_dumps(json_object_get(a->output_fields, keys[i]),
                                     JSON_ENCODE_ANY | JSON_COMPACT);
                size_t need = len + strlen(keys[i]) + (v ? strlen(v) : 4) + 8;
                if (need > cap) {
                    cap = need * 2;
                    char *ns = realloc(suffix, cap);
                    if (!ns) {
                        free(suffix);
                        suffix = NULL;
                        free(v);
                        break;
                    }
                    suffix = ns;
                }
                len += (size_t)snprintf(suffix + len, cap - len, "%s%s=%s", i ? " " : " (", keys[i],
                                        v ? v : "null");
                free(v);
            }
            if (suffix)
                snprintf(suffix + len, cap - len, ")");
        }
        free(keys);
        if (!suffix) {
            free(m);
            return NULL;
        }
    }
    char *line = NULL;
    if (asprintf(&line, "%s: %s %s%s", tbuf, priority_name(a->priority), m, suffix ? suffix : "") <
        0)
        line = NULL;
    free(m);
    free(suffix);
    return line;
}

static json_t *str_or_null(const char *s)
{
    if (!s)
        return json_null();
    char *c = alert_sanitize(s, strlen(s), 0);
    json_t *j = c ? json_string(c) : NULL;
    free(c);
    return j ? j : json_null();
}

/* jansson writes \u001B, Falco (nlohmann::json) \u001b: lower-case the hex of \u escapes. */
static void lower_u_escapes(char *s)
{
    for (char *p = s; p && *p; p++) {
        if (*p != '\\')
            continue;
        if (p[1] == 'u') {
            for (int i = 2; i < 6 && p[i]; i++)
                if (p[i] >= 'A' && p[i] <= 'F')
                    p[i] = (char)(p[i] - 'A' + 'a');
        }
        if (p[1])
            p++; /* skip the escaped character (so "\\u" is left alone) */
    }
}

char *alert_format(const struct alert *a, const struct alert_fmt_opts *o)
{
    if (!o->json_output)
        return text_line(a, o, 1);
    json_t *j = json_object();
    if (!j)
        return NULL;
    char tbuf[64];
    alert_time_json(a->ts_ns, tbuf, sizeof tbuf);
    json_object_set_new(j, "hostname", str_or_null(o->hostname ? o->hostname : ""));
    json_object_set_new(j, "priority", json_string(priority_name(a->priority)));
    json_object_set_new(j, "rule", str_or_null(a->rule));
    json_object_set_new(j, "source", str_or_null(a->source));
    json_object_set_new(j, "time", json_string(tbuf));
    if (a->internal) {
        json_object_set_new(j, "output", str_or_null(a->message ? a->message : ""));
        json_object_set_new(j, "output_fields",
                            a->output_fields ? json_incref(a->output_fields) : json_object());
    } else {
        if (o->json_include_output_property) {
            char *line = text_line(a, o, 0);
            json_object_set_new(j, "output", str_or_null(line ? line : ""));
            free(line);
        }
        if (o->json_include_message_property)
            json_object_set_new(j, "message", str_or_null(a->message ? a->message : ""));
        if (o->json_include_output_fields_property)
            json_object_set_new(j, "output_fields",
                                a->output_fields ? json_incref(a->output_fields) : json_object());
        if (o->json_include_tags_property) {
            json_t *tags = json_array();
            const char **sorted = a->ntags ? calloc(a->ntags, sizeof *sorted) : NULL;
            size_t ns = 0;
            for (size_t i = 0; sorted && i < a->ntags; i++)
                if (a->tags[i])
                    sorted[ns++] = a->tags[i];
            if (ns)
                qsort(sorted, ns, sizeof *sorted, cmp_str);
            for (size_t i = 0; tags && i < ns; i++)
                if (i == 0 || strcmp(sorted[i], sorted[i - 1]))
                    json_array_append_new(tags, str_or_null(sorted[i]));
            free(sorted);
            json_object_set_new(j, "tags", tags ? tags : json_array());
        }
    }
    char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    lower_u_escapes(s);
    return s;
}

void alert_internal(struct alert *a, uint64_t ts_ns, int prio, const char *rule,
                    const char *message, json_t *fields)
{
    memset(a, 0, sizeof *a);
    a->ts_ns = ts_ns;
    a->priority = prio;
    a->rule = rule;
    a->source = "internal";
    a->message = message;
    a->output_fields = fields;
    a->internal = 1;
}

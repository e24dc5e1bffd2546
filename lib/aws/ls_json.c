/* Hand-written scanners for the per-line hot path (jansson is used for responses). */
#include "ls_json.h"

#include <string.h>

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t ls_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int digits(const char *s, size_t n, size_t at, size_t count, unsigned *out)
{
    unsigned v = 0;
    if (at + count > n)
        return 0;
    for (size_t i = 0; i < count; i++) {
        char c = s[at + i];
        if (c < '0' || c > '9')
            return 0;
        v = v * 10 + (unsigned)(c - '0');
    }
    *out = v;
    return 1;
}

int ls_rfc3339_ms(const char *s, size_t n, int64_t *ms)
{
    unsigned y, mo, d, h, mi, se, frac = 0;
    if (!digits(s, n, 0, 4, &y) || n < 19 || s[4] != '-' || !digits(s, n, 5, 2, &mo) ||
        s[7] != '-' || !digits(s, n, 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
        !digits(s, n, 11, 2, &h) || s[13] != ':' || !digits(s, n, 14, 2, &mi) || s[16] != ':' ||
        !digits(s, n, 17, 2, &se))
        return 0;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
        return 0;
    size_t i = 19;
    if (i < n && s[i] == '.') {
        size_t nd = 0;
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            if (nd < 3)
                frac = frac * 10 + (unsigned)(s[i] - '0');
            nd++;
            i++;
        }
        if (nd == 0)
            return 0;
        for (; nd < 3; nd++)
            frac *= 10;
    }
    int64_t off = 0;
    if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
        i++;
    } else if (i < n && (s[i] == '+' || s[i] == '-')) {
        unsigned oh, om;
        if (!digits(s, n, i + 1, 2, &oh) || i + 3 >= n || s[i + 3] != ':' ||
            !digits(s, n, i + 4, 2, &om) || oh > 23 || om > 59)
            return 0;
        off = (int64_t)(oh * 60 + om) * 60;
        if (s[i] == '+')
            off = -off;
        i += 6;
    } else {
        return 0;
    }
    if (i != n)
        return 0;
    int64_t secs = ls_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se + off;
    *ms = secs * 1000 + frac;
    return 1;
}

static size_t skip_ws(const char *s, size_t n, size_t i)
{
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
        i++;
    return i;
}

/* s[i] == '"': index just past the closing quote, or 0 if unterminated. *esc set if escapes. */
static size_t skip_string(const char *s, size_t n, size_t i, int *esc)
{
    i++;
    while (i < n) {
        const char *q = memchr(s + i, '"', n - i);
        if (!q)
            return 0;
        size_t k = (size_t)(q - s);
        size_t bs = 0;
        while (k - bs > i && s[k - bs - 1] == '\\')
            bs++;
        if (bs && esc)
            *esc = 1;
        if (memchr(s + i, '\\', k - i) && esc)
            *esc = 1;
        if (bs % 2 == 0)
            return k + 1;
        i = k + 1;
    }
    return 0;
}

/* Skip any JSON value starting at i; 0 on error. Nesting is tracked with a counter. */
static size_t skip_value(const char *s, size_t n, size_t i)
{
    if (i >= n)
        return 0;
    if (s[i] == '"')
        return skip_string(s, n, i, NULL);
    if (s[i] == '{' || s[i] == '[') {
        size_t depth = 0;
        while (i < n) {
            char c = s[i];
            if (c == '"') {
                i = skip_string(s, n, i, NULL);
                if (!i)
                    return 0;
                continue;
            }
            if (c == '{' || c == '[')
                depth++;
            else if (c == '}' || c == ']') {
                if (--depth == 0)
                    return i + 1;
            }
            i++;
        }
        return 0;
    }
    size_t st = i;
    while (i < n && s[i] != ',' && s[i] != '}' && s[i] != ']' && s[i] != ' ' && s[i] != '\t' &&
           s[i] != '\r' && s[i] != '\n')
        i++;
    return i > st ? i : 0;
}

int ls_json_alert_time(const char *s, size_t n, int64_t *ms)
{
    size_t i = skip_ws(s, n, 0);
    if (i >= n || s[i] != '{')
        return 0;
    i = skip_ws(s, n, i + 1);
    while (i < n && s[i] == '"') {
        int esc = 0;
        size_t kend = skip_string(s, n, i, &esc);
        if (!kend)
            return 0;
        int is_time = !esc && kend - i == 6 && memcmp(s + i + 1, "time", 4) == 0;
        i = skip_ws(s, n, kend);
        if (i >= n || s[i] != ':')
            return 0;
        i = skip_ws(s, n, i + 1);
        if (is_time) {
            if (i >= n || s[i] != '"')
                return 0;
            int vesc = 0;
            size_t vend = skip_string(s, n, i, &vesc);
            if (!vend || vesc)
                return 0;
            return ls_rfc3339_ms(s + i + 1, vend - i - 2, ms);
        }
        i = skip_value(s, n, i);
        if (!i)
            return 0;
        i = skip_ws(s, n, i);
        if (i < n && s[i] == ',')
            i = skip_ws(s, n, i + 1);
        else
            return 0;
    }
    return 0;
}

int ls_json_escape(struct ls_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    if (ls_buf_reserve(b, n + 16) < 0)
        return -1;
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && (unsigned char)s[j] >= 0x20 && s[j] != '"' && s[j] != '\\')
            j++;
        if (j > i && ls_buf_add(b, s + i, j - i) < 0)
            return -1;
        if (j >= n)
            break;
        unsigned char c = (unsigned char)s[j];
        char e[7];
        size_t el = 2;
        e[0] = '\\';
        switch (c) {
        case '"':
            e[1] = '"';
            break;
        case '\\':
            e[1] = '\\';
            break;
        case '\n':
            e[1] = 'n';
            break;
        case '\r':
            e[1] = 'r';
            break;
        case '\t':
            e[1] = 't';
            break;
        case '\b':
            e[1] = 'b';
            break;
        case '\f':
            e[1] = 'f';
            break;
        default:
            e[1] = 'u';
            e[2] = '0';
            e[3] = '0';
            e[4] = hex[c >> 4];
            e[5] = hex[c & 15];
            el = 6;
        }
        if (ls_buf_add(b, e, el) < 0)
            return -1;
        i = j + 1;
    }
    return 0;
}

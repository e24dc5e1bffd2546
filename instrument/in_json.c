/* Tree edit helpers. */
#include "in_json.h"

#include <stdio.h>
#include <string.h>

int in_set(json_t *o, const char *key, json_t *v)
{
    if (!v)
        return -1;
    json_t *old = json_object_get(o, key);
    if (old && json_equal(old, v)) {
        json_decref(v);
        return 0;
    }
    return json_object_set_new(o, key, v);
}

const char *in_str(json_t *j)
{
    return json_is_string(j) ? json_string_value(j) : NULL;
}

json_t *in_find_by(json_t *a, const char *key, const char *s)
{
    size_t i;
    json_t *e;
    json_array_foreach(a, i, e)
    {
        const char *v = in_str(json_object_get(e, key));
        if (v && !strcmp(v, s))
            return e;
    }
    return NULL;
}

int in_named_set(json_t *a, const char *name_key, const char *value_key, const char *name,
                 json_t *value)
{
    if (!value)
        return -1;
    json_t *e = in_find_by(a, name_key, name);
    if (e)
        return in_set(e, value_key, value);
    e = json_object();
    if (!e || json_object_set_new(e, name_key, json_string(name)) < 0 ||
        json_object_set_new(e, value_key, value) < 0 || json_array_append_new(a, e) < 0) {
        json_decref(e);
        return -1;
    }
    return 0;
}

static json_t *child(json_t *o, const char *key, int array)
{
    json_t *c = json_object_get(o, key);
    if (c && !json_is_null(c))
        return (array ? json_is_array(c) : json_is_object(c)) ? c : NULL;
    c = array ? json_array() : json_object();
    if (!c || json_object_set_new(o, key, c) < 0)
        return NULL;
    return c;
}

json_t *in_child_object(json_t *o, const char *key)
{
    return child(o, key, 0);
}

json_t *in_child_array(json_t *o, const char *key)
{
    return child(o, key, 1);
}

int in_add_unique_string(json_t *a, const char *s)
{
    size_t i;
    json_t *x;
    json_array_foreach(a, i, x) if (json_is_string(x) && !strcmp(json_string_value(x), s)) return 0;
    return json_array_append_new(a, json_string(s));
}

void in_ring_key(const char *name, unsigned attempt, char *out, size_t n)
{
    unsigned h = 2166136261u; /* FNV-1a */
    for (const char *p = name; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    h = (h ^ attempt) * 16777619u;
    unsigned key = (h & 0x0fffffffu) | 0x10000000u;
    snprintf(out, n, "0x%08x", key);
}

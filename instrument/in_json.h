/* Small tree edits shared by the ECS and Kubernetes code. Every setter leaves a value that is
 * already equal in place (so that YAML keeps its style and instrumenting twice changes nothing)
 * and steals the reference it is given. */
#ifndef IN_JSON_H
#define IN_JSON_H
#include <jansson.h>
#include <stddef.h>

/* o[key] = v unless equal. 0 or -1. */
int in_set(json_t *o, const char *key, json_t *v);
/* The element of array a whose member key is the string s, or NULL. */
json_t *in_find_by(json_t *a, const char *key, const char *s);
/* The string value of j, or NULL. */
const char *in_str(json_t *j);
/* In an array of {NAME: n, VALUE: v} objects (environment variables), sets n's value; appends
 * an entry when there is none. 0 or -1. */
int in_named_set(json_t *a, const char *name_key, const char *value_key, const char *name,
                 json_t *value);
/* o[key] as an object/array, created when absent; NULL when it is something else (or out of
 * memory). */
json_t *in_child_object(json_t *o, const char *key);
json_t *in_child_array(json_t *o, const char *key);
/* Appends the string s to array a unless it holds it. 0 or -1. */
int in_add_unique_string(json_t *a, const char *s);

/* A System V key for a traced container's ring, from its name (stable) and attempt (0, 1...:
 * the caller tries the next while the key clashes with a sibling's). "0x1xxxxxxx". */
void in_ring_key(const char *name, unsigned attempt, char *out, size_t n);

#endif

/* A document read from JSON or YAML and written back in the same format.
 *
 * The tree is jansson's (objects keep their key order). YAML has more to keep than JSON's data:
 * tags (CloudFormation's short forms such as !Ref, !Sub, !GetAtt), scalar styles (quoted,
 * literal, plain as written: "1.10" stays "1.10"), flow or block collections. That goes into a side
 * table keyed by node, so that a node the instrumentation did not touch is written back as it was
 * read. New nodes get a default style. Comments are not kept (libyaml does not report them),
 * except the comment lines at the top of the file. */
#ifndef IN_DOC_H
#define IN_DOC_H
#include <jansson.h>
#include <stddef.h>

enum in_format { IN_JSON, IN_YAML };

/* How a YAML node was written. */
struct in_style {
    json_t *node;       /* the key; a reference is held so that its address is never reused */
    char *tag;          /* explicit tag as written ("!Ref", "tag:yaml.org,2002:str"), or NULL */
    char *text;         /* scalars: the text as written */
    size_t text_len;    /*   its length (may contain NUL) */
    int style;          /* libyaml's scalar, sequence or mapping style */
    int plain_implicit; /* scalars: libyaml's implicit flags; collections: implicit */
    int quoted_implicit;
    int intrinsic; /* node is {"Fn::X": value} read from "!X value": tag is the short form */
};

struct in_doc {
    enum in_format format;
    json_t **roots; /* one per YAML document; JSON has one */
    size_t nroots;
    int *doc_start_implicit, *doc_end_implicit; /* YAML, per document */
    char *header;                               /* YAML: comment lines at the top, or NULL */
    /* style table: open addressing on the node's address */
    struct in_style *styles;
    size_t nstyles, cap;
};

/* Reads text (len bytes; JSON when its first non-blank byte is '{' or '[', else YAML). name
 * names the input in messages. 0, or -1 with "NAME:LINE:COL: why" in err. */
int in_doc_load(struct in_doc *d, const char *text, size_t len, const char *name, char *err,
                size_t errlen);
/* Writes the document in its format into a heap string (*out, *outlen). compact: JSON on one
 * line. 0 or -1 (out of memory, or a tree libyaml refuses; why in err). */
int in_doc_dump(const struct in_doc *d, int compact, char **out, size_t *outlen, char *err,
                size_t errlen);
void in_doc_free(struct in_doc *d);

/* The style entry of node, or NULL. */
const struct in_style *in_doc_style(const struct in_doc *d, const json_t *node);
/* Adds an entry (takes ownership of tag and text, holds a reference on node). 0 or -1. */
int in_doc_style_add(struct in_doc *d, json_t *node, char *tag, char *text, size_t text_len,
                     int style, int plain_implicit, int quoted_implicit, int intrinsic);

/* YAML halves (in_yaml.c). */
int in_yaml_load(struct in_doc *d, const char *text, size_t len, const char *name, char *err,
                 size_t errlen);
int in_yaml_dump(const struct in_doc *d, char **out, size_t *outlen, char *err, size_t errlen);
/* Whether a string written plain would be read back as something else (a number, a boolean in
 * YAML 1.1 or 1.2, null, an indicator...): such strings are quoted on output. */
int in_yaml_needs_quotes(const char *s, size_t len);

#endif

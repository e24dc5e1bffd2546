/* CloudWatch Logs API calls (AWS JSON 1.1, SigV4) and classification of their outcomes. */
#ifndef LS_CWL_H
#define LS_CWL_H
#include <stddef.h>
#include <stdint.h>

#include "ls_buf.h"
#include "ls_creds.h"
#include "ls_http.h"

enum ls_outcome {
    LS_OK = 0,
    LS_EXISTS,    /* ResourceAlreadyExistsException: success for Create* */
    LS_NOTFOUND,  /* ResourceNotFoundException */
    LS_THROTTLED, /* retry with backoff */
    LS_TRANSIENT, /* 5xx, timeouts, connection errors, 200 without a request id: retry */
    LS_AUTH,      /* expired or invalid credentials: refresh once, then retry */
    LS_DENIED,    /* AccessDenied: retrying will not help soon */
    LS_INVALID,   /* InvalidParameterException: never retry unchanged */
    LS_OTHER,     /* any other client error */
};

struct ls_cwl_result {
    enum ls_outcome outcome;
    long status;
    int timed_out;
    char code[128];
    char message[256];
    char request_id[128];
    long retry_after_ms;
    /* PutLogEvents rejectedLogEventsInfo; -1 when absent */
    long too_new_start, too_old_end, expired_end;
};

struct ls_cwl {
    struct ls_http http;
    struct ls_cred_chain *creds;
    char url[1024];
    char hostport[300];
    char path[512];
    char region[64];
    struct ls_buf scratch;
};

/* Classify an error code (after any "prefix#") and HTTP status. */
enum ls_outcome ls_cwl_classify(long status, const char *code);

int ls_cwl_init(struct ls_cwl *c, const char *endpoint_url, const char *region,
                struct ls_cred_chain *creds, long timeout_ms);
void ls_cwl_free(struct ls_cwl *c);
/* One call of operation op ("PutLogEvents") with a JSON body. timeout_ms > 0 caps this request.
 * Always fills res; returns res->outcome. */
enum ls_outcome ls_cwl_call(struct ls_cwl *c, const char *op, const char *body, size_t len,
                            long timeout_ms, struct ls_cwl_result *res);
/* Empty result: no status, no code, rejected indices and retry-after -1. */
void ls_cwl_result_init(struct ls_cwl_result *res);
/* Fill res (initialised) from a response that arrived: status, request id, x-amzn-ErrorType,
 * retry-after, the body's code/message/rejectedLogEventsInfo, and the outcome (a 2xx without a
 * request id is MissingRequestId, transient). No I/O. */
void ls_cwl_parse_response(const struct ls_http_resp *r, struct ls_cwl_result *res);
/* Parse an error body / PutLogEvents response into res (code, message, rejected info). */
void ls_cwl_parse_body(const char *body, size_t len, struct ls_cwl_result *res);

#endif

/* The CloudFormation macro: instrument as an AWS Lambda custom runtime (provided.al2023; the
 * binary is the function's bootstrap). It takes invocations from the Lambda runtime API
 *   GET  /2018-06-01/runtime/invocation/next
 *   POST /2018-06-01/runtime/invocation/ID/response     (the macro's answer)
 *   POST /2018-06-01/runtime/invocation/ID/error        (an event that is not a macro request)
 *   POST /2018-06-01/runtime/init/error                 (bad INSTRUMENT_* configuration)
 * at $AWS_LAMBDA_RUNTIME_API. A macro request is {requestId, region, accountId, fragment,
 * params, templateParameterValues, ...}; the answer is {requestId, status: "success" | "failure",
 * fragment, errorMessage}. Options come from INSTRUMENT_<OPTION> environment variables, then the
 * Transform's Parameters. */
#ifndef IN_LAMBDA_H
#define IN_LAMBDA_H
#include <jansson.h>

/* Serves until the runtime API goes away: the exit status. */
int in_lambda_serve(void);

#endif

/* Falco's `webserver` for HTTP health probes: GET of webserver.k8s_healthz_endpoint (/healthz)
 * answers 200 {"status":"ok"} while the engine is healthy and 503 with the reason when it is not;
 * optional TLS (webserver.ssl_enabled, webserver.ssl_certificate). One thread multiplexes up to
 * WEB_MAX_CONNS connections with poll(), each bounded in bytes (http_req.h) and time
 * (WEB_CONN_TIMEOUT_MS); when all are taken the oldest is dropped, so idle connections cannot
 * starve a probe. docs/operations.md. */
#ifndef ENGINE_WEBSERVER_H
#define ENGINE_WEBSERVER_H

#include <stddef.h>
#include <stdint.h>

#define WEB_MAX_CONNS 32
#define WEB_CONN_TIMEOUT_MS 2000

struct engine_config;
struct webserver;

/* The health verdict: 1 healthy, 0 not, -1 none yet; text the reason, *age_ms its age. Called
 * from the webserver thread. */
typedef int (*web_verdict_fn)(void *arg, char *text, size_t n, int64_t *age_ms);

/* Listens and starts the thread. NULL with one line in err (address in use, certificate). */
struct webserver *webserver_start(const struct engine_config *cfg, web_verdict_fn verdict,
                                  void *arg, char *err, size_t n);
void webserver_stop(struct webserver *w);

#endif

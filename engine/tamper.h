/* Tamper events the engine raises itself. What the engine finds about the event stream (the
 * ring's integrity, events dropped) and about itself (a stall, a restart) becomes a `tamper`
 * event, with the same parameters as the tracer's (technique, target, action, reason), that
 * goes through the rules: one rule alerts on every tamper or evasion attempt, whoever found it
 * (etc/tartan_rules.yaml). The techniques are listed in docs/security.md. */
#ifndef ENGINE_TAMPER_H
#define ENGINE_TAMPER_H

#include <stdint.h>

struct pipeline;

/* Technique names of the engine's own findings. */
#define TAMPER_RING_CORRUPT "ring_corrupt"
#define TAMPER_RING_GAP "ring_gap"
#define TAMPER_RING_FORGED_END "ring_forged_end"
#define TAMPER_RING_UNEXPECTED_END "ring_unexpected_end"
#define TAMPER_ENGINE_STALLED "engine_stalled"
#define TAMPER_ENGINE_RESTARTED "engine_restarted"
#define TAMPER_EVENTS_DROPPED "events_dropped"

/* Evaluates one `tamper` event (action "observed") built from the arguments and logs it as a
 * warning. count (when not 0) is attached as the `dropped` parameter: the events concerned.
 * reason is a printf format. */
void tamper_raise(struct pipeline *pl, const char *technique, const char *target, uint64_t count,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif

/* Falco's priorities (priority.def): one enum and one parser for rules, falco.yaml's `priority`
 * and alerts. */
#ifndef ENGINE_PRIORITY_H
#define ENGINE_PRIORITY_H

enum rule_priority {
#define PRIORITY(id, printed, parsed, alias) PRI_##id,
#include "priority.def"
#undef PRIORITY
    PRI_COUNT
};

/* "Emergency" .. "Informational" .. "Debug" (how Falco prints them); "Unknown" out of range. */
const char *priority_name(int prio);
/* Case-insensitive: emergency alert critical error warning notice informational info debug.
 * Returns the priority or -1. */
int priority_parse(const char *s);

#endif

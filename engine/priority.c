/* Falco's priorities: names and parsing from priority.def. */
#include "priority.h"

#include <stddef.h>
#include <strings.h>

static const struct {
    const char *printed, *parsed, *alias;
} prios[PRI_COUNT] = {
#define PRIORITY(id, printed, parsed, alias) [PRI_##id] = {printed, parsed, alias},
#include "priority.def"
#undef PRIORITY
};

const char *priority_name(int prio)
{
    return prio >= 0 && prio < PRI_COUNT ? prios[prio].printed : "Unknown";
}

int priority_parse(const char *s)
{
    for (int i = 0; i < PRI_COUNT; i++)
        if (strcasecmp(s, prios[i].parsed) == 0 ||
            (prios[i].alias && strcasecmp(s, prios[i].alias) == 0))
            return i;
    return -1;
}

/* lib: making a monitor non-dumpable (see tt_nodump.h). */
#include "tt_nodump.h"

#include <ctype.h>
#include <string.h>
#include <sys/prctl.h>

int tt_nodump(void)
{
    return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

void tt_name_self(const char *name)
{
    char comm[17] = "";
    if (prctl(PR_GET_NAME, comm, 0, 0, 0) != 0 || !comm[0])
        return;
    int digits = 1;
    for (const char *c = comm; *c; c++)
        digits &= isdigit((unsigned char)*c) != 0;
    if (digits || strncmp(comm, "memfd:", 6) == 0)
        (void)prctl(PR_SET_NAME, name, 0, 0, 0);
}

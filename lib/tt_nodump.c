/* lib: making a monitor non-dumpable (see tt_nodump.h). */
#include "tt_nodump.h"

#include <sys/prctl.h>

int tt_nodump(void)
{
    return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

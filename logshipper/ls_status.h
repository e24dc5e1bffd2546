/* The status pipe to the engine (TARTAN_STATUS_FD, records in lib/tt_shipstatus.h). Writes never
 * block: a full pipe skips a record. */
#ifndef LS_STATUS_H
#define LS_STATUS_H

#include "tt_shipstatus.h"

/* The status fd from TARTAN_STATUS_FD (made non-blocking and close-on-exec), or -1 when unset
 * or not a descriptor open for writing (then a warning is logged). */
int ls_status_open_env(void);
/* Writes the record whole or not at all. 0 written, -1 skipped. */
int ls_status_write(int fd, const struct tt_ship_status *s);

#endif

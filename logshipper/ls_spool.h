/* Optional on-disk overflow for the event queue: a FIFO of records in segment files. */
#ifndef LS_SPOOL_H
#define LS_SPOOL_H
#include <stdint.h>

#include "ls_event.h"

struct ls_spool;

/* Open (creating) the spool directory. Segments left by an earlier run are adopted, oldest
 * first. NULL on error (errno). */
struct ls_spool *ls_spool_open(const char *dir);
void ls_spool_close(struct ls_spool *s);
int ls_spool_append(struct ls_spool *s, const struct ls_event *e); /* 0 or -1 */
/* The oldest record as a new event (caller frees), or NULL when empty or on error. */
struct ls_event *ls_spool_pop(struct ls_spool *s);
uint64_t ls_spool_count(const struct ls_spool *s);
uint64_t ls_spool_bytes(const struct ls_spool *s); /* message bytes + 26 per event */

#endif

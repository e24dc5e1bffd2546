/* Reading signals through a file descriptor: the one way the programs set up their signal
 * handling (launcher, tracer, logshipper). The signals are blocked, so they are neither acted
 * on nor lost, and read with read(2) from a signalfd in the program's poll loop; children get
 * the mask the program itself started with back (struct tt_sigsave, tt_spawn). */
#ifndef TT_SIGNALS_H
#define TT_SIGNALS_H

#include <stddef.h>

#include "tt_spawn.h"

/* Blocks the n signals in sigs (saving the previous mask in *save when save != NULL) and opens a
 * close-on-exec signalfd for them, non-blocking when nonblock. Returns the descriptor, or -1
 * with errno set (the mask is then unchanged). Call before any thread is started. */
int tt_signalfd_open(const int *sigs, size_t n, int nonblock, struct tt_sigsave *save);

#endif

/* Capture files: the same stream as the ring, written to a file (tracer -w FILE) and read back
 * (engine -e FILE, tracer dump). Layout: struct tt_stream_hdr, then tt_event records back to
 * back (docs/event-format.md). Every error message starts with the file name; reader errors
 * also name the byte offset of the bad record. */
#ifndef TT_CAPTURE_H
#define TT_CAPTURE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tt_event.h"

struct tt_capture_writer;
struct tt_capture_reader;

/* Creates (truncates) path with mode 0600 and writes the stream header. NULL + reason on error. */
struct tt_capture_writer *tt_capture_create(const char *path, char *why, size_t whylen);
int tt_capture_write(struct tt_capture_writer *w, const struct tt_event *ev); /* 0 or -1 */
int tt_capture_close(struct tt_capture_writer *w);                            /* flushes; 0 or -1 */

/* Opens path ("-" reads stdin) and checks the stream header (magic, version, size). */
struct tt_capture_reader *tt_capture_open(const char *path, char *why, size_t whylen);
/* 1: *ev points to the next validated record (valid until the next call); 0: end of file;
 * -1: corrupt or truncated record (reason in why). */
int tt_capture_next(struct tt_capture_reader *r, const struct tt_event **ev, char *why,
                    size_t whylen);
const struct tt_stream_hdr *tt_capture_header(const struct tt_capture_reader *r);
void tt_capture_close_reader(struct tt_capture_reader *r);

#endif

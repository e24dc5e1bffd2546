/* Output channels: every alert goes to every enabled channel (stdout, file, program, http,
 * syslog) without ever blocking event processing.
 *
 * Design (Falco's): the event thread formats the alert and pushes the line into a bounded
 * queue (outputs_queue.capacity; when full the alert is dropped, counted and logged once); one
 * output thread pops lines and writes them to each channel. An optional token bucket
 * (outputs.rate / outputs.max_burst) throttles alerts before they are queued. Internal alerts
 * bypass the rate limiter. */
#ifndef ENGINE_OUTPUTS_H
#define ENGINE_OUTPUTS_H

#include <stddef.h>
#include <stdint.h>

#include "alert.h"

struct engine_config;
struct outputs;

struct outputs_stats {
    uint64_t alerts;        /* handed to outputs_emit */
    uint64_t queued;        /* accepted into the queue */
    uint64_t dropped_queue; /* queue full */
    uint64_t dropped_rate;  /* throttled by outputs.rate */
    uint64_t written;       /* lines fully delivered to every channel */
    uint64_t program_drops; /* lines the program output could not take */
    uint64_t program_restarts;
    uint64_t http_errors;
    uint64_t abandoned;    /* alert deliveries skipped on a slow channel at shutdown */
    uint64_t program_lost; /* at close: alerts the program output could not confirm delivered */
    uint64_t records;      /* non-alert lines (CloudWatch metric records) queued */
};

struct ship_totals;

/* Opens every enabled channel (file opened, program started, curl handle set up) and starts
 * the output thread. NULL with one line in err. */
struct outputs *outputs_new(const struct engine_config *cfg, const char *hostname, char *err,
                            size_t n);
/* Formats and queues one alert. Never blocks. 0 queued, 1 throttled, -1 dropped. */
int outputs_emit(struct outputs *o, const struct alert *a);
/* Queues a line that is not an alert (a CloudWatch metric record) for the channels named (by
 * out_channel.name); it bypasses the rate limiter, the channels see priority -1. 0 queued, -1
 * none of the channels is enabled (or the queue is full). */
int outputs_emit_line(struct outputs *o, const char *line, const char *const *channels,
                      size_t nchannels);
/* Asks the output thread to reopen the file and respawn the program (SIGUSR1). */
void outputs_reopen(struct outputs *o);
/* Waits until everything queued so far is delivered, up to timeout_ms. 0 if drained. */
int outputs_flush(struct outputs *o, int timeout_ms);
/* Drains (bounded by timeout_ms), closes every channel (the program's stdin is closed and the
 * program gets tartan.shutdown.program_output_deadline to deliver and exit), stops the thread
 * and frees. If a slow channel (http) holds the queue up past timeout_ms, it is abandoned and the
 * rest of the queue goes to the other channels only (bounded again by timeout_ms). Returns how
 * many alerts did not reach every channel over the whole life of o (queue full, program drops
 * and unconfirmed deliveries, abandoned http deliveries, still queued at the end); *st (if not
 * NULL) receives the final counters. */
uint64_t outputs_free(struct outputs *o, int timeout_ms, struct outputs_stats *st);
void outputs_get_stats(struct outputs *o, struct outputs_stats *out);
/* outputs_free in a background thread (outputs replaced by a reload), so that the event loop goes
 * on while a program output delivers. Event thread only (outputs_retire.c). */
void outputs_retire(struct outputs *o, int timeout_ms);
/* Waits for every retired outputs object; returns what they lost (outputs_free's count), all
 * retirements included. */
uint64_t outputs_join_retired(void);
/* The program output's delivery status (logshipper's records). -1 if there is no program
 * output. Called from the event thread while o lives. */
int outputs_ship_status(struct outputs *o, struct ship_totals *out);

/* ---- Channel interface (out_*.c), used by outputs.c only. ---- */
struct out_channel {
    const char *name; /* "stdout", "file", ... */
    void *priv;
    /* Writes one line (no newline in line; the channel adds one if it needs). 0 or -1.
     * priority is -1 for a line that is not an alert (a metric record). */
    int (*write)(struct out_channel *c, const char *line, size_t len, int priority);
    int (*flush)(struct out_channel *c);
    void (*reopen)(struct out_channel *c);
    /* Close, waiting at most timeout_ms for a program to exit. */
    void (*close)(struct out_channel *c, int timeout_ms);
    /* A channel that may block for long (http). At shutdown, once the drain deadline has
     * passed, outputs.c sets *abandon: a slow channel then abandons its write in progress and
     * is skipped, so that the fast channels still receive every queued alert. */
    int slow;
    const int *abandon; /* set by outputs.c before the first write; read atomically */
};

int out_stdout_open(struct out_channel *c, const struct engine_config *cfg, char *err, size_t n);
int out_file_open(struct out_channel *c, const struct engine_config *cfg, char *err, size_t n);
int out_program_open(struct out_channel *c, const struct engine_config *cfg,
                     struct outputs_stats *st, char *err, size_t n);
/* The program channel's delivery status (copy, under its lock). */
int out_program_ship(struct out_channel *c, struct ship_totals *out);
/* Splits a plain command line as sh would without expansions: blanks separate words, '...'
 * is literal, "..." allows \\ \" \$ \` escapes, a backslash outside quotes escapes the next
 * character. Returns a NULL-terminated argv (free it and *storage), or NULL with err. */
char **out_program_split(const char *cmd, char **storage, char *err, size_t n);
int out_http_open(struct out_channel *c, const struct engine_config *cfg, struct outputs_stats *st,
                  char *err, size_t n);
int out_syslog_open(struct out_channel *c, const struct engine_config *cfg, char *err, size_t n);

#endif

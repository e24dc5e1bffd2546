/* Rendering of event parameters as Falco prints them (PPM flag names, enums, errno names, fd
 * descriptions) and the Linux -> PPM open flag translation. */
#ifndef ENGINE_EVT_ARGS_H
#define ENGINE_EVT_ARGS_H

#include <stddef.h>
#include <stdint.h>

#include "tt_event.h"

struct eval_ctx;

/* PPM open flag bits (Falco's encoding, not Linux's). */
enum {
    PPM_O_NONE = 0,
    PPM_O_RDONLY = 1 << 0,
    PPM_O_WRONLY = 1 << 1,
    PPM_O_RDWR = PPM_O_RDONLY | PPM_O_WRONLY,
    PPM_O_CREAT = 1 << 2,
    PPM_O_APPEND = 1 << 3,
    PPM_O_DSYNC = 1 << 4,
    PPM_O_EXCL = 1 << 5,
    PPM_O_NONBLOCK = 1 << 6,
    PPM_O_SYNC = 1 << 7,
    PPM_O_TRUNC = 1 << 8,
    PPM_O_DIRECT = 1 << 9,
    PPM_O_DIRECTORY = 1 << 10,
    PPM_O_LARGEFILE = 1 << 11,
    PPM_O_CLOEXEC = 1 << 12,
    PPM_O_TMPFILE = 1 << 13,
    PPM_O_F_CREATED = 1 << 14,
    PPM_O_FD_UPPER_LAYER = 1 << 15,
    PPM_O_FD_LOWER_LAYER = 1 << 16,
};

uint32_t evt_open_flags_to_ppm(uint64_t linux_flags);
/* "ENOENT" for 2 (or -2); NULL if unknown. */
const char *evt_errno_name(int64_t err);
/* evt.res text: "SUCCESS" or the errno name ("E<n>" if unknown). */
int evt_res_text(int64_t ret, char *buf, size_t cap);

/* Resolved (Falco "evt.arg.NAME") text of parameter v of the event in ctx. Returns the length
 * written, or -1 if the parameter has no rendering. */
int evt_param_text(struct eval_ctx *ctx, const struct tt_param_view *v, char *buf, size_t cap);
/* The same for the return value of the event, rendered under Falco's first param name
 * ("fd", "res"...); name_out gets that name. -1 for an event without a result. */
int evt_ret_text(struct eval_ctx *ctx, const char **name_out, char *buf, size_t cap);
/* Falco's name of the return value of an event type: "fd" or "res". */
const char *evt_ret_name(unsigned evtype);
/* evt.args: every parameter as name=value, resolved forms in parentheses, space separated. */
int evt_args_text(struct eval_ctx *ctx, char *buf, size_t cap);
/* Name-table rendering of flags, used by tests. which: "open", "clone", "exe". */
int evt_flags_text(const char *which, uint64_t v, char *buf, size_t cap);
/* Enum names: socket family ("AF_INET"), ptrace request ("PTRACE_ATTACH"); NULL if unknown. */
const char *evt_af_name(int64_t af);
/* Capability set as "CAP_CHOWN CAP_DAC_OVERRIDE ..." */
int evt_caps_text(uint64_t caps, char *buf, size_t cap);

/* 1 when libsinsp's event table says the event type creates, uses or destroys an fd (else
 * every fd.* field is missing for it). */
int evt_has_fd(unsigned type);

#endif

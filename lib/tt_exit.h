/* The exit statuses every Tartan program uses (docs/exit-codes.md is the table operators read):
 *
 *   0        success
 *   1        the program's own failure after it started (not for launcher and tracer in launch
 *            mode, whose status space belongs to the workload: see 125)
 *   N        launcher, tracer (launch mode): the workload exited with N, passed through
 *   125      usage error, in every program: a bad flag, option value or environment variable;
 *            the message names what to change. For launcher and tracer also their own failure
 *            to run the workload (like env(1), timeout(1) and docker run)
 *   126      the workload was found but cannot be executed (tt_spawn.h)
 *   127      the workload was not found (tt_spawn.h)
 *   128+N    the workload was killed by signal N, passed through (as the shell reports it)
 *
 * Program-specific codes below 125 are documented on each program's page (engine -V: Falco's
 * 0 valid / 1 invalid; logshipper: 1 when an event was not delivered). */
#ifndef TT_EXIT_H
#define TT_EXIT_H

#define TT_EXIT_OK 0
#define TT_EXIT_FAILURE 1
#define TT_EXIT_USAGE 125
#define TT_EXIT_WRAPPER_FAILURE 125 /* launcher, tracer: could not run the workload */
#define TT_EXIT_SIGNAL_BASE 128     /* + N: killed by signal N */

#endif

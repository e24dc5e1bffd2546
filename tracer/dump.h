/* tracer dump: print an event stream (capture file or ring) as text, one event a line, or the
 * ring's counters. Called by the tracer's main when argv[1] is "dump" (argv[0] is then "dump").
 * Usage and exit codes: docs/tracer.md ("dump") and `tracer dump --help`. */
#ifndef TRACER_DUMP_H
#define TRACER_DUMP_H

/* Exit codes of tracer dump. */
enum {
    DUMP_OK = 0,
    DUMP_BAD_DATA = 1, /* a corrupt or truncated record was met (what came before is printed) */
    DUMP_USAGE = 2,
    DUMP_NO_STREAM = 3, /* cannot open the file / attach the ring / version refused */
};

int tracer_dump_main(int argc, char **argv);

#endif

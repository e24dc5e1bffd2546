/* tracer: placeholder until its issue lands (only the dump command works). */
#include <stdio.h>
#include <string.h>

#include "dump.h"

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "dump") == 0)
        return tracer_dump_main(argc - 1, argv + 1);
    fputs("tracer: not implemented yet\n", stderr);
    return 2;
}

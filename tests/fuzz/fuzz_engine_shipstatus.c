/* libFuzzer target: the engine's parser of the program output's delivery status records
 * (engine/ship_status.c). Whatever the program writes, a record that parses must format back to
 * a line that parses to the same record. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ship_status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tt_ship_status a, b;
    if (ship_status_parse((const char *)data, size, &a) != 0)
        return 0;
    char line[TT_SHIP_STATUS_MAX_LINE];
    int n = tt_ship_status_format(&a, line, sizeof line);
    if (n <= 0 || memchr(line, '\n', (size_t)n - 1))
        abort();
    if (ship_status_parse(line, (size_t)n, &b) != 0 || memcmp(&a, &b, sizeof a) != 0)
        abort();
    return 0;
}

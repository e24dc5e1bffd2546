/* engine: placeholder until its issue lands. */
#include <stdio.h>
int main(void)
{
    fputs("engine: not implemented yet\n", stderr);
    return 2;
}

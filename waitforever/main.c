/* waitforever: placeholder until its issue lands. */
#include <stdio.h>
int main(void)
{
    fputs("waitforever: not implemented yet\n", stderr);
    return 2;
}

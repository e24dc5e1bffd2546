/* open_by_handle_at: a file opened through a handle (name_to_handle_at first), no path in the
 * open. Usage: adv_open_by_handle FILE   (needs CAP_DAC_READ_SEARCH) */
#include <fcntl.h>
#include <unistd.h>

#include "adv.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs("usage: adv_open_by_handle FILE\n", stderr);
        return 2;
    }
    struct {
        struct file_handle h;
        unsigned char space[MAX_HANDLE_SZ];
    } fh;
    fh.h.handle_bytes = MAX_HANDLE_SZ;
    int mount_id;
    int r = name_to_handle_at(AT_FDCWD, argv[1], &fh.h, &mount_id, 0);
    adv_report("name_to_handle_at", r);
    if (r != 0)
        return 0;
    int mfd = open("/", O_RDONLY | O_DIRECTORY);
    /* any fd on the same filesystem names the mount: the file's own directory */
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", argv[1]);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        close(mfd);
        mfd = open(dir, O_RDONLY | O_DIRECTORY);
    }
    int fd = open_by_handle_at(mfd, &fh.h, O_RDONLY);
    adv_report("open_by_handle_at", fd);
    if (fd >= 0)
        adv_print_first_line(fd);
    return 0;
}

#define _GNU_SOURCE
#include <unistd.h>
#include "CPKILabShims.h"

int pkilab_syncfs(int fd) {
#if defined(__linux__)
    return syncfs(fd);
#else
    return fsync(fd) == 0 ? 1 : -1;
#endif
}

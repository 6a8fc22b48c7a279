#ifndef CPKILAB_SHIMS_H
#define CPKILAB_SHIMS_H

/// Flushes every dirty page of the file system that holds `fd` to stable storage, in one call.
/// On Linux this is syncfs(2); elsewhere it falls back to fsync(2) of `fd` alone (returns 1 then,
/// so the caller knows to sync each file itself).
int pkilab_syncfs(int fd);

#endif

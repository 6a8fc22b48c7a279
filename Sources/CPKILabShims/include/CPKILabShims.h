#ifndef CPKILAB_SHIMS_H
#define CPKILAB_SHIMS_H

/// Flushes every dirty page of the file system that holds `fd` to stable storage, in one call.
/// On Linux this is syncfs(2); elsewhere it falls back to fsync(2) of `fd` alone.
int pkilab_syncfs(int fd);

/// Atomically swaps two paths (both must exist): renameat2(RENAME_EXCHANGE) on Linux,
/// renamex_np(RENAME_SWAP) on macOS. Returns 0, or -1 with errno set (EINVAL/ENOSYS where the
/// file system cannot do it).
int pkilab_exchange(const char *a, const char *b);

#endif

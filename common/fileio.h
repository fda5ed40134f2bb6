/* fileio.h: the file I/O loops every module would otherwise write again: positional reads and
 * writes that finish the whole buffer (retrying short transfers and EINTR), and removal of a
 * directory tree. The names stay close to the system calls they wrap (pread, pwrite, rm -rf),
 * as call sites in the storage code read them.
 * Errors: -1 with errno set; callers turn that into a kerr_t and a log line naming the file.
 * Owner: the caller's buffers and descriptors (never closed here). Any thread; blocking. */
#ifndef FILEIO_H
#define FILEIO_H

#include <stddef.h>
#include <sys/types.h>

/* Write all n bytes of p at off. 0, or -1 (some bytes may have been written). */
int pwrite_all(int fd, const void *p, size_t n, off_t off);
/* Read up to n bytes at off into p, stopping early only at end of file. The count read, or
 * -1 on an error. */
ssize_t pread_full(int fd, void *p, size_t n, off_t off);
/* Remove path: a file, or a directory with everything under it (symbolic links are removed,
 * not followed). Entries that cannot be removed are skipped; the result is that of removing
 * path itself (0, or -1). */
int rm_rf(const char *path);

#endif

/* fdcache.h: a bounded, least-recently-used set of read-only file descriptors for the segment
 * files nobody writes (every partition log's closed segments).
 *
 * Why: Kafka holds one fd per segment. With 10,000 partitions per broker, several segments
 * each, and the index files beside them, the process runs into RLIMIT_NOFILE long before the
 * partitions are a problem otherwise. A log keeps only its active segment's log file open
 * (appends go there); an older segment is opened here when it is read and closed again when
 * the cache is full, least recently used first. Index files hold no fd at all (plog.c).
 *
 * Running out of fds (EMFILE, ENFILE) is a transient condition, not a disk failure: it is
 * reported as KERR__NOFD, which never takes a log dir offline (only KERR__IO does).
 *
 * Owner: an fdcache_ent_t is embedded in its user (a segment), which calls fdcache_drop()
 * before freeing it or removing its file. The cache itself is process-wide (the fd limit is
 * per process). Reactor thread only. */
#ifndef FDCACHE_H
#define FDCACHE_H

#include "kerr.h"

typedef struct fdcache_ent {
    int fd;                          /* -1 when not open */
    struct fdcache_ent *prev, *next; /* in the LRU list (most recent first) while open */
} fdcache_ent_t;

void fdcache_ent_init(fdcache_ent_t *e);
/* The fd of path (opened O_RDONLY when e has none), borrowed: valid until the next
 * fdcache_get of another entry or fdcache_drop(e). -1 with errno when open failed; on EMFILE
 * or ENFILE the cache first gives back some of its own fds and tries once more. */
int fdcache_get(fdcache_ent_t *e, const char *path);
/* Close e's fd (if open) and forget it. */
void fdcache_drop(fdcache_ent_t *e);
/* Close the n least recently used fds; returns how many were closed. */
int fdcache_shrink(int n);

/* How many fds the cache may hold (at least 1); fewer are closed at once when lowered. */
void fdcache_set_capacity(int n);
int fdcache_capacity(void);
int fdcache_open_count(void);

/* Start-up: log RLIMIT_NOFILE, raise the soft limit to the hard limit (as the JVM does for
 * Kafka, -XX:+MaxFDLimit) and size the cache to an eighth of it. Returns the limit now in
 * force. */
long fdcache_setup_limits(void);

/* KERR__NOFD for EMFILE / ENFILE (out of fds: transient), KERR__IO for anything else. */
kerr_t fdcache_errno_kerr(int err);

#endif

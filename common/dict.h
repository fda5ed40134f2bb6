/* dict.h: string-keyed hash table (open addressing, linear probing, FNV-1a).
 * Keys are copied; values are opaque pointers the caller owns (dict_free can call a destructor).
 * Iteration order is unspecified; inserting while iterating is not allowed, deleting the
 * current entry is. Not thread-safe: one owner thread. */
#ifndef DICT_H
#define DICT_H

#include <stddef.h>

typedef struct dict dict_t;

dict_t *dict_new(void);
/* Frees the table and keys; calls free_val(value) for each entry when free_val is non-NULL. */
void dict_free(dict_t *d, void (*free_val)(void *));
void *dict_get(const dict_t *d, const char *key);
/* Insert or replace; returns the previous value or NULL. */
void *dict_set(dict_t *d, const char *key, void *val);
/* Remove; returns the value or NULL. */
void *dict_del(dict_t *d, const char *key);
size_t dict_size(const dict_t *d);

/* Iteration: for (size_t it = 0; dict_next(d, &it, &k, &v);) ... */
int dict_next(const dict_t *d, size_t *it, const char **key, void **val);

#endif

/* md.c: metadata value helpers (see md.h). */
#include "md.h"

#include <stdio.h>
#include <string.h>

const md_endpoint_t *md_broker_endpoint(const md_broker_t *b, const char *listener)
{
    for (int i = 0; i < b->nendpoints; i++)
        if (strcmp(b->ep[i].listener, listener) == 0) return &b->ep[i];
    return NULL;
}

kerr_t md_topic_name_valid(const char *name, char *why, size_t n)
{
    size_t len = strlen(name);
    if (len == 0) {
        snprintf(why, n, "Topic name is illegal, it can't be empty");
        return KERR_INVALID_TOPIC_EXCEPTION;
    }
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
        snprintf(why, n, "Topic name cannot be \".\" or \"..\"");
        return KERR_INVALID_TOPIC_EXCEPTION;
    }
    if (len > 249) {
        snprintf(why, n, "Topic name is illegal, it can't be longer than 249 characters");
        return KERR_INVALID_TOPIC_EXCEPTION;
    }
    for (size_t i = 0; i < len; i++) {
        char ch = name[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-';
        if (!ok) {
            snprintf(why, n,
                     "Topic name \"%s\" is illegal, it contains a character other than ASCII "
                     "alphanumerics, '.', '_' and '-'",
                     name);
            return KERR_INVALID_TOPIC_EXCEPTION;
        }
    }
    return KERR_NONE;
}

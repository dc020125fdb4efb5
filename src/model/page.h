/* Cursor pagination types shared by every list: a page request and a page of results. */
#ifndef KZ_MODEL_PAGE_H
#define KZ_MODEL_PAGE_H

#include <stddef.h>
#include <stdint.h>

enum { KZ_CURSOR_TEXT = 32, KZ_LIST_MAX = 1000, KZ_LIST_DEFAULT = 50 };

/* A page request: cursor from a previous page's next (or NULL), limit 1..KZ_LIST_MAX. */
typedef struct kz_page {
    const char *cursor;
    int64_t limit;
} kz_page;

/* A page of results: items in arena memory; next is "" on the last page. */
#define KZ_PAGE_OF(type) struct { type *items; size_t n; char next[KZ_CURSOR_TEXT]; }

#endif

/* Persistence for feed imports: what each organization's imports last saw of a feed,
 * per item (a MISP event, a file fetched by URL), so that the next import reads only
 * what changed. Per organization: another's import of the same feed says nothing of
 * what this one has. */
#ifndef KZ_STORE_FEEDS_H
#define KZ_STORE_FEEDS_H

#include "store/core/store.h"
#include "util/fetch.h"

typedef struct kz_feed_seen {
    char version[64];            /* an event: the manifest timestamp imported last; "" none */
    kz_fetch_validators v;       /* a fetched file: its validators; empty strings none */
} kz_feed_seen;

/* out gets what source's imports saw of item ("misp-event:<uuid>", a URL), or empty
 * strings when they saw nothing. */
kz_rc kz_store_feed_seen_get(kz_db *db, const char *source, const char *item, kz_feed_seen *out, kz_err *err);

/* Keeps s for (source, item), inside the caller's transaction. */
kz_rc kz_store_feed_seen_put(kz_db *db, const char *source, const char *item, const kz_feed_seen *s, kz_err *err);

#endif

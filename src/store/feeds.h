/* Persistence for feed imports: the HTTP validators (ETag, Last-Modified) of each file
 * of a feed fetched by URL, so that the next import asks only for what changed. */
#ifndef KZ_STORE_FEEDS_H
#define KZ_STORE_FEEDS_H

#include "store/store.h"
#include "util/fetch.h"

/* v gets the validators stored for url, or empty strings when none are. */
kz_rc kz_store_feed_validators_get(kz_db *db, const char *url, kz_fetch_validators *v, kz_err *err);

/* Keeps v's validators for url (both empty: forgets url), inside the caller's
 * transaction. */
kz_rc kz_store_feed_validators_put(kz_db *db, const char *url, const kz_fetch_validators *v, kz_err *err);

#endif

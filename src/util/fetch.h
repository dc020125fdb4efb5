/* HTTP(S) GET of a whole resource into a file, for feeds given by URL (MISP). libcurl
 * lives behind this module only. Only http and https, redirects followed within them (at
 * most 5), a connect timeout of 30 s and a ceiling on the size. */
#ifndef KZ_UTIL_FETCH_H
#define KZ_UTIL_FETCH_H

#include "util/error.h"

#include <stdint.h>
#include <stdio.h>

#include <stdbool.h>

/* Writes the body of url to out. KZ_ENOTFOUND for 404, KZ_EIO for any other failure
 * (connection, TLS, another status; err says which), KZ_ETOOBIG past max bytes.
 * Thread-safe. */
kz_rc kz_fetch(const char *url, FILE *out, uint64_t max, kz_err *err);

/* HTTP validators of a resource (RFC 9110 section 8.8): what the server sent with the
 * last copy fetched, to ask for the resource only if it changed. Empty strings when
 * the server sent none (or the value was too long or not one line). */
enum { KZ_FETCH_VALIDATOR_MAX = 256 };
typedef struct kz_fetch_validators {
    char etag[KZ_FETCH_VALIDATOR_MAX];           /* the ETag as sent, quotes included */
    char last_modified[KZ_FETCH_VALIDATOR_MAX];  /* the Last-Modified date as sent */
    bool not_modified;                           /* out: the server answered 304 */
} kz_fetch_validators;

/* kz_fetch as a conditional GET: with v's validators as If-None-Match and
 * If-Modified-Since. On 304 v->not_modified is set and nothing is written to out; on
 * 200 v gets the new response's validators. */
kz_rc kz_fetch_if(const char *url, FILE *out, uint64_t max, kz_fetch_validators *v, kz_err *err);

#endif

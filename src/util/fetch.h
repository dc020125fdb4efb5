/* HTTP(S) GET of a whole resource into a file, for feeds given by URL (MISP). libcurl
 * lives behind this module only. Only http and https, redirects followed within them (at
 * most 5), a connect timeout of 30 s and a ceiling on the size. */
#ifndef KZ_UTIL_FETCH_H
#define KZ_UTIL_FETCH_H

#include "util/error.h"

#include <stdint.h>
#include <stdio.h>

/* Writes the body of url to out. KZ_ENOTFOUND for 404, KZ_EIO for any other failure
 * (connection, TLS, another status; err says which), KZ_ETOOBIG past max bytes.
 * Thread-safe. */
kz_rc kz_fetch(const char *url, FILE *out, uint64_t max, kz_err *err);

#endif

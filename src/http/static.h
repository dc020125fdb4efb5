/* The web interface's files (http_static.c): web/ at /, npm packages of an allow-list
 * under /vendor/<package>/, and index.html for every other GET path outside the API so
 * that each view of the UI has its own URL. Public: no credentials are looked at. */
#ifndef KZ_HTTP_STATIC_H
#define KZ_HTTP_STATIC_H

#include "http/req.h"

#include <stdbool.h>

/* True when a request is the static files' business: GET or HEAD of a path outside
 * the API prefixes (/api, /taxii2). */
bool kz_static_claims(const char *method, const char *path);

/* Answers r from web_root (the UI) or vendor_root (a node_modules directory). On return
 * r->status and the body are set: 200 with the file, 304 when If-None-Match names its
 * ETag, or a JSON 404. */
void kz_static_serve(kz_req *r, const char *web_root, const char *vendor_root);

/* True when rel (a URL path without its leading '/') may name a file: every segment
 * non-empty, none starting with a dot (no "..", ".", hidden files), no backslash. */
bool kz_static_path_safe(const char *rel);

/* The npm packages served under /vendor/, NULL-terminated. */
extern const char *const kz_static_vendor_packages[];

#endif

/* The endpoint table (http_endpoints.c) and the dispatch that matches a
 * request to its handler, authenticates the caller and turns failures into JSON errors. */
#ifndef KZ_HTTP_ROUTER_H
#define KZ_HTTP_ROUTER_H

#include "http/req.h"
#include "service/core/node.h"

enum {
    KZ_ENDPOINT_JSON_BODY = 1 << 0,  /* the body must be a JSON object */
    KZ_ENDPOINT_RAW_BODY = 1 << 1,   /* the handler reads the body itself (other media types) */
    KZ_ENDPOINT_CACHE = 1 << 2,      /* GET whose answer is the same for every authenticated
                                     caller: served from the response cache (http/cache.h) */
    KZ_ENDPOINT_BULK_BODY = 1 << 3,  /* bulk uploads: the body may grow to the bulk ceiling */
    KZ_ENDPOINT_NO_SESSION = 1 << 4, /* the session cookie is not looked at (sign-in, links
                                     and forms whose token is the credential) */
    KZ_ENDPOINT_WRITES = 1 << 5,     /* a GET whose handler may write: run without the read
                                     snapshot the other GETs run in (kz_db_snapshot_begin) */
};

typedef struct kz_endpoint {
    const char *method;
    const char *pattern;          /* "/api/v1/contacts/{id}" */
    kz_handler handler;
    unsigned flags;
    const char *summary;          /* one line for docs and `kizuna routes` */
} kz_endpoint;

/* The endpoint table, ending with a zeroed entry. */
extern const kz_endpoint kz_endpoints[];

/* The endpoint of method and path (the table's first that matches both), or NULL. */
const kz_endpoint *kz_router_find(const char *method, const char *path);

/* The body ceiling of a request to rt (NULL: none): bulk when rt is KZ_ENDPOINT_BULK_BODY,
 * else normal. kz_router_body_max finds rt by method and path first. */
size_t kz_router_body_max_of(const kz_endpoint *rt, size_t normal, size_t bulk);
size_t kz_router_body_max(const char *method, const char *path, size_t normal, size_t bulk);

/* Handles r completely: on return r->status and r->reply are set. r->route, when set,
 * is kz_router_find's endpoint of r->method and r->path (the table is then not scanned
 * again); when NULL the table is scanned for the path's other methods (405) or none (404). */
void kz_router_dispatch(kz_node *node, kz_req *r);

/* Sets r's reply to the JSON error for rc and r->err. */
void kz_router_fail(kz_req *r, kz_rc rc);

#endif

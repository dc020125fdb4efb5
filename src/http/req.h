/* One HTTP request as the handlers see it: method, path parameters, query, JSON body,
 * the service call context (with the authenticated viewer), and the reply being built.
 * Handlers never include microhttpd.h; server.c is the only adapter to libmicrohttpd. */
#ifndef KZ_HTTP_REQ_H
#define KZ_HTTP_REQ_H

#include "http/cache.h"
#include "model/field.h"
#include "model/page.h"
#include "service/core/call.h"
#include "service/directory/sessions.h"
#include "util/buf.h"
#include "util/clock.h"

#include <jansson.h>
#include <stdbool.h>

enum { KZ_MAX_PATH_PARAMS = 4, KZ_MAX_REPLY_HEADERS = 6 };

typedef struct kz_server kz_server;

typedef struct kz_req {
    kz_server *srv;
    void *conn;                          /* struct MHD_Connection * (server.c only) */
    const char *method;
    const char *path;
    const char *endpoint;                /* the matched pattern, for logs */
    const struct kz_endpoint *route;     /* kz_router_find's, when the request began */
    char request_id[24];
    int64_t started; /* kz_mono_ms when it began */

    kz_arena arena;                      /* freed when the request completes */
    kz_buf body;
    bool body_too_big;
    json_t *json;                        /* parsed body, or NULL */
    const char *params[KZ_MAX_PATH_PARAMS];

    kz_call call;
    kz_err err;
    kz_session *session;                 /* when signed in by the session cookie */

    /* the reply */
    int status;
    json_t *reply;                       /* owned; serialized by the server */
    const char *content_type;            /* default application/json */
    const char *cache_control;           /* default no-store */
    char *raw;                           /* or a raw body: arena or static memory */
    size_t raw_len;
    char *raw_heap;                      /* or a raw body from kz_malloc, handed to the server */
    struct kz_cached_body *cached;       /* or a cached body (one reference held) */
    const char *headers[KZ_MAX_REPLY_HEADERS][2];
    int n_headers;
} kz_req;

typedef kz_rc (*kz_handler)(kz_req *r);

/* Request accessors (server.c). */
const char *kz_req_header(kz_req *r, const char *name);
const char *kz_req_query(kz_req *r, const char *name);
const char *kz_req_cookie(kz_req *r, const char *name);
/* The client's IP address as text (arena), or NULL. */
const char *kz_req_client_address(kz_req *r);

/* The query as an unambiguous cache key (http/cache.h), composed in k without
 * allocating: its text inside k, or NULL when it does not fit. */
const char *kz_req_cache_key(kz_req *r, kz_cache_key *k);

/* KZ_EINVAL naming the first query parameter not in allowed (NULL-terminated). */
kz_rc kz_req_query_only(kz_req *r, const char *const *allowed);

/* Reply helpers: they take ownership of body. Return KZ_OK so handlers can
 * `return kz_reply(r, 200, obj);`. */
kz_rc kz_reply(kz_req *r, int status, json_t *body);
kz_rc kz_reply_header(kz_req *r, const char *name, const char *value);  /* value in arena */

/* A page of schema objects as the reply, written directly (see kz_json_write_page). */
/* JSON text already written (b's bytes taken over, b left empty) as the body. */
void kz_reply_text(kz_req *r, int status, kz_buf *b);
kz_rc kz_reply_page(kz_req *r, const kz_schema *s, const void *items, size_t n, size_t item_size,
                    const char *next);

/* The body as a JSON object; KZ_EINVAL when missing or not an object. */
kz_rc kz_req_body_object(kz_req *r, json_t **out);

/* Query parameters shared by list endpoints: limit (1..1000, default 50) and cursor. */
kz_rc kz_req_page(kz_req *r, kz_page *pg);

/* A query parameter checked by a validator (e.g. kz_valid_country); NULL when absent. */
kz_rc kz_req_query_checked(kz_req *r, const char *name, kz_valid_fn check, const char **out);

/* A query parameter that must be one of e's wire names; NULL when absent. */
kz_rc kz_req_query_enum(kz_req *r, const char *name, const kz_enum *e, const char **out);

/* A time query parameter (RFC 3339); *out untouched when absent. */
kz_rc kz_req_query_time(kz_req *r, const char *name, kz_time *out);

/* {"items": [...], "next": cursor or null}, steals items. */
json_t *kz_page_json(json_t *items, const char *next);

/* A Content-Disposition value for a download called name (filename*=UTF-8''...,
 * RFC 6266 / 5987), in a; NULL on ENOMEM. */
char *kz_reply_disposition(kz_arena *a, const char *name);

#endif

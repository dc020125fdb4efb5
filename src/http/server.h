/* The HTTP server: libmicrohttpd with a thread pool, serving the endpoints of http_endpoints.c.
 * Stopping is graceful: no new connections, in-flight requests finish, then exit. */
#ifndef KZ_HTTP_SERVER_H
#define KZ_HTTP_SERVER_H

#include "service/core/node.h"

#include <stddef.h>

typedef struct kz_server kz_server;

typedef struct kz_server_opts {
    const char *listen;        /* "127.0.0.1:8470", "[::1]:8470", "0.0.0.0:0" */
    unsigned threads;          /* worker threads (0 = two per core, at least 4) */
    size_t max_body;           /* request body ceiling in bytes */
    size_t max_bulk_body;      /* ceiling of bulk endpoints (KZ_ENDPOINT_BULK_BODY) */
    unsigned grace_ms;         /* how long stop waits for in-flight requests */
    const char *web_root;      /* the web interface's files (served at /) */
    const char *vendor_root;   /* node_modules: npm packages served under /vendor/ */
    const char *trusted_proxy; /* a reverse proxy's IP: its X-Forwarded-For names the
                                  client (for the sign-in slow-down); NULL = none */
} kz_server_opts;

kz_rc kz_server_start(kz_node *node, const kz_server_opts *opts, kz_server **out, kz_err *err);

/* The port actually bound (useful with port 0). */
unsigned kz_server_port(const kz_server *s);

/* Stops accepting, waits up to grace_ms for in-flight requests, stops and frees. */
void kz_server_stop(kz_server *s);

/* Version of libmicrohttpd in use. */
const char *kz_server_lib_version(void);

/* The node the server serves (for handlers). */
kz_node *kz_server_node(kz_server *s);

/* The options it runs with (for handlers that advertise its limits). */
const kz_server_opts *kz_server_options(const kz_server *s);

#endif

/* The HTTP server: libmicrohttpd with a thread pool, serving the endpoints of http_endpoints.c,
 * over TLS when given a certificate (plain HTTP only on loopback unless told otherwise),
 * with the connection guard's limits (guard.h). Stopping is graceful: no new connections,
 * in-flight requests finish, then exit. */
#ifndef KZ_HTTP_SERVER_H
#define KZ_HTTP_SERVER_H

#include "http/guard.h"
#include "service/core/node.h"

#include <stddef.h>

typedef struct kz_server kz_server;

/* libmicrohttpd's memory per connection: it holds a request's line and headers and the
 * answer's headers, and the library clears it before every request, so its size is paid
 * on each one. A request whose line and headers (counted as sent, with the query string)
 * exceed KZ_HTTP_MAX_HEADER_BYTES is answered 431 by the server, with room left for the
 * answer's headers; one that does not fit the memory at all, 431 (or 414: the line) by
 * the library. The largest request a peer node sends is about 650 bytes (a signed POST
 * /federation/v1/changes), a browser's 1-2 KB (docs/API.md, "Limits"). */
enum { KZ_HTTP_CONNECTION_MEMORY = 16 * 1024, KZ_HTTP_MAX_HEADER_BYTES = 8 * 1024 };

typedef struct kz_server_opts {
    const char *listen;        /* "127.0.0.1:8470", "[::1]:8470", "0.0.0.0:0" */
    unsigned threads;          /* worker threads (0 = two per core, at least 4) */
    size_t max_body;           /* request body ceiling in bytes */
    size_t max_bulk_body;      /* ceiling of bulk endpoints (KZ_ENDPOINT_BULK_BODY) */
    unsigned grace_ms;         /* how long stop waits for in-flight requests */
    const char *web_root;      /* the web interface's files (served at /) */
    const char *vendor_root;   /* node_modules: npm packages served under /vendor/ */
    const char *trusted_proxy; /* a reverse proxy's IP: its X-Forwarded-For names the
                                  client (for the sign-in slow-down, and exempt from the
                                  per-address connection limit); NULL = none */
    const char *tls_cert;      /* PEM certificate (chain) file: serve HTTPS; NULL = HTTP */
    const char *tls_key;       /* PEM private key file of tls_cert */
    bool insecure_http;        /* allow plain HTTP on an address other than loopback */
    kz_guard_limits guard;     /* request deadline and connection limits (exempt unused) */
} kz_server_opts;

/* Binds opts->listen (never sharing a port with another server: KZ_EIO naming the port
 * when it is taken), reads the TLS files, starts the guard and the thread pool. KZ_EINVAL
 * naming the option for plain HTTP on a non-loopback address without insecure_http, a
 * lone TLS file or limits that cannot work together. *out is released by kz_server_stop. */
kz_rc kz_server_start(kz_node *node, const kz_server_opts *opts, kz_server **out, kz_err *err);

/* Whether kz_server_start could serve with opts, as far as can be told without serving:
 * the same checks, then binds the address and lets it go again. *port is the port it
 * bound. Errors as kz_server_start. */
kz_rc kz_server_check(const kz_server_opts *opts, unsigned *port, kz_err *err);

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

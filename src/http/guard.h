/* The connection guard: the limits that keep slow or greedy clients from holding a node.
 * A connection has an absolute deadline to deliver each request (headers and body),
 * counted from when it became ready for it (accepted, or its previous answer sent) and
 * not moved by the bytes that trickle in; one sweeper thread closes those past it. Each
 * client address may hold a bounded number of connections, below the total, so that one
 * address cannot take every place. When a limit bites, one JSON log line per limit per
 * sweep says which and how often (never which address). Knows no HTTP library: the
 * server adapter calls it from its connection callbacks. Thread-safe. */
#ifndef KZ_HTTP_GUARD_H
#define KZ_HTTP_GUARD_H

#include "util/error.h"

#include <stdbool.h>
#include <sys/socket.h>

typedef struct kz_guard kz_guard;
typedef struct kz_guard_conn kz_guard_conn;

/* Set by `serve --request-timeout`, `--per-address-connections` and `--max-connections`
 * (their defaults are in that command's option table). */
typedef struct kz_guard_limits {
    unsigned request_timeout_s; /* headers + body of one request must arrive within it */
    unsigned per_address;       /* connections one client address may hold */
    unsigned max_connections;   /* connections in all (more than per_address) */
    const char *exempt;         /* an address the per-address limit does not apply to
                                   (the trusted reverse proxy); NULL = none */
} kz_guard_limits;

/* KZ_EINVAL naming the flag when the limits cannot work together (zero, or the
 * per-address limit not below the total). */
kz_rc kz_guard_check(const kz_guard_limits *l, kz_err *err);

/* Checks the limits, lowers max_connections to what the open-file limit allows (raising
 * the soft limit first, logging when it still has to lower) and starts the sweeper.
 * *out is released with kz_guard_stop. */
kz_rc kz_guard_start(const kz_guard_limits *l, kz_guard **out, kz_err *err);

/* The connection limit in force (after kz_guard_start's adjustment). */
unsigned kz_guard_max_connections(const kz_guard *g);

/* Stops the sweeper and frees the guard and every connection record still in it. */
void kz_guard_stop(kz_guard *g);

/* From now on kz_guard_admit refuses every connection, silently (the server stops). */
void kz_guard_refuse_all(kz_guard *g);

/* Before a connection from sa is accepted: reserves its place and returns true, or
 * counts the refusal (for the log) and returns false. The place is released by
 * kz_guard_close (or by kz_guard_open failing); a connection the library admits but then
 * cannot even start (out of memory) keeps its place taken. */
bool kz_guard_admit(kz_guard *g, const struct sockaddr *sa);

/* An admitted connection on socket fd starts: its record, owned by the guard until
 * kz_guard_close. With no memory it shuts the socket down (the library then closes the
 * connection), releases the place and returns NULL. */
kz_guard_conn *kz_guard_open(kz_guard *g, const struct sockaddr *sa, int fd);

/* The connection waits for a request: its deadline starts now. NULL c is ignored. */
void kz_guard_ready(kz_guard *g, kz_guard_conn *c);

/* The request is fully received: no deadline until the next kz_guard_ready. */
void kz_guard_received(kz_guard *g, kz_guard_conn *c);

/* The connection closes (before its socket does): releases its place, frees c. */
void kz_guard_close(kz_guard *g, kz_guard_conn *c);

#endif

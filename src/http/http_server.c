/* libmicrohttpd adapter: the only file that includes microhttpd.h. It binds the listen
 * socket itself (refusing a port in use), serves TLS when given a certificate, collects
 * the request body under a ceiling, hands complete requests to the router, serializes the
 * reply, writes one access-log line per request, reports connections to the guard
 * (guard.h) and counts requests in flight for a graceful stop. */
#include "http/server.h"

#include "crypto/crypto.h"
#include "http/cache.h"
#include "http/guard.h"
#include "http/req.h"
#include "http/router.h"
#include "http/static.h"
#include "util/alloc.h"
#include "util/clock.h"
#include "util/dynlib.h"
#include "util/log.h"
#include "util/mapfile.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* The libmicrohttpd functions this file calls, opened at the first server (util/dynlib)
 * rather than linked: the commands that never serve do not load it, GnuTLS and the
 * libraries GnuTLS brings (about 3 ms at every start). Types from microhttpd.h. */
typedef struct mhd_api {
    __typeof__(MHD_get_version) *get_version;
    __typeof__(MHD_lookup_connection_value) *lookup_connection_value;
    __typeof__(MHD_get_connection_info) *get_connection_info;
    __typeof__(MHD_get_connection_values) *get_connection_values;
    __typeof__(MHD_add_response_header) *add_response_header;
    __typeof__(MHD_create_response_from_buffer) *create_response_from_buffer;
    __typeof__(MHD_create_response_from_buffer_with_free_callback) *create_response_from_buffer_with_free_callback;
    __typeof__(MHD_create_response_from_buffer_with_free_callback_cls) *create_response_from_buffer_with_free_callback_cls;
    __typeof__(MHD_destroy_response) *destroy_response;
    __typeof__(MHD_queue_response) *queue_response;
    __typeof__(MHD_is_feature_supported) *is_feature_supported;
    __typeof__(MHD_start_daemon) *start_daemon;
    __typeof__(MHD_stop_daemon) *stop_daemon;
} mhd_api;
static mhd_api mhd;

#define SYM(f) KZ_DYNSYM(mhd_api, "MHD_", f)
static const kz_dynsym mhd_symbols[] = {
    SYM(get_version),
    SYM(lookup_connection_value),
    SYM(get_connection_info),
    SYM(get_connection_values),
    SYM(add_response_header),
    SYM(create_response_from_buffer),
    SYM(create_response_from_buffer_with_free_callback),
    SYM(create_response_from_buffer_with_free_callback_cls),
    SYM(destroy_response),
    SYM(queue_response),
    SYM(is_feature_supported),
    SYM(start_daemon),
    SYM(stop_daemon),
};
#undef SYM

static pthread_once_t mhd_once = PTHREAD_ONCE_INIT;
static char mhd_error[256]; /* why libmicrohttpd could not be opened; empty once it was */

static void mhd_open(void)
{
    kz_dynlib_open("libmicrohttpd.so.12", mhd_symbols, sizeof mhd_symbols / sizeof *mhd_symbols, &mhd, mhd_error,
                   sizeof mhd_error);
}

/* libmicrohttpd opened, once per process; every path to a daemon starts here. */
static kz_rc mhd_ready(kz_err *err)
{
    pthread_once(&mhd_once, mhd_open);
    return mhd_error[0] ? kz_fail(err, KZ_EINTERNAL, NULL, "%s", mhd_error) : KZ_OK;
}

struct kz_server {
    struct MHD_Daemon *d;
    kz_node *node;
    kz_server_opts opts;
    kz_guard *guard;
    char *tls_cert, *tls_key; /* PEM text while the daemon runs (the key wiped at stop) */
    size_t tls_key_len;
    unsigned port;
    atomic_bool stopping;
    atomic_int inflight;      /* requests admitted and not finished; GATE_CLOSED added at stop */
    atomic_int closed_late;   /* requests that came after the gate closed */
    atomic_uint_fast64_t seq;
};

kz_node *kz_server_node(kz_server *s) { return s->node; }

const kz_server_opts *kz_server_options(const kz_server *s) { return &s->opts; }

const char *kz_server_lib_version(void)
{
    return mhd_ready(&(kz_err){0}) ? "not loaded" : mhd.get_version();
}

/* ---- accessors for handlers ---------------------------------------------------- */

const char *kz_req_header(kz_req *r, const char *name)
{
    return mhd.lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *kz_req_query(kz_req *r, const char *name)
{
    return mhd.lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *kz_req_cookie(kz_req *r, const char *name)
{
    return mhd.lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

const char *kz_req_client_address(kz_req *r)
{
    const union MHD_ConnectionInfo *ci = mhd.get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    char text[INET6_ADDRSTRLEN] = "";
    if (!ci || !ci->client_addr)
        return NULL;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, text, sizeof text);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, text, sizeof text);
    if (!text[0])
        return NULL;
    /* Behind the trusted reverse proxy the client is the last address it appended. */
    const char *xff = r->srv->opts.trusted_proxy && strcmp(text, r->srv->opts.trusted_proxy) == 0
                          ? kz_req_header(r, "X-Forwarded-For")
                          : NULL;
    if (xff) {
        const char *last = strrchr(xff, ',');
        last = last ? last + 1 : xff;
        last += strspn(last, " \t");
        size_t n = strcspn(last, " \t");
        if (n > 0 && n < INET6_ADDRSTRLEN)
            return kz_arena_strndup(&r->arena, last, n);
    }
    return kz_arena_strdup(&r->arena, text);
}

typedef struct query_scan {
    const char *const *allowed;
    const char *bad;
} query_scan;

static enum MHD_Result scan_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    (void)value;
    query_scan *q = cls;
    for (const char *const *a = q->allowed; *a; a++)
        if (strcmp(*a, key) == 0)
            return MHD_YES;
    q->bad = key;
    return MHD_NO;
}

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    kz_cache_key *k = cls;
    kz_cache_key_arg(k, key, value);
    return kz_cache_key_text(k) ? MHD_YES : MHD_NO;
}

const char *kz_req_cache_key(kz_req *r, kz_cache_key *k)
{
    kz_cache_key_init(k, r->path);
    mhd.get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, add_arg, k);
    return kz_cache_key_text(k);
}

kz_rc kz_req_query_only(kz_req *r, const char *const *allowed)
{
    query_scan q = {allowed, NULL};
    mhd.get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, scan_arg, &q);
    if (q.bad)
        return kz_fail(&r->err, KZ_EINVAL, q.bad, "unknown query parameter '%.64s'", q.bad);
    return KZ_OK;
}

/* ---- request lifecycle ----------------------------------------------------------- */

/* kz_server_stop closes the gate when no request is in flight, in the same atomic step
 * that finds none: a request that comes later on a kept-alive connection is then not
 * admitted, and its connection is closed unanswered (what the stop would do to it; a
 * client retries an idempotent request so closed), instead of being cut off half done. */
enum { GATE_CLOSED = INT_MIN / 2 };

static bool admit(kz_server *s)
{
    if (atomic_fetch_add(&s->inflight, 1) >= 0)
        return true;
    atomic_fetch_sub(&s->inflight, 1);
    atomic_fetch_add(&s->closed_late, 1);
    return false;
}

/* The request id: 4 random bytes in hex, '-', the server's request count in hex (as
 * "%02x%02x%02x%02x-%llx" would print them). The random bytes are drawn 64 at a time per
 * thread: one getrandom call every 16 requests rather than one each. */
static void request_id(char *out, size_t size, uint64_t n)
{
    static _Thread_local unsigned char pool[64];
    static _Thread_local size_t used = sizeof pool;
    static const char hex[] = "0123456789abcdef";
    if (used == sizeof pool) {
        kz_random_bytes(pool, sizeof pool);
        used = 0;
    }
    char id[32];
    char *o = id;
    for (int i = 0; i < 4; i++, used++) {
        *o++ = hex[pool[used] >> 4];
        *o++ = hex[pool[used] & 15];
    }
    *o++ = '-';
    int digits = 1;
    while (digits < 16 && n >> (4 * digits))
        digits++;
    for (int i = digits - 1; i >= 0; i--)
        *o++ = hex[(n >> (4 * i)) & 15];
    size_t len = (size_t)(o - id) < size ? (size_t)(o - id) : size - 1; /* cut as snprintf cuts */
    memcpy(out, id, len);
    out[len] = '\0';
}

static kz_req *req_new(kz_server *s, struct MHD_Connection *conn, const char *url, const char *method)
{
    kz_req *r = kz_calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->srv = s;
    r->conn = conn;
    r->started = kz_mono_ms();
    kz_arena_init(&r->arena);
    r->route = kz_router_find(method, url);
    kz_buf_init(&r->body, kz_router_body_max_of(r->route, s->opts.max_body, s->opts.max_bulk_body));
    r->path = kz_arena_strdup(&r->arena, url);
    r->method = kz_arena_strdup(&r->arena, method);
    r->status = 500;
    r->content_type = "application/json";
    request_id(r->request_id, sizeof r->request_id, atomic_fetch_add(&s->seq, 1));
    if (!r->path || !r->method || !admit(s)) {
        kz_buf_free(&r->body);
        kz_arena_free(&r->arena);
        kz_free(r);
        return NULL;
    }
    return r;
}

static void req_free(kz_req *r)
{
    json_decref(r->json);
    json_decref(r->reply);
    kz_free(r->raw_heap);
    kz_cache_release(r->cached);
    kz_buf_free(&r->body);
    kz_arena_free(&r->arena);
    kz_free(r);
}

/* The guard's record of the connection (set when it started). */
static kz_guard_conn *guard_conn(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci = mhd.get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)toe;
    kz_server *s = cls;
    kz_guard_ready(s->guard, guard_conn(conn)); /* the next request's time starts now */
    kz_req *r = *con_cls;
    if (!r)
        return;
    req_free(r);
    *con_cls = NULL;
    atomic_fetch_sub(&s->inflight, 1);
}

/* Connections pass the guard before they are accepted (and none while stopping)... */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
    (void)addrlen;
    kz_server *s = cls;
    return kz_guard_admit(s->guard, addr) ? MHD_YES : MHD_NO;
}

/* ...and it keeps a record of each one from its start to its end. */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    kz_server *s = cls;
    if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
        kz_guard_close(s->guard, *socket_context);
        *socket_context = NULL;
        return;
    }
    const union MHD_ConnectionInfo *a = mhd.get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const union MHD_ConnectionInfo *fd = mhd.get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    *socket_context = a && fd ? kz_guard_open(s->guard, a->client_addr, fd->connect_fd) : NULL;
}

static void access_log(kz_req *r)
{
    kz_log(KZ_LOG_INFO, "http.request", KZ_S("request_id", r->request_id), KZ_S("method", r->method),
           KZ_S("endpoint", r->endpoint ? r->endpoint : "-"), KZ_I("status", r->status),
           KZ_I("ms", kz_mono_ms() - r->started), KZ_S("key", r->call.who.key_id));
}

/* Every answer forbids framing, sniffing and referrers. The UI and JSON get the strict
 * policy (no inline script or style); the few HTML pages of the API itself (the check
 * answer page, the printable record) carry their style inline and run no script. */
static const char csp_strict[] = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
static const char csp_api_page[] = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
                                   "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

static void add_security_headers(struct MHD_Response *resp, const kz_req *r)
{
    bool api_page = strncmp(r->content_type, "text/html", 9) == 0 && !(r->endpoint && strcmp(r->endpoint, "static") == 0);
    mhd.add_response_header(resp, "Content-Security-Policy", api_page ? csp_api_page : csp_strict);
    mhd.add_response_header(resp, "X-Content-Type-Options", "nosniff");
    mhd.add_response_header(resp, "Referrer-Policy", "no-referrer");
    mhd.add_response_header(resp, "X-Frame-Options", "DENY");
    if (r->srv->tls_cert)
        mhd.add_response_header(resp, "Strict-Transport-Security", "max-age=31536000");
    if (atomic_load(&r->srv->stopping)) /* the client reconnects to the next server */
        mhd.add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
}

static enum MHD_Result send_reply(struct MHD_Connection *conn, kz_req *r)
{
    struct MHD_Response *resp;
    if (r->reply && r->status != 204) {
        char *text = json_dumps(r->reply, JSON_COMPACT | JSON_REAL_PRECISION(12));
        if (!text)
            return MHD_NO;
        size_t len = strlen(text);
        resp = mhd.create_response_from_buffer_with_free_callback(len, text, free);
    } else if (r->cached) {
        resp = mhd.create_response_from_buffer_with_free_callback_cls(r->cached->len, r->cached->data,
                                                                       kz_cache_release, r->cached);
        r->cached = NULL; /* the response holds the reference now */
    } else if (r->raw_heap) {
        resp = mhd.create_response_from_buffer_with_free_callback(r->raw_len, r->raw_heap, kz_free);
        r->raw_heap = NULL; /* the response owns it now */
    } else {
        resp = mhd.create_response_from_buffer(r->raw_len, r->raw ? r->raw : (char *)"",
                                               MHD_RESPMEM_MUST_COPY);
    }
    if (!resp)
        return MHD_NO;
    mhd.add_response_header(resp, "Content-Type", r->content_type);
    mhd.add_response_header(resp, "X-Request-Id", r->request_id);
    mhd.add_response_header(resp, "Cache-Control", r->cache_control ? r->cache_control : "no-store");
    add_security_headers(resp, r);
    for (int i = 0; i < r->n_headers; i++)
        mhd.add_response_header(resp, r->headers[i][0], r->headers[i][1]);
    enum MHD_Result ret = mhd.queue_response(conn, (unsigned)r->status, resp);
    mhd.destroy_response(resp);
    access_log(r);
    return ret;
}

/* A request announcing a body over the ceiling is refused before it is read. */
static bool announced_too_big(struct MHD_Connection *conn, size_t max)
{
    const char *cl = mhd.lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (!cl)
        return false;
    errno = 0;
    char *end;
    unsigned long long n = strtoull(cl, &end, 10);
    return errno || *end || n > max;
}

static enum MHD_Result add_header_bytes(void *cls, enum MHD_ValueKind kind, const char *k, const char *v)
{
    (void)kind;
    size_t *n = cls;
    *n += strlen(k) + (v ? strlen(v) : 0) + 4; /* "k: v\r\n", or "k=v&" of the query */
    return MHD_YES;
}

/* The request line and headers as sent, about (the query string decoded). */
static size_t header_bytes(struct MHD_Connection *conn, const char *url, const char *method)
{
    size_t n = strlen(method) + strlen(url) + sizeof " HTTP/1.1\r\n" + 2;
    mhd.get_connection_values(conn, MHD_HEADER_KIND | MHD_GET_ARGUMENT_KIND, add_header_bytes, &n);
    return n;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    (void)version;
    kz_server *s = cls;
    kz_req *r = *con_cls;
    if (!r) {
        r = req_new(s, conn, url, method);
        if (!r)
            return MHD_NO;
        *con_cls = r;
        if (header_bytes(conn, url, method) > KZ_HTTP_MAX_HEADER_BYTES) {
            kz_guard_received(s->guard, guard_conn(conn));
            kz_router_fail(r, kz_fail(&r->err, KZ_EHEADERS, "headers",
                                      "the request line and headers are larger than %d bytes",
                                      KZ_HTTP_MAX_HEADER_BYTES));
            return send_reply(conn, r);
        }
        if (announced_too_big(conn, r->body.max)) {
            kz_guard_received(s->guard, guard_conn(conn));
            kz_router_fail(r, kz_fail(&r->err, KZ_ETOOBIG, "", "the request body is larger than %zu bytes",
                                      r->body.max));
            return send_reply(conn, r);
        }
        return MHD_YES;
    }
    if (*upload_size) {
        if (!r->body_too_big && kz_buf_append(&r->body, upload, *upload_size) != KZ_OK)
            r->body_too_big = true;
        *upload_size = 0;
        return MHD_YES;
    }
    if (r->status != 500 || r->reply)  /* already answered (413 above) */
        return MHD_YES;
    kz_guard_received(s->guard, guard_conn(conn));
    if (kz_static_claims(r->method, r->path))
        kz_static_serve(r, s->opts.web_root, s->opts.vendor_root);
    else
        kz_router_dispatch(s->node, r);
    return send_reply(conn, r);
}

/* libmicrohttpd's messages, whose format it gives: checked as one (clang asks for it). */
static void mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    kz_log(KZ_LOG_WARN, "http.server", KZ_S("message", msg));
}

/* "host:port" or "[v6]:port" into a socket address. */
static kz_rc parse_listen(const char *listen, struct sockaddr_storage *ss, kz_err *err)
{
    char host[128];
    const char *colon = strrchr(listen, ':');
    if (!colon || colon == listen || (size_t)(colon - listen) >= sizeof host)
        return kz_fail(err, KZ_EINVAL, "listen", "listen must be HOST:PORT, e.g. 127.0.0.1:8470");
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = '\0';
    char *end;
    errno = 0;
    long port = strtol(colon + 1, &end, 10);
    if (errno || *end || end == colon + 1 || port < 0 || port > 65535)
        return kz_fail(err, KZ_EINVAL, "listen", "bad port in '%s'", listen);
    memset(ss, 0, sizeof *ss);
    size_t hl = strlen(host);
    if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
        host[hl - 1] = '\0';
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        if (inet_pton(AF_INET6, host + 1, &a6->sin6_addr) == 1)
            return KZ_OK;
    } else {
        struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        if (strcmp(host, "localhost") == 0)
            snprintf(host, sizeof host, "127.0.0.1");
        if (inet_pton(AF_INET, host, &a4->sin_addr) == 1)
            return KZ_OK;
    }
    return kz_fail(err, KZ_EINVAL, "listen", "'%s' is not an IP address to listen on", host);
}

static bool is_loopback(const struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127;
    return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)ss)->sin6_addr);
}

static unsigned port_of(const struct sockaddr_storage *ss)
{
    return ntohs(ss->ss_family == AF_INET ? ((const struct sockaddr_in *)ss)->sin_port
                                          : ((const struct sockaddr_in6 *)ss)->sin6_port);
}

/* Plain HTTP only where no one else can listen in: a loopback address, or an operator who
 * said that a TLS proxy in front ends TLS. */
static kz_rc check_transport(const kz_server_opts *o, const struct sockaddr_storage *ss, kz_err *err)
{
    if (mhd_ready(err))  /* the first use of libmicrohttpd on both ways to a daemon */
        return KZ_EINTERNAL;
    if (!o->tls_cert != !o->tls_key)
        return kz_fail(err, KZ_EINVAL, o->tls_cert ? "tls-key" : "tls-cert",
                       "TLS needs both --tls-cert FILE and --tls-key FILE");
    if (o->tls_cert && !mhd.is_feature_supported(MHD_FEATURE_TLS))
        return kz_fail(err, KZ_EINVAL, "tls-cert", "this libmicrohttpd (%s) was built without TLS",
                       mhd.get_version());
    if (!o->tls_cert && !o->insecure_http && !is_loopback(ss))
        return kz_fail(err, KZ_EINVAL, "listen",
                       "refusing plain HTTP on %s, which is not a loopback address: give --tls-cert FILE "
                       "--tls-key FILE, or --insecure-http when a TLS proxy in front of the node ends TLS",
                       o->listen);
    return KZ_OK;
}

/* A PEM file as NUL-terminated text, *out owned by the caller (kz_free; wipe a key). */
static kz_rc read_pem(const char *path, const char *flag, char **out, size_t *len, kz_err *err)
{
    const void *p;
    size_t n;
    kz_rc rc = kz_map_file(path, &p, &n, err);
    if (rc) {
        char why[sizeof err->msg];
        snprintf(why, sizeof why, "%s", err->msg);
        return kz_fail(err, rc, flag, "--%s: %s", flag, why);
    }
    *out = n && memchr(p, '\0', n) == NULL ? kz_malloc(n + 1) : NULL;
    if (*out) {
        memcpy(*out, p, n);
        (*out)[n] = '\0';
        *len = n;
    }
    kz_unmap_file(NULL, p, n);
    if (!*out)
        return kz_fail(err, KZ_EINVAL, flag, "--%s: %s is empty or not PEM text", flag, path);
    if (!strstr(*out, "-----BEGIN ")) {
        kz_wipe(*out, n);
        kz_free(*out);
        *out = NULL;
        return kz_fail(err, KZ_EINVAL, flag, "--%s: %s holds no PEM block (-----BEGIN ...)", flag, path);
    }
    return KZ_OK;
}

/* The listen socket, bound without SO_REUSEPORT: a port another server holds is refused
 * here, naming it, instead of being shared at random. Returns the socket or -1. */
static int bind_listen(const kz_server_opts *o, struct sockaddr_storage *ss, kz_err *err)
{
    int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int one = 1;
    if (fd < 0) {
        kz_fail(err, KZ_EIO, "listen", "cannot open a socket for %s: %s", o->listen, strerror(errno));
        return -1;
    }
    /* SO_REUSEADDR only lets a restarted server bind past old connections in TIME_WAIT;
     * on Linux it never lets two sockets listen on one port. */
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (ss->ss_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    socklen_t len = ss->ss_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
    if (bind(fd, (struct sockaddr *)ss, len) != 0 || listen(fd, SOMAXCONN) != 0) {
        int e = errno;
        close(fd);
        if (e == EADDRINUSE)
            kz_fail(err, KZ_EIO, "listen", "port %u is in use on %s: another server listens there (stop it, or "
                    "choose another --listen)", port_of(ss), o->listen);
        else
            kz_fail(err, KZ_EIO, "listen", "cannot listen on %s (port %u): %s", o->listen, port_of(ss),
                    e == EADDRNOTAVAIL ? "not an address of this machine" : strerror(e));
        return -1;
    }
    len = sizeof *ss;
    getsockname(fd, (struct sockaddr *)ss, &len);
    return fd;
}

static const char tls_pair_error[] = "cannot serve TLS on %s: is --tls-key the key of --tls-cert, both PEM?";

/* Whether GnuTLS takes the certificate and key as a pair: a daemon with no socket and
 * no thread is started with them and stopped again. */
static bool tls_pair_works(const char *cert, const char *key)
{
    struct MHD_Daemon *d = mhd.start_daemon(MHD_USE_NO_LISTEN_SOCKET | MHD_USE_TLS, 0, NULL, NULL, on_request, NULL,
                                            MHD_OPTION_HTTPS_MEM_CERT, cert, MHD_OPTION_HTTPS_MEM_KEY, key,
                                            MHD_OPTION_END);
    if (d)
        mhd.stop_daemon(d);
    return d != NULL;
}

kz_rc kz_server_check(const kz_server_opts *opts, unsigned *port, kz_err *err)
{
    struct sockaddr_storage ss;
    kz_rc rc = parse_listen(opts->listen, &ss, err);
    if (!rc)
        rc = check_transport(opts, &ss, err);
    if (!rc)
        rc = kz_guard_check(&opts->guard, err);
    char *pem[2] = {NULL, NULL};
    size_t n[2] = {0, 0};
    if (!rc && opts->tls_cert)
        rc = read_pem(opts->tls_cert, "tls-cert", &pem[0], &n[0], err);
    if (!rc && opts->tls_key)
        rc = read_pem(opts->tls_key, "tls-key", &pem[1], &n[1], err);
    if (!rc && pem[0] && !tls_pair_works(pem[0], pem[1]))
        rc = kz_fail(err, KZ_EINVAL, "tls-key", tls_pair_error, opts->listen);
    for (int i = 0; i < 2; i++)
        if (pem[i]) {
            kz_wipe(pem[i], n[i]);
            kz_free(pem[i]);
        }
    int fd = rc ? -1 : bind_listen(opts, &ss, err);
    if (fd < 0)
        return rc ? rc : KZ_EIO;
    close(fd);
    *port = port_of(&ss);
    return KZ_OK;
}

static void server_free(kz_server *s)
{
    kz_guard_stop(s->guard);
    if (s->tls_key)
        kz_wipe(s->tls_key, s->tls_key_len);
    kz_free(s->tls_key);
    kz_free(s->tls_cert);
    kz_free(s);
}

/* Everything kz_server_start needs before the daemon: the checks, the PEM files, the
 * guard and the bound socket *fd. */
static kz_rc server_prepare(kz_server *s, struct sockaddr_storage *ss, int *fd, kz_err *err)
{
    size_t cert_len;
    kz_rc rc = parse_listen(s->opts.listen, ss, err);
    if (!rc)
        rc = check_transport(&s->opts, ss, err);
    if (!rc && s->opts.tls_cert)
        rc = read_pem(s->opts.tls_cert, "tls-cert", &s->tls_cert, &cert_len, err);
    if (!rc && s->opts.tls_key)
        rc = read_pem(s->opts.tls_key, "tls-key", &s->tls_key, &s->tls_key_len, err);
    if (!rc && s->tls_cert && !tls_pair_works(s->tls_cert, s->tls_key))
        rc = kz_fail(err, KZ_EINVAL, "tls-key", tls_pair_error, s->opts.listen);
    if (!rc) {
        kz_guard_limits gl = s->opts.guard;
        gl.exempt = s->opts.trusted_proxy;
        rc = kz_guard_start(&gl, &s->guard, err);
    }
    if (rc)
        return rc;
    *fd = bind_listen(&s->opts, ss, err);
    return *fd < 0 ? KZ_EIO : KZ_OK;
}

kz_rc kz_server_start(kz_node *node, const kz_server_opts *opts, kz_server **out, kz_err *err)
{
    kz_server *s = kz_calloc(1, sizeof *s);
    if (!s)
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    s->node = node;
    s->opts = *opts;
    if (!s->opts.threads) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        s->opts.threads = cores > 2 ? (unsigned)cores * 2 : 4;
    }
    struct sockaddr_storage ss;
    int fd = -1;
    kz_rc rc = server_prepare(s, &ss, &fd, err);
    if (rc) {
        server_free(s);
        return rc;
    }
    s->port = port_of(&ss);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    if (s->tls_cert)
        flags |= MHD_USE_TLS;
    /* The guard counts connections exactly; the library's own limit only backs it up
     * (it divides its limit among the threads of the pool). */
    unsigned backstop = kz_guard_max_connections(s->guard) + s->opts.threads * 16;
    struct MHD_OptionItem tls[] = {
        {MHD_OPTION_HTTPS_MEM_CERT, 0, s->tls_cert},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, s->tls_key},
        {MHD_OPTION_END, 0, NULL},
    };
    s->d = mhd.start_daemon(flags, 0, on_accept, s, on_request, s,
                            MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
                            MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
                            MHD_OPTION_THREAD_POOL_SIZE, s->opts.threads,
                            MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
                            MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
                            MHD_OPTION_CONNECTION_LIMIT, backstop,
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)KZ_HTTP_CONNECTION_MEMORY,
                            MHD_OPTION_ARRAY, s->tls_cert ? tls : tls + 2,
                            MHD_OPTION_END);
    if (!s->d) { /* libmicrohttpd has closed fd */
        server_free(s);
        return kz_fail(err, KZ_EIO, "listen", "cannot serve on %s", opts->listen);
    }
    *out = s;
    return KZ_OK;
}

unsigned kz_server_port(const kz_server *s) { return s->port; }

/* Waits until no request is in flight, or until `until`, and closes the gate; the
 * number of requests still in flight then (those MHD_stop_daemon cuts off). */
static int close_gate(kz_server *s, int64_t until)
{
    for (;;) {
        int idle = 0;
        if (atomic_compare_exchange_strong(&s->inflight, &idle, GATE_CLOSED))
            return 0;
        if (kz_mono_ms() >= until)
            return atomic_fetch_add(&s->inflight, GATE_CLOSED);
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

/* Stops without MHD_quiesce_daemon: with a thread pool on epoll it races the workers over
 * the listen socket and aborts the process. New connections are refused by the guard
 * instead, answers tell clients to close, the gate admits no request once none is in
 * flight, and the daemon is stopped once, here. */
void kz_server_stop(kz_server *s)
{
    if (!s)
        return;
    atomic_store(&s->stopping, true); /* before the guard refuses: a refusal shows it is set */
    kz_guard_refuse_all(s->guard);
    int left = close_gate(s, kz_mono_ms() + s->opts.grace_ms); /* a test clock moves not it */
    mhd.stop_daemon(s->d); /* closes the listen socket too */
    kz_log(KZ_LOG_INFO, "http.stopped", KZ_I("unfinished", left), KZ_I("closed_late", atomic_load(&s->closed_late)));
    server_free(s);
}

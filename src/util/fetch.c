/* kz_fetch and kz_fetch_smtp on libcurl's easy interface: the one file including curl.h.
 * libcurl is opened (dlopen) at the first transfer, not linked: a process that never
 * fetches — `kizuna match`, most commands — does not map it and its two dozen libraries. */
#include "util/fetch.h"

#include "util/buf.h"
#include "util/dynlib.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

/* The libcurl functions this file calls, resolved from the library at the first transfer
 * with the types curl.h gives them. Named as libcurl names them, without the curl_ prefix. */
typedef struct curl_api {
    __typeof__(curl_global_init) *global_init;
    __typeof__(curl_easy_init) *easy_init;
    __typeof__(curl_easy_setopt) *easy_setopt;
    __typeof__(curl_easy_perform) *easy_perform;
    __typeof__(curl_easy_getinfo) *easy_getinfo;
    __typeof__(curl_easy_cleanup) *easy_cleanup;
    __typeof__(curl_easy_strerror) *easy_strerror;
    __typeof__(curl_slist_append) *slist_append;
    __typeof__(curl_slist_free_all) *slist_free_all;
} curl_api;
static curl_api curl;

#define SYM(f) KZ_DYNSYM(curl_api, "curl_", f)
static const kz_dynsym curl_symbols[] = {
    SYM(global_init),  SYM(easy_init),     SYM(easy_setopt),  SYM(easy_perform),   SYM(easy_getinfo),
    SYM(easy_cleanup), SYM(easy_strerror), SYM(slist_append), SYM(slist_free_all),
};
#undef SYM

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char load_error[256];  /* why libcurl could not be opened or initialized; empty when it was */

static void global_init(void)
{
    /* libcurl's soname, the same since 2006 (7.16) whatever its version number says. */
    if (!kz_dynlib_open("libcurl.so.4", curl_symbols, sizeof curl_symbols / sizeof *curl_symbols, &curl, load_error,
                        sizeof load_error))
        return;
    CURLcode rc = curl.global_init(CURL_GLOBAL_DEFAULT);
    if (rc != CURLE_OK)
        snprintf(load_error, sizeof load_error, "libcurl did not initialize: %s", curl.easy_strerror(rc));
}

/* libcurl opened and initialized once per process, whichever transfer comes first. */
static kz_rc curl_ready(kz_err *err)
{
    pthread_once(&once, global_init);
    if (load_error[0])
        return kz_fail(err, KZ_EINTERNAL, NULL, "%s", load_error);
    return KZ_OK;
}

typedef struct sink {
    FILE *out;
    uint64_t got, max;
    bool too_big;
} sink;

static size_t write_cb(char *p, size_t size, size_t n, void *ctx)
{
    sink *s = ctx;
    size_t len = size * n;
    if (s->got + len > s->max) {
        s->too_big = true;
        return 0;  /* makes libcurl stop with CURLE_WRITE_ERROR */
    }
    s->got += len;
    return fwrite(p, 1, len, s->out);
}

/* When the header line p[0..len) is the field `name` (lowercase, with its colon), points
 * *value at its value without the surrounding blanks and line end and returns its length;
 * otherwise returns (size_t)-1. Shared by the response-header callbacks below. */
static size_t header_value(const char *p, size_t len, const char *name, const char **value)
{
    size_t k = strlen(name);
    if (len <= k || strncasecmp(p, name, k) != 0)
        return (size_t)-1;
    const char *b = p + k, *e = p + len;
    while (b < e && (*b == ' ' || *b == '\t'))
        b++;
    while (e > b && (e[-1] == '\r' || e[-1] == '\n' || e[-1] == ' ' || e[-1] == '\t'))
        e--;
    *value = b;
    return (size_t)(e - b);
}

/* A response header line; the validators of the final response are kept (a redirect's
 * headers come first and are replaced by a later status line). */
static size_t header_cb(char *p, size_t size, size_t n, void *ctx)
{
    kz_fetch_validators *v = ctx;
    size_t len = size * n;
    static const struct {
        const char *name;
        size_t offset;
    } kept[] = {{"etag:", offsetof(kz_fetch_validators, etag)},
                {"last-modified:", offsetof(kz_fetch_validators, last_modified)}};
    if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {  /* a new response begins */
        v->etag[0] = v->last_modified[0] = '\0';
        return len;
    }
    for (size_t i = 0; i < sizeof kept / sizeof *kept; i++) {
        const char *b;
        size_t vn = header_value(p, len, kept[i].name, &b);
        if (vn == (size_t)-1)
            continue;
        char *dst = (char *)v + kept[i].offset;
        bool one_line = !memchr(b, '\r', vn) && !memchr(b, '\n', vn);
        size_t m = one_line && vn < KZ_FETCH_VALIDATOR_MAX ? vn : 0;
        memcpy(dst, b, m);
        dst[m] = '\0';
    }
    return len;
}

kz_rc kz_fetch(const char *url, FILE *out, uint64_t max, kz_err *err)
{
    return kz_fetch_if(url, out, max, NULL, err);
}

kz_rc kz_fetch_if(const char *url, FILE *out, uint64_t max, kz_fetch_validators *v, kz_err *err)
{
    kz_rc krc = curl_ready(err);
    if (krc)
        return krc;
    CURL *h = curl.easy_init();
    if (!h)
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    struct curl_slist *ask = NULL;
    char line[KZ_FETCH_VALIDATOR_MAX + 32];
    if (v && v->etag[0]) {
        snprintf(line, sizeof line, "If-None-Match: %s", v->etag);
        ask = curl.slist_append(ask, line);
    }
    if (v && v->last_modified[0]) {
        snprintf(line, sizeof line, "If-Modified-Since: %s", v->last_modified);
        ask = curl.slist_append(ask, line);
    }
    kz_fetch_validators got = {.etag = "", .last_modified = "", .not_modified = false};
    sink s = {out, 0, max, false};
    char errbuf[CURL_ERROR_SIZE] = "";
    curl.easy_setopt(h, CURLOPT_URL, url);
    curl.easy_setopt(h, CURLOPT_WRITEFUNCTION, write_cb);
    curl.easy_setopt(h, CURLOPT_WRITEDATA, &s);
    curl.easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl.easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl.easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl.easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl.easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
    curl.easy_setopt(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
    curl.easy_setopt(h, CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    curl.easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
    curl.easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);   /* give up on a stalled transfer */
    curl.easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 120L);
    curl.easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");   /* gzip and deflate when offered */
    curl.easy_setopt(h, CURLOPT_USERAGENT, "kizuna");
    curl.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    if (ask)
        curl.easy_setopt(h, CURLOPT_HTTPHEADER, ask);
    curl.easy_setopt(h, CURLOPT_HEADERFUNCTION, header_cb);
    curl.easy_setopt(h, CURLOPT_HEADERDATA, &got);
    CURLcode rc = curl.easy_perform(h);
    long status = 0;
    curl.easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl.easy_cleanup(h);
    curl.slist_free_all(ask);
    if (v && rc == CURLE_OK && status == 304) {
        v->not_modified = true;
        return KZ_OK;
    }
    if (s.too_big)
        return kz_fail(err, KZ_ETOOBIG, NULL, "%s is larger than %llu bytes", url, (unsigned long long)max);
    if (rc != CURLE_OK)
        return kz_fail(err, KZ_EIO, NULL, "cannot fetch %s: %s", url, errbuf[0] ? errbuf : curl.easy_strerror(rc));
    if (status == 404)
        return kz_fail(err, KZ_ENOTFOUND, NULL, "%s: not found (404)", url);
    if (status != 200)
        return kz_fail(err, KZ_EIO, NULL, "%s answered HTTP %ld", url, status);
    if (fflush(out) != 0)
        return kz_fail(err, KZ_EIO, NULL, "cannot write what %s sent", url);
    if (v)
        *v = got;
    return KZ_OK;
}

typedef struct upload {
    const char *p;
    size_t left;
} upload;

static size_t read_cb(char *buf, size_t size, size_t nitems, void *arg)
{
    upload *u = arg;
    size_t n = size * nitems < u->left ? size * nitems : u->left;
    memcpy(buf, u->p, n);
    u->p += n;
    u->left -= n;
    return n;
}

/* One easy handle per message (mail goes out a few messages a minute), so no connection
 * state outlives a call. */
kz_rc kz_fetch_smtp(const kz_smtp_submission *s, long *reply, kz_err *err)
{
    *reply = 0;
    kz_rc krc = curl_ready(err);
    if (krc)
        return krc;
    CURL *h = curl.easy_init();
    if (!h)
        return kz_fail(err, KZ_ENOMEM, NULL, "cannot start an SMTP session");
    char errbuf[CURL_ERROR_SIZE] = "", sender[300], rcpt_addr[300];
    snprintf(sender, sizeof sender, "<%s>", s->from);
    snprintf(rcpt_addr, sizeof rcpt_addr, "<%s>", s->to);
    struct curl_slist *rcpt = curl.slist_append(NULL, rcpt_addr);
    upload u = {s->message, s->len};
    static const curl_usessl tls[] = {CURLUSESSL_NONE, CURLUSESSL_TRY, CURLUSESSL_ALL};
    curl.easy_setopt(h, CURLOPT_URL, s->url);
    curl.easy_setopt(h, CURLOPT_MAIL_FROM, sender);
    curl.easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
    curl.easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
    curl.easy_setopt(h, CURLOPT_READDATA, &u);
    curl.easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl.easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)s->len);
    curl.easy_setopt(h, CURLOPT_USE_SSL, (long)tls[s->tls >= 0 && s->tls <= 2 ? s->tls : 0]);
    curl.easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
    curl.easy_setopt(h, CURLOPT_TIMEOUT, s->timeout_s > 0 ? s->timeout_s : 60L);
    curl.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl.easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl.easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    if (s->user[0]) {
        curl.easy_setopt(h, CURLOPT_USERNAME, s->user);
        curl.easy_setopt(h, CURLOPT_PASSWORD, s->password);
    }
    CURLcode rc = rcpt ? curl.easy_perform(h) : CURLE_OUT_OF_MEMORY;
    curl.easy_getinfo(h, CURLINFO_RESPONSE_CODE, reply);
    if (rc != CURLE_OK)
        kz_fail(err, KZ_EIO, NULL, "SMTP %ld: %s", *reply, errbuf[0] ? errbuf : curl.easy_strerror(rc));
    curl.slist_free_all(rcpt);
    curl.easy_cleanup(h);
    return rc == CURLE_OK ? KZ_OK : KZ_EIO;
}

static size_t buf_cb(char *p, size_t size, size_t n, void *ctx)
{
    return kz_buf_append(ctx, p, size * n) ? 0 : size * n;
}

/* Keeps the value of a signature field of the response in got. */
static size_t sig_header_cb(char *p, size_t size, size_t n, void *ctx)
{
    kz_http_headers *got = ctx;
    size_t len = size * n;
    static const struct {
        const char *name;
        size_t offset, size;
    } kept[] = {
        {"content-digest:", offsetof(kz_http_headers, content_digest), sizeof got->content_digest},
        {"signature-input:", offsetof(kz_http_headers, signature_input), sizeof got->signature_input},
        {"signature:", offsetof(kz_http_headers, signature), sizeof got->signature},
    };
    for (size_t i = 0; i < sizeof kept / sizeof *kept; i++) {
        const char *b;
        size_t vn = header_value(p, len, kept[i].name, &b);
        if (vn == (size_t)-1)
            continue;
        char *dst = (char *)got + kept[i].offset;
        size_t m = vn < kept[i].size ? vn : 0;
        memcpy(dst, b, m);
        dst[m] = '\0';
    }
    return len;
}

/* The certificate checks of kz_http_call: both always on (they are libcurl's defaults,
 * set again so that no build or default can turn them off); a peer's own CA replaces the
 * system's store, the CA file and the CA directory both. */
static kz_rc set_tls(CURL *h, const char *ca_pem, kz_err *err)
{
    curl.easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl.easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!ca_pem)
        return KZ_OK;
#if LIBCURL_VERSION_NUM >= 0x074d00
    struct curl_blob blob = {(void *)ca_pem, strlen(ca_pem), CURL_BLOB_COPY};
    if (curl.easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob) != CURLE_OK)
        return kz_fail(err, KZ_EIO, KZ_FETCH_TLS_FIELD, "this libcurl cannot take a CA certificate in memory");
    curl.easy_setopt(h, CURLOPT_CAPATH, NULL);
    return KZ_OK;
#else
    return kz_fail(err, KZ_EIO, KZ_FETCH_TLS_FIELD, "this libcurl (before 7.77) cannot take a CA certificate in memory");
#endif
}

/* Why a transfer failed, with the certificate failures told apart. */
static kz_rc call_failed(CURLcode rc, const char *url, const char *errbuf, bool own_ca, kz_err *err)
{
    const char *why = errbuf[0] ? errbuf : curl.easy_strerror(rc);
    if (rc == CURLE_PEER_FAILED_VERIFICATION)
        return kz_fail(err, KZ_EIO, KZ_FETCH_TLS_FIELD, "the TLS certificate of %s does not verify against %s: %s", url,
                       own_ca ? "the CA given for this peer" : "the system's CA store", why);
    if (rc == CURLE_SSL_CACERT_BADFILE)
        return kz_fail(err, KZ_EIO, KZ_FETCH_TLS_FIELD, "the CA given for %s holds no usable PEM certificate: %s", url,
                       why);
    return kz_fail(err, KZ_EIO, NULL, "cannot reach %s: %s", url, why);
}

kz_rc kz_http_call(const char *method, const char *url, const char *const *headers, size_t n_headers,
                   const void *body, size_t len, const char *ca_pem, long *status, kz_buf *out,
                   kz_http_headers *got, kz_err *err)
{
    kz_rc krc = curl_ready(err);
    if (krc)
        return krc;
    CURL *h = curl.easy_init();
    if (!h)
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    struct curl_slist *list = NULL;
    for (size_t i = 0; i < n_headers; i++)
        list = curl.slist_append(list, headers[i]);
    char errbuf[CURL_ERROR_SIZE] = "";
    curl.easy_setopt(h, CURLOPT_URL, url);
    curl.easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    if (strcmp(method, "GET") != 0) {
        curl.easy_setopt(h, CURLOPT_POSTFIELDS, body ? (const char *)body : "");
        curl.easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    }
    curl.easy_setopt(h, CURLOPT_HTTPHEADER, list);
    curl.easy_setopt(h, CURLOPT_WRITEFUNCTION, buf_cb);
    curl.easy_setopt(h, CURLOPT_WRITEDATA, out);
    curl.easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    if (got) {
        memset(got, 0, sizeof *got);
        curl.easy_setopt(h, CURLOPT_HEADERFUNCTION, sig_header_cb);
        curl.easy_setopt(h, CURLOPT_HEADERDATA, got);
    }
#if LIBCURL_VERSION_NUM >= 0x075500
    curl.easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    curl.easy_setopt(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    curl.easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
    curl.easy_setopt(h, CURLOPT_TIMEOUT, 300L);
    curl.easy_setopt(h, CURLOPT_USERAGENT, "kizuna");
    curl.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    *status = 0;
    krc = set_tls(h, ca_pem, err);
    CURLcode rc = krc ? CURLE_OK : curl.easy_perform(h);
    curl.easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
    curl.easy_cleanup(h);
    curl.slist_free_all(list);
    if (krc)
        return krc;
    if (rc == CURLE_WRITE_ERROR)
        return kz_fail(err, KZ_ETOOBIG, NULL, "%s answered more than %zu bytes", url, out->max);
    if (rc != CURLE_OK)
        return call_failed(rc, url, errbuf, ca_pem != NULL, err);
    return KZ_OK;
}

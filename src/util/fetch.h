/* Network transfers through libcurl, which lives behind this module only (one
 * curl_global_init): HTTP(S) GET of a whole resource into a file, for feeds given by URL
 * (MISP) — only http and https, redirects followed within them (at most 5), a connect
 * timeout of 30 s and a ceiling on the size — and SMTP submission for mail/. */
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

/* One message submitted over SMTP (smtp:// or smtps://, nothing else). */
typedef struct kz_smtp_submission {
    const char *url;
    const char *user, *password;   /* user "" = no authentication */
    int tls;                       /* STARTTLS on smtp://: 0 none, 1 try, 2 required */
    long timeout_s;                /* the whole transaction; <= 0 means 60 */
    const char *from, *to;         /* envelope addresses */
    const char *message;           /* the whole message, len bytes */
    size_t len;
} kz_smtp_submission;

/* Sends s. KZ_OK when the server took it; else KZ_EIO (KZ_ENOMEM, KZ_EINTERNAL) with
 * the reason in err and *reply the server's last reply code (0 if it gave none). */
kz_rc kz_fetch_smtp(const kz_smtp_submission *s, long *reply, kz_err *err);

/* The response header fields a signed answer carries (empty when absent or too long). */
enum { KZ_HTTP_FIELD_MAX = 4100 };
typedef struct kz_http_headers {
    char content_digest[256];
    char signature_input[KZ_HTTP_FIELD_MAX];
    char signature[256];
} kz_http_headers;

/* One HTTP request, for node-to-node messages: method, url (http or https; redirects
 * are not followed, as a signature covers the target), extra header lines ("Name:
 * value"), the body (may be empty). Over https the server's certificate is always
 * checked, chain and host name, never skipped: against ca_pem alone when it is set (PEM
 * text of the CA or self-signed certificates trusted for this peer, NUL-terminated),
 * else against the system's CA store. The status goes to *status, the response body
 * to out, within its ceiling (KZ_ETOOBIG past it), and the signature fields of the
 * response to got (may be NULL). KZ_EIO when no answer came (err says why); a
 * certificate that does not verify, or a ca_pem that holds no usable certificate, is
 * KZ_EIO with err's field KZ_FETCH_TLS_FIELD. Any status is returned as KZ_OK: the
 * caller decides. Thread-safe. */
#define KZ_FETCH_TLS_FIELD "tls"
struct kz_buf;
kz_rc kz_http_call(const char *method, const char *url, const char *const *headers, size_t n_headers,
                   const void *body, size_t len, const char *ca_pem, long *status, struct kz_buf *out,
                   kz_http_headers *got, kz_err *err);

#endif

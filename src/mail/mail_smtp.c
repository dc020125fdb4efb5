/* SMTP delivery through libcurl: the only file that includes curl.h for mail. One easy
 * handle per message (delivery runs on the scheduler thread, a few messages a minute),
 * so no connection state outlives a call. */
#include "mail/mail.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_FAILED_INIT;

static void global_init(void) { global_rc = curl_global_init(CURL_GLOBAL_DEFAULT); }

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

/* Connection, name resolution, TLS and timeouts are worth another try; so are the
 * server's 4xx replies. A 5xx reply is the server refusing this message for good. */
static kz_mail_result classify(CURLcode rc, long code)
{
    if (rc == CURLE_OK)
        return KZ_MAIL_SENT;
    if (code >= 500 && code < 600)
        return KZ_MAIL_REJECTED;
    return KZ_MAIL_RETRY;
}

kz_mail_result kz_mail_send(const kz_mail_config *cfg, const char *from, const char *to,
                            const char *message, size_t len, kz_err *err)
{
    pthread_once(&once, global_init);
    if (global_rc != CURLE_OK) {
        kz_fail(err, KZ_EINTERNAL, NULL, "libcurl did not initialize: %s", curl_easy_strerror(global_rc));
        return KZ_MAIL_RETRY;
    }
    CURL *h = curl_easy_init();
    if (!h) {
        kz_fail(err, KZ_ENOMEM, NULL, "cannot start an SMTP session");
        return KZ_MAIL_RETRY;
    }
    char errbuf[CURL_ERROR_SIZE] = "", sender[300], rcpt_addr[300];
    snprintf(sender, sizeof sender, "<%s>", from);
    snprintf(rcpt_addr, sizeof rcpt_addr, "<%s>", to);
    struct curl_slist *rcpt = curl_slist_append(NULL, rcpt_addr);
    upload u = {message, len};
    static const curl_usessl tls[] = {CURLUSESSL_NONE, CURLUSESSL_TRY, CURLUSESSL_ALL};
    curl_easy_setopt(h, CURLOPT_URL, cfg->url);
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, sender);
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(h, CURLOPT_READDATA, &u);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(h, CURLOPT_USE_SSL, (long)tls[cfg->tls >= 0 && cfg->tls <= 2 ? cfg->tls : 0]);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, cfg->timeout_s > 0 ? cfg->timeout_s : 60L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    if (cfg->user[0]) {
        curl_easy_setopt(h, CURLOPT_USERNAME, cfg->user);
        curl_easy_setopt(h, CURLOPT_PASSWORD, cfg->password);
    }
    CURLcode rc = rcpt ? curl_easy_perform(h) : CURLE_OUT_OF_MEMORY;
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    kz_mail_result res = classify(rc, code);
    if (res != KZ_MAIL_SENT)
        kz_fail(err, KZ_EIO, NULL, "SMTP %ld: %s", code, errbuf[0] ? errbuf : curl_easy_strerror(rc));
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(h);
    return res;
}

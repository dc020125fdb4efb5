/* SMTP delivery: a message handed to util/fetch.h's SMTP submission (libcurl lives
 * there only), and the server's answer judged as sent, worth another try, or refused. */
#include "mail/mail.h"

#include "util/fetch.h"

/* Connection, name resolution, TLS and timeouts are worth another try; so are the
 * server's 4xx replies. A 5xx reply is the server refusing this message for good. */
static kz_mail_result classify(kz_rc rc, long code)
{
    if (rc == KZ_OK)
        return KZ_MAIL_SENT;
    if (code >= 500 && code < 600)
        return KZ_MAIL_REJECTED;
    return KZ_MAIL_RETRY;
}

kz_mail_result kz_mail_send(const kz_mail_config *cfg, const char *from, const char *to,
                            const char *message, size_t len, kz_err *err)
{
    kz_smtp_submission s = {cfg->url, cfg->user, cfg->password, cfg->tls, cfg->timeout_s,
                            from, to, message, len};
    long code = 0;
    kz_rc rc = kz_fetch_smtp(&s, &code, err);
    return classify(rc, code);
}

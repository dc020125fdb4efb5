/* Mail: composing one notice as an RFC 5322 message (UTF-8 text, MIME, RFC 2047
 * subjects) and handing it to an SMTP server through libcurl. Only mail_smtp.c includes
 * curl.h. This layer does no policy and no storage: the persistent outbox, retries and
 * templates are in service/ (svc_notify.c, svc_outbox.c). */
#ifndef KZ_MAIL_H
#define KZ_MAIL_H

#include "util/buf.h"
#include "util/clock.h"

#include <stdbool.h>

/* The SMTP server notices go through (serve --smtp-* options, KIZUNA_SMTP_* variables). */
typedef struct kz_mail_config {
    char url[512];          /* smtp://host:port or smtps://host:port; "" = mail is off */
    char from[256];         /* envelope and header sender address */
    char user[128];         /* "" = no authentication */
    char password[256];
    int tls;                /* KZ_MAIL_TLS_* */
    long timeout_s;         /* whole transaction */
} kz_mail_config;

enum { KZ_MAIL_TLS_NONE, KZ_MAIL_TLS_TRY, KZ_MAIL_TLS_REQUIRED };

/* "none", "try" or "required" (STARTTLS on smtp://; smtps:// is always TLS); -1 else. */
int kz_mail_tls_parse(const char *s);

/* One message to write. Strings are UTF-8; header values must be one line. */
typedef struct kz_mail_message {
    const char *from;         /* address */
    const char *from_name;    /* display name, may be NULL */
    const char *to;           /* address */
    const char *subject;
    const char *body;         /* text; LF or CRLF line ends */
    const char *message_id;   /* without angle brackets: "notice-id@kizuna" */
    const char *language;     /* Content-Language, may be NULL */
    const char *reference;    /* X-Kizuna-Reference (request or check id), may be NULL */
    kz_time date;
} kz_mail_message;

/* Writes m as a complete message (CRLF line ends, 7-bit: the subject as RFC 2047
 * encoded words when it is not plain ASCII, the body in base64). KZ_EINVAL when an
 * address or header value holds a line break or is not a plain address. */
kz_rc kz_mail_compose(const kz_mail_message *m, kz_buf *out, kz_err *err);

/* The outcome of one delivery attempt. */
typedef enum kz_mail_result {
    KZ_MAIL_SENT,          /* the server accepted the message */
    KZ_MAIL_RETRY,         /* temporary: 4xx, connection or TLS trouble, timeouts */
    KZ_MAIL_REJECTED,      /* permanent: 5xx for this recipient or message */
} kz_mail_result;

/* Sends one composed message to one recipient. Blocks for at most cfg->timeout_s.
 * err->msg says why when it is not KZ_MAIL_SENT (the SMTP reply code and text; never
 * the password). Thread-safe. */
kz_mail_result kz_mail_send(const kz_mail_config *cfg, const char *from, const char *to,
                            const char *message, size_t len, kz_err *err);

#endif

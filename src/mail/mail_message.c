/* Composing a notice as an Internet message: headers of RFC 5322, a UTF-8 text body in
 * base64 (RFC 2045), subjects as RFC 2047 encoded words cut on character boundaries. */
#include "mail/mail.h"

#include "model/validate.h"
#include "util/utf8.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static kz_rc base64(kz_buf *b, const unsigned char *p, size_t n)
{
    char out[4];
    kz_rc rc = KZ_OK;
    for (size_t i = 0; !rc && i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
        out[0] = b64[v >> 18 & 63];
        out[1] = b64[v >> 12 & 63];
        out[2] = i + 1 < n ? b64[v >> 6 & 63] : '=';
        out[3] = i + 2 < n ? b64[v & 63] : '=';
        rc = kz_buf_append(b, out, 4);
    }
    return rc;
}

static bool one_line(const char *s)
{
    return s && !strpbrk(s, "\r\n");
}

static bool plain_ascii(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p > 0x7E)
            return false;
    return true;
}

/* s as RFC 2047 encoded words of at most 45 bytes of UTF-8 each (75 characters with
 * their wrapping), cut between characters and folded onto continuation lines. */
static kz_rc encoded_words(kz_buf *b, const char *s)
{
    size_t n = strlen(s);
    kz_rc rc = KZ_OK;
    for (size_t i = 0; !rc && i < n;) {
        size_t take = 0;
        while (i + take < n) {
            size_t len = kz_utf8_seq_len((const unsigned char *)s + i + take, n - i - take);
            if (!len)
                len = 1; /* checked by the caller; never loop on a byte we cannot read */
            if (take + len > 45)
                break;
            take += len;
        }
        rc = kz_buf_puts(b, i ? "\r\n =?UTF-8?B?" : "=?UTF-8?B?");
        if (!rc)
            rc = base64(b, (const unsigned char *)s + i, take);
        if (!rc)
            rc = kz_buf_puts(b, "?=");
        i += take;
    }
    return rc;
}

/* "Subject: " then the text, plain when it is short printable ASCII, else encoded. */
static kz_rc subject(kz_buf *b, const char *s)
{
    if (plain_ascii(s) && strlen(s) <= 900 && !strstr(s, "=?"))
        return kz_buf_printf(b, "Subject: %s\r\n", s);
    kz_rc rc = kz_buf_puts(b, "Subject: ");
    if (!rc)
        rc = encoded_words(b, s);
    return rc ? rc : kz_buf_puts(b, "\r\n");
}

/* The body with CRLF line ends, then base64 in lines of 76. */
static kz_rc body(kz_buf *b, const char *text)
{
    kz_buf crlf;
    kz_buf_init(&crlf, b->max);
    kz_rc rc = KZ_OK;
    for (const char *p = text; !rc && *p; p++) {
        if (*p == '\n' && (p == text || p[-1] != '\r'))
            rc = kz_buf_append(&crlf, "\r", 1);
        if (!rc)
            rc = kz_buf_append(&crlf, p, 1);
    }
    for (size_t i = 0; !rc && i < crlf.len; i += 57) {
        size_t take = crlf.len - i < 57 ? crlf.len - i : 57;
        rc = base64(b, (const unsigned char *)crlf.p + i, take);
        if (!rc)
            rc = kz_buf_puts(b, "\r\n");
    }
    kz_buf_free(&crlf);
    return rc;
}

/* A display name as a quoted string (ASCII) or encoded words. */
static kz_rc display_name(kz_buf *b, const char *name)
{
    if (plain_ascii(name) && !strpbrk(name, "\"\\") && !strstr(name, "=?"))
        return kz_buf_printf(b, "\"%s\" ", name);
    kz_rc rc = encoded_words(b, name);
    return rc ? rc : kz_buf_puts(b, " ");
}

kz_rc kz_mail_compose(const kz_mail_message *m, kz_buf *out, kz_err *err)
{
    const char *bad = kz_valid_email(m->from, "from", NULL) ? "from"
                      : kz_valid_email(m->to, "to", NULL) ? "to"
                      : !one_line(m->subject) || !kz_text_ok(m->subject, strlen(m->subject), false) ? "subject"
                      : !one_line(m->message_id) || !plain_ascii(m->message_id) ? "message_id"
                      : m->from_name && (!one_line(m->from_name) || !kz_text_ok(m->from_name, strlen(m->from_name), false)) ? "from_name"
                      : m->language && !plain_ascii(m->language) ? "language"
                      : m->reference && (!one_line(m->reference) || !plain_ascii(m->reference)) ? "reference"
                      : !m->body || !kz_text_ok(m->body, strlen(m->body), true) ? "body"
                      : NULL;
    if (bad)
        return kz_fail(err, KZ_EINVAL, bad, "the %s of a mail is not valid for a message header", bad);
    char date[64];
    time_t t = (time_t)(m->date / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    kz_rc rc = kz_buf_printf(out, "Date: %s\r\nFrom: ", date);
    if (!rc && m->from_name)
        rc = display_name(out, m->from_name);
    if (!rc)
        rc = kz_buf_printf(out, "<%s>\r\nTo: <%s>\r\n", m->from, m->to);
    if (!rc)
        rc = subject(out, m->subject);
    if (!rc)
        rc = kz_buf_printf(out, "Message-ID: <%s>\r\nMIME-Version: 1.0\r\n"
                                "Content-Type: text/plain; charset=UTF-8\r\n"
                                "Content-Transfer-Encoding: base64\r\n"
                                "Auto-Submitted: auto-generated\r\n", m->message_id);
    if (!rc && m->language)
        rc = kz_buf_printf(out, "Content-Language: %s\r\n", m->language);
    if (!rc && m->reference)
        rc = kz_buf_printf(out, "X-Kizuna-Reference: %s\r\n", m->reference);
    if (!rc)
        rc = kz_buf_puts(out, "\r\n");
    if (!rc)
        rc = body(out, m->body);
    return rc ? kz_fail(err, rc, NULL, "the mail is larger than %zu bytes", out->max) : KZ_OK;
}

int kz_mail_tls_parse(const char *s)
{
    static const char *const names[] = {"none", "try", "required"};
    for (int i = 0; i < 3; i++)
        if (s && strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

/* Unit tests of mail composition: headers, RFC 2047 subjects cut between characters,
 * base64 bodies, and values that would break the header block. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "mail/mail.h"

#include <stdio.h>
#include <string.h>

static kz_mail_message sample(void)
{
    return (kz_mail_message){
        .from = "kizuna@node.jp.example", .from_name = "Kizuna", .to = "duty@cert.sg.example",
        .subject = "[Kizuna] Request", .body = "Line one\nLine two\n", .message_id = "notice-1@node.jp.example",
        .language = "en", .reference = "r-1", .date = 1764105673000,
    };
}

/* Decodes the base64 of one encoded word "=?UTF-8?B?...?=". */
static size_t unb64(const char *in, size_t n, char *out)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    unsigned v = 0, bits = 0;
    for (size_t i = 0; i < n && in[i] != '='; i++) {
        const char *p = strchr(tbl, in[i]);
        assert_non_null(p);
        v = v << 6 | (unsigned)(p - tbl);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (char)(v >> bits & 0xFF);
        }
    }
    return o;
}

static void headers_and_body(void **state)
{
    (void)state;
    kz_mail_message m = sample();
    kz_buf b;
    kz_buf_init(&b, 1 << 20);
    kz_err err;
    assert_int_equal(kz_mail_compose(&m, &b, &err), KZ_OK);
    assert_non_null(strstr(b.p, "Date: Tue, 25 Nov 2025 21:21:13 +0000\r\n"));
    assert_non_null(strstr(b.p, "From: \"Kizuna\" <kizuna@node.jp.example>\r\nTo: <duty@cert.sg.example>\r\n"));
    assert_non_null(strstr(b.p, "Subject: [Kizuna] Request\r\n"));
    assert_non_null(strstr(b.p, "Message-ID: <notice-1@node.jp.example>\r\n"));
    assert_non_null(strstr(b.p, "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n"));
    assert_non_null(strstr(b.p, "X-Kizuna-Reference: r-1\r\n"));
    /* the body, with CRLF line ends, in base64 after the blank line */
    const char *body = strstr(b.p, "\r\n\r\n") + 4;
    char dec[128];
    size_t n = unb64(body, strcspn(body, "\r"), dec);
    assert_int_equal(n, strlen("Line one\r\nLine two\r\n"));
    assert_memory_equal(dec, "Line one\r\nLine two\r\n", n);
    for (const char *p = b.p; *p; p++)
        assert_true((unsigned char)*p < 0x80); /* 7-bit clean */
    kz_buf_free(&b);
}

static void japanese_subjects_are_encoded_words_cut_between_characters(void **state)
{
    (void)state;
    kz_mail_message m = sample();
    m.subject = "【Kizuna】TLP:AMBER SingCERT（SG）からの支援要請（緊急）: 病院のランサムウェア被害について至急の支援をお願いします";
    kz_buf b;
    kz_buf_init(&b, 1 << 20);
    kz_err err;
    assert_int_equal(kz_mail_compose(&m, &b, &err), KZ_OK);
    const char *s = strstr(b.p, "Subject: ");
    assert_non_null(s);
    char joined[1024] = "";
    size_t jn = 0;
    const char *p = s + 9;
    for (;;) {
        assert_memory_equal(p, "=?UTF-8?B?", 10);
        const char *end = strstr(p, "?=");
        assert_true(end - p + 2 <= 75);             /* RFC 2047: at most 75 characters */
        char word[256];
        size_t wn = unb64(p + 10, (size_t)(end - p - 10), word);
        /* each word is whole UTF-8: it never starts with a continuation byte */
        assert_true(((unsigned char)word[0] & 0xC0) != 0x80);
        memcpy(joined + jn, word, wn);
        jn += wn;
        p = end + 2;
        if (strncmp(p, "\r\n ", 3) != 0)
            break;
        p += 3;
    }
    joined[jn] = '\0';
    assert_string_equal(joined, m.subject);
    kz_buf_free(&b);
}

static void values_that_would_break_headers_are_refused(void **state)
{
    (void)state;
    kz_buf b;
    kz_buf_init(&b, 1 << 20);
    kz_err err;
    kz_mail_message m = sample();
    m.subject = "hello\r\nBcc: everyone@example.org";
    assert_int_equal(kz_mail_compose(&m, &b, &err), KZ_EINVAL);
    assert_string_equal(err.field, "subject");
    m = sample();
    m.to = "a@b.example>\r\nRCPT TO:<c@d.example";
    assert_int_equal(kz_mail_compose(&m, &b, &err), KZ_EINVAL);
    assert_string_equal(err.field, "to");
    m = sample();
    m.from_name = "Kizuna\nX-Evil: 1";
    assert_int_equal(kz_mail_compose(&m, &b, &err), KZ_EINVAL);
    m = sample();
    m.body = "bell \x07";
    assert_int_equal(kz_mail_compose(&m, &b, &err), KZ_EINVAL);
    assert_int_equal(kz_mail_tls_parse("required"), KZ_MAIL_TLS_REQUIRED);
    assert_int_equal(kz_mail_tls_parse("sometimes"), -1);
    kz_buf_free(&b);
}

static void an_unreachable_server_is_a_temporary_failure(void **state)
{
    (void)state;
    kz_mail_config cfg = {.url = "smtp://127.0.0.1:1", .from = "k@node.example", .timeout_s = 5};
    kz_err err;
    assert_int_equal(kz_mail_send(&cfg, "k@node.example", "x@y.example", "Subject: x\r\n\r\nx\r\n", 17, &err),
                     KZ_MAIL_RETRY);
    assert_non_null(strstr(err.msg, "SMTP"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(headers_and_body),
        cmocka_unit_test(japanese_subjects_are_encoded_words_cut_between_characters),
        cmocka_unit_test(values_that_would_break_headers_are_refused),
        cmocka_unit_test(an_unreachable_server_is_a_temporary_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

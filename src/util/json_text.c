/* JSON string escaping for the logger and streaming writers. */
#include "util/json_text.h"

#include "util/utf8.h"

#include <stdio.h>
#include <string.h>

kz_rc kz_json_text_strn(kz_buf *b, const char *s, size_t n)
{
    kz_rc rc = kz_buf_append(b, "\"", 1);
    size_t i = 0;
    while (!rc && i < n) {
        unsigned char c = (unsigned char)s[i];
        size_t run = i;
        while (run < n && (unsigned char)s[run] >= 0x20 && s[run] != '"' && s[run] != '\\' &&
               (unsigned char)s[run] < 0x80)
            run++;
        if (run > i) {
            rc = kz_buf_append(b, s + i, run - i);
            i = run;
            continue;
        }
        if (c >= 0x80) {
            size_t len = kz_utf8_seq_len((const unsigned char *)s + i, n - i);
            rc = len ? kz_buf_append(b, s + i, len) : kz_buf_append(b, "\xEF\xBF\xBD", 3);
            i += len ? len : 1;
            continue;
        }
        char esc[8];
        switch (c) {
        case '"': memcpy(esc, "\\\"", 3); break;
        case '\\': memcpy(esc, "\\\\", 3); break;
        case '\n': memcpy(esc, "\\n", 3); break;
        case '\r': memcpy(esc, "\\r", 3); break;
        case '\t': memcpy(esc, "\\t", 3); break;
        default: snprintf(esc, sizeof esc, "\\u%04x", c); break;
        }
        rc = kz_buf_puts(b, esc);
        i++;
    }
    return rc ? rc : kz_buf_append(b, "\"", 1);
}

kz_rc kz_json_text_str(kz_buf *b, const char *s)
{
    return s ? kz_json_text_strn(b, s, strlen(s)) : kz_buf_puts(b, "null");
}

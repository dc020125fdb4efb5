/* JSON string escaping for the logger and streaming writers. */
#include "util/json_text.h"

#include "util/utf8.h"

#include <stdio.h>
#include <string.h>

/* Bytes that can be copied as they are: printable ASCII other than '"' and '\\'. */
static inline int plain(unsigned char c) { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\'; }

kz_rc kz_json_text_strn(kz_buf *b, const char *s, size_t n)
{
    /* Reserve the worst case once (every byte as \u00XX, or as U+FFFD) and write in place:
     * this runs for every string of every list response. */
    if (n > (b->max - b->len) / 6)
        return KZ_ETOOBIG;
    kz_rc rc = kz_buf_append(b, "\"", 1);
    if (rc || (rc = kz_buf_reserve(b, n * 6 + 1)))
        return rc;
    char *out = b->p + b->len;
    size_t i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        if (plain(c)) {
            *out++ = (char)c;
            i++;
            continue;
        }
        if (c >= 0x80) {
            size_t len = kz_utf8_seq_len((const unsigned char *)s + i, n - i);
            if (len) {
                memcpy(out, s + i, len);
                out += len;
                i += len;
            } else {
                memcpy(out, "\xEF\xBF\xBD", 3);
                out += 3;
                i++;
            }
            continue;
        }
        *out++ = '\\';
        switch (c) {
        case '"': *out++ = '"'; break;
        case '\\': *out++ = '\\'; break;
        case '\n': *out++ = 'n'; break;
        case '\r': *out++ = 'r'; break;
        case '\t': *out++ = 't'; break;
        default:
            out += snprintf(out, 6, "u%04x", c);
            break;
        }
        i++;
    }
    *out++ = '"';
    b->len = (size_t)(out - b->p);
    b->p[b->len] = '\0';
    return KZ_OK;
}

kz_rc kz_json_text_str(kz_buf *b, const char *s)
{
    return s ? kz_json_text_strn(b, s, strlen(s)) : kz_buf_puts(b, "null");
}

/* Writing JSON text without a JSON library, for the few places below the codec layer
 * that emit it (the logger, streaming output of the engines). */
#ifndef KZ_UTIL_JSON_TEXT_H
#define KZ_UTIL_JSON_TEXT_H

#include "util/buf.h"

/* Appends s as a quoted JSON string (NULL as null), escaping as RFC 8259 requires.
 * Invalid UTF-8 bytes are replaced by U+FFFD so the output is always valid JSON. */
kz_rc kz_json_text_str(kz_buf *b, const char *s);
kz_rc kz_json_text_strn(kz_buf *b, const char *s, size_t n);

#endif

/* The configuration file's syntax (kizuna --config FILE): lines of `key = value`,
 * `[section]` headers, `#` comments, double-quoted values with \" \\ \t \n escapes.
 * Only the syntax lives here; which keys exist is the CLI's (its options tables). */
#ifndef KZ_UTIL_CONF_H
#define KZ_UTIL_CONF_H

#include "util/arena.h"
#include "util/error.h"

enum { KZ_CONF_MAX = 1 << 20, KZ_CONF_LINE_MAX = 4096 };

/* One `key = value` line: section "" before the first header; strings in the arena
 * given to kz_conf_parse; positions are 1-based (columns in bytes). */
typedef struct kz_conf_entry {
    const char *section, *key, *value;
    unsigned line, key_col, value_col;
} kz_conf_entry;

/* Told about each entry in order, and about each section header (key and value NULL,
 * key_col the '['), so that it can be checked where it is written. A non-zero result stops the parse and is returned;
 * the callback fills err, with field "value" when the value is at fault (the column
 * reported is then the value's, else the key's). */
typedef kz_rc (*kz_conf_fn)(void *ctx, const kz_conf_entry *e, kz_err *err);

/* Parses text (n bytes, not necessarily NUL-terminated). KZ_EINVAL for bad syntax (a
 * line without '=', a key that is not [a-z0-9-], an unterminated section or quote, an
 * unknown escape, a NUL byte, a line over KZ_CONF_LINE_MAX, anything after a closing
 * quote), KZ_ETOOBIG over KZ_CONF_MAX; then *line and *col say where and err why.
 * Strings handed to fn live in ar until the caller frees it. */
kz_rc kz_conf_parse(const char *text, size_t n, kz_conf_fn fn, void *ctx, kz_arena *ar, unsigned *line,
                    unsigned *col, kz_err *err);

#endif

/* Streaming JSON: a validating push scanner fed with chunks of any size that hands out
 * the complete text of the values a caller selects by their path ("objects", 3), so that
 * each can be parsed on its own (with jansson) while the document as a whole never sits
 * in memory. A STIX bundle of a million objects, a TAXII envelope and a MISP event file
 * are all read this way, in memory bounded by the largest selected value.
 *
 *   kz_jstream *s = kz_jstream_new(1 << 24, select, emit, ctx);
 *   while ((n = read(fd, buf, sizeof buf)) > 0)
 *       if ((rc = kz_jstream_feed(s, buf, n, err))) break;
 *   if (!rc) rc = kz_jstream_end(s, err);
 *   kz_jstream_free(s);
 *
 * The scanner checks the JSON grammar of everything it reads (RFC 8259: structure,
 * strings and their escapes, numbers, literals, one top-level value); errors give the
 * line and column. Keys are compared as written between the quotes (escapes are not
 * decoded in paths). One scanner belongs to one thread. */
#ifndef KZ_CODEC_JSON_STREAM_H
#define KZ_CODEC_JSON_STREAM_H

#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    KZ_JSTREAM_DEPTH = 256,   /* nesting ceiling */
    KZ_JSTREAM_KEY = 64,      /* bytes of a key kept for paths (longer keys never match) */
};

/* One level of a path: a member of an object (key) or an element of an array. */
typedef struct kz_jlevel {
    bool array;
    uint64_t index;                 /* array: index of the current element */
    char key[KZ_JSTREAM_KEY + 1];   /* object: the current member's key, NUL-terminated */
    bool key_long;                  /* the key was longer than KZ_JSTREAM_KEY */
} kz_jlevel;

typedef struct kz_jpath {
    const kz_jlevel *levels;        /* levels[0] is the top-level container */
    size_t depth;                   /* number of levels: 1 for a member of the top value */
    char first;                     /* for select: the first byte of the value that starts
                                     * ('{', '[', '"', '-', a digit, 't', 'f' or 'n') */
} kz_jpath;

/* Asked when a value starts at path: true to capture it whole. */
typedef bool (*kz_jselect_fn)(void *ctx, const kz_jpath *path);

/* Receives a captured value: its text (valid until the call returns; NUL-terminated),
 * its path and the byte offset where it started. A non-OK return stops the scan and is
 * returned by kz_jstream_feed. */
typedef kz_rc (*kz_jemit_fn)(void *ctx, const kz_jpath *path, const char *text, size_t len, uint64_t offset);

typedef struct kz_jstream kz_jstream;

/* A scanner that captures values of at most max_value bytes (a longer selected value
 * fails with KZ_ETOOBIG naming its path). NULL when out of memory. */
kz_jstream *kz_jstream_new(size_t max_value, kz_jselect_fn select, kz_jemit_fn emit, void *ctx);
void kz_jstream_free(kz_jstream *s);

/* Scans the next n bytes. KZ_EINVAL (field "", message with line and column) on bad
 * JSON; KZ_ETOOBIG; or the emit function's result. After an error the scanner only
 * repeats it. */
kz_rc kz_jstream_feed(kz_jstream *s, const char *p, size_t n, kz_err *err);

/* The input ended: KZ_EINVAL unless exactly one complete value was read. */
kz_rc kz_jstream_end(kz_jstream *s, kz_err *err);

/* Also keeps the text of the whole document while it is at most max bytes, for
 * inputs that may be either one large container or one small object (a STIX bundle or
 * a single STIX object). Call before the first feed. */
kz_rc kz_jstream_keep_document(kz_jstream *s, size_t max);

/* After kz_jstream_end: the whole document when it was kept and fit; false otherwise. */
bool kz_jstream_document(const kz_jstream *s, const char **text, size_t *len);

/* Bytes scanned so far. */
uint64_t kz_jstream_offset(const kz_jstream *s);

/* "objects[3]" or "Event.Attribute[12]" into out; returns out. */
char *kz_jpath_format(const kz_jpath *path, char *out, size_t size);

#endif

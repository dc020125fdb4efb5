/* CSV records (RFC 4180) split into fields, one line at a time: the range files of the
 * routing data and the event files of `kizuna route`. A record never spans lines here
 * (a quoted field with a line break is reported as an unterminated quote). */
#ifndef KZ_CODEC_CSV_H
#define KZ_CODEC_CSV_H

#include "util/error.h"

#include <stddef.h>

typedef struct kz_csv_field {
    const char *p;  /* into the line, or into scratch for a quoted field */
    size_t n;
} kz_csv_field;

/* Splits line[0..n) (a trailing "\r" is dropped) at sep into at most max fields, into
 * f[0..*nf). Quoted fields are unquoted ("" becomes ") into scratch, which must hold
 * n bytes. KZ_EINVAL naming the column (1-based, in bytes) for an unterminated quote,
 * text after a closing quote, or more than max fields. */
kz_rc kz_csv_split(const char *line, size_t n, char sep, char *scratch, kz_csv_field *f, int max,
                   int *nf, kz_err *err);

#endif

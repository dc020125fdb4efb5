/* CSV (RFC 4180). kz_csv_split splits one line into fields: the range files of the
 * routing data and the event files of `kizuna route`, where a record never spans lines.
 * kz_csv_reader builds on it for feeds: fed one line at a time (from util/reader.h,
 * which has taken the '\n' off), it joins the lines of a quoted field that spans
 * several, skips blank and comment lines and a UTF-8 byte order mark, and hands out
 * whole records with NUL-terminated fields; everything it holds is bounded
 * (KZ_CSV_MAX_RECORD bytes, KZ_CSV_MAX_FIELDS fields). The writers quote only where
 * needed, so that what they write reads back the same. */
#ifndef KZ_CODEC_CSV_H
#define KZ_CODEC_CSV_H

#include "model/field.h"
#include "util/buf.h"
#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

enum { KZ_CSV_MAX_FIELDS = 256, KZ_CSV_MAX_RECORD = 1 << 20 };

/* One record: n fields, each NUL-terminated (field[i][len[i]] == '\0'). Valid until the
 * next call into the reader. */
typedef struct kz_csv_record {
    const char *field[KZ_CSV_MAX_FIELDS];
    size_t len[KZ_CSV_MAX_FIELDS];
    size_t n;
    uint64_t line;           /* line on which the record starts */
} kz_csv_record;

typedef struct kz_csv_reader {
    char sep;                /* ',' by default */
    char comment;            /* lines starting with it are skipped; 0 = none */
    kz_buf joined;           /* the lines of a record spanning several, '\n'-joined */
    kz_buf scratch;          /* unquoted fields, for kz_csv_split */
    kz_buf text;             /* the fields handed out, NUL-terminated */
    uint64_t line;           /* first line of the record being read */
    bool started;            /* past the first line (where a byte order mark may be) */
    kz_csv_field f[KZ_CSV_MAX_FIELDS];
    kz_csv_record rec;
} kz_csv_reader;

/* A reader for separator sep (0: ',') and comment character comment (0: none). Free it
 * with kz_csv_reader_free. */
void kz_csv_reader_init(kz_csv_reader *p, char sep, char comment);
void kz_csv_reader_free(kz_csv_reader *p);

/* Feeds line number lineno (without its line ending). Returns 1 and sets *rec when the
 * line completes a record, 0 when the record goes on over the next line (an open quote)
 * or the line was blank or a comment, -1 with err ("column 9: ...") on malformed input,
 * the record's first line then being p->line; the reader is ready for the next record. */
int kz_csv_reader_line(kz_csv_reader *p, const char *line, size_t len, uint64_t lineno,
                       const kz_csv_record **rec, kz_err *err);

/* At the end of the input: -1 with err when a quoted field was never closed (opened on
 * line p->line), else 0. */
int kz_csv_reader_end(kz_csv_reader *p, kz_err *err);

/* Appends s[0..n) as one CSV field, quoted when it holds the separator, a quote, a line
 * break or leading or trailing blanks, or starts with '#' or a byte order mark. NULL
 * or empty appends an empty field. */
kz_rc kz_csv_put(kz_buf *b, const char *s, size_t n, char sep);

/* A header line of the schema's field names, and one object as a line under it: enums
 * by name, times in RFC 3339, booleans true/false, lists joined with ' ', unset values
 * empty. Each line ends with '\n'. */
kz_rc kz_csv_header(kz_buf *b, const kz_schema *s);
kz_rc kz_csv_row(kz_buf *b, const kz_schema *s, const void *obj);

#endif

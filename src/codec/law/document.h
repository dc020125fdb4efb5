/* The policy library's records on the wire and in files: the hash of a document
 * version, and one version as a JSON line or a CSV row (the API's fields plus the
 * stored copy as file_base64), written by `kizuna library export` and read back,
 * checked field by field, by `kizuna library import`. */
#ifndef KZ_CODEC_DOCUMENT_H
#define KZ_CODEC_DOCUMENT_H

#include "codec/sharing/csv.h"
#include "model/law.h"
#include "util/arena.h"
#include "util/buf.h"

#include <stdbool.h>

/* A stored copy travelling with a record. */
typedef struct kz_document_blob {
    const unsigned char *data;  /* NULL when the record has none */
    size_t size;
} kz_document_blob;

/* The SHA-256 (hex) of a version's content: every field but hash itself and the
 * node's own sharing bookkeeping (organization, recipients, allow_clients), as sorted
 * compact JSON, so that the same version has the same hash on every node. */
kz_rc kz_document_hash(const kz_document *o, char out[65], kz_err *err);

/* Appends one version as a JSON object and '\n'. */
kz_rc kz_document_jsonl(kz_buf *b, const kz_document *o, const kz_document_blob *file);
/* The CSV header line, and one version as a row under it. */
kz_rc kz_document_csv_header(kz_buf *b);
kz_rc kz_document_csv_row(kz_buf *b, const kz_document *o, const kz_document_blob *file);

/* Decodes one JSON line (n bytes) into o, in a: the fields of kz_document_schema as the
 * API takes them, plus the export's own (id, version, created, modified, hash, sha256,
 * file_name, file_type, file_size, file_base64; organization is ignored: the
 * importing organization becomes the source). KZ_EINVAL naming the field, or "column
 * N: ..." for malformed JSON; KZ_ETOOBIG for a stored copy over KZ_DOC_FILE_MAX. */
kz_rc kz_document_from_json(const char *line, size_t n, kz_arena *a, kz_document *o, kz_document_blob *file,
                            kz_err *err);

/* Which field each CSV column holds, from the header line. */
typedef struct kz_document_columns {
    int field[KZ_CSV_MAX_FIELDS];   /* index into kz_document_schema, -1 = file_base64 */
    size_t n;
} kz_document_columns;
kz_rc kz_document_csv_columns(const kz_csv_record *header, kz_document_columns *cols, kz_err *err);
/* Decodes one CSV record like kz_document_from_json; errors say "column N (field): ...". */
kz_rc kz_document_from_csv(const kz_document_columns *cols, const kz_csv_record *r, kz_arena *a,
                           kz_document *o, kz_document_blob *file, kz_err *err);

/* A national survey as a printable HTML page (everything escaped, no script, no
 * external resource) in lang ("ja" for Japanese; anything else, NULL included, English),
 * and as plain English text for the library's search: the four parts in order, each norm
 * under its letter and short title, unanswered questions marked on the page. The caller
 * owns out. */
kz_rc kz_survey_html(const kz_survey *s, const char *lang, kz_buf *out);
kz_rc kz_survey_text(const kz_survey *s, kz_buf *out);

#endif

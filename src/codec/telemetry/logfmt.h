/* Log formats of telemetry: each parser turns one line into a kz_record (fields with
 * their kind, the timestamp, the victim key) without allocating; values point into the
 * line or into the per-thread context's scratch. Formats:
 *
 *   json   JSON lines: every string value by its dotted path ("source.ip"), matched
 *          by its shape unless --fields names them
 *   csv    RFC 4180 (quoted fields, "" escapes); tsv: tab-separated, no quoting;
 *          columns by header name (with a header line) or 1-based number
 *   zeek   Zeek TSV logs (conn, dns, http, ssl and the others): the #fields and #types
 *          header decide, a new header mid-file included
 *   squid  Squid's native access.log
 *   text   any line: addresses, host names, URLs, e-mail addresses and hashes are
 *          extracted from the text
 *
 * A kz_logfmt is configured once and shared read-only by the worker threads; each
 * thread has a kz_logctx. */
#ifndef KZ_CODEC_LOGFMT_H
#define KZ_CODEC_LOGFMT_H

#include "model/telemetry.h"
#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum kz_log_format {
    KZ_FMT_AUTO, KZ_FMT_JSON, KZ_FMT_CSV, KZ_FMT_TSV, KZ_FMT_ZEEK, KZ_FMT_SQUID, KZ_FMT_TEXT,
    KZ_FMT_COUNT
} kz_log_format;

/* Wire names: "auto", "json", "csv", "tsv", "zeek", "squid", "text". */
extern const kz_enum kz_log_format_enum;

typedef struct kz_logfmt_opts {
    kz_log_format format;
    const char *fields;   /* json, csv, tsv: "name[:kind],..." to match (kinds: ip, host,
                             url, email, hash, auto, text); NULL: every field, by shape */
    const char *ts_field;     /* NULL: detected by name */
    const char *victim_field; /* NULL: detected by name (user first, then source address) */
    bool header;              /* csv, tsv: the first line names the columns */
    size_t max_line;          /* the reader's ceiling (sizes the scratch) */
} kz_logfmt_opts;

typedef struct kz_logfmt kz_logfmt;
typedef struct kz_logctx kz_logctx;

/* A configuration from options. KZ_EINVAL naming the option when a field list is
 * malformed. Free with kz_logfmt_free. */
kz_rc kz_logfmt_new(const kz_logfmt_opts *o, kz_logfmt **out, kz_err *err);
void kz_logfmt_free(kz_logfmt *f);

/* Settles what depends on the input's first bytes: the format when "auto", the column
 * names of a CSV header. Called once, before any parsing, with the first block. */
kz_rc kz_logfmt_prepare(kz_logfmt *f, const char *head, size_t n, kz_err *err);

kz_log_format kz_logfmt_format(const kz_logfmt *f);

/* How JSON lines are read: by the byte-by-byte walk (the default: on the lines of
 * bench/match it measured faster, bench/RESULTS.md), or through the SIMD structural
 * index, with the fastest implementation this CPU has (KZ_JSON_INDEX) or a given one.
 * Every reader gives the same answers (tests/fuzz/fuzz_log_json.c compares them). For
 * tests and benchmarks; set before any parsing. False, changing nothing, when the CPU
 * lacks the implementation. */
typedef enum kz_json_reader {
    KZ_JSON_BYTES, KZ_JSON_INDEX, KZ_JSON_SCALAR, KZ_JSON_SSE2, KZ_JSON_AVX2
} kz_json_reader;
bool kz_logfmt_json_reader(kz_logfmt *f, kz_json_reader r);

/* For formats with in-band headers (Zeek): called by the reading thread on every block,
 * in order, before the block goes to a worker. Returns the header state in effect at the
 * block's start (to pass to kz_logctx_block) and takes note of headers inside it.
 * KZ_ENOMEM only. */
kz_rc kz_logfmt_scan_block(kz_logfmt *f, uint64_t seq, const char *data, size_t n,
                           const void **state_at_start);

/* Per-thread context: scratch for unescaped values and synthesized URLs. */
kz_logctx *kz_logctx_new(const kz_logfmt *f);
void kz_logctx_free(kz_logctx *c);

/* Starts a block: the header state kz_logfmt_scan_block returned for it. */
void kz_logctx_block(kz_logctx *c, uint64_t seq, const void *state);

/* Parses one line (without its newline). first_line: the first line of the input (a CSV
 * header). Returns 1 with rec filled, 0 for a line that carries no record (comment,
 * header, empty), -1 for a line that does not parse in this format. */
int kz_logfmt_parse(const kz_logfmt *f, kz_logctx *c, const char *line, size_t n,
                    size_t offset_in_block, bool first_line, kz_record *rec);

/* The text extractor, also used for fields of kind "text": appends to rec the
 * candidates found in s[0..n), named name. Returns how many were added. */
int kz_text_extract(const char *s, size_t n, const char *name, size_t name_len, kz_record *rec);

#endif

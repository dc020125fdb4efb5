/* Telemetry matching: scans log files (or stdin) against a compiled indicator set on
 * every core, and hands each match, in input order, to a sink.
 *
 * The pipeline: the calling thread reads blocks (util/reader: plain or gzip, whole
 * lines) and hands them to worker threads; each worker parses its block's lines with
 * the log format (codec/telemetry/logfmt.h) and looks every field up (engine/match.h), keeping
 * its matches with the block; the calling thread takes finished blocks back in order,
 * numbers their lines, calls the sink for each match and reuses the block. Memory is
 * a fixed number of blocks whatever the input size; nothing is allocated per line. */
#ifndef KZ_SERVICE_MATCH_H
#define KZ_SERVICE_MATCH_H

#include "codec/telemetry/logfmt.h"
#include "engine/indset.h"
#include "util/buf.h"
#include "util/clock.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* One match, valid during the sink call. */
typedef struct kz_match_hit {
    const char *file;             /* the input's name ("-" for stdin) */
    uint64_t line;                /* 1-based */
    const char *ts;               /* the line's timestamp as written, or NULL */
    size_t ts_len;
    kz_time time;                 /* the timestamp parsed (epoch seconds or RFC 3339), or 0 */
    const char *field, *observed, *victim, *victim_field;
    size_t field_len, observed_len, victim_len, victim_field_len;
    uint32_t ind;                 /* the indicator's number in the set */
} kz_match_hit;

/* Called for each match in input order, on the calling thread. A non-zero result stops
 * the scan and is returned by kz_match_run. */
typedef kz_rc (*kz_match_sink)(void *ctx, const kz_match_hit *h);

typedef struct kz_match_opts {
    char *const *inputs;          /* files, "-" for stdin */
    int n_inputs;
    kz_logfmt_opts fmt;
    int threads;                  /* workers; 0: one per online CPU */
    size_t block_size, max_line;  /* 0: the reader's defaults */
    bool progress;                /* a progress line on stderr when it is a terminal */
    struct kz_geodb *geodb;       /* routing data for AS indicators; NULL: they are not
                                     matched (kz_match_run refuses a set that has some) */
    FILE *warn;                   /* where bad lines are reported (NULL: not reported) */
    int max_warnings;             /* per input, then a count; at most KZ_MATCH_WARNINGS */
} kz_match_opts;

/* The most bad lines reported an input. Each block keeps this many, so the lines shown are
 * the input's first bad lines in order, whatever the block size and the number of threads. */
enum { KZ_MATCH_WARNINGS = 10 };

typedef struct kz_match_stats {
    uint64_t files, lines, bytes, bytes_in, matches, matched_lines;
    uint64_t malformed;           /* lines that do not parse in the format */
    uint64_t too_long;            /* lines over the ceiling, skipped */
    uint64_t invalid_utf8;        /* lines that are not valid UTF-8 (still scanned) */
    uint64_t truncated;           /* lines with more fields than are matched */
    uint64_t failed_files;        /* inputs that could not be opened or were cut short */
    double seconds;
    int threads;
} kz_match_stats;

/* Scans every input. A file that cannot be read, or a gzip file cut short, is reported
 * on o->warn and counted in failed_files (the lines before the damage are matched);
 * the scan goes on with the next input. Returns KZ_OK, the sink's result, or KZ_ENOMEM /
 * KZ_EINVAL (a bad --fields for the data) with err filled. */
kz_rc kz_match_run(const kz_indset *set, const kz_match_opts *o, kz_match_sink sink, void *ctx,
                   kz_match_stats *st, kz_err *err);

/* The JSON line of a match (without the newline), appended to out:
 * {"file":..,"line":..,"ts":..,"field":..,"observed":..,"indicator":{"id":..,"type":..,
 *  "value":..},"victim":..,"victim_field":..} */
kz_rc kz_match_hit_json(const kz_indset *set, const kz_match_hit *h, kz_buf *out);

/* Parses a timestamp as logs write it: epoch seconds with an optional fraction (Zeek,
 * Squid), epoch milliseconds, or RFC 3339. 0 when it is none of these. */
kz_time kz_match_parse_time(const char *s, size_t n);

#endif

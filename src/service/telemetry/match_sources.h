/* The matcher's indicator sources and its write-back:
 *   - an indicator file: one "type,value" or "type,value,id" per line (CSV quoting
 *     allowed; '#' comments, blank lines and a "type,value" header skipped), every value
 *     normalized as on import; bad lines are reported with their number and field, and
 *     the load fails after reading them all. Or a STIX 2.1 bundle (a file whose first
 *     character is '{'): its indicators whose pattern names one observable, unless
 *     revoked or expired, read with issue 3's STIX codec (codec/stix/stix.h); objects that do
 *     not decode are reported with their position and fail the load the same way
 *   - the database: the indicators the caller may see under TLP that have not expired
 *   - the recorder: a match sink (kz_match_sink) that sums matches of database
 *     indicators per indicator and day into sighting reports (first and last seen are
 *     the matched lines' own times, so that matching the same logs again replaces the
 *     reports instead of adding to them) and records their victims as keyed hashes. */
#ifndef KZ_SERVICE_MATCH_SOURCES_H
#define KZ_SERVICE_MATCH_SOURCES_H

#include "engine/indset.h"
#include "service/core/call.h"
#include "service/telemetry/match.h"

#include <stdio.h>

typedef struct kz_ind_load_report {
    uint64_t lines, added, bad;
    uint64_t skipped;   /* STIX: revoked, expired, or patterns that are not one observable */
    /* optional: told the number added now and then (for a progress line) */
    void (*progress)(void *ctx, uint64_t added);
    void *progress_ctx;
} kz_ind_load_report;

kz_rc kz_match_load_file(kz_indset_builder *b, const char *path, FILE *warn, int max_warnings,
                         kz_ind_load_report *rep, kz_err *err);

/* The indicators of the file at path, compiled into *out (the caller's: kz_indset_free),
 * through the compiled image kept at cache (NULL: no image): when the image there was
 * made from the same contents by the same program, it is mapped in place and nothing is
 * loaded (*cached true, rep->added the count); otherwise the file is loaded as
 * kz_match_load_file does, compiled, and the image written to cache (atomically, best
 * effort: an unwritable directory only costs the next run the load). STIX bundles are
 * never kept compiled, since their indicators expire with time. */
kz_rc kz_match_load_file_cached(const char *path, const char *cache, FILE *warn, int max_warnings,
                                kz_ind_load_report *rep, kz_indset **out, bool *cached, kz_err *err);

/* Errors go to c->err. */
kz_rc kz_match_load_db(kz_call *c, kz_indset_builder *b, kz_ind_load_report *rep);

typedef struct kz_match_recorder kz_match_recorder;

typedef struct kz_match_record_report {
    size_t sightings;       /* reports written */
    size_t victims_added;   /* new (indicator, day, victim) rows */
    size_t skipped_no_id;   /* matches of file indicators, which have nothing to report to */
} kz_match_record_report;

/* A recorder writing as the caller (an analyst), sightings shared under tlp. NULL when
 * out of memory. */
kz_match_recorder *kz_match_recorder_new(kz_call *c, const kz_indset *set, int tlp);

/* The sink: pass it to kz_match_run with the recorder as ctx. Victims are written in
 * batches while the scan runs; errors go to c->err. */
kz_rc kz_match_recorder_add(void *recorder, const kz_match_hit *h);

/* Writes the remaining victims and every sighting report. */
kz_rc kz_match_recorder_finish(kz_match_recorder *r, kz_match_record_report *out);

void kz_match_recorder_free(kz_match_recorder *r);

#endif

/* Persistence of the policy library: document versions (one row each, never changed),
 * their stored copies by SHA-256, and the trigram full-text index. Lists filter with
 * kz_visible() inside SQL, so no page or count touches a row the viewer may not see;
 * single reads return the row and the service asks kz_tlp_visible. Strings returned
 * are copied into the caller's arena. */
#ifndef KZ_STORE_DOCUMENTS_H
#define KZ_STORE_DOCUMENTS_H

#include "model/law.h"
#include "model/page.h"
#include "model/tlp.h"
#include "store/core/store.h"
#include "util/arena.h"

typedef KZ_PAGE_OF(kz_document) kz_document_page;

/* Filters of document lists; NULL = not filtered. Lists show each document's latest
 * version only. */
typedef struct kz_document_filter {
    const char *state, *type, *status, *topic, *norm, *tlp;
    const char *q;            /* words searched in titles, summary and text (trigram); KZ_EINVAL
                                 naming "q" for more than KZ_DOC_SHORT_WORDS short words */
} kz_document_filter;

kz_rc kz_store_document_insert(kz_db *db, const kz_document *o, kz_err *err);
/* Version `version` of document id, or its latest when version is 0. KZ_ENOTFOUND
 * (field "document") when there is none. */
kz_rc kz_store_document_get(kz_db *db, const char *id, int64_t version, kz_arena *a, kz_document *out,
                            kz_err *err);
/* Every version of id that v may see, oldest first (at most max). */
kz_rc kz_store_document_versions(kz_db *db, const kz_viewer *v, const char *id, size_t max, kz_arena *a,
                                 kz_document **items, size_t *n, kz_err *err);
/* The latest versions v may see, matching f, in order of writing. */
kz_rc kz_store_document_list(kz_db *db, const kz_viewer *v, const kz_document_filter *f, const kz_page *pg,
                             kz_arena *a, kz_document_page *out, kz_err *err);
/* Calls fn for every version v may see, in order of writing (for export). The
 * document passed to fn lives until fn returns; fn returning non-zero stops. */
kz_rc kz_store_document_each(kz_db *db, const kz_viewer *v, int (*fn)(void *ctx, const kz_document *o),
                             void *ctx, kz_err *err);

/* Stores a copy by its hash (a second put of the same content changes nothing). */
kz_rc kz_store_document_file_put(kz_db *db, const char *sha256, const void *data, size_t size, kz_err *err);
/* The copy with this hash, in a. KZ_ENOTFOUND (field "file") when none. */
kz_rc kz_store_document_file_get(kz_db *db, const char *sha256, kz_arena *a, const void **data, size_t *size,
                                 kz_err *err);

/* ---- national surveys (versions as documents; the service decides who sees one) --- */

typedef KZ_PAGE_OF(kz_survey) kz_survey_page;
kz_rc kz_store_survey_insert(kz_db *db, const kz_survey *o, kz_err *err);
/* Version `version` of survey id, or its latest when 0. KZ_ENOTFOUND (field "survey"). */
kz_rc kz_store_survey_get(kz_db *db, const char *id, int64_t version, kz_arena *a, kz_survey *out, kz_err *err);
/* Every version of survey id, oldest first, a page at a time. */
kz_rc kz_store_survey_versions(kz_db *db, const char *id, const kz_page *pg, kz_arena *a, kz_survey_page *out,
                               kz_err *err);
/* The latest version of each survey of organization org, in order of writing. */
kz_rc kz_store_survey_list(kz_db *db, const char *org, const kz_page *pg, kz_arena *a, kz_survey_page *out,
                           kz_err *err);

#endif

/* Persistence for STIX and TAXII: the objects kept verbatim (model/stix.h), where the
 * STIX ids of imported objects landed in Kizuna, TAXII status resources, and the one
 * query that lists a TAXII collection: every object of one TLP label that the viewer
 * may see (indicators, incidents, sightings and kept objects), in the order they were
 * added, filtered inside SQL with kz_visible like every other list. */
#ifndef KZ_STORE_STIX_H
#define KZ_STORE_STIX_H

#include "model/stix.h"
#include "store/core/store.h"
#include "util/arena.h"

#include <stdbool.h>
#include <stdint.h>

/* ---- kept objects ------------------------------------------------------------------- */

/* Inserts o unless the same (id, version, source) is stored; *added says which. */
kz_rc kz_store_stix_put(kz_db *db, const kz_stix_object *o, bool *added, kz_err *err);

/* Calls fn for each kept object v may see (of label tlp when tlp >= 0), in the order
 * they were added, in constant memory (the object lives until fn returns). The texts of
 * imported native objects are not among them (kz_store_stix_native_each). */
typedef kz_rc (*kz_stix_kept_fn)(const kz_stix_object *o, void *ctx);
kz_rc kz_store_stix_each(kz_db *db, const kz_viewer *v, int tlp, kz_stix_kept_fn fn, void *ctx, kz_err *err);

/* Calls fn for each version of the kept identity or marking definition stix_id that
 * source keeps, oldest first. No viewer: it is for what a served object of that source
 * refers to (created_by_ref, object_marking_refs), which is served with that object
 * (svc_stix_export.c); the caller has asked kz_visible of the object. */
kz_rc kz_store_stix_referred_each(kz_db *db, const char *stix_id, const char *source, kz_stix_kept_fn fn, void *ctx,
                                  kz_err *err);

/* Calls fn for each stored STIX text (every version, in the order added) of the native
 * object kz_id of kind ('i', 'r', 's') that v may see, or of every native object of
 * that kind when kz_id is NULL; the row's sharing is the native object's. */
kz_rc kz_store_stix_native_each(kz_db *db, const kz_viewer *v, char kind, const char *kz_id, kz_stix_kept_fn fn,
                                void *ctx, kz_err *err);

/* The native objects that have stored STIX texts, sorted by key (kind then id: "i<uuid>"),
 * and whether one of the texts stands in place of Kizuna's rendering. Arena memory. */
typedef struct kz_stix_native {
    char key[40];
    bool replaced;
} kz_stix_native;
kz_rc kz_store_stix_natives(kz_db *db, kz_arena *a, kz_stix_native **out, size_t *n, kz_err *err);

/* Whether any text is stored under this STIX id. */
kz_rc kz_store_stix_known(kz_db *db, const char *stix_id, bool *known, kz_err *err);

/* ---- where imported ids went -------------------------------------------------------- */

/* kind: 'i' indicator, 'r' incident, 's' sighting. */
kz_rc kz_store_stix_ref_put(kz_db *db, const char *stix_id, char kind, const char *kz_id, const char *version,
                            kz_err *err);
/* KZ_ENOTFOUND when the STIX id was never imported. version may be NULL. */
kz_rc kz_store_stix_ref_get(kz_db *db, const char *stix_id, char *kind, char kz_id[37], char version[64],
                            kz_err *err);

/* ---- TAXII ---------------------------------------------------------------------------- */

enum { KZ_TAXII_VERSION_LAST, KZ_TAXII_VERSION_FIRST, KZ_TAXII_VERSION_ALL, KZ_TAXII_VERSION_AT };

typedef struct kz_taxii_filter {
    int tlp;                     /* the collection's label */
    int64_t added_after;         /* date_added in microseconds, exclusive; 0 = from the start */
    const char *ids;             /* JSON array of STIX ids, or NULL for any */
    const char *types;           /* JSON array of STIX types, or NULL for any */
    const char *spec_versions;   /* JSON array ("2.1"), or NULL for any */
    int version_mode;            /* KZ_TAXII_VERSION_* */
    const char *versions;        /* KZ_TAXII_VERSION_AT: JSON array of times in ms */
    struct {                     /* start after this row (a page's next) */
        int64_t added;
        char kind;
        int64_t n;
    } after;
    int64_t limit;
    const char *marking_id;      /* the label's marking definition, served with the objects */
    kz_time marking_created;
    const char *marking1_id;     /* the label's TLP 1.0 definition, served when a text
                                    names it (NULL: none) */
    kz_time marking1_created;
    const char *markings_above;  /* JSON array of the TLP marking ids above the label: a
                                    kept text that names one itself is not served by
                                    reference in the label's collection */
} kz_taxii_filter;

/* One entry of a collection: kind 'i' indicator, 'r' incident (as a report), 's'
 * sighting, 'x' stored text (kept object, or an imported native object's version),
 * 'o' organization (as an identity), 'k' a kept identity or marking definition that
 * an object of the page's label the viewer may see refers to (its text served as kept),
 * 'm' the label's marking definition (n 0), or its TLP 1.0 one (n 1) where a text names
 * that, 't' an object of a statement (the statements collection,
 * service/statements/statements.h). */
typedef struct kz_taxii_row {
    char kind;
    int64_t n;
    char *id;                    /* the STIX id */
    char *kz_id;                 /* the Kizuna id ('i', 'r', 's') */
    int64_t added;               /* date_added in microseconds, strictly increasing */
    kz_time modified;
    char *version;               /* 'x', 'k': as written */
    char *spec_version;
    char *json;                  /* 'x', 'k' */
    char *source;                /* the source organization, the sharing the row is
                                    served under and its recipients */
    int tlp;
    kz_strlist recipients;
    bool allow_clients;
} kz_taxii_row;

/* Up to f->limit rows; *more when further rows follow. Arena memory. */
kz_rc kz_store_taxii_list(kz_db *db, const kz_viewer *v, const kz_taxii_filter *f, kz_arena *a,
                          kz_taxii_row **rows, size_t *n, bool *more, kz_err *err);

/* Status resources of TAXII POSTs: the JSON body as answered, readable by the
 * organization that posted. */
kz_rc kz_store_taxii_status_put(kz_db *db, const char *id, kz_time created, const char *org, const char *body,
                                kz_err *err);
/* KZ_ENOTFOUND when there is no such status or it belongs to another organization. */
kz_rc kz_store_taxii_status_get(kz_db *db, const char *id, const char *org, kz_arena *a, char **body, kz_err *err);

#endif

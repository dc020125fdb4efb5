/* STIX 2.1 in (svc_stix_import.c).
 *
 * Import (kizuna import stix, TAXII POST): a bundle streamed object by object into one
 * write transaction (kizuna import: one per chunk). Each object is accepted (it became, or matched, a Kizuna object),
 * kept (stored verbatim, returned on export and over TAXII) or rejected (reported with
 * its id and the reason; nothing of it is written):
 *   indicator      one supported observable -> a Kizuna indicator (deduplicated per
 *                  type, value and source); any other pattern -> kept
 *   report, grouping -> an incident; object_refs to indicators become links
 *   sighting       of an indicator Kizuna has -> a sighting; of anything else -> kept
 *   identity       of an organization of the directory -> accepted; else kept
 *   marking-definition  TLP -> accepted; else kept
 *   observed-data  kept (only a sighting says an indicator was seen)
 *   anything else  kept
 * Every accepted indicator, report, grouping and sighting also keeps its text, one row
 * per version, served in place of Kizuna's rendering (docs/ARCHITECTURE.md, "What came
 * in goes out"), unless it is one of Kizuna's own objects coming back.
 * The TLP of an object is the most restrictive TLP marking it names, else the import's
 * default. The source is the object's created_by_ref organization when the caller may
 * act for it, else the importing organization. Re-importing the same bundle changes
 * nothing. Analyst or admin. */
#ifndef KZ_SERVICE_STIX_IMPORT_H
#define KZ_SERVICE_STIX_IMPORT_H

#include "codec/stix/stix.h"
#include "service/sharing/incidents.h"
#include "service/sharing/indicators.h"
#include "store/stix/stix.h"

/* What happened to one object. */
typedef enum kz_stix_outcome { KZ_STIX_ACCEPTED, KZ_STIX_KEPT, KZ_STIX_REJECTED } kz_stix_outcome;

/* Told about each object: its id (or "objects[i]" when it has none), its version (may
 * be NULL), the outcome and, when rejected, why (field and reason). */
typedef void (*kz_stix_outcome_fn)(void *ctx, const char *id, const char *version, kz_stix_outcome outcome,
                                   const kz_err *why);

typedef struct kz_stix_import_opts {
    int tlp;                     /* for objects without a TLP marking */
    int min_tlp;                 /* no object is stored below this label (TAXII: the
                                    collection's); -1 none */
    kz_strlist recipients;       /* added to every object */
    bool allow_clients;
    const char *source;          /* acting organization; NULL: the caller's */
    bool dry_run;                /* check and count, write nothing */
    bool allow_declassify;       /* merges may lower/widen the caller's own (sharing.h) */
    const char *exercise;        /* the table-top exercise everything imported is made in
                                    (a player's import during a run); NULL: real work,
                                    unless a recipient is an exercise-only organization */
    uint64_t chunk;              /* commit every this many objects (kizuna import); 0: the
                                    whole bundle in one transaction (TAXII) */
    kz_stix_outcome_fn on_object;
    void *ctx;
} kz_stix_import_opts;

typedef struct kz_stix_import_report {
    uint64_t objects, accepted, kept, rejected;
    uint64_t indicators_created, indicators_merged, indicators_unchanged;
    uint64_t incidents_created, incidents_updated, incidents_unchanged;
    uint64_t sightings, links;
    uint64_t kept_new;           /* kept objects (versions) not stored before */
    uint64_t bytes;
    uint64_t committed;          /* objects of the chunks committed before a failure */
    char bundle[KZ_STIX_ID_MAX + 1];
} kz_stix_import_report;

/* Imports the bundle (or single object) read from src. KZ_EINVAL for a document that
 * is not JSON or not STIX (c->err has the line and column); rejected objects do not
 * fail the import. With o->chunk, every chunk objects are committed (each chunk with
 * its "indicator.import" and "stix.import" events, "chunk" in their detail): a bundle
 * cut short then keeps its first rep->committed objects; without, nothing is written. */
kz_rc kz_svc_stix_import(kz_call *c, const kz_byte_source *src, const kz_stix_import_opts *o,
                         kz_stix_import_report *rep);

/* For the STIX, TAXII and MISP siblings. */
/* kz_apply_fn: an imported object (report, MISP event) replaces what an earlier
 * version of it said: the classification and sharing fields of ctx (a kz_incident). */
kz_rc kz__apply_imported_incident(void *target, void *ctx, kz_err *err);

/* Errors of the store or of memory stop an import; the others reject one object. */
bool kz__import_fatal(kz_rc rc);

#endif

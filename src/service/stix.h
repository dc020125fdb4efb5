/* STIX 2.1 in and out, and the TAXII 2.1 collections built on them.
 *
 * Import (kizuna import stix, TAXII POST): a bundle streamed object by object into one
 * write transaction. Each object is accepted (it became, or matched, a Kizuna object),
 * kept (stored verbatim, returned on export and over TAXII) or rejected (reported with
 * its id and the reason; nothing of it is written):
 *   indicator      one supported observable -> a Kizuna indicator (deduplicated per
 *                  type, value and source); any other pattern -> kept
 *   report, grouping -> an incident; object_refs to indicators become links
 *   sighting       of an indicator Kizuna has -> a sighting; of anything else -> kept
 *   identity       of an organization of the directory -> accepted; else kept
 *   marking-definition  TLP -> accepted; else kept
 *   observed-data  kept; each of its observables that equals an indicator the caller
 *                  may see is recorded as a sighting of that indicator
 *   anything else  kept
 * The TLP of an object is the most restrictive TLP marking it names, else the import's
 * default. The source is the object's created_by_ref organization when the caller may
 * act for it, else the importing organization. Re-importing the same bundle changes
 * nothing. Analyst or admin.
 *
 * Export (kizuna export stix): one bundle of everything the caller may see that matches
 * the API's filters, with the identities of the organizations it names and the TLP
 * marking definitions it uses, streamed in one read snapshot.
 *
 * TAXII: one collection per TLP label; its objects are the caller's visible indicators,
 * incidents, sightings and kept objects of that label. */
#ifndef KZ_SERVICE_STIX_H
#define KZ_SERVICE_STIX_H

#include "codec/stix.h"
#include "service/export.h"
#include "service/sharing.h"
#include "store/stix.h"

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
    char bundle[KZ_STIX_ID_MAX + 1];
} kz_stix_import_report;

/* Imports the bundle (or single object) read from src. KZ_EINVAL for a document that
 * is not JSON or not STIX (c->err has the line and column); rejected objects do not
 * fail the import. */
kz_rc kz_svc_stix_import(kz_call *c, const kz_byte_source *src, const kz_stix_import_opts *o,
                         kz_stix_import_report *rep);

typedef struct kz_stix_export_opts {
    bool indicators, incidents, kept;   /* what to include; sightings go with indicators */
    kz_indicator_filter indicator_filter;
    kz_incident_filter incident_filter;
    kz_sink out;
} kz_stix_export_opts;

typedef struct kz_stix_export_report {
    uint64_t indicators, incidents, sightings, identities, markings, kept, bytes;
} kz_stix_export_report;

kz_rc kz_svc_stix_export(kz_call *c, const kz_stix_export_opts *o, kz_stix_export_report *rep);

/* The "stix" row of kizuna export's formats (export.h): indicators (and their
 * sightings), incidents, or all of them with the kept STIX objects. */
kz_rc kz_stix_export_format(kz_call *c, const kz_export_opts *o, kz_export_report *rep);

/* ---- TAXII -------------------------------------------------------------------------- */

/* The collections the caller may read: every label for members, CLEAR only for callers
 * without a key on a node that publishes CLEAR. can_write: analysts and admins. */
typedef struct kz_taxii_collection {
    const char *id;              /* a fixed UUID per label */
    int tlp;
    bool can_read, can_write;
} kz_taxii_collection;

kz_rc kz_svc_taxii_collections(kz_call *c, kz_taxii_collection out[5], size_t *n);
/* The collection with this id, if the caller may read it (KZ_ENOTFOUND otherwise). */
kz_rc kz_svc_taxii_collection(kz_call *c, const char *id, kz_taxii_collection *out);

/* A page of a collection: the STIX text of each object (objects) or only the rows
 * (manifest, with objects NULL). rows[i] and texts[i] in the call's arena. */
typedef struct kz_taxii_page {
    kz_taxii_row *rows;
    char **texts;                /* one STIX object each, when asked for */
    size_t n;
    bool more;
} kz_taxii_page;

kz_rc kz_svc_taxii_list(kz_call *c, const kz_taxii_collection *col, kz_taxii_filter *f, bool with_objects,
                        kz_taxii_page *out);

/* Status resources of POSTs: saved for the caller's organization, read back by it. */
kz_rc kz_svc_taxii_status_save(kz_call *c, const char *id, kz_time created, const char *body);
kz_rc kz_svc_taxii_status_get(kz_call *c, const char *id, char **body);

#endif

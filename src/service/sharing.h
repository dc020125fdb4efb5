/* Use cases of incident and indicator sharing: incidents with their timelines,
 * indicators (single, bulk and imported), sightings, and their statistics.
 *
 * Reading: every function below shows the caller only what kz_tlp_visible lets its
 * organization see. A single object the caller may not see is reported exactly like
 * one that does not exist (KZ_ENOTFOUND, same message); lists, counts and sums are
 * computed over visible rows only. Callers without a key read only when the node
 * publishes CLEAR (kz_node.public_clear), and then see CLEAR only.
 *
 * Writing: analysts write for their own organization (the source, observer or
 * reporting organization), admins for any; viewers read only. Every write runs in one
 * transaction and appends to the audit chain.
 *
 * Entry points for the other subsystems:
 *   - requests (issue 4) link to incidents and indicators: kz_svc_incident_get and
 *     kz_svc_indicator_get fail with KZ_ENOTFOUND for what the caller may not see;
 *     kz_incident_subject / kz_indicator_subject (model/sharing.h) give the TLP fields
 *     for kz_tlp_visible when deciding about a third party (a recipient of a request).
 *   - the telemetry matcher reads the indicators to match with kz_svc_indicator_each
 *     (filter.active_at = now: visible and unexpired) and writes what it saw back with
 *     kz_svc_sightings_record.
 *   - importers and exporters (CSV here; STIX, MISP and TAXII) write through a
 *     kz_ind_batch and read through kz_svc_indicator_each / kz_svc_incident_list. */
#ifndef KZ_SERVICE_SHARING_H
#define KZ_SERVICE_SHARING_H

#include "service/call.h"
#include "service/directory.h"
#include "store/sharing.h"

/* ---- incidents ------------------------------------------------------------------- */

/* o->id defaults to a new id (an importer may pass the id the incident has elsewhere,
 * when no incident has it yet); o->organization defaults to the caller's; rsit_class defaults to rsit_type's class;
 * status to open; occurred to now. A "created" entry starts the timeline. */
kz_rc kz_svc_incident_create(kz_call *c, kz_incident *o);
kz_rc kz_svc_incident_get(kz_call *c, const char *id, kz_incident *out);
/* apply changes the stored incident (e.g. a JSON patch); a status change is recorded
 * in the timeline. Only the reporting organization (or an admin) may update. */
kz_rc kz_svc_incident_update(kz_call *c, const char *id, kz_apply_fn apply, void *ctx, kz_incident *out);
kz_rc kz_svc_incident_list(kz_call *c, const kz_incident_filter *f, const kz_page *pg, kz_incident_page *out);
kz_rc kz_svc_incident_counts(kz_call *c, const kz_incident_filter *f, kz_incident_dim by, kz_counts *out);

/* Adds a note to the timeline of an incident the caller may see (analyst or admin of
 * any organization that may see it). e->at defaults to now. */
kz_rc kz_svc_timeline_add(kz_call *c, const char *incident, kz_timeline_entry *e);
/* The timeline of an incident the caller may see, oldest first (at most 1000 entries). */
kz_rc kz_svc_timeline_list(kz_call *c, const char *incident, kz_timeline_entry **items, size_t *n);

/* ---- indicators ------------------------------------------------------------------ */

/* A batch of indicator writes in one transaction: the bulk API, kizuna import and the
 * other importers. check validates and normalizes one indicator without writing (so
 * that a caller can check everything before writing anything); put writes one checked
 * indicator; end audits the batch as one event and commits (rc KZ_OK) or rolls back.
 * Memory: check allocates the normalized value and new id in `scratch`, which must
 * live until put returns; the batch itself allocates nothing per indicator. */
typedef struct kz_ind_queued kz_ind_queued;

typedef struct kz_ind_batch {
    kz_call *c;
    const char *action;          /* audit action, e.g. "indicator.bulk" */
    kz_time now;
    size_t created, merged, unchanged, links;
    struct {                     /* ids of organizations and incidents already checked */
        char id[37];
        char kind;               /* 'o' organization, 'i' incident */
    } seen[64];
    size_t n_seen;
    bool dry_run;                /* end writes everything, counts it, then rolls back */
    kz_ind_queued *queue;        /* kz_ind_batch_queue: checked, not yet written */
    size_t queued, queue_cap;
    kz_arena queue_arena;
} kz_ind_batch;

/* Authorizes (analyst) and opens the write transaction. */
kz_rc kz_ind_batch_begin(kz_call *c, kz_ind_batch *b, const char *action);
/* Normalizes o->value for o->type, defaults source (the caller's organization), id (when
 * NULL: an importer may pass one that no indicator has yet) and
 * the seen times, and checks the source may be written by the caller, that recipients
 * exist and that linked incidents exist and are visible. On error err names the field
 * of the indicator ("value", "recipients[1]", "incidents[0]"). */
kz_rc kz_ind_batch_check(kz_ind_batch *b, kz_indicator *o, unsigned given, kz_arena *scratch, kz_err *err);
/* Writes o (checked) as kz_store_indicator_upsert does, and its incident links. */
kz_rc kz_ind_batch_put(kz_ind_batch *b, const kz_indicator *o, unsigned given, kz_upsert *result,
                       char id_out[37], kz_err *err);
/* For importers, instead of put: keeps a copy of o (checked) and writes the queued
 * indicators in chunks, each sorted by (type, value) with equal keys in the order they
 * came, which gives the same result as writing them one by one but turns the random
 * inserts into the unique index into nearly sequential ones. Memory: one chunk. */
kz_rc kz_ind_batch_queue(kz_ind_batch *b, const kz_indicator *o, unsigned given, kz_err *err);

/* Writes what is still queued, audits "<action>" with the counts when something
 * changed, then commits when rc is KZ_OK (and not dry_run); rolls back otherwise.
 * Returns the final result (KZ_OK for a dry run that found nothing wrong). */
kz_rc kz_ind_batch_end(kz_ind_batch *b, kz_rc rc);

/* One indicator (POST /indicators): created, merged into the same (type, value, source)
 * or unchanged; out is the stored indicator as the caller sees it. */
kz_rc kz_svc_indicator_create(kz_call *c, kz_indicator *o, unsigned given, kz_upsert *result);

/* One failed item of a bulk request. */
typedef struct kz_item_error {
    size_t index;
    kz_err err;
} kz_item_error;

enum { KZ_BULK_ERRORS_MAX = 100 };

typedef struct kz_bulk_report {
    kz_upsert *results;          /* per item (arena), when the batch was written */
    char (*ids)[37];
    size_t created, merged, unchanged;
    kz_item_error *errors;       /* when rejected: the first KZ_BULK_ERRORS_MAX failures */
    size_t n_errors;
} kz_bulk_report;

/* Up to KZ_BULK_MAX indicators, all or nothing: every item is checked first; if any
 * fails, nothing is written, the call returns KZ_EINVAL and report lists the failures
 * (c->err holds the first, its field prefixed with "items[i]."). */
kz_rc kz_svc_indicator_bulk(kz_call *c, kz_indicator *items, const unsigned *given, size_t n,
                            kz_bulk_report *report);

kz_rc kz_svc_indicator_get(kz_call *c, const char *id, kz_indicator *out);
/* Changes tlp, recipients, allow_clients, confidence, times, description and incident
 * links (only links to incidents the caller may see). Source organization or admin. */
kz_rc kz_svc_indicator_update(kz_call *c, const char *id, kz_apply_fn apply, void *ctx, kz_indicator *out);
kz_rc kz_svc_indicator_list(kz_call *c, const kz_indicator_filter *f, const kz_page *pg,
                            kz_indicator_page *out);
kz_rc kz_svc_indicator_counts(kz_call *c, const kz_indicator_filter *f, kz_indicator_dim by, kz_counts *out);
/* Streams every indicator the caller may see matching f to fn, in one read snapshot
 * and constant memory (see kz_store_indicator_each). */
kz_rc kz_svc_indicator_each(kz_call *c, const kz_indicator_filter *f, kz_indicator_fn fn, void *ctx);

/* ---- sightings ------------------------------------------------------------------- */

/* Records that an indicator the caller may see was seen. observer defaults to the
 * caller's organization; count must be at least 1; first/last_seen default to now; the
 * indicator's source is always added to the recipients, so the source learns that its
 * indicator was seen. Reporting the same (indicator, observer, first_seen, last_seen)
 * again replaces the count. */
kz_rc kz_svc_sighting_add(kz_call *c, kz_sighting *s, kz_upsert *result);
/* The same for many reports (the telemetry matcher), all or nothing, audited as one
 * "sighting.record" event. On KZ_EINVAL, *failed is the index of the bad report. */
kz_rc kz_svc_sightings_record(kz_call *c, kz_sighting *items, size_t n, size_t *failed);
/* Sums per observer of the sightings of one indicator the caller may see. */
kz_rc kz_svc_sighting_sums_by_observer(kz_call *c, const char *indicator, kz_time since, kz_time until,
                                       kz_sighting_sum **items, size_t *n, kz_sighting_sum *total);
/* Sums per indicator (of one observer, or every observer when NULL). */
kz_rc kz_svc_sighting_sums_by_indicator(kz_call *c, const char *observer, kz_time since, kz_time until,
                                        const kz_page *pg, kz_sighting_sum_page *out);

#endif

/* Use cases of incidents and their timelines (svc_incidents.c); the sharing rules they
 * follow are in sharing.h. */
#ifndef KZ_SERVICE_INCIDENTS_H
#define KZ_SERVICE_INCIDENTS_H

#include "service/core/call.h"
#include "store/sharing/sharing.h"

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

/* For importers writing a report or event again over incident id, which the caller
 * may see (kz__hidden is false): inc's sharing becomes what kz__merge_sharing leaves
 * of the stored and the imported sharing (the stricter, unless the caller's
 * organization is the source and declassify is set), then kz_svc_incident_update
 * applies inc with apply. */
kz_rc kz__incident_reimport(kz_call *c, const char *id, kz_incident *inc, bool declassify, kz_apply_fn apply,
                            kz_incident *out);

/* For the sharing and STIX siblings: The incident, if the caller may see it; otherwise KZ_ENOTFOUND as if it did not
 * exist. */
kz_rc kz__visible_incident(kz_call *c, const char *id, kz_incident *out, kz_err *err);

#endif

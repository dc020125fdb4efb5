/* STIX 2.1 out (svc_stix_export.c).
 *
 * Export (kizuna export stix): one bundle of everything the caller may see that matches
 * the API's filters, with the identities of the organizations it names and the TLP
 * marking definitions it uses, streamed in one read snapshot. */
#ifndef KZ_SERVICE_STIX_EXPORT_H
#define KZ_SERVICE_STIX_EXPORT_H

#include "codec/stix/stix.h"
#include "service/sharing/export.h"
#include "service/sharing/incidents.h"
#include "service/sharing/indicators.h"
#include "store/stix/stix.h"

typedef struct kz_stix_export_opts {
    bool indicators, incidents, kept;   /* what to include; sightings go with indicators */
    kz_indicator_filter indicator_filter;
    kz_incident_filter incident_filter;
    kz_sink out;
    /* a table-top run's export: its id and banner (a note first), its facilitator */
    const char *exercise, *banner, *facilitator;
    kz_time exercise_created;
} kz_stix_export_opts;

typedef struct kz_stix_export_report {
    uint64_t indicators, incidents, sightings, identities, markings, kept, bytes;
} kz_stix_export_report;

kz_rc kz_svc_stix_export(kz_call *c, const kz_stix_export_opts *o, kz_stix_export_report *rep);

/* The "stix" row of kizuna export's formats (export.h): indicators (and their
 * sightings), incidents, or all of them with the kept STIX objects. */
kz_rc kz_stix_export_format(kz_call *c, const kz_export_opts *o, kz_export_report *rep);

/* For the TAXII sibling. */
/* Appends the report of incident o with object_refs to the indicators linked to it
 * that the caller may see (collected in a). */
kz_rc kz__stix_write_incident(kz_call *c, kz_buf *b, const kz_incident *o, kz_arena *a);

#endif

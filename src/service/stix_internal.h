/* Shared by svc_stix_export.c and svc_taxii.c only. */
#ifndef KZ_SERVICE_STIX_INTERNAL_H
#define KZ_SERVICE_STIX_INTERNAL_H

#include "service/stix.h"

/* Appends the report of incident o with object_refs to the indicators linked to it
 * that the caller may see (collected in a). */
kz_rc kz__stix_write_incident(kz_call *c, kz_buf *b, const kz_incident *o, kz_arena *a);

#endif

/* Shared by the STIX, TAXII and MISP use cases (svc_stix_*.c, svc_taxii.c, svc_misp.c). */
#ifndef KZ_SERVICE_STIX_INTERNAL_H
#define KZ_SERVICE_STIX_INTERNAL_H

#include "service/stix.h"

/* Appends the report of incident o with object_refs to the indicators linked to it
 * that the caller may see (collected in a). */
kz_rc kz__stix_write_incident(kz_call *c, kz_buf *b, const kz_incident *o, kz_arena *a);

/* kz_apply_fn: an imported object (report, MISP event) replaces what an earlier
 * version of it said: the classification and sharing fields of ctx (a kz_incident). */
kz_rc kz__apply_imported_incident(void *target, void *ctx, kz_err *err);

/* Errors of the store or of memory stop an import; the others reject one object. */
bool kz__import_fatal(kz_rc rc);

#endif

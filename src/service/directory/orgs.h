/* Use cases of the directory's organizations, with their authorization rules and audit
 * events (svc_orgs.c). */
#ifndef KZ_SERVICE_ORGS_H
#define KZ_SERVICE_ORGS_H

#include "service/core/call.h"
#include "store/directory/directory.h"

/* Organizations: anyone with a key reads; node admins write. */
kz_rc kz_svc_org_create(kz_call *c, kz_org *o);
kz_rc kz_svc_org_get(kz_call *c, const char *id, kz_org *out);
kz_rc kz_svc_org_update(kz_call *c, const char *id, kz_apply_fn apply, void *ctx, kz_org *out);
kz_rc kz_svc_org_delete(kz_call *c, const char *id);
kz_rc kz_svc_org_list(kz_call *c, const kz_org_filter *f, const kz_page *pg, kz_org_page *out);

#endif

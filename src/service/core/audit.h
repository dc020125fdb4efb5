/* Reading and verifying the audit chain. Admins only over the API; the CLI verifies
 * with the node's own rights. */
#ifndef KZ_SERVICE_AUDIT_H
#define KZ_SERVICE_AUDIT_H

#include "service/core/call.h"
#include "store/audit.h"

kz_rc kz_svc_audit_list(kz_call *c, const kz_page *pg, kz_audit_page *out);

/* KZ_OK when intact; KZ_ECORRUPT with report->first_bad otherwise. */
kz_rc kz_svc_audit_verify(kz_call *c, kz_audit_report *report);

#endif

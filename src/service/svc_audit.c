/* The audit chain's read side. */
#include "service/audit.h"

kz_rc kz_svc_audit_list(kz_call *c, const kz_page *pg, kz_audit_page *out)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ADMIN);
    return rc ? rc : kz_store_audit_list(c->db, pg, c->arena, out, c->err);
}

kz_rc kz_svc_audit_verify(kz_call *c, kz_audit_report *report)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ADMIN);
    if (rc || (rc = kz_rtx_begin(c)))
        return rc;
    rc = kz_store_audit_verify(c->db, report, c->err);
    kz_rtx_end(c);
    return rc;
}

/* The audit chain's read side. The chain records every change, including changes to
 * objects under TLP; the listing shows an admin only the entries about objects the
 * admin may see (a RED request of two other organizations does not appear, not even
 * as a count), while verification always walks the whole chain. */
#include "service/core/audit.h"

#include "service/requests/requests.h"
#include "service/sharing/incidents.h"
#include "service/sharing/indicators.h"

#include <string.h>

static bool incident_visible(kz_call *c, const char *id)
{
    kz_incident o;
    return kz_svc_incident_get(c, id, &o) == KZ_OK;
}

static bool indicator_visible(kz_call *c, const char *id)
{
    kz_indicator o;
    return kz_svc_indicator_get(c, id, &o) == KZ_OK;
}

static bool request_visible(kz_call *c, const char *id)
{
    kz_request_view v;
    return kz_svc_request_get(c, id, &v) == KZ_OK;
}

/* Object types whose entries are shown only to viewers of the object. */
static const struct {
    const char *type;
    bool (*visible)(kz_call *c, const char *id);
} guarded[] = {
    {"incident", incident_visible},
    {"indicator", indicator_visible},
    {"request", request_visible},
};

static bool entry_visible(kz_call *c, const kz_audit_event *e)
{
    if (!e->object_id)
        return true;
    for (size_t i = 0; i < sizeof guarded / sizeof *guarded; i++) {
        if (strcmp(e->object_type, guarded[i].type) != 0)
            continue;
        kz_err scratch; /* a hidden entry is not an error of the listing */
        kz_err *keep = c->err;
        c->err = &scratch;
        bool ok = guarded[i].visible(c, e->object_id);
        c->err = keep;
        return ok;
    }
    return true;
}

kz_rc kz_svc_audit_list(kz_call *c, const kz_page *pg, kz_audit_page *out)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ADMIN);
    if (rc || (rc = kz_store_audit_list(c->db, pg, c->arena, out, c->err)))
        return rc;
    size_t kept = 0;
    for (size_t i = 0; i < out->n; i++)
        if (entry_visible(c, &out->items[i]))
            out->items[kept++] = out->items[i];
    out->n = kept;
    return KZ_OK;
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

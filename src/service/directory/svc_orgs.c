/* Organizations: readable by every member, written by the node's admins. */
#include "service/directory/orgs.h"
#include "service/exercises/exercises.h"
#include "service/federation/federation.h"

kz_rc kz_svc_org_create(kz_call *c, kz_org *o)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ADMIN);
    if (rc)
        return rc;
    if (!(o->id = kz_new_id(c)))
        return kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    o->created = o->modified = kz_now_ms();
    rc = kz_tx_begin(c);
    if (rc)
        return rc;
    rc = kz_store_org_insert(c->db, o, c->err);
    if (!rc)
        rc = kz_audit(c, "organization.create", "organization", o->id, NULL);
    return kz_tx_end(c, rc);
}

kz_rc kz_svc_org_get(kz_call *c, const char *id, kz_org *out)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_VIEWER);
    if (!rc)
        rc = kz_store_org_get(c->db, id, c->arena, out, c->err);
    if (!rc && !kz_svc_exercise_org_shown(c, id))  /* a run's own organization: its players only */
        rc = kz_fail(c->err, KZ_ENOTFOUND, "organization", "no organization %.40s", id);
    return rc;
}

kz_rc kz_svc_org_update(kz_call *c, const char *id, kz_apply_fn apply, void *ctx, kz_org *out)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ADMIN);
    if (rc || (rc = kz_tx_begin(c)))
        return rc;
    rc = kz_store_org_get(c->db, id, c->arena, out, c->err);
    if (!rc)
        rc = kz_fed_read_only(c, KZ_FED_ORGANIZATION, id);
    if (!rc)
        rc = apply(out, ctx, c->err);
    if (!rc) {
        out->modified = kz_now_ms();
        rc = kz_store_org_update(c->db, out, c->err);
    }
    if (!rc)
        rc = kz_audit(c, "organization.update", "organization", id, NULL);
    return kz_tx_end(c, rc);
}

kz_rc kz_svc_org_delete(kz_call *c, const char *id)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ADMIN);
    if (rc || (rc = kz_tx_begin(c)))
        return rc;
    rc = kz_fed_read_only(c, KZ_FED_ORGANIZATION, id);
    if (!rc)
        rc = kz_store_org_delete(c->db, id, c->err);
    if (!rc)
        rc = kz_audit(c, "organization.delete", "organization", id, NULL);
    return kz_tx_end(c, rc);
}

kz_rc kz_svc_org_list(kz_call *c, const kz_org_filter *f, const kz_page *pg, kz_org_page *out)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_VIEWER);
    kz_org_filter shown = *f;
    shown.viewer = &c->who;  /* exercise-only organizations: to those taking part in the run */
    return rc ? rc : kz_store_org_list(c->db, &shown, pg, c->arena, out, c->err);
}

/* Contacts: readable by every member; an organization's analysts manage its own
 * contacts and the node's admins manage all. */
#include "service/directory/contacts.h"
#include "service/exercises/exercises.h"
#include "service/federation/federation.h"

#include <string.h>

/* Rules that span fields, checked after every create and update. */
static kz_rc check_contact(kz_call *c, const kz_contact *ct)
{
    if (!ct->email && !ct->phone)
        return kz_fail(c->err, KZ_EINVAL, "email", "a contact needs an email or a phone number");
    kz_org org;
    kz_err e2;
    kz_rc rc = kz_store_org_get(c->db, ct->organization, c->arena, &org, &e2);
    if (rc == KZ_ENOTFOUND)
        return kz_fail(c->err, KZ_EINVAL, "organization", "no organization %s", ct->organization);
    if (rc)
        return kz_fail(c->err, rc, NULL, "%s", e2.msg);
    return kz_authz_org(c, ct->organization, "organization");
}

kz_rc kz_svc_contact_create(kz_call *c, kz_contact *ct)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ANALYST);
    if (rc || (rc = kz_tx_begin(c)))
        return rc;
    rc = check_contact(c, ct);
    if (!rc && !(ct->id = kz_new_id(c)))
        rc = kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    if (!rc) {
        ct->created = ct->modified = kz_now_ms();
        rc = kz_store_contact_insert(c->db, ct, c->err);
    }
    if (!rc)
        rc = kz_store_contact_get(c->db, ct->id, c->arena, ct, c->err);
    if (!rc)
        rc = kz_audit(c, "contact.create", "contact", ct->id, NULL);
    return kz_tx_end(c, rc);
}

kz_rc kz_svc_contact_get(kz_call *c, const char *id, kz_contact *out)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_VIEWER);
    if (!rc)
        rc = kz_store_contact_get(c->db, id, c->arena, out, c->err);
    if (!rc && !kz_svc_exercise_org_shown(c, out->organization))
        rc = kz_fail(c->err, KZ_ENOTFOUND, "contact", "no contact %.40s", id);
    return rc;
}

kz_rc kz_svc_contact_update(kz_call *c, const char *id, kz_apply_fn apply, void *ctx, kz_contact *out)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ANALYST);
    if (rc || (rc = kz_tx_begin(c)))
        return rc;
    rc = kz_store_contact_get(c->db, id, c->arena, out, c->err);
    if (!rc)
        rc = kz_fed_read_only(c, KZ_FED_CONTACT, id);
    if (!rc)
        rc = kz_authz_org(c, out->organization, NULL);  /* may touch the contact at all */
    if (!rc)
        rc = apply(out, ctx, c->err);
    if (!rc)
        rc = check_contact(c, out);                     /* and where it ends up */
    if (!rc) {
        out->modified = kz_now_ms();
        rc = kz_store_contact_update(c->db, out, c->err);
    }
    if (!rc)
        rc = kz_store_contact_get(c->db, id, c->arena, out, c->err);
    if (!rc)
        rc = kz_audit(c, "contact.update", "contact", id, NULL);
    return kz_tx_end(c, rc);
}

kz_rc kz_svc_contact_delete(kz_call *c, const char *id)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ANALYST);
    if (rc || (rc = kz_tx_begin(c)))
        return rc;
    kz_contact ct;
    rc = kz_store_contact_get(c->db, id, c->arena, &ct, c->err);
    if (!rc)
        rc = kz_fed_read_only(c, KZ_FED_CONTACT, id);
    if (!rc)
        rc = kz_authz_org(c, ct.organization, NULL);
    if (!rc)
        rc = kz_store_contact_delete(c->db, id, c->err);
    if (!rc)
        rc = kz_audit(c, "contact.delete", "contact", id, NULL);
    return kz_tx_end(c, rc);
}

kz_rc kz_svc_contact_shown(kz_call *c, const kz_contact_filter *f, kz_contact_filter *shown)
{
    *shown = *f;
    shown->viewer = &c->who;
    return kz_authz_role(c, KZ_ROLE_VIEWER);
}

kz_rc kz_svc_contact_list(kz_call *c, const kz_contact_filter *f, const kz_page *pg, kz_contact_page *out)
{
    kz_contact_filter shown;
    kz_rc rc = kz_svc_contact_shown(c, f, &shown);
    return rc ? rc : kz_store_contact_list(c->db, &shown, pg, c->arena, out, c->err);
}

/* The helpers every sharing use case applies (sharing.h): who may read shared objects,
 * which organizations exist, and for which organization a caller may write. */
#include "service/sharing/sharing.h"

#include "store/directory.h"

#include <stdio.h>

kz_rc kz__sharing_read(kz_call *c)
{
    if (!c->who.key_id && c->node->public_clear)
        return KZ_OK;
    return kz_authz_role(c, KZ_ROLE_VIEWER);
}

kz_rc kz__check_orgs(kz_call *c, const kz_strlist *list, const char *field, kz_err *err)
{
    for (size_t i = 0; i < list->n; i++) {
        kz_org org;
        kz_err e2;
        kz_rc rc = kz_store_org_get(c->db, list->v[i], c->arena, &org, &e2);
        if (rc == KZ_ENOTFOUND) {
            kz_fail(err, KZ_EINVAL, NULL, "no organization %.40s", list->v[i]);
            snprintf(err->field, sizeof err->field, "%s[%zu]", field, i);
            return KZ_EINVAL;
        }
        if (rc)
            return kz_fail(err, rc, NULL, "%s", e2.msg);
    }
    return KZ_OK;
}

kz_rc kz__acting_org(kz_call *c, const char *given, const char *field, const char **out, kz_err *err)
{
    if (!given) {
        if (!c->who.org)
            return kz_fail(err, KZ_EUNAUTH, NULL, "an API key is required");
        *out = c->who.org;
        return KZ_OK;
    }
    kz_org org;
    kz_err e2;
    kz_rc rc = kz_store_org_get(c->db, given, c->arena, &org, &e2);
    if (rc == KZ_ENOTFOUND)
        return kz_fail(err, KZ_EINVAL, field, "no organization %.40s", given);
    if (rc)
        return kz_fail(err, rc, NULL, "%s", e2.msg);
    kz_err *saved = c->err;
    c->err = err;
    rc = kz_authz_org(c, given, field);
    c->err = saved;
    if (!rc)
        *out = given;
    return rc;
}

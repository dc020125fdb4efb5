/* Call contexts, transactions, authorization checks and the audit helper. */
#include "service/core/call.h"

#include "crypto/crypto.h"
#include "store/core/audit.h"
#include "util/log.h"

#include <string.h>

kz_rc kz_call_init(kz_call *c, kz_node *node, kz_arena *a, kz_err *err)
{
    memset(c, 0, sizeof *c);
    c->node = node;
    c->arena = a;
    c->err = err;
    c->who.role = -1;
    c->db = kz_store_db(node->store, err);
    return c->db ? KZ_OK : err->rc;
}

kz_rc kz_call_init_system(kz_call *c, kz_node *node, const char *actor, kz_arena *a, kz_err *err)
{
    kz_rc rc = kz_call_init(c, node, a, err);
    c->who.key_id = actor;
    c->who.org = node->org_id;
    c->who.role = KZ_ROLE_ADMIN;
    c->actor = actor;
    return rc;
}

uint64_t kz_call_generation(kz_call *c)
{
    if (!c->generation)
        c->generation = kz_store_generation(c->db);
    return c->generation;
}

kz_rc kz_tx_begin(kz_call *c) { return kz_db_begin(c->db, true, c->err); }

kz_rc kz_tx_end(kz_call *c, kz_rc rc)
{
    if (rc) {
        kz_db_rollback(c->db);
        return rc;
    }
    return kz_db_commit(c->db, c->err);
}

void kz_call_settle(kz_call *c, const char *where)
{
    if (!c->db || !kz_db_in_transaction(c->db))
        return;
    kz_log(KZ_LOG_ERROR, "call.open_transaction", KZ_S("call", where));
    kz_db_rollback_all(c->db);
}

kz_rc kz_rtx_begin(kz_call *c) { return kz_db_begin(c->db, false, c->err); }

void kz_rtx_end(kz_call *c) { kz_db_rollback(c->db); }

bool kz_is_admin(const kz_call *c) { return c->who.key_id && c->who.role == KZ_ROLE_ADMIN; }

kz_rc kz_authz_role(kz_call *c, kz_key_role at_least)
{
    if (!c->who.key_id)
        return kz_fail(c->err, KZ_EUNAUTH, NULL, "an API key is required (Authorization: Bearer KEY)");
    if (c->who.role < (int)at_least)
        return kz_fail(c->err, KZ_EFORBIDDEN, NULL, "this needs the %s role; the key is %s",
                       kz_enum_name(&kz_key_role_enum, (int)at_least),
                       kz_enum_name(&kz_key_role_enum, c->who.role));
    return KZ_OK;
}

kz_rc kz_authz_org(kz_call *c, const char *org, const char *field)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ANALYST);
    if (rc || kz_is_admin(c))
        return rc;
    if (!org || !c->who.org || strcmp(org, c->who.org) != 0)
        return kz_fail(c->err, KZ_EFORBIDDEN, field,
                       "analysts may only manage their own organization's objects");
    return KZ_OK;
}

kz_rc kz_audit(kz_call *c, const char *action, const char *object_type, const char *object_id,
               const char *detail)
{
    kz_audit_event ev = {
        .actor_key = c->actor ? c->actor : c->who.key_id,
        .actor_org = c->who.org,
        .action = action,
        .object_type = object_type,
        .object_id = object_id,
        .request_id = c->request_id,
        .detail = detail,
        .at = kz_now_ms(),
    };
    return kz_store_audit_append(c->db, &ev, c->err);
}

char *kz_new_id(kz_call *c)
{
    char *id = kz_arena_alloc(c->arena, KZ_UUID_TEXT);
    if (id)
        kz_uuid4(id);
    return id;
}

/* API keys: 256-bit random secrets shown once; only their hashes are stored. */
#include "service/directory/keys.h"
#include "service/exercises/exercises.h"

#include "crypto/crypto.h"

#include <stdio.h>
#include <string.h>

enum { KEY_PREFIX_LEN = 8, TOUCH_EVERY_MS = 60 * 1000 };

kz_rc kz_svc_key_create(kz_call *c, kz_apikey *k, char key_out[KZ_KEY_TEXT])
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ADMIN);
    if (rc || (rc = kz_tx_begin(c)))
        return rc;
    kz_org org;
    kz_err e2;
    rc = kz_store_org_get(c->db, k->organization, c->arena, &org, &e2);
    if (rc == KZ_ENOTFOUND)
        rc = kz_fail(c->err, KZ_EINVAL, "organization", "no organization %s", k->organization);
    else if (rc)
        rc = kz_fail(c->err, rc, NULL, "%s", e2.msg);
    /* An admin manages the whole node, so only the operator's own people may be one. */
    if (!rc && k->role == KZ_ROLE_ADMIN && strcmp(k->organization, c->node->org_id) != 0)
        rc = kz_fail(c->err, KZ_EINVAL, "role",
                     "admin keys belong to the node operator's organization; give analyst or viewer");
    char token[KZ_TOKEN_TEXT], hash[KZ_HASH_HEX];
    if (!rc) {
        kz_token_new(token);
        snprintf(key_out, KZ_KEY_TEXT, "kz_%s", token);
        kz_wipe(token, sizeof token);
        kz_hash_hex(key_out, strlen(key_out), hash);
        k->id = kz_new_id(c);
        k->prefix = kz_arena_strndup(c->arena, key_out, KEY_PREFIX_LEN);
        k->created = k->modified = kz_now_ms();
        k->last_used = k->revoked = 0;
        rc = !k->id || !k->prefix ? kz_fail(c->err, KZ_ENOMEM, NULL, NULL)
                                  : kz_store_key_insert(c->db, k, hash, c->err);
    }
    if (!rc)
        rc = kz_audit(c, "key.create", "key", k->id, kz_enum_name(&kz_key_role_enum, k->role));
    rc = kz_tx_end(c, rc);
    if (rc)
        kz_wipe(key_out, KZ_KEY_TEXT);
    return rc;
}

kz_rc kz_svc_key_list(kz_call *c, const char *organization, const kz_page *pg, kz_apikey_page *out)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ADMIN);
    return rc ? rc : kz_store_key_list(c->db, organization, pg, c->arena, out, c->err);
}

kz_rc kz_svc_key_get(kz_call *c, const char *id, kz_apikey *out)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ADMIN);
    return rc ? rc : kz_store_key_get(c->db, id, c->arena, out, c->err);
}

kz_rc kz_svc_key_revoke(kz_call *c, const char *id)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ADMIN);
    if (rc || (rc = kz_tx_begin(c)))
        return rc;
    rc = kz_store_key_revoke(c->db, id, kz_now_ms(), c->err);
    if (!rc)
        rc = kz_audit(c, "key.revoke", "key", id, NULL);
    return kz_tx_end(c, rc);
}

kz_rc kz_svc_authenticate(kz_call *c, const char *secret)
{
    char hash[KZ_HASH_HEX];
    size_t n = strlen(secret);
    if (n < 10 || n > KZ_KEY_TEXT)
        return kz_fail(c->err, KZ_EUNAUTH, NULL, "unknown or revoked API key");
    kz_hash_hex(secret, n, hash);
    kz_apikey k;
    kz_err e2;
    kz_rc rc = kz_store_key_by_hash(c->db, hash, c->arena, &k, &e2);
    if (rc == KZ_ENOTFOUND)
        return kz_fail(c->err, KZ_EUNAUTH, NULL, "unknown or revoked API key");
    if (rc)
        return kz_fail(c->err, rc, NULL, "%s", e2.msg);
    kz_org org;
    rc = kz_store_org_get(c->db, k.organization, c->arena, &org, &e2);
    if (rc)
        return kz_fail(c->err, rc, NULL, "%s", e2.msg);
    c->who.key_id = k.id;
    c->who.org = k.organization;
    c->who.role = k.role;
    c->who.client_of = org.client ? c->node->org_id : NULL;
    kz_svc_exercise_viewer(c);
    kz_time now = kz_now_ms();
    if (now - k.last_used > TOUCH_EVERY_MS)
        kz_store_key_touch(c->db, k.id, now, &e2);  /* best effort: a busy db must not refuse reads */
    return KZ_OK;
}

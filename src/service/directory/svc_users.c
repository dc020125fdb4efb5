/* User accounts: creation with a one-time link, changes, deletion and reset by admins,
 * and setting the password from the link. Every change is audited (the user's id, never
 * the e-mail address or any secret). */
#include "service/directory/users.h"

#include "crypto/crypto.h"
#include "model/validate.h"
#include "store/directory/directory.h"

#include <stdio.h>
#include <string.h>

static const char *const language_names[] = {"en", "ja"};
const kz_enum kz_user_language_enum = {"language", language_names, 2};

kz_rc kz_password_check(const char *password, kz_err *err)
{
    size_t bytes = password ? strlen(password) : 0, chars = 0;
    for (size_t i = 0; i < bytes; i++)
        chars += ((unsigned char)password[i] & 0xC0) != 0x80;
    if (chars < KZ_PASSWORD_MIN_CHARS)
        return kz_fail(err, KZ_EINVAL, "password", "the password must have at least %d characters",
                       KZ_PASSWORD_MIN_CHARS);
    if (bytes > KZ_PASSWORD_MAX_BYTES)
        return kz_fail(err, KZ_EINVAL, "password", "the password must have at most %d bytes", KZ_PASSWORD_MAX_BYTES);
    return KZ_OK;
}

/* Checks the fields a user may have wrong, naming the first bad one. */
static kz_rc check_user(kz_call *c, const kz_user *u)
{
    kz_rc rc;
    if (!u->name || !u->name[0] || strlen(u->name) > 200)
        return kz_fail(c->err, KZ_EINVAL, "name", "name is required (at most 200 bytes)");
    if (u->role < 0)
        return kz_fail(c->err, KZ_EINVAL, "role", "role must be admin, analyst or viewer");
    if (kz_enum_parse(&kz_user_language_enum, u->language) < 0)
        return kz_fail(c->err, KZ_EINVAL, "language", "language must be en or ja");
    if ((rc = kz_valid_timezone(u->time_zone, "time_zone", c->err)))
        return rc;
    kz_org org;
    kz_err e2;
    rc = kz_store_org_get(c->db, u->organization ? u->organization : "", c->arena, &org, &e2);
    if (rc == KZ_ENOTFOUND)
        return kz_fail(c->err, KZ_EINVAL, "organization", "no organization %.40s", u->organization ? u->organization : "");
    if (rc)
        return kz_fail(c->err, rc, NULL, "%s", e2.msg);
    /* As for keys: an admin manages the whole node, so only the operator's own people. */
    if (u->role == KZ_ROLE_ADMIN && strcmp(u->organization, c->node->org_id) != 0)
        return kz_fail(c->err, KZ_EINVAL, "role",
                       "admin users belong to the node operator's organization; give analyst or viewer");
    return KZ_OK;
}

/* A new one-time link for user_id, stored as its hash; the link text in the arena. */
static kz_rc new_link(kz_call *c, const char *user_id, const char *base_url, char **link)
{
    char token[KZ_TOKEN_TEXT], hash[KZ_HASH_HEX];
    kz_token_new(token);
    kz_hash_hex(token, strlen(token), hash);
    kz_rc rc = kz_store_link_insert(c->db, hash, user_id, kz_now_ms() + KZ_LINK_VALID_MS, c->err);
    if (!rc && !(*link = kz_arena_printf(c->arena, "%s/set-password?token=%s", base_url, token)))
        rc = kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    kz_wipe(token, sizeof token);
    return rc;
}

kz_rc kz_svc_user_create(kz_call *c, kz_user *u, const char *base_url, char **link)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ADMIN);
    if (rc)
        return rc;
    if (!u->language)
        u->language = "en";
    if (!u->time_zone)
        u->time_zone = "UTC";
    if (!u->email || (rc = kz_valid_email(u->email, "email", c->err)))
        return rc ? rc : kz_fail(c->err, KZ_EINVAL, "email", "email is required");
    if ((rc = kz_tx_begin(c)))
        return rc;
    rc = check_user(c, u);
    if (!rc) {
        u->id = kz_new_id(c);
        u->created = u->modified = kz_now_ms();
        u->totp_enabled = false;
        u->disabled = 0;
        rc = u->id ? kz_store_user_insert(c->db, u, c->err) : kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    }
    if (!rc)
        rc = new_link(c, u->id, base_url, link);
    if (!rc)
        rc = kz_audit(c, "user.create", "user", u->id, kz_enum_name(&kz_key_role_enum, u->role));
    return kz_tx_end(c, rc);
}

kz_rc kz_svc_user_get(kz_call *c, const char *id, kz_user *out)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ADMIN);
    return rc ? rc : kz_store_user_get(c->db, id, c->arena, out, NULL, c->err);
}

kz_rc kz_svc_user_list(kz_call *c, const char *organization, const kz_page *pg, kz_user_page *out)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ADMIN);
    return rc ? rc : kz_store_user_list(c->db, organization, pg, c->arena, out, c->err);
}

kz_rc kz_svc_user_update(kz_call *c, const char *id, const kz_user_patch *p, kz_user *out)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ADMIN);
    if (rc || (rc = kz_tx_begin(c)))
        return rc;
    rc = kz_store_user_get(c->db, id, c->arena, out, NULL, c->err);
    if (!rc) {
        out->name = p->name ? p->name : out->name;
        out->organization = p->organization ? p->organization : out->organization;
        out->language = p->language ? p->language : out->language;
        out->time_zone = p->time_zone ? p->time_zone : out->time_zone;
        out->role = p->role >= 0 ? p->role : out->role;
        if (p->disabled >= 0)
            out->disabled = p->disabled ? (out->disabled ? out->disabled : kz_now_ms()) : 0;
        out->modified = kz_now_ms();
        rc = check_user(c, out);
    }
    if (!rc)
        rc = kz_store_user_update(c->db, out, c->err);
    if (!rc && out->disabled)
        rc = kz_store_sessions_end_user(c->db, id, NULL, c->err);
    if (!rc)
        rc = kz_audit(c, "user.update", "user", id, out->disabled ? "disabled" : NULL);
    return kz_tx_end(c, rc);
}

kz_rc kz_svc_user_delete(kz_call *c, const char *id)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ADMIN);
    if (rc || (rc = kz_tx_begin(c)))
        return rc;
    rc = kz_store_user_delete(c->db, id, c->err);
    if (!rc)
        rc = kz_audit(c, "user.delete", "user", id, NULL);
    return kz_tx_end(c, rc);
}

kz_rc kz_svc_user_reset(kz_call *c, const char *id_or_email, const char *base_url, kz_user *out, char **link)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ADMIN);
    if (rc || (rc = kz_tx_begin(c)))
        return rc;
    bool by_email = strchr(id_or_email, '@') != NULL;
    rc = by_email ? kz_store_user_by_email(c->db, id_or_email, c->arena, out, NULL, c->err)
                  : kz_store_user_get(c->db, id_or_email, c->arena, out, NULL, c->err);
    kz_time now = kz_now_ms();
    if (!rc)
        rc = kz_store_user_set_password(c->db, out->id, NULL, now, c->err);
    if (!rc)
        rc = kz_store_user_set_totp(c->db, out->id, NULL, NULL, now, c->err);
    if (!rc)
        rc = kz_store_recovery_replace(c->db, out->id, NULL, 0, c->err);
    if (!rc)
        rc = kz_store_sessions_end_user(c->db, out->id, NULL, c->err);
    if (!rc)
        rc = new_link(c, out->id, base_url, link);
    if (!rc) {
        out->totp_enabled = false;
        rc = kz_audit(c, "user.reset", "user", out->id, NULL);
    }
    return kz_tx_end(c, rc);
}

/* Stores a hashed password for user id (computed before the write lock is taken: it
 * costs tens of milliseconds); the user's sessions end. */
static kz_rc store_password(kz_call *c, const char *id, const char *hash)
{
    kz_rc rc = kz_store_user_set_password(c->db, id, hash, kz_now_ms(), c->err);
    return rc ? rc : kz_store_sessions_end_user(c->db, id, NULL, c->err);
}

static kz_rc hash_password(kz_call *c, const char *password, char hash[KZ_PWHASH_TEXT])
{
    kz_rc rc = kz_password_check(password, c->err);
    if (!rc && kz_password_hash(password, hash))
        rc = kz_fail(c->err, KZ_ENOMEM, NULL, "not enough memory to hash the password");
    return rc;
}

kz_rc kz_svc_password_set(kz_call *c, const char *token, const char *password, kz_user *out)
{
    if (!token || !token[0] || strlen(token) >= KZ_TOKEN_TEXT + 8)
        return kz_fail(c->err, KZ_EINVAL, "token", "token is required: the one-time link's token");
    char pw[KZ_PWHASH_TEXT], hash[KZ_HASH_HEX], *user_id = NULL;
    kz_rc rc = hash_password(c, password, pw);
    if (rc || (rc = kz_tx_begin(c)))
        return rc;
    kz_hash_hex(token, strlen(token), hash);
    rc = kz_store_link_take(c->db, hash, kz_now_ms(), c->arena, &user_id, c->err);
    if (!rc)
        rc = kz_store_user_get(c->db, user_id, c->arena, out, NULL, c->err);
    if (!rc)
        rc = store_password(c, user_id, pw);
    kz_wipe(pw, sizeof pw);
    if (!rc) {
        c->actor = kz_arena_printf(c->arena, "user:%s", user_id);
        rc = kz_audit(c, "user.password_set", "user", user_id, NULL);
    }
    return kz_tx_end(c, rc);
}

kz_rc kz_svc_user_password_now(kz_call *c, const char *id, const char *pwhash)
{
    kz_rc rc = kz_authz_role(c, KZ_ROLE_ADMIN);
    if (rc || (rc = kz_tx_begin(c)))
        return rc;
    rc = store_password(c, id, pwhash);
    if (!rc)
        rc = kz_audit(c, "user.password_set", "user", id, NULL);
    return kz_tx_end(c, rc);
}

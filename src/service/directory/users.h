/* User accounts (svc_users.c): people who sign in to the web interface with an e-mail
 * address and a password, as a role of one organization (like an API key). Creation
 * and reset hand out a one-time link to set the password; only admins manage users. */
#ifndef KZ_SERVICE_USERS_H
#define KZ_SERVICE_USERS_H

#include "service/core/call.h"
#include "store/directory/users.h"

enum {
    KZ_PASSWORD_MIN_CHARS = 12,
    KZ_PASSWORD_MAX_BYTES = 1024,
    KZ_LINK_VALID_MS = 24 * 3600 * 1000,
};

/* The languages of the UI. */
extern const kz_enum kz_user_language_enum;

/* Creates u (id, times filled in; language "en" and time zone "UTC" when NULL) and a
 * one-time link "<base_url>/set-password?token=..." valid 24 hours, in c's arena.
 * Admins only; an admin user belongs to the node operator's organization. Audited. */
kz_rc kz_svc_user_create(kz_call *c, kz_user *u, const char *base_url, char **link);

/* A change to a user: NULL / -1 leaves a field as it is. */
typedef struct kz_user_patch {
    const char *name, *organization, *language, *time_zone;
    int role;        /* kz_key_role or -1 */
    int disabled;    /* 1 disables (and ends the sessions), 0 enables, -1 unchanged */
} kz_user_patch;

kz_rc kz_svc_user_get(kz_call *c, const char *id, kz_user *out);
kz_rc kz_svc_user_list(kz_call *c, const char *organization, const kz_page *pg, kz_user_page *out);
kz_rc kz_svc_user_update(kz_call *c, const char *id, const kz_user_patch *p, kz_user *out);
kz_rc kz_svc_user_delete(kz_call *c, const char *id);

/* A forgotten password or a lost second factor: clears the password, the TOTP secret
 * and the recovery codes, ends the sessions and hands out a new link. id may be an
 * e-mail address (the CLI). Admins only. */
kz_rc kz_svc_user_reset(kz_call *c, const char *id_or_email, const char *base_url, kz_user *out, char **link);

/* Sets the password of the link's user and uses the link up. No caller identity needed:
 * the token is the credential. KZ_EINVAL naming "password" (too short, too long) or
 * KZ_ENOTFOUND naming "token". */
kz_rc kz_svc_password_set(kz_call *c, const char *token, const char *password, kz_user *out);

/* Sets a password directly from its Argon2id string (kz_password_hash), without a
 * link: the demo only, which gives many users one password hashed once. Admins. */
kz_rc kz_svc_user_password_now(kz_call *c, const char *id, const char *pwhash);

/* Checks the rules of a new password: KZ_EINVAL naming "password". */
kz_rc kz_password_check(const char *password, kz_err *err);

#endif

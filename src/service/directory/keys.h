/* API keys: creation (the secret shown once, stored as a hash), listing, revocation and
 * the authentication of a bearer secret (svc_keys.c). */
#ifndef KZ_SERVICE_KEYS_H
#define KZ_SERVICE_KEYS_H

#include "service/core/call.h"
#include "store/directory/directory.h"

enum { KZ_KEY_TEXT = 64 };

/* API keys: admins only. key_out receives the secret, shown once. */
kz_rc kz_svc_key_create(kz_call *c, kz_apikey *k, char key_out[KZ_KEY_TEXT]);
kz_rc kz_svc_key_list(kz_call *c, const char *organization, const kz_page *pg, kz_apikey_page *out);
kz_rc kz_svc_key_get(kz_call *c, const char *id, kz_apikey *out);
kz_rc kz_svc_key_revoke(kz_call *c, const char *id);

/* Resolves a bearer secret into the caller's identity. KZ_EUNAUTH for unknown or
 * revoked keys. Updates the key's last_used at most once a minute. */
kz_rc kz_svc_authenticate(kz_call *c, const char *secret);

#endif

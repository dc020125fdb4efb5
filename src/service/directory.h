/* Use cases of the points-of-contact directory: organizations, contacts and API keys,
 * with their authorization rules and audit events. */
#ifndef KZ_SERVICE_DIRECTORY_H
#define KZ_SERVICE_DIRECTORY_H

#include "service/call.h"
#include "store/directory.h"

/* A change applied to a stored object inside the update's transaction (for PATCH:
 * decode the request body over *obj). */
typedef kz_rc (*kz_apply_fn)(void *obj, void *ctx, kz_err *err);

enum { KZ_KEY_TEXT = 64 };

/* Organizations: anyone with a key reads; node admins write. */
kz_rc kz_svc_org_create(kz_call *c, kz_org *o);
kz_rc kz_svc_org_get(kz_call *c, const char *id, kz_org *out);
kz_rc kz_svc_org_update(kz_call *c, const char *id, kz_apply_fn apply, void *ctx, kz_org *out);
kz_rc kz_svc_org_delete(kz_call *c, const char *id);
kz_rc kz_svc_org_list(kz_call *c, const kz_org_filter *f, const kz_page *pg, kz_org_page *out);

/* Contacts: anyone with a key reads; analysts write their own organization's, admins all. */
kz_rc kz_svc_contact_create(kz_call *c, kz_contact *ct);
kz_rc kz_svc_contact_get(kz_call *c, const char *id, kz_contact *out);
kz_rc kz_svc_contact_update(kz_call *c, const char *id, kz_apply_fn apply, void *ctx, kz_contact *out);
kz_rc kz_svc_contact_delete(kz_call *c, const char *id);
kz_rc kz_svc_contact_list(kz_call *c, const kz_contact_filter *f, const kz_page *pg, kz_contact_page *out);

/* API keys: admins only. key_out receives the secret, shown once. */
kz_rc kz_svc_key_create(kz_call *c, kz_apikey *k, char key_out[KZ_KEY_TEXT]);
kz_rc kz_svc_key_list(kz_call *c, const char *organization, const kz_page *pg, kz_apikey_page *out);
kz_rc kz_svc_key_get(kz_call *c, const char *id, kz_apikey *out);
kz_rc kz_svc_key_revoke(kz_call *c, const char *id);

/* Resolves a bearer secret into the caller's identity. KZ_EUNAUTH for unknown or
 * revoked keys. Updates the key's last_used at most once a minute. */
kz_rc kz_svc_authenticate(kz_call *c, const char *secret);

#endif

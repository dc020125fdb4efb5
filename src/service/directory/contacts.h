/* Use cases of the directory's points of contact, with their authorization rules and
 * audit events (svc_contacts.c). */
#ifndef KZ_SERVICE_CONTACTS_H
#define KZ_SERVICE_CONTACTS_H

#include "service/core/call.h"
#include "store/directory/directory.h"

/* Contacts: anyone with a key reads; analysts write their own organization's, admins all. */
kz_rc kz_svc_contact_create(kz_call *c, kz_contact *ct);
kz_rc kz_svc_contact_get(kz_call *c, const char *id, kz_contact *out);
kz_rc kz_svc_contact_update(kz_call *c, const char *id, kz_apply_fn apply, void *ctx, kz_contact *out);
kz_rc kz_svc_contact_delete(kz_call *c, const char *id);
kz_rc kz_svc_contact_list(kz_call *c, const kz_contact_filter *f, const kz_page *pg, kz_contact_page *out);

#endif

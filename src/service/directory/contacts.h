/* Use cases of the directory's points of contact, with their authorization rules and
 * audit events (svc_contacts.c). */
#ifndef KZ_SERVICE_CONTACTS_H
#define KZ_SERVICE_CONTACTS_H

#include "service/core/call.h"
#include "store/directory/directory.h"
#include "util/buf.h"
#include "util/rowcache.h"

/* Contacts: anyone with a key reads; analysts write their own organization's, admins all. */
kz_rc kz_svc_contact_create(kz_call *c, kz_contact *ct);
kz_rc kz_svc_contact_get(kz_call *c, const char *id, kz_contact *out);
kz_rc kz_svc_contact_update(kz_call *c, const char *id, kz_apply_fn apply, void *ctx, kz_contact *out);
kz_rc kz_svc_contact_delete(kz_call *c, const char *id);
kz_rc kz_svc_contact_list(kz_call *c, const kz_contact_filter *f, const kz_page *pg, kz_contact_page *out);
/* Who may list which contacts, for both lists: the caller must be a viewer; *shown is f
 * with the caller as its viewer, so that an exercise-only organization's contacts are
 * listed only to those taking part. */
kz_rc kz_svc_contact_shown(kz_call *c, const kz_contact_filter *f, kz_contact_filter *shown);

/* The same list as {"items": [...], "next": ...} JSON text appended to out (empty on
 * entry), byte for byte what kz_json_write_page writes of kz_svc_contact_list's page.
 * Each contact's rendering is kept in a process-wide cache (svc_contact_json.c) for as
 * long as the store's generation does not move (any commit, here or by another process). */
kz_rc kz_svc_contact_list_json(kz_call *c, const kz_contact_filter *f, const kz_page *pg, kz_buf *out);

/* Sets the bound of that cache (0: none, every list reads its rows), before serving;
 * KZ_ENOMEM. Not thread-safe. */
kz_rc kz_svc_contact_cache_configure(size_t max_bytes);

#endif

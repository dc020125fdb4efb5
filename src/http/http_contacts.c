/* /api/v1/contacts: the points-of-contact directory, through the generic resource
 * handlers (http_resource.c). */
#include "http/handlers.h"

#include "http/resource.h"
#include "model/validate.h"
#include "service/directory/contacts.h"

#include <stddef.h>

static const kz_query_filter contact_filters[] = {
    {"state", kz_query_text, offsetof(kz_contact_filter, state), kz_valid_country, NULL},
    {"role", kz_query_text, offsetof(kz_contact_filter, role), kz_valid_contact_role, NULL},
    {"organization", kz_query_text, offsetof(kz_contact_filter, organization), kz_valid_uuid, NULL},
    {"q", kz_query_text, offsetof(kz_contact_filter, q), NULL, NULL},
};
static const kz_filter_desc contact_filter = {contact_filters, sizeof contact_filters / sizeof *contact_filters,
                                              sizeof(kz_contact_filter)};

static kz_rc create(kz_call *c, void *o) { return kz_svc_contact_create(c, o); }
static kz_rc get(kz_call *c, const char *id, void *o) { return kz_svc_contact_get(c, id, o); }
static kz_rc update(kz_call *c, const char *id, kz_apply_fn f, void *x, void *o) { return kz_svc_contact_update(c, id, f, x, o); }
KZ_RESOURCE_LIST(list, kz_svc_contact_list, kz_contact_page)
static kz_rc list_json(kz_call *c, const void *f, const kz_page *pg, kz_buf *out)
{
    return kz_svc_contact_list_json(c, f, pg, out);
}

static const kz_resource contacts = {
    &kz_contact_schema, sizeof(kz_contact), offsetof(kz_contact, id), KZ_FED_CONTACT,
    create, get, update, kz_svc_contact_delete, list, &contact_filter, false, list_json,
};

kz_rc kz_h_contact_create(kz_req *r) { return kz_h_resource_create(r, &contacts); }
kz_rc kz_h_contact_get(kz_req *r) { return kz_h_resource_get(r, &contacts); }
kz_rc kz_h_contact_update(kz_req *r) { return kz_h_resource_update(r, &contacts); }
kz_rc kz_h_contact_delete(kz_req *r) { return kz_h_resource_delete(r, &contacts); }
kz_rc kz_h_contact_list(kz_req *r) { return kz_h_resource_list(r, &contacts); }

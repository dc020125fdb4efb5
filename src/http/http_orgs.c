/* /api/v1/organizations, through the generic resource handlers (http_resource.c). */
#include "http/handlers.h"

#include "http/resource.h"
#include "model/validate.h"
#include "service/directory/orgs.h"

#include <stddef.h>

static kz_rc check_kind(const char *v, const char *field, kz_err *err)
{
    return kz_enum_parse(&kz_org_kind_enum, v) >= 0 ? KZ_OK
                                                    : kz_fail(err, KZ_EINVAL, field, "unknown organization kind");
}

static const kz_query_filter org_filters[] = {
    {"state", kz_query_text, offsetof(kz_org_filter, state), kz_valid_country, NULL},
    {"kind", kz_query_text, offsetof(kz_org_filter, kind), check_kind, NULL},
    {"q", kz_query_text, offsetof(kz_org_filter, q), NULL, NULL},
};
static const kz_filter_desc org_filter = {org_filters, sizeof org_filters / sizeof *org_filters,
                                          sizeof(kz_org_filter)};

static kz_rc create(kz_call *c, void *o) { return kz_svc_org_create(c, o); }
static kz_rc get(kz_call *c, const char *id, void *o) { return kz_svc_org_get(c, id, o); }
static kz_rc update(kz_call *c, const char *id, kz_apply_fn f, void *x, void *o) { return kz_svc_org_update(c, id, f, x, o); }
KZ_RESOURCE_LIST(list, kz_svc_org_list, kz_org_page)

static const kz_resource orgs = {
    &kz_org_schema, sizeof(kz_org), offsetof(kz_org, id), KZ_FED_ORGANIZATION,
    create, get, update, kz_svc_org_delete, list, &org_filter, true,
};

kz_rc kz_h_org_create(kz_req *r) { return kz_h_resource_create(r, &orgs); }
kz_rc kz_h_org_get(kz_req *r) { return kz_h_resource_get(r, &orgs); }
kz_rc kz_h_org_update(kz_req *r) { return kz_h_resource_update(r, &orgs); }
kz_rc kz_h_org_delete(kz_req *r) { return kz_h_resource_delete(r, &orgs); }
kz_rc kz_h_org_list(kz_req *r) { return kz_h_resource_list(r, &orgs); }

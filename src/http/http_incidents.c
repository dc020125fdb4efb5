/* /api/v1/incidents (with their timelines and indicators), /api/v1/stats/incidents and
 * /api/v1/taxonomies, the vocabularies incidents are classified with. */
#include "http/handlers.h"

#include "codec/json/json_fields.h"
#include "http/http_sharing.h"
#include "http/resource.h"
#include "model/law.h"
#include "model/taxonomy.h"
#include "model/validate.h"
#include "service/sharing/incidents.h"
#include "service/sharing/indicators.h"

#include <stddef.h>
#include <string.h>

static json_t *timeline_json(const kz_timeline_entry *items, size_t n)
{
    return kz_json_array_of(&kz_timeline_schema, items, n, sizeof *items);
}

/* The filters shared by the list, the export and the statistics, in the order they are
 * checked. */
#define F(name, parse, field, check, e) {name, parse, offsetof(kz_incident_filter, field), check, e}
static const kz_query_filter incident_filters[] = {
    F("rsit_class", kz_query_text, rsit_class, kz_valid_rsit_class, NULL),
    F("rsit_type", kz_query_text, rsit_type, kz_valid_rsit_type, NULL),
    F("sector", kz_query_text, sector, kz_valid_nis2_sector, NULL),
    F("state", kz_query_text, state, kz_valid_country, NULL),
    F("impact", kz_query_text, impact, kz_valid_impact, NULL),
    F("organization", kz_query_text, organization, kz_valid_uuid, NULL),
    F("status", kz_query_enum, status, NULL, &kz_incident_status_enum),
    F("tlp", kz_query_enum, tlp, NULL, &kz_tlp_enum),
    F("q", kz_query_text, q, NULL, NULL),
    F("since", kz_query_time, since, NULL, NULL),
    F("until", kz_query_time, until, NULL, NULL),
    F("norm", kz_query_text, norm, kz_valid_norm_letter, NULL),
};
#undef F
static const kz_filter_desc incident_filter = {incident_filters, sizeof incident_filters / sizeof *incident_filters,
                                               sizeof(kz_incident_filter)};

static kz_rc create(kz_call *c, void *o) { return kz_svc_incident_create(c, o); }
static kz_rc update(kz_call *c, const char *id, kz_apply_fn f, void *x, void *o) { return kz_svc_incident_update(c, id, f, x, o); }
KZ_RESOURCE_LIST(list, kz_svc_incident_list, kz_incident_page)

/* get has its own handler: an incident comes with its timeline */
static const kz_resource incidents = {
    &kz_incident_schema, sizeof(kz_incident), offsetof(kz_incident, id), KZ_FED_INCIDENT,
    create, NULL, update, NULL, list, &incident_filter,
};

kz_rc kz_h_incident_create(kz_req *r) { return kz_h_resource_create(r, &incidents); }
kz_rc kz_h_incident_update(kz_req *r) { return kz_h_resource_update(r, &incidents); }
kz_rc kz_h_incident_list(kz_req *r) { return kz_h_resource_list(r, &incidents); }

kz_rc kz_h_incident_get(kz_req *r)
{
    kz_incident o;
    kz_timeline_entry *tl = NULL;
    size_t n = 0;
    kz_rc rc = kz_svc_incident_get(&r->call, r->params[0], &o);
    if (!rc)
        rc = kz_svc_timeline_list(&r->call, o.id, &tl, &n);
    if (rc)
        return rc;
    json_t *j = kz_json_encode(&kz_incident_schema, &o);
    if (j && json_object_set_new(j, "timeline", timeline_json(tl, n)))
        return kz_fail(&r->err, KZ_ENOMEM, NULL, NULL);
    return kz_reply_origin(r, j, KZ_FED_INCIDENT, o.id);
}

kz_rc kz_h_incident_export(kz_req *r)
{
    kz_export_opts o = {.what = KZ_EXPORT_INCIDENTS};
    kz_rc rc = kz_req_filter(r, &incident_filter, kz_export_params, &o.incidents);
    return rc ? rc : kz_reply_export(r, &o, "incidents");
}

kz_rc kz_h_timeline_add(kz_req *r)
{
    json_t *body;
    kz_timeline_entry e = {0};
    kz_rc rc = kz_req_body_object(r, &body);
    if (!rc)
        rc = kz_json_decode(body, &kz_timeline_schema, &e, KZ_DECODE_CREATE, &r->arena, NULL, &r->err);
    if (!rc)
        rc = kz_svc_timeline_add(&r->call, r->params[0], &e);
    return rc ? rc : kz_reply(r, 201, kz_json_encode(&kz_timeline_schema, &e));
}

kz_rc kz_h_incident_indicators(kz_req *r)
{
    static const char *const allowed[] = {"limit", "cursor", NULL};
    kz_incident o;
    kz_indicator_filter f = {0};
    kz_page pg;
    kz_indicator_page page;
    kz_rc rc = kz_req_query_only(r, allowed);
    if (!rc) rc = kz_req_page(r, &pg);
    if (!rc) rc = kz_svc_incident_get(&r->call, r->params[0], &o);
    if (!rc) f.incident = o.id;
    if (!rc) rc = kz_svc_indicator_list(&r->call, &f, &pg, &page);
    if (rc)
        return rc;
    return kz_reply_page(r, &kz_indicator_schema, page.items, page.n, sizeof *page.items, page.next);
}

static kz_rc count_incidents(kz_call *c, const void *f, int dim, kz_counts *out)
{
    return kz_svc_incident_counts(c, f, (kz_incident_dim)dim, out);
}

kz_rc kz_h_incident_stats(kz_req *r)
{
    static const kz_stats_desc d = {&incident_filter, kz_incident_dim_names, KZ_INCIDENT_DIMS, count_incidents};
    return kz_reply_stats(r, &d);
}

/* ---- taxonomies ------------------------------------------------------------------- */

static json_t *term_json(const kz_term *t)
{
    return json_pack("{s:s, s:s, s:s}", "value", t->value, "name", t->name, "description", t->description);
}

static json_t *vocab_json(const kz_vocab *v, const char *parent)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < v->count; i++)
        if (!parent || (v->terms[i].parent && strcmp(v->terms[i].parent, parent) == 0))
            json_array_append_new(arr, term_json(&v->terms[i]));
    return arr;
}

kz_rc kz_h_taxonomies(kz_req *r)
{
    json_t *classes = json_array();
    for (size_t i = 0; classes && i < kz_rsit_classes.count; i++) {
        const kz_term *t = &kz_rsit_classes.terms[i];
        json_t *c = term_json(t);
        if (c)
            json_object_set_new(c, "types", vocab_json(&kz_rsit_types, t->value));
        json_array_append_new(classes, c);
    }
    json_t *o = json_pack("{s:{s:s, s:o}, s:{s:s, s:o, s:o}}",
                          "rsit", "source", kz_rsit_classes.source, "classes", classes,
                          "nis2", "source", kz_nis2_sectors.source, "sectors",
                          vocab_json(&kz_nis2_sectors, NULL), "impacts", vocab_json(&kz_nis2_impacts, NULL));
    return kz_reply(r, 200, o);
}

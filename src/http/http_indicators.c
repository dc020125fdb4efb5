/* /api/v1/indicators (single and bulk), /api/v1/sightings and /api/v1/stats/indicators. */
#include "http/handlers.h"

#include "codec/json/json_fields.h"
#include "http/http_sharing.h"
#include "http/resource.h"
#include "model/validate.h"
#include "service/sharing/indicators.h"
#include "service/sharing/sightings.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

extern const kz_enum kz_ind_type_enum;

json_t *kz_counts_json(const kz_counts *c)
{
    json_t *o = json_object();
    for (size_t i = 0; o && i < c->n; i++)
        json_object_set_new(o, c->v[i].key ? c->v[i].key : "unset", json_integer((json_int_t)c->v[i].n));
    return o;
}

json_t *kz_json_array_of(const kz_schema *s, const void *items, size_t n, size_t item_size)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++)
        if (json_array_append_new(arr, kz_json_encode(s, (const char *)items + i * item_size))) {
            json_decref(arr);
            return NULL;
        }
    return arr;
}

kz_rc kz_reply_stats(kz_req *r, const kz_stats_desc *d)
{
    void *filter = kz_arena_calloc(&r->arena, 1, d->filter->size);
    if (!filter)
        return kz_fail(&r->err, KZ_ENOMEM, NULL, NULL);
    kz_rc rc = kz_req_filter(r, d->filter, NULL, filter);
    if (rc)
        return rc;
    json_t *by = json_object();
    int64_t total = 0;
    for (int i = 0; by && i < d->n; i++) {
        kz_counts counts;
        rc = d->count(&r->call, filter, i, &counts);
        if (rc) {
            json_decref(by);
            return rc;
        }
        total = counts.total;
        json_object_set_new(by, d->names[i], kz_counts_json(&counts));
    }
    return kz_reply(r, 200, by ? json_pack("{s:I, s:o}", "total", (json_int_t)total, "by", by) : NULL);
}

/* "declassify": true lets a merge lower the label or widen the recipients of the
 * caller's own organization's indicator (service/sharing/sharing.h); not a stored
 * field, so it is taken out of the object before the field table reads it. */
static kz_rc take_declassify(json_t *o, unsigned *given, kz_err *err)
{
    json_t *v = json_object_get(o, "declassify");
    if (!v)
        return KZ_OK;
    if (!json_is_boolean(v))
        return kz_fail(err, KZ_EINVAL, "declassify", "declassify must be true or false");
    if (json_is_true(v))
        *given |= KZ_GIVEN_DECLASSIFY;
    json_object_del(o, "declassify");
    return KZ_OK;
}

kz_rc kz_h_indicator_create(kz_req *r)
{
    json_t *body;
    kz_indicator o = {0};
    kz_fieldset given = 0;
    kz_upsert result = KZ_UPSERT_CREATED;
    unsigned declassify = 0;
    kz_rc rc = kz_req_body_object(r, &body);
    if (!rc)
        rc = take_declassify(body, &declassify, &r->err);
    if (!rc)
        rc = kz_json_decode(body, &kz_indicator_schema, &o, KZ_DECODE_CREATE, &r->arena, &given, &r->err);
    if (!rc)
        rc = kz_svc_indicator_create(&r->call, &o, kz_indicator_given(given) | declassify, &result);
    if (rc)
        return rc;
    json_t *j = kz_json_encode(&kz_indicator_schema, &o);
    if (j)
        json_object_set_new(j, "result", json_string(kz_enum_name(&kz_upsert_enum, (int)result)));
    return kz_reply(r, result == KZ_UPSERT_CREATED ? 201 : 200, j);
}

static json_t *item_error_json(size_t index, const kz_err *e)
{
    return json_pack("{s:I, s:s, s:s, s:s}", "index", (json_int_t)index, "code", kz_rc_code(e->rc),
                     "field", e->field, "message", e->msg);
}

/* 400 (or the first failure's status) with the first error and every failed item. */
static kz_rc reply_item_errors(kz_req *r, kz_rc first, const kz_item_error *errors, size_t n)
{
    json_t *items = json_array();
    for (size_t i = 0; items && i < n; i++)
        json_array_append_new(items, item_error_json(errors[i].index, &errors[i].err));
    json_t *o = json_pack("{s:{s:s, s:s, s:s}, s:o}", "error", "code", kz_rc_code(first), "message",
                          r->err.msg, "field", r->err.field, "items", items);
    return kz_reply(r, kz_rc_http_status(first), o);
}

kz_rc kz_h_indicator_bulk(kz_req *r)
{
    json_t *body;
    kz_rc rc = kz_req_body_object(r, &body);
    if (rc)
        return rc;
    json_t *arr = json_object_get(body, "items");
    if (json_object_size(body) != 1 || !json_is_array(arr))
        return kz_fail(&r->err, KZ_EINVAL, "items", "the body must be {\"items\": [indicator, ...]}");
    size_t n = json_array_size(arr);
    if (n == 0 || n > KZ_BULK_MAX)
        return kz_fail(&r->err, KZ_EINVAL, "items", "items must hold 1 to %d indicators", KZ_BULK_MAX);
    kz_indicator *items = kz_arena_calloc(&r->arena, n, sizeof *items);
    unsigned *given = kz_arena_calloc(&r->arena, n, sizeof *given);
    kz_item_error *errors = kz_arena_calloc(&r->arena, KZ_BULK_ERRORS_MAX, sizeof *errors);
    if (!items || !given || !errors)
        return kz_fail(&r->err, KZ_ENOMEM, NULL, NULL);
    /* every item is decoded before anything is checked, so that all syntax errors are
     * reported at once */
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        kz_err e;
        kz_fieldset fs = 0;
        unsigned declassify = 0;
        kz_err_clear(&e);
        json_t *item = json_array_get(arr, i);
        if ((json_is_object(item) && take_declassify(item, &declassify, &e)) ||
            kz_json_decode(item, &kz_indicator_schema, &items[i], KZ_DECODE_CREATE, &r->arena, &fs, &e)) {
            char prefix[32];
            snprintf(prefix, sizeof prefix, "items[%zu]%s", i, e.field[0] ? "." : "");
            kz_err_prefix(&e, prefix);
            if (bad == 0)
                r->err = e;
            if (bad < KZ_BULK_ERRORS_MAX)
                errors[bad] = (kz_item_error){i, e};
            bad++;
            continue;
        }
        given[i] = kz_indicator_given(fs) | declassify;
    }
    if (bad)
        return reply_item_errors(r, KZ_EINVAL, errors, bad < KZ_BULK_ERRORS_MAX ? bad : KZ_BULK_ERRORS_MAX);
    kz_bulk_report rep;
    rc = kz_svc_indicator_bulk(&r->call, items, given, n, &rep);
    if (rc && rep.n_errors)
        return reply_item_errors(r, rc, rep.errors, rep.n_errors);
    if (rc)
        return rc;
    json_t *out = json_array();
    for (size_t i = 0; out && i < n; i++)
        json_array_append_new(out, json_pack("{s:I, s:s, s:s}", "index", (json_int_t)i, "id", rep.ids[i],
                                             "result", kz_enum_name(&kz_upsert_enum, (int)rep.results[i])));
    return kz_reply(r, 200, out ? json_pack("{s:I, s:I, s:I, s:o}", "created", (json_int_t)rep.created,
                                            "merged", (json_int_t)rep.merged, "unchanged",
                                            (json_int_t)rep.unchanged, "items", out) : NULL);
}

/* "active": true keeps the indicators valid now, false any. */
static kz_rc query_active(kz_req *r, const kz_query_filter *q, void *slot)
{
    const char *active = NULL;
    kz_rc rc = kz_req_query_checked(r, q->name, NULL, &active);
    if (rc || !active)
        return rc;
    if (strcmp(active, "true") != 0 && strcmp(active, "false") != 0)
        return kz_fail(&r->err, KZ_EINVAL, "active", "active must be true or false");
    *(kz_time *)slot = strcmp(active, "true") == 0 ? kz_now_ms() : 0;
    return KZ_OK;
}

/* The filters shared by the list, the export and the statistics, in the order they are
 * checked. */
#define F(name, parse, field, check, e) {name, parse, offsetof(kz_indicator_filter, field), check, e}
static const kz_query_filter indicator_filters[] = {
    F("q", kz_query_text, q, NULL, NULL),
    F("type", kz_query_enum, type, NULL, &kz_ind_type_enum),
    F("tlp", kz_query_enum, tlp, NULL, &kz_tlp_enum),
    F("source", kz_query_text, source, kz_valid_uuid, NULL),
    F("incident", kz_query_text, incident, kz_valid_uuid, NULL),
    F("since", kz_query_time, since, NULL, NULL),
    F("until", kz_query_time, until, NULL, NULL),
    F("active", query_active, active_at, NULL, NULL),
};
#undef F
static const kz_filter_desc indicator_filter = {indicator_filters, sizeof indicator_filters / sizeof *indicator_filters,
                                                sizeof(kz_indicator_filter)};

static kz_rc get(kz_call *c, const char *id, void *o) { return kz_svc_indicator_get(c, id, o); }
static kz_rc update(kz_call *c, const char *id, kz_apply_fn f, void *x, void *o) { return kz_svc_indicator_update(c, id, f, x, o); }
KZ_RESOURCE_LIST(list, kz_svc_indicator_list, kz_indicator_page)

/* create has its own handler: "declassify", and merging into a stored indicator */
static const kz_resource indicators = {
    &kz_indicator_schema, sizeof(kz_indicator), offsetof(kz_indicator, id), KZ_FED_INDICATOR,
    NULL, get, update, NULL, list, &indicator_filter,
};

kz_rc kz_h_indicator_get(kz_req *r) { return kz_h_resource_get(r, &indicators); }
kz_rc kz_h_indicator_update(kz_req *r) { return kz_h_resource_update(r, &indicators); }
kz_rc kz_h_indicator_list(kz_req *r) { return kz_h_resource_list(r, &indicators); }

kz_rc kz_h_indicator_export(kz_req *r)
{
    kz_export_opts o = {.what = KZ_EXPORT_INDICATORS};
    kz_rc rc = kz_req_filter(r, &indicator_filter, kz_export_params, &o.indicators);
    return rc ? rc : kz_reply_export(r, &o, "indicators");
}

static kz_rc count_indicators(kz_call *c, const void *f, int dim, kz_counts *out)
{
    return kz_svc_indicator_counts(c, f, (kz_indicator_dim)dim, out);
}

kz_rc kz_h_indicator_stats(kz_req *r)
{
    static const kz_stats_desc d = {&indicator_filter, kz_indicator_dim_names, KZ_INDICATOR_DIMS,
                                    count_indicators};
    return kz_reply_stats(r, &d);
}

/* ---- sightings --------------------------------------------------------------------- */

kz_rc kz_h_sighting_create(kz_req *r)
{
    json_t *body;
    kz_sighting s = {.tlp = KZ_TLP_AMBER, .count = 1};  /* defaults, kept when not given */
    kz_upsert result = KZ_UPSERT_CREATED;
    kz_rc rc = kz_req_body_object(r, &body);
    if (!rc)
        rc = kz_json_decode(body, &kz_sighting_schema, &s, KZ_DECODE_CREATE, &r->arena, NULL, &r->err);
    if (!rc)
        rc = kz_svc_sighting_add(&r->call, &s, &result);
    if (rc)
        return rc;
    json_t *j = kz_json_encode(&kz_sighting_schema, &s);
    if (j)
        json_object_set_new(j, "result", json_string(kz_enum_name(&kz_upsert_enum, (int)result)));
    return kz_reply(r, result == KZ_UPSERT_CREATED ? 201 : 200, j);
}

static kz_rc time_range(kz_req *r, kz_time *since, kz_time *until)
{
    *since = *until = 0;
    kz_rc rc = kz_req_query_time(r, "since", since);
    return rc ? rc : kz_req_query_time(r, "until", until);
}

kz_rc kz_h_indicator_sightings(kz_req *r)
{
    static const char *const allowed[] = {"since", "until", NULL};
    kz_time since, until;
    kz_sighting_sum *items, total;
    size_t n;
    kz_rc rc = kz_req_query_only(r, allowed);
    if (!rc) rc = time_range(r, &since, &until);
    if (!rc) rc = kz_svc_sighting_sums_by_observer(&r->call, r->params[0], since, until, &items, &n, &total);
    if (rc)
        return rc;
    json_t *observers = kz_json_array_of(&kz_sighting_sum_schema, items, n, sizeof *items);
    json_t *t = kz_json_encode(&kz_sighting_sum_schema, &total);
    if (t)
        json_object_del(t, "observer");
    return kz_reply(r, 200, json_pack("{s:s, s:o?, s:o?}", "indicator", total.indicator, "total", t,
                                      "observers", observers));
}

kz_rc kz_h_sighting_list(kz_req *r)
{
    static const char *const allowed[] = {"observer", "since", "until", "limit", "cursor", NULL};
    const char *observer = NULL;
    kz_time since, until;
    kz_page pg;
    kz_sighting_sum_page page;
    kz_rc rc = kz_req_query_only(r, allowed);
    if (!rc) rc = kz_req_query_checked(r, "observer", kz_valid_uuid, &observer);
    if (!rc) rc = time_range(r, &since, &until);
    if (!rc) rc = kz_req_page(r, &pg);
    if (!rc) rc = kz_svc_sighting_sums_by_indicator(&r->call, observer, since, until, &pg, &page);
    if (rc)
        return rc;
    return kz_reply_page(r, &kz_sighting_sum_schema, page.items, page.n, sizeof *page.items, page.next);
}

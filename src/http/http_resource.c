/* The generic resource handlers (create, get, update, delete, a filtered list) and the
 * query filters as a table (resource.h); the resources' files give their descriptors. */
#include "http/resource.h"

#include "http/handlers.h"

#include <stdio.h>

kz_rc kz_query_text(kz_req *r, const kz_query_filter *q, void *slot)
{
    return kz_req_query_checked(r, q->name, q->check, slot);
}

kz_rc kz_query_enum(kz_req *r, const kz_query_filter *q, void *slot)
{
    return kz_req_query_enum(r, q->name, q->e, slot);
}

kz_rc kz_query_time(kz_req *r, const kz_query_filter *q, void *slot)
{
    return kz_req_query_time(r, q->name, slot);
}

/* d's parameter names, then extra's, NULL-terminated, in r's arena. */
static const char **allowed_names(kz_req *r, const kz_filter_desc *d, const char *const *extra)
{
    size_t n_extra = 0;
    while (extra && extra[n_extra])
        n_extra++;
    const char **names = kz_arena_calloc(&r->arena, d->n + n_extra + 1, sizeof *names);
    if (!names)
        return NULL;
    for (size_t i = 0; i < d->n; i++)
        names[i] = d->fields[i].name;
    for (size_t i = 0; i < n_extra; i++)
        names[d->n + i] = extra[i];
    return names;
}

kz_rc kz_req_filter(kz_req *r, const kz_filter_desc *d, const char *const *extra, void *filter)
{
    const char **allowed = allowed_names(r, d, extra);
    if (!allowed)
        return kz_fail(&r->err, KZ_ENOMEM, NULL, NULL);
    kz_rc rc = kz_req_query_only(r, allowed);
    for (size_t i = 0; !rc && i < d->n; i++)
        rc = d->fields[i].parse(r, &d->fields[i], (char *)filter + d->fields[i].offset);
    return rc;
}

kz_rc kz_page_view_set(kz_page_view *v, const void *items, size_t n, size_t item_size, const char *next)
{
    v->items = items;
    v->n = n;
    v->item_size = item_size;
    snprintf(v->next, sizeof v->next, "%s", next);
    return KZ_OK;
}

/* A zeroed struct of d's type in r's arena, or NULL after failing r with ENOMEM. */
static void *new_object(kz_req *r, size_t size)
{
    void *o = kz_arena_calloc(&r->arena, 1, size);
    if (!o)
        kz_fail(&r->err, KZ_ENOMEM, NULL, NULL);
    return o;
}

kz_rc kz_h_resource_create(kz_req *r, const kz_resource *d)
{
    json_t *body;
    void *o = new_object(r, d->size);
    if (!o)
        return r->err.rc;
    kz_rc rc = kz_req_body_object(r, &body);
    if (!rc)
        rc = kz_json_decode(body, d->schema, o, KZ_DECODE_CREATE, &r->arena, NULL, &r->err);
    if (!rc)
        rc = d->create(&r->call, o);
    return rc ? rc : kz_reply(r, 201, kz_json_encode(d->schema, o));
}

kz_rc kz_h_resource_get(kz_req *r, const kz_resource *d)
{
    void *o = new_object(r, d->size);
    if (!o)
        return r->err.rc;
    kz_rc rc = d->get(&r->call, r->params[0], o);
    if (rc)
        return rc;
    const char *id = *(char *const *)((const char *)o + d->id_offset);
    return kz_reply_origin(r, kz_json_encode(d->schema, o), d->origin_kind, id);
}

kz_rc kz_h_resource_update(kz_req *r, const kz_resource *d)
{
    json_t *body;
    void *o = new_object(r, d->size);
    if (!o)
        return r->err.rc;
    kz_rc rc = kz_req_body_object(r, &body);
    kz_json_patch patch = {body, d->schema, &r->arena};
    if (!rc)
        rc = d->update(&r->call, r->params[0], kz_json_apply_patch, &patch, o);
    return rc ? rc : kz_reply(r, 200, kz_json_encode(d->schema, o));
}

kz_rc kz_h_resource_delete(kz_req *r, const kz_resource *d)
{
    kz_rc rc = d->remove(&r->call, r->params[0]);
    return rc ? rc : kz_reply(r, 204, json_null());
}

/* A page whose items each say their origin (a few hundred organizations, not the
 * thousands of a contact or indicator list, so a jansson tree per item is fine). */
static kz_rc reply_page_origins(kz_req *r, const kz_resource *d, const kz_page_view *page)
{
    json_t *items = json_array();
    kz_rc rc = items ? KZ_OK : kz_fail(&r->err, KZ_ENOMEM, NULL, NULL);
    for (size_t i = 0; !rc && i < page->n; i++) {
        const void *o = (const char *)page->items + i * page->item_size;
        json_t *j = kz_json_encode(d->schema, o);
        rc = kz_set_origin(r, j, d->origin_kind, *(char *const *)((const char *)o + d->id_offset));
        if (!rc && json_array_append_new(items, j))
            rc = kz_fail(&r->err, KZ_ENOMEM, NULL, NULL);
        else if (rc)
            json_decref(j);
    }
    if (rc) {
        json_decref(items);
        return rc;
    }
    return kz_reply(r, 200, json_pack("{s:o, s:s?}", "items", items, "next", page->next[0] ? page->next : NULL));
}

static kz_rc reply_list_json(kz_req *r, const kz_resource *d, const void *f, const kz_page *pg)
{
    kz_buf b;
    kz_buf_init(&b, (size_t)1 << 30);
    kz_rc rc = d->list_json(&r->call, f, pg, &b);
    if (!rc)
        kz_reply_text(r, 200, &b);
    kz_buf_free(&b);
    return rc;
}

kz_rc kz_h_resource_list(kz_req *r, const kz_resource *d)
{
    static const char *const paging[] = {"limit", "cursor", NULL};
    kz_page pg;
    kz_page_view page;
    void *f = new_object(r, d->filter->size);
    if (!f)
        return r->err.rc;
    kz_rc rc = kz_req_filter(r, d->filter, paging, f);
    if (!rc) rc = kz_req_page(r, &pg);
    if (!rc && d->list_json)
        return reply_list_json(r, d, f, &pg);
    if (!rc) rc = d->list(&r->call, f, &pg, &page);
    if (rc)
        return rc;
    if (d->origin_in_list)
        return reply_page_origins(r, d, &page);
    return kz_reply_page(r, d->schema, page.items, page.n, page.item_size, page.next);
}

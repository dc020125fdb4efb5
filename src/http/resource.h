/* The generic handlers of a resource: create, get, update, delete and a filtered list,
 * driven by a descriptor (the schema, the use cases, the query filters as a table), so
 * that http_<resource>.c holds only its table and thin wrappers (http_resource.c). */
#ifndef KZ_HTTP_RESOURCE_H
#define KZ_HTTP_RESOURCE_H

#include "codec/json/json_fields.h"
#include "http/req.h"
#include "service/core/call.h"

/* One query parameter of a list filter: its name, how its value is read into the
 * filter struct (at offset), and what checks it. */
typedef struct kz_query_filter kz_query_filter;
typedef kz_rc (*kz_query_parse_fn)(kz_req *r, const kz_query_filter *q, void *slot);
struct kz_query_filter {
    const char *name;
    kz_query_parse_fn parse;  /* kz_query_text, kz_query_enum or kz_query_time, or its own */
    size_t offset;            /* of the value in the filter struct */
    kz_valid_fn check;        /* kz_query_text: the validator, NULL for free text */
    const kz_enum *e;         /* kz_query_enum: the wire names allowed */
};
/* A const char * checked by q->check (arena memory, NULL when absent). */
kz_rc kz_query_text(kz_req *r, const kz_query_filter *q, void *slot);
/* A const char * that must be one of q->e's names (NULL when absent). */
kz_rc kz_query_enum(kz_req *r, const kz_query_filter *q, void *slot);
/* A kz_time in RFC 3339 (untouched when absent). */
kz_rc kz_query_time(kz_req *r, const kz_query_filter *q, void *slot);

/* The filter of a list: its parameters in the order they are checked, and the size of
 * the struct they fill. */
typedef struct kz_filter_desc {
    const kz_query_filter *fields;
    size_t n;
    size_t size;
} kz_filter_desc;

/* KZ_EINVAL naming the first query parameter that is neither one of d's nor in extra
 * (NULL-terminated, may be NULL), then each of d's parameters read into filter (d->size
 * bytes, zeroed by the caller) or KZ_EINVAL naming the first bad one. */
kz_rc kz_req_filter(kz_req *r, const kz_filter_desc *d, const char *const *extra, void *filter);

/* A page of any item type, as a list use case returned it. */
typedef struct kz_page_view {
    const void *items;
    size_t n, item_size;
    char next[KZ_CURSOR_TEXT];
} kz_page_view;
kz_rc kz_page_view_set(kz_page_view *v, const void *items, size_t n, size_t item_size, const char *next);
/* Defines the static list wrapper `name` of a kz_resource: it calls the list use case
 * svc_list(c, filter, pg, &page), whose page is a page_type (a KZ_PAGE_OF(item)). */
#define KZ_RESOURCE_LIST(name, svc_list, page_type)                                          \
    static kz_rc name(kz_call *c, const void *f, const kz_page *pg, kz_page_view *v)        \
    {                                                                                       \
        page_type p;                                                                        \
        kz_rc rc = svc_list(c, f, pg, &p);                                                  \
        return rc ? rc : kz_page_view_set(v, p.items, p.n, sizeof *p.items, p.next);        \
    }

/* A resource: its schema and struct, and the use cases the handlers call (each one
 * kz_svc_<thing>_<verb> behind a one-line wrapper that takes void *). A NULL use case
 * is a handler the resource does not have. */
typedef struct kz_resource {
    const kz_schema *schema;
    size_t size;         /* of the struct */
    size_t id_offset;    /* of its char *id */
    int origin_kind;     /* KZ_FED_* for the "origin" of a single object */
    kz_rc (*create)(kz_call *c, void *obj);
    kz_rc (*get)(kz_call *c, const char *id, void *out);
    kz_rc (*update)(kz_call *c, const char *id, kz_apply_fn apply, void *ctx, void *out);
    kz_rc (*remove)(kz_call *c, const char *id);
    kz_rc (*list)(kz_call *c, const void *filter, const kz_page *pg, kz_page_view *out);
    const kz_filter_desc *filter;
    bool origin_in_list; /* each item of the list says its "origin" too (organizations) */
    /* the list written as JSON text by the service itself (NULL: list + kz_reply_page) */
    kz_rc (*list_json)(kz_call *c, const void *filter, const kz_page *pg, kz_buf *out);
} kz_resource;

/* POST: the body decoded as a new object, created; 201 with it. */
kz_rc kz_h_resource_create(kz_req *r, const kz_resource *d);
/* GET /{id}: 200 with the object and its origin. */
kz_rc kz_h_resource_get(kz_req *r, const kz_resource *d);
/* PATCH /{id}: the body applied to the stored object; 200 with the result. */
kz_rc kz_h_resource_update(kz_req *r, const kz_resource *d);
/* DELETE /{id}: 204. */
kz_rc kz_h_resource_delete(kz_req *r, const kz_resource *d);
/* GET: the objects matching d->filter, a page of them (limit, cursor). */
kz_rc kz_h_resource_list(kz_req *r, const kz_resource *d);

#endif

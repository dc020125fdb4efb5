/* Reply and query helpers shared by the handlers. */
#include "http/req.h"

#include "codec/json/json_fields.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

kz_rc kz_reply(kz_req *r, int status, json_t *body)
{
    if (!body)
        return kz_fail(&r->err, KZ_ENOMEM, NULL, NULL);
    json_decref(r->reply);
    r->reply = body;
    r->status = status;
    return KZ_OK;
}

kz_rc kz_reply_header(kz_req *r, const char *name, const char *value)
{
    if (r->n_headers == KZ_MAX_REPLY_HEADERS || !value)
        return kz_fail(&r->err, KZ_EINTERNAL, NULL, "too many reply headers");
    r->headers[r->n_headers][0] = name;
    r->headers[r->n_headers][1] = value;
    r->n_headers++;
    return KZ_OK;
}

kz_rc kz_req_body_object(kz_req *r, json_t **out)
{
    if (!r->json)
        return kz_fail(&r->err, KZ_EINVAL, "", "a JSON object body is required");
    if (!json_is_object(r->json))
        return kz_fail(&r->err, KZ_EINVAL, "", "the body must be a JSON object");
    *out = r->json;
    return KZ_OK;
}

kz_rc kz_req_page(kz_req *r, kz_page *pg)
{
    pg->cursor = kz_req_query(r, "cursor");
    pg->limit = KZ_LIST_DEFAULT;
    const char *l = kz_req_query(r, "limit");
    if (l) {
        char *end;
        errno = 0;
        long v = strtol(l, &end, 10);
        if (errno || *end || end == l || v < 1 || v > KZ_LIST_MAX)
            return kz_fail(&r->err, KZ_EINVAL, "limit", "limit must be an integer from 1 to %d", KZ_LIST_MAX);
        pg->limit = v;
    }
    return KZ_OK;
}

kz_rc kz_req_query_checked(kz_req *r, const char *name, kz_valid_fn check, const char **out)
{
    const char *v = kz_req_query(r, name);
    *out = NULL;
    if (!v)
        return KZ_OK;
    if (!v[0] || strlen(v) > 256)
        return kz_fail(&r->err, KZ_EINVAL, name, "%s must be 1 to 256 characters", name);
    if (check) {
        kz_rc rc = check(v, name, &r->err);
        if (rc)
            return rc;
    }
    *out = v;
    return KZ_OK;
}

kz_rc kz_req_query_enum(kz_req *r, const char *name, const kz_enum *e, const char **out)
{
    *out = kz_req_query(r, name);
    if (!*out || kz_enum_parse(e, *out) >= 0)
        return KZ_OK;
    char list[256];
    kz_enum_list(e, list, sizeof list);
    *out = NULL;
    return kz_fail(&r->err, KZ_EINVAL, name, "%s must be %s", name, list);
}

kz_rc kz_req_query_time(kz_req *r, const char *name, kz_time *out)
{
    const char *v = kz_req_query(r, name);
    if (v && kz_time_parse(v, out))
        return kz_fail(&r->err, KZ_EINVAL, name, "%s must be an RFC 3339 time or a date (2026-01-31)", name);
    return KZ_OK;
}

json_t *kz_page_json(json_t *items, const char *next)
{
    if (!items)
        return NULL;
    return json_pack("{s:o, s:s?}", "items", items, "next", next && next[0] ? next : NULL);
}

void kz_reply_text(kz_req *r, int status, kz_buf *b)
{
    r->raw_len = b->len;
    r->raw_heap = kz_buf_steal(b);
    json_decref(r->reply);
    r->reply = NULL;
    r->status = status;
}

kz_rc kz_reply_page(kz_req *r, const kz_schema *s, const void *items, size_t n, size_t item_size,
                    const char *next)
{
    kz_buf b;
    kz_buf_init(&b, (size_t)1 << 30);
    kz_rc rc = kz_json_write_page(&b, s, items, n, item_size, next);
    if (rc) {
        kz_buf_free(&b);
        return kz_fail(&r->err, rc, NULL, NULL);
    }
    kz_reply_text(r, 200, &b);
    return KZ_OK;
}

/* filename*=UTF-8''... (RFC 6266 / 5987): every byte outside the safe set escaped. */
char *kz_reply_disposition(kz_arena *a, const char *name)
{
    kz_buf b;
    kz_buf_init(&b, 4096);
    kz_rc rc = kz_buf_puts(&b, "attachment; filename*=UTF-8''");
    for (const unsigned char *p = (const unsigned char *)name; !rc && *p; p++) {
        bool safe = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                    strchr("!#$&+-.^_`|~", *p);
        rc = safe ? kz_buf_append(&b, p, 1) : kz_buf_printf(&b, "%%%02X", *p);
    }
    char *out = rc ? NULL : kz_arena_strdup(a, b.p);
    kz_buf_free(&b);
    return out;
}

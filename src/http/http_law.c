/* /api/v1/norms (the catalogue and what links to each norm) and /api/v1/documents
 * (the policy library: versions, stored copies, search, comparison across states). */
#include "http/handlers.h"

#include "codec/json/json_fields.h"
#include "crypto/crypto.h"
#include "service/law/documents.h"
#include "service/law/norms.h"
#include "service/directory/users.h"
#include "service/law/surveys.h"
#include "http/http_sharing.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- norms ------------------------------------------------------------------------- */

static json_t *norm_json(const kz_norm *n)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:s}, s:{s:s, s:s}}", "letter", n->letter, "title", n->title,
                     "title_ja", n->title_ja, "text", n->text, "source", "symbol", kz_norm_source, "paragraph",
                     n->letter, "guidance", "symbol", kz_norm_guidance, "title", kz_norm_guidance_title);
}

kz_rc kz_h_norm_list(kz_req *r)
{
    size_t n;
    const kz_norm *all = kz_norms(&n);
    json_t *items = json_array();
    for (size_t i = 0; items && i < n; i++)
        json_array_append_new(items, norm_json(&all[i]));
    return kz_reply(r, 200, json_pack("{s:o}", "items", items));
}

static json_t *requests_json(const kz_norm_links *l)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < l->n_requests; i++) {
        const kz_norm_request *q = &l->requests[i];
        json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", q->id, "subject", q->subject, "from_state",
                              q->from_state, "to_state", q->to_state, "status", q->status);
        if (o)
            kz_json_set_time(o, "sent_at", q->sent_at);
        json_array_append_new(a, o);
    }
    return a;
}

static json_t *incidents_json(const kz_norm_links *l)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < l->n_incidents; i++) {
        const kz_norm_incident *q = &l->incidents[i];
        json_t *states = json_array();
        for (size_t k = 0; states && k < q->states.n; k++)
            json_array_append_new(states, json_string(q->states.v[k]));
        json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "id", q->id, "title", q->title, "status", q->status,
                              "tlp", q->tlp, "reporter_state", q->reporter_state, "states", states);
        if (o)
            kz_json_set_time(o, "occurred", q->occurred);
        json_array_append_new(a, o);
    }
    return a;
}

static json_t *counts_json(const kz_norm_links *l)
{
    json_t *inc = json_array();
    for (size_t i = 0; inc && i < l->n_incident_counts; i++) {
        const kz_norm_incident_count *k = &l->incident_counts[i];
        json_array_append_new(inc, json_pack("{s:s, s:i, s:I, s:I}", "state", k->state, "year", k->year,
                                             "reported", (json_int_t)k->reported, "affected",
                                             (json_int_t)k->affected));
    }
    json_t *req = json_array(), *docs = json_array();
    for (size_t i = 0; req && i < l->n_request_counts; i++) {
        const kz_norm_request_count *k = &l->request_counts[i];
        json_array_append_new(req, json_pack("{s:s, s:i, s:I, s:I, s:I}", "state", k->state, "year", k->year,
                                             "sent", (json_int_t)k->sent, "received", (json_int_t)k->received,
                                             "answered", (json_int_t)k->answered));
    }
    for (size_t i = 0; docs && i < l->n_document_counts; i++)
        json_array_append_new(docs, json_pack("{s:s, s:I}", "state", l->document_counts[i].state, "documents",
                                              (json_int_t)l->document_counts[i].documents));
    return json_pack("{s:o, s:o, s:o}", "requests", req, "documents", docs, "incidents", inc);
}

kz_rc kz_h_norm_get(kz_req *r)
{
    static const char *const allowed[] = {NULL};
    const kz_norm *n = NULL;
    kz_norm_links l;
    kz_rc rc = kz_req_query_only(r, allowed);
    if (!rc) rc = kz_svc_norm_get(&r->call, r->params[0], &n);
    if (!rc) rc = kz_svc_norm_links(&r->call, n, &l);
    if (rc)
        return rc;
    json_t *o = norm_json(n);
    if (o) {
        json_object_set_new(o, "requests", requests_json(&l));
        json_object_set_new(o, "incidents", incidents_json(&l));
        json_object_set_new(o, "documents",
                            kz_json_array_of(&kz_document_schema, l.documents, l.n_documents, sizeof *l.documents));
        json_object_set_new(o, "counts", counts_json(&l));
    }
    return kz_reply(r, 200, o);
}

/* ---- documents ---------------------------------------------------------------------- */

/* Takes "file": {"name", "media_type", "content_base64"} out of body into *out (NULL
 * when absent): the stored copy, at most KZ_DOC_FILE_MAX bytes. */
static kz_rc take_file(kz_req *r, json_t *body, kz_document_file *out, const kz_document_file **given)
{
    *given = NULL;
    json_t *f = json_object_get(body, "file");
    if (!f || json_is_null(f)) {
        json_object_del(body, "file");
        return KZ_OK;
    }
    const char *key;
    json_t *v;
    if (!json_is_object(f))
        return kz_fail(&r->err, KZ_EINVAL, "file", "file is {\"name\", \"media_type\", \"content_base64\"}");
    json_object_foreach(f, key, v) {
        if (strcmp(key, "name") && strcmp(key, "media_type") && strcmp(key, "content_base64"))
            return kz_fail(&r->err, KZ_EINVAL, "file", "unknown field '%.32s' of file", key);
        if (!json_is_string(v))
            return kz_fail(&r->err, KZ_EINVAL, "file", "file.%s must be a string", key);
    }
    const char *b64 = json_string_value(json_object_get(f, "content_base64"));
    if (!b64)
        return kz_fail(&r->err, KZ_EINVAL, "file", "file.content_base64 is required");
    size_t len = strlen(b64);
    if (len / 4 * 3 > (size_t)KZ_DOC_FILE_MAX + 3)
        return kz_fail(&r->err, KZ_ETOOBIG, "file", "the stored copy may be at most %d bytes", KZ_DOC_FILE_MAX);
    size_t cap = len / 4 * 3 + 3, n = 0;
    unsigned char *data = kz_arena_alloc(&r->arena, cap);
    if (!data)
        return kz_fail(&r->err, KZ_ENOMEM, NULL, NULL);
    if (kz_b64_decode(b64, data, cap, &n))
        return kz_fail(&r->err, KZ_EINVAL, "file", "file.content_base64 is not standard base64");
    const char *name = json_string_value(json_object_get(f, "name"));
    const char *type = json_string_value(json_object_get(f, "media_type"));
    if ((name && strlen(name) > 255) || (type && strlen(type) > 127))
        return kz_fail(&r->err, KZ_EINVAL, "file", "file.name has at most 255 bytes, file.media_type 127");
    *out = (kz_document_file){name ? kz_arena_strdup(&r->arena, name) : NULL,
                              type ? kz_arena_strdup(&r->arena, type) : NULL, data, n};
    *given = out;
    json_object_del(body, "file");
    return KZ_OK;
}

kz_rc kz_h_document_create(kz_req *r)
{
    json_t *body;
    kz_document o = {0};
    kz_document_file file;
    const kz_document_file *given = NULL;
    kz_document_defaults(&o);
    kz_rc rc = kz_req_body_object(r, &body);
    if (!rc) rc = take_file(r, body, &file, &given);
    if (!rc) rc = kz_json_decode(body, &kz_document_schema, &o, KZ_DECODE_CREATE, &r->arena, NULL, &r->err);
    if (!rc) rc = kz_svc_document_create(&r->call, &o, given);
    return rc ? rc : kz_reply(r, 201, kz_json_encode(&kz_document_schema, &o));
}

kz_rc kz_h_document_update(kz_req *r)
{
    json_t *body;
    kz_document o;
    kz_document_file file;
    const kz_document_file *given = NULL;
    kz_rc rc = kz_req_body_object(r, &body);
    kz_json_patch patch = {body, &kz_document_schema, &r->arena};
    if (!rc) rc = take_file(r, body, &file, &given);
    if (!rc) rc = kz_svc_document_update(&r->call, r->params[0], kz_json_apply_patch, &patch, given, &o);
    return rc ? rc : kz_reply(r, 200, kz_json_encode(&kz_document_schema, &o));
}

/* ?version=N (N >= 1), 0 when absent. */
static kz_rc version_param(kz_req *r, int64_t *out)
{
    const char *v = NULL;
    *out = 0;
    kz_rc rc = kz_req_query_checked(r, "version", NULL, &v);
    if (rc || !v)
        return rc;
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (errno || *end || end == v || n < 1 || n > INT32_MAX)
        return kz_fail(&r->err, KZ_EINVAL, "version", "version must be a number from 1");
    *out = n;
    return KZ_OK;
}

/* A query string of ?version=N at most. */
static kz_rc version_only(kz_req *r, int64_t *version)
{
    static const char *const allowed[] = {"version", NULL};
    kz_rc rc = kz_req_query_only(r, allowed);
    return rc ? rc : version_param(r, version);
}

kz_rc kz_h_document_get(kz_req *r)
{
    int64_t version;
    kz_document o;
    kz_rc rc = version_only(r, &version);
    if (!rc) rc = kz_svc_document_get(&r->call, r->params[0], version, &o);
    return rc ? rc : kz_reply(r, 200, kz_json_encode(&kz_document_schema, &o));
}

kz_rc kz_h_document_versions(kz_req *r)
{
    static const char *const allowed[] = {NULL};
    kz_document *items = NULL;
    size_t n = 0;
    kz_rc rc = kz_req_query_only(r, allowed);
    if (!rc) rc = kz_svc_document_history(&r->call, r->params[0], &items, &n);
    return rc ? rc : kz_reply(r, 200, kz_page_json(kz_json_array_of(&kz_document_schema, items, n, sizeof *items), ""));
}

kz_rc kz_h_document_file(kz_req *r)
{
    int64_t version;
    kz_document o;
    const unsigned char *data = NULL;
    size_t size = 0;
    kz_rc rc = version_only(r, &version);
    if (!rc) rc = kz_svc_document_file(&r->call, r->params[0], version, &o, &data, &size);
    if (rc)
        return rc;
    r->status = 200;
    r->content_type = "application/octet-stream";
    r->raw = (char *)data;
    r->raw_len = size;
    kz_reply_header(r, "Content-Disposition", kz_reply_disposition(&r->arena, o.file_name));
    return kz_reply_header(r, "X-Kizuna-Digest", kz_arena_printf(&r->arena, "sha-256=%s", o.sha256));
}

kz_rc kz_h_document_list(kz_req *r)
{
    static const char *const allowed[] = {"state", "type", "status", "topic", "norm", "tlp", "q", "limit", "cursor", NULL};
    kz_document_filter f = {0};
    kz_page pg;
    kz_document_page page;
    kz_rc rc = kz_req_query_only(r, allowed);
    if (!rc) rc = kz_req_query_checked(r, "state", kz_valid_doc_issuer, &f.state);
    if (!rc) rc = kz_req_query_enum(r, "type", &kz_doc_type_enum, &f.type);
    if (!rc) rc = kz_req_query_enum(r, "status", &kz_doc_status_enum, &f.status);
    if (!rc) rc = kz_req_query_checked(r, "topic", kz_valid_doc_topic, &f.topic);
    if (!rc) rc = kz_req_query_checked(r, "norm", kz_valid_norm_letter, &f.norm);
    if (!rc) rc = kz_req_query_enum(r, "tlp", &kz_tlp_enum, &f.tlp);
    if (!rc) rc = kz_req_query_checked(r, "q", NULL, &f.q);
    if (!rc && f.q && strlen(f.q) > 500)
        rc = kz_fail(&r->err, KZ_EINVAL, "q", "q has at most 500 bytes");
    if (!rc) rc = kz_req_page(r, &pg);
    if (!rc) rc = kz_svc_document_list(&r->call, &f, &pg, &page);
    if (rc)
        return rc;
    return kz_reply_page(r, &kz_document_schema, page.items, page.n, sizeof *page.items, page.next);
}

/* ---- comparison ----------------------------------------------------------------------- */

/* "JP,FR,DE" into a list of checked codes in the arena. */
static kz_rc state_list(kz_req *r, const char *v, const char ***out, size_t *n)
{
    *n = 0;
    size_t cap = 1;
    for (const char *p = v; *p; p++)
        cap += *p == ',';
    *out = kz_arena_calloc(&r->arena, cap, sizeof **out);
    if (!*out)
        return kz_fail(&r->err, KZ_ENOMEM, NULL, NULL);
    for (const char *p = v;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char *code = kz_arena_strndup(&r->arena, p, len);
        if (!code)
            return kz_fail(&r->err, KZ_ENOMEM, NULL, NULL);
        if (kz_valid_doc_issuer(code, "states", &r->err))
            return KZ_EINVAL;
        (*out)[(*n)++] = code;
        if (!comma)
            return KZ_OK;
        p = comma + 1;
    }
}

static const char *const compare_cols[] = {"state", "document", "version", "type", "title", "title_en",
                                           "status", "adopted", "in_force", "citation"};

static kz_rc compare_csv(kz_req *r, const kz_document_column *cols, size_t n)
{
    kz_buf b;
    kz_buf_init(&b, 64u << 20);
    kz_rc rc = KZ_OK;
    for (size_t i = 0; !rc && i < sizeof compare_cols / sizeof *compare_cols; i++)
        rc = kz_buf_printf(&b, "%s%s", i ? "," : "", compare_cols[i]);
    if (!rc)
        rc = kz_buf_puts(&b, "\n");
    for (size_t i = 0; !rc && i < n; i++)
        for (size_t k = 0; !rc && k < cols[i].n; k++) {
            const kz_document *d = &cols[i].items[k];
            char version[24];
            snprintf(version, sizeof version, "%lld", (long long)d->version);
            const char *v[] = {cols[i].state, d->id, version, kz_enum_name(&kz_doc_type_enum, d->type), d->title,
                               d->title_en, kz_enum_name(&kz_doc_status_enum, d->status), d->adopted,
                               d->in_force, d->citation};
            for (size_t j = 0; !rc && j < sizeof v / sizeof *v; j++) {
                if (j)
                    rc = kz_buf_puts(&b, ",");
                if (!rc)
                    rc = kz_csv_put(&b, v[j], v[j] ? strlen(v[j]) : 0, ',');
            }
            if (!rc)
                rc = kz_buf_puts(&b, "\n");
        }
    if (rc) {
        kz_buf_free(&b);
        return kz_fail(&r->err, rc, NULL, NULL);
    }
    r->status = 200;
    r->content_type = "text/csv; charset=utf-8";
    r->raw = kz_arena_memdup(&r->arena, b.p ? b.p : "", b.len + 1);
    r->raw_len = b.len;
    kz_buf_free(&b);
    return r->raw ? KZ_OK : kz_fail(&r->err, KZ_ENOMEM, NULL, NULL);
}

kz_rc kz_h_document_compare(kz_req *r)
{
    static const char *const allowed[] = {"states", "topic", "norm", "format", NULL};
    const char *states = NULL, *topic = NULL, *norm = NULL, *format = NULL;
    const char **list = NULL;
    size_t n = 0;
    kz_document_column *cols = NULL;
    kz_rc rc = kz_req_query_only(r, allowed);
    if (!rc) rc = kz_req_query_checked(r, "states", NULL, &states);
    if (!rc && !states)
        rc = kz_fail(&r->err, KZ_EINVAL, "states", "states is required: a comma-separated list (JP,FR,DE)");
    if (!rc) rc = kz_req_query_checked(r, "topic", kz_valid_doc_topic, &topic);
    if (!rc) rc = kz_req_query_checked(r, "norm", kz_valid_norm_letter, &norm);
    if (!rc) rc = kz_req_query_checked(r, "format", NULL, &format);
    if (!rc && format && strcmp(format, "json") && strcmp(format, "csv"))
        rc = kz_fail(&r->err, KZ_EINVAL, "format", "format must be json or csv");
    if (!rc) rc = state_list(r, states, &list, &n);
    if (!rc) rc = kz_svc_document_compare(&r->call, list, n, topic, norm, &cols);
    if (rc)
        return rc;
    if (format && strcmp(format, "csv") == 0)
        return compare_csv(r, cols, n);
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++)
        json_array_append_new(arr, json_pack("{s:s, s:o}", "state", cols[i].state, "documents",
                                             kz_json_array_of(&kz_document_schema, cols[i].items, cols[i].n,
                                                              sizeof *cols[i].items)));
    return kz_reply(r, 200, json_pack("{s:s, s:s, s:o}", "by", topic ? "topic" : "norm", "value",
                                      topic ? topic : norm, "states", arr));
}

/* ---- the national survey -------------------------------------------------------------- */

kz_rc kz_h_survey_create(kz_req *r)
{
    json_t *body;
    kz_survey o = {0};
    kz_rc rc = kz_req_body_object(r, &body);
    if (!rc) rc = kz_json_decode(body, &kz_survey_schema, &o, KZ_DECODE_CREATE, &r->arena, NULL, &r->err);
    if (!rc) rc = kz_svc_survey_create(&r->call, &o);
    return rc ? rc : kz_reply(r, 201, kz_json_encode(&kz_survey_schema, &o));
}

kz_rc kz_h_survey_update(kz_req *r)
{
    json_t *body;
    kz_survey o;
    kz_rc rc = kz_req_body_object(r, &body);
    kz_json_patch patch = {body, &kz_survey_schema, &r->arena};
    if (!rc) rc = kz_svc_survey_update(&r->call, r->params[0], kz_json_apply_patch, &patch, &o);
    return rc ? rc : kz_reply(r, 200, kz_json_encode(&kz_survey_schema, &o));
}

kz_rc kz_h_survey_get(kz_req *r)
{
    int64_t version;
    kz_survey o;
    kz_rc rc = version_only(r, &version);
    if (!rc) rc = kz_svc_survey_get(&r->call, r->params[0], version, &o);
    return rc ? rc : kz_reply(r, 200, kz_json_encode(&kz_survey_schema, &o));
}

kz_rc kz_h_survey_list(kz_req *r)
{
    static const char *const allowed[] = {"limit", "cursor", NULL};
    kz_page pg;
    kz_survey_page page;
    kz_rc rc = kz_req_query_only(r, allowed);
    if (!rc) rc = kz_req_page(r, &pg);
    if (!rc) rc = kz_svc_survey_list(&r->call, &pg, &page);
    return rc ? rc : kz_reply_page(r, &kz_survey_schema, page.items, page.n, sizeof *page.items, page.next);
}

kz_rc kz_h_survey_versions(kz_req *r)
{
    static const char *const allowed[] = {"limit", "cursor", NULL};
    kz_page pg;
    kz_survey_page page;
    kz_rc rc = kz_req_query_only(r, allowed);
    if (!rc) rc = kz_req_page(r, &pg);
    if (!rc) rc = kz_svc_survey_versions(&r->call, r->params[0], &pg, &page);
    return rc ? rc : kz_reply_page(r, &kz_survey_schema, page.items, page.n, sizeof *page.items, page.next);
}

/* The printable page's language: ?lang=en|ja, else the signed-in user's, else English. */
static kz_rc print_lang(kz_req *r, const char **lang)
{
    kz_rc rc = kz_req_query_enum(r, "lang", &kz_user_language_enum, lang);
    if (!rc && !*lang)
        *lang = r->session ? r->session->user.language : "en";
    return rc;
}

kz_rc kz_h_survey_print(kz_req *r)
{
    static const char *const allowed[] = {"version", "lang", NULL};
    int64_t version;
    const char *lang = NULL;
    kz_survey o;
    kz_buf b;
    kz_rc rc = kz_req_query_only(r, allowed);
    if (!rc) rc = version_param(r, &version);
    if (!rc) rc = print_lang(r, &lang);
    if (!rc) rc = kz_svc_survey_get(&r->call, r->params[0], version, &o);
    if (rc)
        return rc;
    kz_buf_init(&b, 8u << 20);
    rc = kz_survey_html(&o, lang, &b);
    r->raw = rc ? NULL : kz_arena_memdup(&r->arena, b.p, b.len + 1);
    r->raw_len = b.len;
    kz_buf_free(&b);
    if (!r->raw)
        return kz_fail(&r->err, KZ_ENOMEM, NULL, NULL);
    r->status = 200;
    r->content_type = "text/html; charset=utf-8";
    return KZ_OK;
}

kz_rc kz_h_survey_publish(kz_req *r)
{
    kz_document d;
    kz_rc rc = kz_svc_survey_publish(&r->call, r->params[0], &d);
    return rc ? rc : kz_reply(r, 201, kz_json_encode(&kz_document_schema, &d));
}

/* /api/v1/requests and /api/v1/request-kinds: requests between states, their moves,
 * thread, attachments and signed record. */
#include "http/handlers.h"
#include "http/router.h"

#include "codec/json/json_fields.h"
#include "codec/requests/record_json.h"
#include "crypto/crypto.h"
#include "model/notice.h"
#include "model/taxonomy.h"
#include "model/validate.h"
#include "service/requests/requests.h"
#include "service/core/settings.h"

#include <stdio.h>
#include <string.h>

/* ---- the templates ---------------------------------------------------------------------- */

static json_t *enum_json(const kz_enum *e)
{
    json_t *a = json_array();
    for (int i = 0; a && i < e->count; i++)
        json_array_append_new(a, json_string(e->values[i]));
    return a;
}

static json_t *template_field_json(const kz_template_field *tf)
{
    static const char *const type_names[] = {
        [KZ_FT_STR] = "string", [KZ_FT_TEXT] = "text", [KZ_FT_ENUM] = "enum", [KZ_FT_INT] = "integer",
        [KZ_FT_BOOL] = "boolean", [KZ_FT_TIME] = "time", [KZ_FT_STRLIST] = "list"};
    int i = kz_schema_find(&kz_request_content_schema, tf->name);
    if (i < 0)
        return NULL;
    const kz_field *f = &kz_request_content_schema.fields[i];
    const kz_enum *values = f->en ? f->en : tf->values;
    const char *type = f->type == KZ_FT_STR && (values || tf->vocab) ? "enum" : type_names[f->type];
    json_t *o = json_pack("{s:s, s:s, s:b, s:s}", "name", tf->name, "type", type, "required", tf->required,
                          "help", tf->help);
    if (!o)
        return NULL;
    if (values)
        json_object_set_new(o, "values", enum_json(values));
    if (tf->vocab) {
        json_t *terms = json_array();
        for (size_t t = 0; terms && t < tf->vocab->count; t++)
            json_array_append_new(terms, json_string(tf->vocab->terms[t].value));
        json_object_set_new(o, "values", terms);
    }
    if (f->max)
        json_object_set_new(o, f->type == KZ_FT_STRLIST ? "max_items" : f->type == KZ_FT_INT ? "max" : "max_length",
                            json_integer((json_int_t)f->max));
    if (f->type == KZ_FT_INT && strcmp(f->name, "preservation_days") == 0)
        json_object_set_new(o, "min", json_integer(KZ_PRESERVATION_MIN_DAYS));
    return o;
}

static json_t *template_json(const kz_request_template *t)
{
    json_t *fields = json_array();
    for (size_t i = 0; fields && i < t->n_fields; i++)
        json_array_append_new(fields, template_field_json(&t->fields[i]));
    json_t *o = json_pack("{s:s, s:s?, s:s?, s:s, s:o}", "title", t->title, "basis", t->basis,
                          "default_norm", t->default_norm, "help", t->help, "fields", fields);
    if (o && t->kind >= 0)
        json_object_set_new(o, "kind", json_string(kz_enum_name(&kz_request_kind_enum, t->kind)));
    return o;
}

kz_rc kz_h_request_kinds(kz_req *r)
{
    json_t *kinds = json_array(), *urg = json_array(), *norms = json_array(), *flow = json_array();
    for (int k = 0; kinds && k < KZ_REQ_KIND_COUNT; k++)
        json_array_append_new(kinds, template_json(&kz_request_templates[k]));
    static const char *const names[] = {"critical", "high", "normal", "low"};
    for (int u = 0; urg && u < KZ_URG_COUNT; u++) {
        char ack[64], ans[64];
        snprintf(ack, sizeof ack, "requests.acknowledge_hours.%s", names[u]);
        snprintf(ans, sizeof ans, "requests.answer_hours.%s", names[u]);
        json_array_append_new(urg, json_pack("{s:s, s:I, s:I}", "urgency", names[u], "acknowledge_hours",
                                             (json_int_t)kz_setting_int(&r->call, ack), "answer_hours",
                                             (json_int_t)kz_setting_int(&r->call, ans)));
    }
    size_t nn;
    const kz_norm_ref *nr = kz_norm_refs(&nn);
    for (size_t i = 0; norms && i < nn; i++)
        json_array_append_new(norms, json_pack("{s:s, s:s, s:s}", "id", nr[i].id, "title", nr[i].title,
                                               "summary", nr[i].summary));
    for (size_t i = 0; flow && i < kz_transition_count; i++) {
        const kz_transition *t = &kz_transitions[i];
        json_array_append_new(flow, json_pack("{s:s, s:s, s:s, s:s, s:b}", "from",
                                              kz_enum_name(&kz_request_status_enum, t->from), "move",
                                              kz_enum_name(&kz_request_move_enum, t->move), "to",
                                              kz_enum_name(&kz_request_status_enum, t->to), "side",
                                              kz_enum_name(&kz_request_side_enum, t->side), "needs_message",
                                              t->needs_message));
    }
    return kz_reply(r, 200, json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "kinds", kinds, "common_fields",
                                      template_json(&kz_request_common), "urgencies", urg, "norms", norms,
                                      "workflow", flow, "statuses", enum_json(&kz_request_status_enum)));
}

/* ---- bodies ------------------------------------------------------------------------------ */

/* {"message": "...", "attachments": [{"name", "media_type", "content_base64"}]} taken
 * out of body (which may hold other fields when `rest` is true). */
static kz_rc decode_post(kz_req *r, json_t *body, bool rest, kz_request_post *out)
{
    memset(out, 0, sizeof *out);
    if (!body)
        return KZ_OK;
    if (!json_is_object(body))
        return kz_fail(&r->err, KZ_EINVAL, "", "the body must be a JSON object");
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v) {
        if (strcmp(key, "message") == 0) {
            if (!json_is_null(v) && !json_is_string(v))
                return kz_fail(&r->err, KZ_EINVAL, "message", "message must be a string");
            if (json_is_string(v) && json_string_length(v) != strlen(json_string_value(v)))
                return kz_fail(&r->err, KZ_EINVAL, "message", "message contains a NUL character");
            if (json_is_string(v) && json_string_length(v))
                out->message = json_string_value(v);
        } else if (strcmp(key, "attachments") != 0 && !rest) {
            return kz_fail(&r->err, KZ_EINVAL, key, "unknown field '%.64s'; give message and attachments", key);
        }
    }
    json_t *atts = json_object_get(body, "attachments");
    if (!atts || json_is_null(atts))
        return KZ_OK;
    if (!json_is_array(atts))
        return kz_fail(&r->err, KZ_EINVAL, "attachments", "attachments must be an array");
    size_t n = json_array_size(atts);
    if (n > KZ_ATTACHMENTS_MAX)
        return kz_fail(&r->err, KZ_EINVAL, "attachments", "at most %d attachments go with one message", KZ_ATTACHMENTS_MAX);
    out->attachments = kz_arena_calloc(&r->arena, n ? n : 1, sizeof *out->attachments);
    if (!out->attachments)
        return kz_fail(&r->err, KZ_ENOMEM, NULL, NULL);
    for (size_t i = 0; i < n; i++) {
        json_t *a = json_array_get(atts, i);
        kz_attachment *t = &out->attachments[i];
        char field[48];
        snprintf(field, sizeof field, "attachments[%zu]", i);
        if (!json_is_object(a))
            return kz_fail(&r->err, KZ_EINVAL, field, "an attachment is {\"name\", \"media_type\", \"content_base64\"}");
        json_object_foreach(a, key, v) {
            if (strcmp(key, "name") && strcmp(key, "media_type") && strcmp(key, "content_base64")) {
                snprintf(field, sizeof field, "attachments[%zu].%.16s", i, key);
                return kz_fail(&r->err, KZ_EINVAL, field, "unknown field '%.64s' of an attachment", key);
            }
            if (!json_is_string(v)) {
                snprintf(field, sizeof field, "attachments[%zu].%.16s", i, key);
                return kz_fail(&r->err, KZ_EINVAL, field, "%s must be a string", key);
            }
        }
        t->name = (char *)json_string_value(json_object_get(a, "name"));
        t->media_type = (char *)json_string_value(json_object_get(a, "media_type"));
        const char *b64 = json_string_value(json_object_get(a, "content_base64"));
        snprintf(field, sizeof field, "attachments[%zu].content_base64", i);
        if (!b64)
            return kz_fail(&r->err, KZ_EINVAL, field, "content_base64 is required");
        size_t cap = strlen(b64) / 4 * 3 + 3, len = 0;
        unsigned char *data = kz_arena_alloc(&r->arena, cap);
        if (!data)
            return kz_fail(&r->err, KZ_ENOMEM, NULL, NULL);
        if (kz_b64_decode(b64, data, cap, &len))
            return kz_fail(&r->err, KZ_EINVAL, field, "content_base64 is not standard base64");
        t->data = data;
        t->size = (int64_t)len;
    }
    out->n_attachments = n;
    return KZ_OK;
}

/* ---- replies -------------------------------------------------------------------------------- */

static json_t *moves_json(unsigned set)
{
    json_t *a = json_array();
    for (int m = 0; a && m < KZ_MV_COUNT; m++)
        if (set & (1u << m))
            json_array_append_new(a, json_string(kz_enum_name(&kz_request_move_enum, m)));
    return a;
}

static json_t *attachment_json(const char *request_id, const kz_attachment *t)
{
    char url[160];
    snprintf(url, sizeof url, "/api/v1/requests/%s/attachments/%s", request_id, t->id);
    return json_pack("{s:s, s:s, s:s, s:I, s:s, s:I, s:s}", "id", t->id, "name", t->name, "media_type",
                     t->media_type, "size", (json_int_t)t->size, "sha256", t->sha256, "entry",
                     (json_int_t)t->entry, "url", url);
}

/* A request between nodes: which node holds the other side and how this node's moves
 * reached it; null for a request of this node only. */
static json_t *federation_json(const kz_request_view *v)
{
    const kz_peer *p = v->peer;
    if (!p)
        return json_null();
    json_t *o = json_pack("{s:s, s:s?, s:s?, s:s?, s:s, s:s, s:s}", "peer", p->id, "node", p->node, "name", p->name,
                          "state", p->state, "side", kz_enum_name(&kz_request_side_enum, v->peer_side),
                          "peer_status", kz_enum_name(&kz_peer_status_enum, p->status),
                          "delivery", kz_enum_name(&kz_fed_delivery_enum, v->delivery));
    if (o)
        kz_json_set_time(o, "last_exchange", p->last_success);
    return o;
}

static json_t *view_json(const kz_request_view *v)
{
    json_t *o = kz_request_json(&v->req, v->from_org_name, v->to_org_name);
    json_t *thread = json_array(), *atts = json_array();
    for (size_t i = 0; thread && i < v->n_entries; i++)
        json_array_append_new(thread, kz_record_entry_json(&v->entries[i]));
    for (size_t i = 0; atts && i < v->n_attachments; i++)
        json_array_append_new(atts, attachment_json(v->req.id, &v->attachments[i]));
    if (!o || !thread || !atts) {
        json_decref(o);
        json_decref(thread);
        json_decref(atts);
        return NULL;
    }
    json_object_set_new(o, "side", json_string(kz_enum_name(&kz_request_side_enum, v->side)));
    json_object_set_new(o, "moves", moves_json(v->moves));
    json_object_set_new(o, "thread", thread);
    json_object_set_new(o, "attachments", atts);
    json_t *notices = json_array();
    for (size_t i = 0; notices && i < v->n_notices; i++)
        json_array_append_new(notices, kz_json_encode(&kz_notice_schema, &v->notices[i]));
    json_object_set_new(o, "notices", notices);
    json_object_set_new(o, "federation", federation_json(v));
    return o;
}

/* Decodes a request body: the content fields, plus an optional first message. */
static kz_rc decode_request(kz_req *r, json_t *body, kz_decode_mode mode, kz_request *out, kz_request_post *post)
{
    json_t *content = json_copy(body);
    if (!content)
        return kz_fail(&r->err, KZ_ENOMEM, NULL, NULL);
    json_object_del(content, "message");
    json_object_del(content, "attachments");
    kz_rc rc = decode_post(r, body, true, post);
    if (!rc)
        rc = kz_json_decode(content, &kz_request_content_schema, out, mode, &r->arena, NULL, &r->err);
    json_decref(content);
    return rc;
}

kz_rc kz_h_request_create(kz_req *r)
{
    json_t *body;
    kz_request q = {0};
    kz_request_post post;
    kz_rc rc = kz_req_body_object(r, &body);
    if (!rc)
        rc = decode_request(r, body, KZ_DECODE_CREATE, &q, &post);
    if (!rc)
        rc = kz_svc_request_create(&r->call, &q, &post);
    if (rc)
        return rc;
    kz_request_view v;
    rc = kz_svc_request_get(&r->call, q.id, &v);
    return rc ? rc : kz_reply(r, 201, view_json(&v));
}

kz_rc kz_h_request_get(kz_req *r)
{
    kz_request_view v;
    kz_rc rc = kz_svc_request_get(&r->call, r->params[0], &v);
    return rc ? rc : kz_reply(r, 200, view_json(&v));
}

typedef struct draft_patch {
    kz_req *r;
    json_t *body;
} draft_patch;

static kz_rc apply_draft_patch(void *obj, void *ctx, kz_err *err)
{
    draft_patch *p = ctx;
    (void)err;
    kz_request_post unused;
    if (json_object_get(p->body, "message") || json_object_get(p->body, "attachments"))
        return kz_fail(&p->r->err, KZ_EINVAL, "message", "a draft's changes carry no message; write one once it is sent");
    return decode_request(p->r, p->body, KZ_DECODE_UPDATE, obj, &unused);
}

kz_rc kz_h_request_update(kz_req *r)
{
    json_t *body;
    kz_request q;
    kz_rc rc = kz_req_body_object(r, &body);
    draft_patch p = {r, body};
    if (!rc)
        rc = kz_svc_request_update(&r->call, r->params[0], apply_draft_patch, &p, &q);
    if (rc)
        return rc;
    kz_request_view v;
    rc = kz_svc_request_get(&r->call, q.id, &v);
    return rc ? rc : kz_reply(r, 200, view_json(&v));
}

static kz_rc check_enum_query(kz_req *r, const char *name, const kz_enum *e, const char **out)
{
    kz_rc rc = kz_req_query_checked(r, name, NULL, out);
    if (!rc && *out && kz_enum_parse(e, *out) < 0) {
        char list[256];
        kz_enum_list(e, list, sizeof list);
        rc = kz_fail(&r->err, KZ_EINVAL, name, "%s must be %s", name, list);
    }
    return rc;
}

kz_rc kz_h_request_list(kz_req *r)
{
    static const char *const allowed[] = {"box", "status", "kind", "urgency", "overdue", "state",
                                          "limit", "cursor", NULL};
    kz_request_filter f = {.overdue = -1};
    const char *box = NULL, *overdue = NULL;
    kz_page pg;
    kz_request_page page;
    kz_rc rc = kz_req_query_only(r, allowed);
    if (!rc) rc = kz_req_query_checked(r, "box", NULL, &box);
    if (!rc && box && strcmp(box, "inbox") && strcmp(box, "outbox"))
        rc = kz_fail(&r->err, KZ_EINVAL, "box", "box must be inbox or outbox");
    if (!rc) rc = check_enum_query(r, "status", &kz_request_status_enum, &f.status);
    if (!rc) rc = check_enum_query(r, "kind", &kz_request_kind_enum, &f.kind);
    if (!rc) rc = check_enum_query(r, "urgency", &kz_urgency_enum, &f.urgency);
    if (!rc) rc = kz_req_query_checked(r, "overdue", NULL, &overdue);
    if (!rc && overdue && strcmp(overdue, "true") && strcmp(overdue, "false"))
        rc = kz_fail(&r->err, KZ_EINVAL, "overdue", "overdue must be true or false");
    if (!rc) rc = kz_req_query_checked(r, "state", kz_valid_country, &f.state);
    if (!rc) rc = kz_req_page(r, &pg);
    if (rc)
        return rc;
    if (overdue)
        f.overdue = strcmp(overdue, "true") == 0;
    const char *org = r->call.who.org ? r->call.who.org : "";
    if (box && strcmp(box, "inbox") == 0)
        f.to_org = org;
    else if (box)
        f.from_org = org;
    rc = kz_svc_request_list(&r->call, &f, &pg, &page);
    if (rc)
        return rc;
    json_t *items = json_array();
    for (size_t i = 0; items && i < page.n; i++)
        json_array_append_new(items, kz_request_json(&page.items[i], NULL, NULL));
    return kz_reply(r, 200, kz_page_json(items, page.next));
}

kz_rc kz_h_request_move(kz_req *r)
{
    int move = kz_enum_parse(&kz_request_move_enum, r->params[1]);
    if (move < 0) {
        char list[128];
        kz_enum_list(&kz_request_move_enum, list, sizeof list);
        return kz_fail(&r->err, KZ_ENOTFOUND, "move", "no move '%.32s'; moves are %s", r->params[1], list);
    }
    kz_request_post post;
    kz_request q;
    unsigned allowed = 0;
    kz_rc rc = decode_post(r, r->json, false, &post);
    if (!rc)
        rc = kz_svc_request_move(&r->call, r->params[0], move, &post, &q, &allowed);
    if (rc == KZ_ECONFLICT && strcmp(r->err.field, "move") == 0) {
        /* the 409 lists the moves the caller may make now */
        kz_router_fail(r, rc);
        json_object_set_new(json_object_get(r->reply, "error"), "allowed", moves_json(allowed));
        return KZ_OK;
    }
    if (rc)
        return rc;
    kz_request_view v;
    rc = kz_svc_request_get(&r->call, q.id, &v);
    return rc ? rc : kz_reply(r, 200, view_json(&v));
}

kz_rc kz_h_request_message(kz_req *r)
{
    json_t *body;
    kz_request_post post;
    kz_request_entry e;
    kz_rc rc = kz_req_body_object(r, &body);
    if (!rc)
        rc = decode_post(r, body, false, &post);
    if (!rc)
        rc = kz_svc_request_message(&r->call, r->params[0], &post, &e);
    if (rc)
        return rc;
    json_t *o = kz_record_entry_json(&e);
    json_t *atts = json_array();
    for (size_t i = 0; o && atts && i < post.n_attachments; i++)
        json_array_append_new(atts, attachment_json(r->params[0], &post.attachments[i]));
    if (o && atts && post.n_attachments)
        json_object_set(o, "attachments", atts);
    json_decref(atts);
    return kz_reply(r, 201, o);
}


kz_rc kz_h_request_attachment(kz_req *r)
{
    kz_attachment t;
    kz_rc rc = kz_svc_request_attachment(&r->call, r->params[0], r->params[1], &t);
    if (rc)
        return rc;
    r->status = 200;
    r->content_type = "application/octet-stream";
    r->raw = (char *)t.data;
    r->raw_len = (size_t)t.size;
    kz_reply_header(r, "Content-Disposition", kz_reply_disposition(&r->arena, t.name));
    char *digest = kz_arena_printf(&r->arena, "sha-256=%s", t.sha256);
    return kz_reply_header(r, "X-Kizuna-Digest", digest);
}

kz_rc kz_h_request_record(kz_req *r)
{
    static const char *const allowed[] = {"format", NULL};
    const char *format = NULL;
    kz_rc rc = kz_req_query_only(r, allowed);
    if (!rc) rc = kz_req_query_checked(r, "format", NULL, &format);
    if (!rc && format && strcmp(format, "json") && strcmp(format, "html"))
        rc = kz_fail(&r->err, KZ_EINVAL, "format", "format must be json or html");
    if (rc)
        return rc;
    bool html = format && strcmp(format, "html") == 0;
    kz_buf b;
    kz_buf_init(&b, (size_t)256 << 20);
    rc = kz_svc_request_export(&r->call, r->params[0], html ? KZ_RECORD_HTML : KZ_RECORD_JSON, &b);
    if (!rc && !(r->raw = kz_arena_memdup(&r->arena, b.p, b.len)))
        rc = kz_fail(&r->err, KZ_ENOMEM, NULL, NULL);
    if (!rc) {
        r->raw_len = b.len;
        r->status = 200;
        r->content_type = html ? "text/html; charset=utf-8" : "application/json";
    }
    kz_buf_free(&b);
    return rc;
}

kz_rc kz_h_request_stats(kz_req *r)
{
    static const char *const allowed[] = {"box", "since", NULL};
    const char *box = NULL;
    kz_time since = 0;
    kz_request_stat *st;
    size_t n;
    kz_rc rc = kz_req_query_only(r, allowed);
    if (!rc) rc = kz_req_query_checked(r, "box", NULL, &box);
    if (!rc && box && strcmp(box, "inbox") && strcmp(box, "outbox"))
        rc = kz_fail(&r->err, KZ_EINVAL, "box", "box must be inbox or outbox");
    if (!rc) rc = kz_req_query_time(r, "since", &since);
    if (!rc) rc = kz_svc_request_stats(&r->call, box, since, &st, &n);
    if (rc)
        return rc;
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++) {
        json_t *o = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "state", st[i].state, "sent",
                              (json_int_t)st[i].sent, "acknowledged", (json_int_t)st[i].acknowledged,
                              "acknowledged_in_time", (json_int_t)st[i].acknowledged_in_time, "due",
                              (json_int_t)st[i].due, "answered", (json_int_t)st[i].answered, "open",
                              (json_int_t)st[i].open, "overdue", (json_int_t)st[i].overdue);
        if (o) {
            json_object_set_new(o, "in_time_share", st[i].in_time_share >= 0 ? json_real(st[i].in_time_share) : json_null());
            json_object_set_new(o, "median_seconds_to_acknowledge",
                                st[i].median_ack_seconds >= 0 ? json_real(st[i].median_ack_seconds) : json_null());
            json_object_set_new(o, "median_seconds_to_answer",
                                st[i].median_answer_seconds >= 0 ? json_real(st[i].median_answer_seconds) : json_null());
        }
        json_array_append_new(arr, o);
    }
    json_t *out = json_pack("{s:s?, s:o}", "box", box, "states", arr);
    if (out)
        kz_json_set_time(out, "since", since);
    return kz_reply(r, 200, out);
}

/* /api/v1/checks, /api/v1/check-schedules and /api/v1/stats/checks: communication
 * checks ("ping tests") of the directory. */
#include "http/handlers.h"

#include "codec/json/json_fields.h"
#include "model/federation.h"
#include "model/notice.h"
#include "service/directory/checks.h"

#include <string.h>

static json_t *target_json(const kz_check_target *t)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    kz_json_set_str(o, "contact", t->contact);
    kz_json_set_str(o, "full_name", t->full_name);
    kz_json_set_str(o, "organization", t->organization);
    kz_json_set_str(o, "state", t->state);
    kz_json_set_str(o, "role", kz_enum_name(&kz_contact_role_enum, t->role));
    kz_json_set_time(o, "sent", t->sent);
    kz_json_set_time(o, "answered_at", t->answered);
    json_object_set_new(o, "answered", json_boolean(t->answered != 0));
    json_object_set_new(o, "seconds_to_answer",
                        t->answered ? json_real((double)(t->answered - t->sent) / 1000.0) : json_null());
    json_object_set_new(o, "late", json_boolean(t->late));
    kz_json_set_str(o, "via", t->via);
    if (t->answer_url)
        kz_json_set_str(o, "answer_url", t->answer_url);
    /* a peer's contact: its node mails the invitation and takes the answer */
    json_object_set_new(o, "node", t->peer ? json_pack("{s:s, s:s?}", "peer", t->peer, "name", t->peer_name)
                                           : json_null());
    return o;
}

static json_t *view_json(const kz_check_view *v)
{
    json_t *o = kz_json_encode(&kz_check_schema, &v->check);
    json_t *arr = json_array();
    size_t answered = 0;
    for (size_t i = 0; o && arr && i < v->n; i++) {
        json_array_append_new(arr, target_json(&v->targets[i]));
        answered += v->targets[i].answered != 0;
    }
    if (!o || !arr) {
        json_decref(o);
        json_decref(arr);
        return NULL;
    }
    json_object_set_new(o, "contacts", arr);
    if (v->notices) {
        json_t *notices = json_array();
        for (size_t i = 0; notices && i < v->n_notices; i++)
            json_array_append_new(notices, kz_json_encode(&kz_notice_schema, &v->notices[i]));
        json_object_set_new(o, "notices", notices);
    }
    json_object_set_new(o, "invited", json_integer((json_int_t)v->n));
    json_object_set_new(o, "answered", json_integer((json_int_t)answered));
    return o;
}

kz_rc kz_h_check_create(kz_req *r)
{
    json_t *body;
    kz_check k = {0};
    kz_check_view v;
    kz_rc rc = kz_req_body_object(r, &body);
    if (!rc)
        rc = kz_json_decode(body, &kz_check_schema, &k, KZ_DECODE_CREATE, &r->arena, NULL, &r->err);
    if (!rc)
        rc = kz_svc_check_create(&r->call, &k, &v);
    return rc ? rc : kz_reply(r, 201, view_json(&v));
}

kz_rc kz_h_check_get(kz_req *r)
{
    kz_check_view v;
    kz_rc rc = kz_svc_check_get(&r->call, r->params[0], &v);
    return rc ? rc : kz_reply_origin(r, view_json(&v), KZ_FED_CHECK, v.check.id);
}

kz_rc kz_h_check_list(kz_req *r)
{
    static const char *const allowed[] = {"limit", "cursor", NULL};
    kz_page pg;
    kz_check_page page;
    kz_rc rc = kz_req_query_only(r, allowed);
    if (!rc) rc = kz_req_page(r, &pg);
    if (!rc) rc = kz_svc_check_list(&r->call, &pg, &page);
    if (rc)
        return rc;
    return kz_reply_page(r, &kz_check_schema, page.items, page.n, sizeof *page.items, page.next);
}

static json_t *answer_json(const kz_check_answer *a)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    kz_json_set_str(o, "check", a->check);
    kz_json_set_str(o, "contact", a->contact);
    kz_json_set_time(o, "answered_at", a->answered);
    json_object_set_new(o, "seconds_to_answer", json_real((double)(a->answered - a->sent) / 1000.0));
    json_object_set_new(o, "late", json_boolean(a->late));
    return o;
}

/* A page for people, in English and Japanese, so that a link in a mail works in a
 * browser. */
static kz_rc reply_page(kz_req *r, int status, const char *body_en, const char *body_ja)
{
    char *html = kz_arena_printf(&r->arena,
        "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8><meta name=viewport "
        "content=\"width=device-width\"><title>Kizuna</title><style>body{font:13pt/1.5 system-ui,"
        "sans-serif;max-width:36em;margin:3em auto;padding:0 1em}button{font-size:13pt;"
        "padding:.4em 1.4em}</style></head><body>%s<hr><div lang=ja>%s</div></body></html>\n",
        body_en, body_ja);
    if (!html)
        return kz_fail(&r->err, KZ_ENOMEM, NULL, NULL);
    r->status = status;
    r->content_type = "text/html; charset=utf-8";
    r->raw = html;
    r->raw_len = strlen(html);
    return KZ_OK;
}

/* GET of an answer link (what a mail client opens) changes nothing: mail scanners fetch
 * links on their own. It shows a button that answers with POST. */
kz_rc kz_h_check_answer_page(kz_req *r)
{
#define ANSWER_FORM "<form method=post><button type=submit>%s</button></form>"
    char *en = kz_arena_printf(&r->arena, "<h1>Communication check</h1><p>Please confirm that this "
                               "message reached you.</p>" ANSWER_FORM, "Confirm");
    char *ja = kz_arena_printf(&r->arena, "<h1>連絡確認</h1><p>このお知らせが届いたことを確認してください。</p>"
                               ANSWER_FORM, "確認");
#undef ANSWER_FORM
    return en && ja ? reply_page(r, 200, en, ja) : kz_fail(&r->err, KZ_ENOMEM, NULL, NULL);
}

kz_rc kz_h_check_answer(kz_req *r)
{
    kz_check_answer a;
    kz_rc rc = kz_svc_check_answer(&r->call, r->params[0], &a);
    const char *ct = kz_req_header(r, "Content-Type");
    if (!ct || strncmp(ct, "application/x-www-form-urlencoded", 33) != 0)
        return rc ? rc : kz_reply(r, 200, answer_json(&a));
    /* the form of kz_h_check_answer_page: answer a person */
    if (rc == KZ_OK || rc == KZ_ECONFLICT)
        return reply_page(r, 200, "<h1>Thank you</h1><p>Your answer is recorded.</p>",
                          "<h1>ありがとうございました</h1><p>確認を記録しました。</p>");
    if (rc == KZ_ENOTFOUND)
        return reply_page(r, 404, "<h1>Unknown link</h1><p>This link is not valid.</p>",
                          "<h1>無効なリンク</h1><p>このリンクは無効です。</p>");
    return rc;
}

kz_rc kz_h_check_acknowledge(kz_req *r)
{
    json_t *body;
    kz_check_answer a;
    kz_rc rc = kz_req_body_object(r, &body);
    json_t *contact = body ? json_object_get(body, "contact") : NULL;
    if (!rc && (json_object_size(body) != 1 || !json_is_string(contact)))
        rc = kz_fail(&r->err, KZ_EINVAL, "contact", "the body must be {\"contact\": contact id}");
    if (!rc)
        rc = kz_svc_check_acknowledge(&r->call, r->params[0], json_string_value(contact), &a);
    return rc ? rc : kz_reply(r, 200, answer_json(&a));
}

kz_rc kz_h_check_stats(kz_req *r)
{
    static const char *const allowed[] = {"since", NULL};
    kz_time since = 0;
    kz_check_stat *st;
    size_t n;
    kz_rc rc = kz_req_query_only(r, allowed);
    if (!rc) rc = kz_req_query_time(r, "since", &since);
    if (!rc) rc = kz_svc_check_stats(&r->call, since, &st, &n);
    if (rc)
        return rc;
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++) {
        json_t *o = json_pack("{s:s, s:I, s:I, s:I, s:f}", "state", st[i].state, "contacts",
                              (json_int_t)st[i].contacts, "answered", (json_int_t)st[i].answered,
                              "late", (json_int_t)st[i].late, "answer_rate", st[i].answer_rate);
        if (o) {
            json_object_set_new(o, "median_seconds", st[i].median_seconds >= 0 ? json_real(st[i].median_seconds) : json_null());
            json_object_set_new(o, "p90_seconds", st[i].p90_seconds >= 0 ? json_real(st[i].p90_seconds) : json_null());
        }
        json_array_append_new(arr, o);
    }
    json_t *out = json_object();
    if (out) {
        kz_json_set_time(out, "since", since);
        json_object_set_new(out, "states", arr);
    }
    return kz_reply(r, 200, out);
}

kz_rc kz_h_schedule_create(kz_req *r)
{
    json_t *body;
    kz_check_schedule s = {0};
    kz_rc rc = kz_req_body_object(r, &body);
    if (!rc)
        rc = kz_json_decode(body, &kz_check_schedule_schema, &s, KZ_DECODE_CREATE, &r->arena, NULL, &r->err);
    if (!rc)
        rc = kz_svc_schedule_create(&r->call, &s);
    return rc ? rc : kz_reply(r, 201, kz_json_encode(&kz_check_schedule_schema, &s));
}

kz_rc kz_h_schedule_get(kz_req *r)
{
    kz_check_schedule s;
    kz_rc rc = kz_svc_schedule_get(&r->call, r->params[0], &s);
    return rc ? rc : kz_reply(r, 200, kz_json_encode(&kz_check_schedule_schema, &s));
}

kz_rc kz_h_schedule_list(kz_req *r)
{
    static const char *const allowed[] = {"limit", "cursor", NULL};
    kz_page pg;
    kz_schedule_page page;
    kz_rc rc = kz_req_query_only(r, allowed);
    if (!rc) rc = kz_req_page(r, &pg);
    if (!rc) rc = kz_svc_schedule_list(&r->call, &pg, &page);
    if (rc)
        return rc;
    return kz_reply_page(r, &kz_check_schedule_schema, page.items, page.n, sizeof *page.items, page.next);
}

kz_rc kz_h_schedule_delete(kz_req *r)
{
    kz_rc rc = kz_svc_schedule_delete(&r->call, r->params[0]);
    return rc ? rc : kz_reply(r, 204, json_null());
}

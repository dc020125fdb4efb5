/* /api/v1/scenarios and /api/v1/exercises: the scenario library, runs of table-top
 * exercises with their controls (start, pause, resume, finish, trigger an inject),
 * evaluators' marks and notes, the players' messages, and the after-action report. */
#include "http/handlers.h"

#include "codec/exercises/exercise_report.h"
#include "codec/json/json_fields.h"
#include "service/exercises/exercise_report.h"
#include "service/exercises/exercises.h"
#include "service/exercises/scenarios.h"

#include <string.h>

enum { PLAYERS_MAX = 200 };

/* ---- scenarios ------------------------------------------------------------------------------- */

kz_rc kz_h_scenario_list(kz_req *r)
{
    kz_scenario *items;
    size_t n;
    kz_rc rc = kz_svc_scenario_list(&r->call, &items, &n);
    if (rc)
        return rc;
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++) {
        json_t *o = kz_json_encode(&kz_scenario_schema, &items[i]);
        if (o) {  /* the list says what each holds; GET /scenarios/{id} gives it all */
            json_object_set_new(o, "roles", json_integer((json_int_t)items[i].n_roles));
            json_object_set_new(o, "injects", json_integer((json_int_t)items[i].n_injects));
            json_object_set_new(o, "expectations", json_integer((json_int_t)items[i].n_expectations));
        }
        json_array_append_new(arr, o);
    }
    return kz_reply(r, 200, kz_page_json(arr, ""));
}

kz_rc kz_h_scenario_get(kz_req *r)
{
    kz_scenario s;
    kz_rc rc = kz_svc_scenario_get(&r->call, r->params[0], &s);
    return rc ? rc : kz_reply(r, 200, kz_scenario_json(&s));
}

kz_rc kz_h_scenario_create(kz_req *r)
{
    kz_scenario s;
    kz_rc rc = kz_svc_scenario_create(&r->call, r->body.p ? (const char *)r->body.p : "", r->body.len, &s);
    return rc ? rc : kz_reply(r, 201, kz_scenario_json(&s));
}

/* ---- runs ------------------------------------------------------------------------------------- */

static json_t *delivery_json(const kz_inject_delivery *d, const kz_inject *j)
{
    char at[32];
    return json_pack("{s:I, s:s, s:s, s:s, s:s?, s:s?, s:s, s:f, s:b, s:s?, s:s?}", "n", (json_int_t)d->n, "channel",
                     kz_enum_name(&kz_inject_channel_enum, j->channel), "to_role", j->to_role, "title", j->title,
                     "title_ja", j->title_ja, "from_role", j->from_role, "delivered_at",
                     kz_time_format(d->delivered_at, at, sizeof at), "minutes", (double)d->ex_at / 60000.0, "early",
                     d->early, "object_type", d->object_type, "object_id", d->object_id);
}

static json_t *view_json(const kz_exercise_view *v)
{
    json_t *o = kz_json_encode(&kz_exercise_schema, &v->x);
    json_t *players = json_array(), *delivered = json_array();
    for (size_t i = 0; players && i < v->n_players; i++)
        json_array_append_new(players, kz_json_encode(&kz_exercise_player_schema, &v->players[i]));
    for (size_t i = 0; delivered && i < v->n_delivered; i++)
        json_array_append_new(delivered, delivery_json(&v->delivered[i], &v->scenario.injects[v->delivered[i].n - 1]));
    if (!o || !players || !delivered) {
        json_decref(o);
        json_decref(players);
        json_decref(delivered);
        return NULL;
    }
    json_object_set_new(o, "banner", json_string(v->scenario.banner));
    if (v->scenario.banner_ja)
        json_object_set_new(o, "banner_ja", json_string(v->scenario.banner_ja));
    json_object_set_new(o, "minutes", json_real((double)v->x.clock_ms / 60000.0));
    json_object_set_new(o, "players", players);
    json_object_set_new(o, "delivered", delivered);
    json_object_set_new(o, "injects", json_integer((json_int_t)v->scenario.n_injects));
    return o;
}

static kz_rc decode_players(kz_req *r, json_t *arr, kz_exercise_player **out, size_t *n)
{
    *n = json_array_size(arr);
    if (arr && !json_is_array(arr))
        return kz_fail(&r->err, KZ_EINVAL, "players", "must be a list of {role, organization, user}");
    if (*n > PLAYERS_MAX)
        return kz_fail(&r->err, KZ_EINVAL, "players", "at most %d players", PLAYERS_MAX);
    *out = kz_arena_calloc(&r->arena, *n + 1, sizeof **out);
    if (!*out)
        return kz_fail(&r->err, KZ_ENOMEM, NULL, NULL);
    for (size_t i = 0; i < *n; i++) {
        kz_rc rc = kz_json_decode(json_array_get(arr, i), &kz_exercise_player_schema, &(*out)[i], KZ_DECODE_CREATE,
                                  &r->arena, NULL, &r->err);
        if (rc) {
            char at[32];
            snprintf(at, sizeof at, "players[%zu].", i);
            kz_err_prefix(&r->err, at);
            return rc;
        }
    }
    return KZ_OK;
}

kz_rc kz_h_exercise_create(kz_req *r)
{
    json_t *body;
    kz_exercise x = {0};
    kz_exercise_player *players = NULL;
    size_t n = 0;
    kz_exercise_view v;
    kz_rc rc = kz_req_body_object(r, &body);
    json_t *copy = rc ? NULL : json_copy(body);
    if (!rc && !copy)
        rc = kz_fail(&r->err, KZ_ENOMEM, NULL, NULL);
    if (!rc)
        rc = decode_players(r, json_object_get(body, "players"), &players, &n);
    if (!rc) {
        json_object_del(copy, "players");
        rc = kz_json_decode(copy, &kz_exercise_schema, &x, KZ_DECODE_CREATE, &r->arena, NULL, &r->err);
    }
    json_decref(copy);
    if (!rc)
        rc = kz_svc_exercise_create(&r->call, &x, players, n, &v);
    return rc ? rc : kz_reply(r, 201, view_json(&v));
}

/* PATCH /exercises/{id}: {"players": [...]} before the run starts. */
kz_rc kz_h_exercise_update(kz_req *r)
{
    json_t *body;
    kz_exercise_player *players = NULL;
    size_t n = 0;
    kz_exercise_view v;
    kz_rc rc = kz_req_body_object(r, &body);
    const char *key;
    json_t *value;
    json_object_foreach(rc ? NULL : body, key, value) {
        if (strcmp(key, "players") != 0)
            return kz_fail(&r->err, KZ_EINVAL, key, "only the players of a run change (before it starts)");
    }
    if (!rc && !json_object_get(body, "players"))
        rc = kz_fail(&r->err, KZ_EINVAL, "players", "players is required");
    if (!rc)
        rc = decode_players(r, json_object_get(body, "players"), &players, &n);
    if (!rc)
        rc = kz_svc_exercise_players_set(&r->call, r->params[0], players, n, &v);
    return rc ? rc : kz_reply(r, 200, view_json(&v));
}

kz_rc kz_h_exercise_get(kz_req *r)
{
    kz_exercise_view v;
    kz_rc rc = kz_svc_exercise_get(&r->call, r->params[0], &v);
    return rc ? rc : kz_reply(r, 200, view_json(&v));
}

kz_rc kz_h_exercise_list(kz_req *r)
{
    kz_page pg;
    kz_exercise_page page = {0};
    kz_rc rc = kz_req_page(r, &pg);
    if (!rc)
        rc = kz_svc_exercise_list(&r->call, &pg, &page);
    return rc ? rc : kz_reply_page(r, &kz_exercise_schema, page.items, page.n, sizeof *page.items, page.next);
}

/* POST /exercises/{id}/{op}: start, pause, resume or finish; an optional body {speed}. */
kz_rc kz_h_exercise_control(kz_req *r)
{
    int op = kz_enum_parse(&kz_exercise_op_enum, r->params[1]);
    if (op < 0)
        return kz_fail(&r->err, KZ_ENOTFOUND, NULL, "no such exercise action (start, pause, resume or finish)");
    int64_t speed = 0;
    if (r->json) {
        json_t *body;
        kz_rc rc = kz_req_body_object(r, &body);
        json_t *sp = rc ? NULL : json_object_get(body, "speed");
        if (!rc && sp && !json_is_integer(sp))
            rc = kz_fail(&r->err, KZ_EINVAL, "speed", "an integer from 1 to %d", KZ_SPEED_MAX);
        if (rc)
            return rc;
        speed = sp ? json_integer_value(sp) : 0;
        if (sp && speed < 1)
            return kz_fail(&r->err, KZ_EINVAL, "speed", "an integer from 1 to %d", KZ_SPEED_MAX);
    }
    kz_exercise_view v;
    kz_rc rc = kz_svc_exercise_control(&r->call, r->params[0], op, speed, &v);
    return rc ? rc : kz_reply(r, 200, view_json(&v));
}

kz_rc kz_h_exercise_trigger(kz_req *r)
{
    char *end = NULL;
    long long n = strtoll(r->params[1], &end, 10);
    if (!end || *end || n < 1)
        return kz_fail(&r->err, KZ_ENOTFOUND, "inject", "inject numbers are 1, 2, ...");
    kz_exercise_view v;
    kz_rc rc = kz_svc_exercise_trigger(&r->call, r->params[0], n, &v);
    return rc ? rc : kz_reply(r, 200, view_json(&v));
}

/* The mail notices and news items delivered so far that the caller may read, for the
 * players' screens (news_only: GET .../news). */
static kz_rc messages(kz_req *r, bool news_only)
{
    kz_exercise_view v;
    kz_rc rc = kz_svc_exercise_messages(&r->call, r->params[0], news_only, &v);
    if (rc)
        return rc;
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < v.n_delivered; i++) {
        const kz_inject *j = &v.scenario.injects[v.delivered[i].n - 1];
        json_t *o = delivery_json(&v.delivered[i], j);
        kz_json_set_str(o, "text", j->text);
        if (j->text_ja)
            kz_json_set_str(o, "text_ja", j->text_ja);
        kz_json_set_str(o, "tlp", kz_enum_name(&kz_tlp_enum, j->tlp));
        kz_json_set_str(o, "banner", v.scenario.banner);
        if (v.scenario.banner_ja)
            kz_json_set_str(o, "banner_ja", v.scenario.banner_ja);
        json_array_append_new(arr, o);
    }
    return kz_reply(r, 200, kz_page_json(arr, ""));
}

kz_rc kz_h_exercise_messages(kz_req *r) { return messages(r, false); }
kz_rc kz_h_exercise_news(kz_req *r) { return messages(r, true); }

kz_rc kz_h_exercise_mark(kz_req *r)
{
    json_t *body;
    const char *expectation = NULL, *result = NULL, *note = NULL;
    kz_rc rc = kz_req_body_object(r, &body);
    json_error_t je;
    if (!rc && json_unpack_ex(body, &je, JSON_STRICT, "{s:s, s:s, s?s}", "expectation", &expectation, "result",
                              &result, "note", &note))
        rc = kz_fail(&r->err, KZ_EINVAL, NULL, "expected {expectation, result, note}: %s", je.text);
    if (!rc && note && strlen(note) > 4000)
        rc = kz_fail(&r->err, KZ_EINVAL, "note", "at most 4000 bytes");
    if (!rc)
        rc = kz_svc_exercise_mark(&r->call, r->params[0], expectation, kz_enum_parse(&kz_expect_result_enum, result),
                                  note);
    return rc ? rc : kz_reply(r, 200, json_pack("{s:s, s:s}", "expectation", expectation, "result", result));
}

/* A note's body {text, owner, due} into n (its strings point into the request body). */
static kz_rc note_body(kz_req *r, kz_exercise_note *n)
{
    json_t *body;
    const char *text = NULL, *owner = NULL, *due = NULL;
    kz_rc rc = kz_req_body_object(r, &body);
    json_error_t je;
    if (!rc && json_unpack_ex(body, &je, JSON_STRICT, "{s:s, s?s, s?s}", "text", &text, "owner", &owner, "due", &due))
        rc = kz_fail(&r->err, KZ_EINVAL, NULL, "expected {text, owner, due}: %s", je.text);
    if (!rc && (!*text || strlen(text) > 4000))
        rc = kz_fail(&r->err, KZ_EINVAL, "text", "from 1 to 4000 bytes");
    if (!rc && owner && strlen(owner) > 200)
        rc = kz_fail(&r->err, KZ_EINVAL, "owner", "at most 200 bytes");
    if (!rc && due && kz_time_parse(due, &n->due))
        rc = kz_fail(&r->err, KZ_EINVAL, "due", "an RFC 3339 date or date-time");
    n->text = (char *)text;
    n->owner = (char *)owner;
    return rc;
}

kz_rc kz_h_exercise_note(kz_req *r)
{
    kz_exercise_note n = {0};
    kz_rc rc = note_body(r, &n);
    if (!rc)
        rc = kz_svc_exercise_note(&r->call, r->params[0], &n);
    json_t *o = rc ? NULL : json_pack("{s:s, s:s}", "id", n.id, "kind", n.kind);
    return rc ? rc : kz_reply(r, 201, o);
}

/* PATCH /exercises/{id}/notes/{note}: the note rewritten (text, owner, due). */
kz_rc kz_h_exercise_note_update(kz_req *r)
{
    kz_exercise_note n = {.id = (char *)r->params[1]};
    kz_rc rc = note_body(r, &n);
    if (!rc)
        rc = kz_svc_exercise_note_update(&r->call, r->params[0], &n);
    json_t *o = rc ? NULL : json_pack("{s:s, s:s}", "id", n.id, "kind", n.kind);
    return rc ? rc : kz_reply(r, 200, o);
}

/* GET /exercises/{id}/report: JSON, or ?format=html for the printable page (lang=ja). */
kz_rc kz_h_exercise_report(kz_req *r)
{
    static const char *const allowed[] = {"format", "lang", NULL};
    const char *format = NULL, *lang = NULL;
    kz_rc rc = kz_req_query_only(r, allowed);
    if (!rc)
        rc = kz_req_query_checked(r, "format", NULL, &format);
    if (!rc)
        rc = kz_req_query_checked(r, "lang", NULL, &lang);
    if (!rc && format && strcmp(format, "json") && strcmp(format, "html"))
        rc = kz_fail(&r->err, KZ_EINVAL, "format", "format must be json or html");
    if (!rc && lang && strcmp(lang, "en") && strcmp(lang, "ja"))
        rc = kz_fail(&r->err, KZ_EINVAL, "lang", "lang must be en or ja");
    kz_exercise_report rep;
    if (!rc)
        rc = kz_svc_exercise_report(&r->call, r->params[0], &rep, NULL);
    if (rc)
        return rc;
    if (!format || strcmp(format, "html"))
        return kz_reply(r, 200, kz_exercise_report_json(&rep));
    kz_buf b;
    kz_buf_init(&b, (size_t)16 << 20);
    rc = kz_exercise_report_html(&rep, lang, &b);
    if (!rc && !(r->raw = kz_arena_memdup(&r->arena, b.p, b.len)))
        rc = kz_fail(&r->err, KZ_ENOMEM, NULL, NULL);
    if (!rc) {
        r->raw_len = b.len;
        r->status = 200;
        r->content_type = "text/html; charset=utf-8";
    }
    kz_buf_free(&b);
    return rc;
}

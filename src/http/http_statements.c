/* /api/v1/statements (drafting, moves, export, STIX), /api/v1/stats/statements and the
 * published feeds /feeds/statements.json and /feeds/statements.atom. What each caller
 * sees is decided in the service (kz_statement_visible); this file only shapes it. */
#include "http/handlers.h"

#include "codec/json/json_fields.h"
#include "service/statements/statements.h"
#include "util/alloc.h"

#include <stdlib.h>
#include <string.h>

static json_t *sig_json(const kz_statement_view *v, size_t i)
{
    const kz_statement_sig *g = &v->sigs[i];
    json_t *o = kz_json_encode(&kz_statement_sig_schema, g);
    if (o) {
        json_object_del(o, "statement");
        if (!v->issuer)
            json_object_del(o, "actor");  /* who approved stays with the issuers */
        json_object_set_new(o, "current", json_boolean(v->sig_current[i]));
    }
    return o;
}

/* The drafter and each co-signer, with whether it approved the current version. */
static json_t *issuers_json(const kz_statement_view *v)
{
    json_t *a = json_array();
    for (size_t k = 0; a && k <= v->st.cosigners.n; k++) {
        const char *org = k ? v->st.cosigners.v[k - 1] : v->st.organization;
        bool approved = false;
        for (size_t i = 0; i < v->n_sigs; i++)
            approved = approved || (v->sig_current[i] && strcmp(v->sigs[i].organization, org) == 0);
        json_array_append_new(a, json_pack("{s:s, s:s, s:b}", "organization", org, "role",
                                           k ? "cosigner" : "drafter", "approved", approved));
    }
    return a;
}

static json_t *view_json(const kz_statement_view *v)
{
    json_t *o = kz_json_encode(&kz_statement_schema, &v->st);
    json_t *content = kz_statement_content_json(&v->content), *sigs = json_array();
    if (!o || !content || !sigs) {
        json_decref(o), json_decref(content), json_decref(sigs);
        return NULL;
    }
    json_object_del(o, "content");  /* the annex in it may hold what this viewer may not see */
    json_object_update(o, content);
    json_decref(content);
    for (size_t i = 0; i < v->n_sigs; i++)
        json_array_append_new(sigs, sig_json(v, i));
    json_object_set_new(o, "signatures", sigs);
    json_object_set_new(o, "issuers", issuers_json(v));
    return o;
}

/* The body as text for the content decoder; "{}" when there is none. */
static kz_rc body_text(kz_req *r, const json_t *body, char **text, size_t *len)
{
    if (!body) {
        *text = (char *)"{}";
        *len = 2;
        return KZ_OK;
    }
    if (!json_is_object(body))
        return kz_fail(&r->err, KZ_EINVAL, "", "the body must be a JSON object");
    char *t = json_dumps(body, JSON_COMPACT);
    *text = t ? kz_arena_strdup(&r->arena, t) : NULL;
    kz_free_libc(t);
    *len = *text ? strlen(*text) : 0;
    return *text ? KZ_OK : kz_fail(&r->err, KZ_ENOMEM, NULL, NULL);
}

kz_rc kz_h_statement_vocabulary(kz_req *r)
{
    size_t n;
    const kz_confidence_term *y = kz_confidence_yardstick(&n);
    json_t *conf = json_array(), *basis = json_array(), *moves = json_array();
    for (size_t i = 0; conf && i < n; i++)
        json_array_append_new(conf, json_pack("{s:s, s:i, s:i}", "phrase", y[i].phrase, "low", y[i].low, "high",
                                              y[i].high));
    for (int i = 0; basis && i < kz_statement_basis_enum.count; i++)
        json_array_append_new(basis, json_string(kz_statement_basis_enum.values[i]));
    for (size_t i = 0; moves && i < kz_statement_n_transitions; i++) {
        const kz_statement_transition *t = &kz_statement_transitions[i];
        json_t *from = json_array();
        for (int s = 0; from && s < kz_statement_status_enum.count; s++)
            if (t->from & (1u << s))
                json_array_append_new(from, json_string(kz_enum_name(&kz_statement_status_enum, s)));
        json_array_append_new(moves, json_pack("{s:s, s:o*, s:s, s:s}", "move",
                                               kz_enum_name(&kz_statement_move_enum, (int)t->move), "from", from,
                                               "to", kz_enum_name(&kz_statement_status_enum, (int)t->to), "side",
                                               t->side == KZ_SIDE_DRAFTER ? "drafter" : "issuer"));
    }
    return kz_reply(r, 200, json_pack("{s:o*, s:o*, s:o*}", "confidence", conf, "basis", basis, "moves", moves));
}

kz_rc kz_h_statement_create(kz_req *r)
{
    json_t *body;
    char *text;
    size_t len;
    kz_statement_view v;
    kz_rc rc = kz_req_body_object(r, &body);
    if (!rc) rc = body_text(r, body, &text, &len);
    if (!rc) rc = kz_svc_statement_create(&r->call, text, len, &v);
    return rc ? rc : kz_reply(r, 201, view_json(&v));
}

kz_rc kz_h_statement_from_incident(kz_req *r)
{
    char *text = NULL;
    size_t len = 0;
    kz_statement_view v;
    kz_rc rc = r->json ? body_text(r, r->json, &text, &len) : KZ_OK;
    if (!rc) rc = kz_svc_statement_from_incident(&r->call, r->params[0], text, len, &v);
    return rc ? rc : kz_reply(r, 201, view_json(&v));
}

kz_rc kz_h_statement_get(kz_req *r)
{
    kz_statement_view v;
    kz_rc rc = kz_svc_statement_get(&r->call, r->params[0], &v);
    return rc ? rc : kz_reply_origin(r, view_json(&v), KZ_FED_STATEMENT, v.st.id);
}

kz_rc kz_h_statement_update(kz_req *r)
{
    json_t *body;
    char *text;
    size_t len;
    kz_statement_view v;
    kz_rc rc = kz_req_body_object(r, &body);
    if (!rc) rc = body_text(r, body, &text, &len);
    if (!rc) rc = kz_svc_statement_update(&r->call, r->params[0], text, len, &v);
    return rc ? rc : kz_reply(r, 200, view_json(&v));
}

static kz_rc statement_filter(kz_req *r, kz_statement_filter *f)
{
    kz_rc rc = kz_req_query_enum(r, "status", &kz_statement_status_enum, &f->status);
    if (!rc) rc = kz_req_query_checked(r, "norm", kz_valid_statement_norm, &f->norm);
    if (!rc) rc = kz_req_query_checked(r, "organization", NULL, &f->organization);
    if (!rc) rc = kz_req_query_checked(r, "q", NULL, &f->q);
    return rc;
}

kz_rc kz_h_statement_list(kz_req *r)
{
    static const char *const allowed[] = {"status", "norm", "organization", "q", "limit", "cursor", NULL};
    kz_statement_filter f = {0};
    kz_statement_view *v;
    kz_page pg;
    size_t n;
    char *next;
    kz_rc rc = kz_req_query_only(r, allowed);
    if (!rc) rc = statement_filter(r, &f);
    if (!rc) rc = kz_req_page(r, &pg);
    if (!rc) rc = kz_svc_statement_page(&r->call, &f, &pg, &v, &n, &next);
    if (rc)
        return rc;
    json_t *items = json_array();
    for (size_t i = 0; items && i < n; i++)
        json_array_append_new(items, view_json(&v[i]));
    return kz_reply(r, 200, kz_page_json(items, next));
}

kz_rc kz_h_statement_stats(kz_req *r)
{
    static const char *const allowed[] = {"status", "norm", "organization", "q", NULL};
    kz_statement_filter f = {0};
    int64_t counts[KZ_ST_WITHDRAWN + 1];
    kz_rc rc = kz_req_query_only(r, allowed);
    if (!rc) rc = statement_filter(r, &f);
    if (!rc) rc = kz_svc_statement_counts(&r->call, &f, counts);
    if (rc)
        return rc;
    json_t *by = json_object();
    int64_t total = 0;
    for (int i = 0; by && i <= KZ_ST_WITHDRAWN; i++) {
        json_object_set_new(by, kz_enum_name(&kz_statement_status_enum, i), json_integer(counts[i]));
        total += counts[i];
    }
    return kz_reply(r, 200, json_pack("{s:I, s:o*}", "total", (json_int_t)total, "status", by));
}

/* Which body fields each move takes (correct: any content field, checked later). */
static kz_rc move_args(kz_req *r, int mv, const json_t *body, kz_statement_move_in *in)
{
    static const char *const takes[] = {
        [KZ_SM_CIRCULATE] = "", [KZ_SM_APPROVE] = "content_hash", [KZ_SM_SCHEDULE] = "publish_at",
        [KZ_SM_PUBLISH] = "", [KZ_SM_WITHDRAW] = "reason",
    };
    if (body && !json_is_object(body))
        return kz_fail(&r->err, KZ_EINVAL, "", "the body must be a JSON object");
    if (mv == KZ_SM_CORRECT)
        return body ? body_text(r, body, (char **)&in->patch, &in->patch_len) : KZ_OK;
    const char *k;
    json_t *val;
    json_object_foreach((json_t *)body, k, val) {
        if (strcmp(k, takes[mv]) != 0)
            return kz_fail(&r->err, KZ_EINVAL, k, "unknown field for %s", kz_enum_name(&kz_statement_move_enum, mv));
        if (!json_is_string(val))
            return kz_fail(&r->err, KZ_EINVAL, k, "must be a string");
    }
    const char *v = json_string_value(json_object_get(body, takes[mv]));
    in->content_hash = mv == KZ_SM_APPROVE ? v : NULL;
    in->reason = mv == KZ_SM_WITHDRAW ? v : NULL;
    if (mv == KZ_SM_SCHEDULE && v && kz_time_parse(v, &in->publish_at))
        return kz_fail(&r->err, KZ_EINVAL, "publish_at", "not an RFC 3339 date-time: '%.40s'", v);
    return KZ_OK;
}

kz_rc kz_h_statement_move(kz_req *r)
{
    int mv = kz_enum_parse(&kz_statement_move_enum, r->params[1]);
    if (mv < 0) {
        char list[128];
        kz_enum_list(&kz_statement_move_enum, list, sizeof list);
        return kz_fail(&r->err, KZ_ENOTFOUND, "move", "no move '%.32s'; moves are %s", r->params[1], list);
    }
    kz_statement_move_in in = {0};
    kz_statement_view v;
    kz_rc rc = move_args(r, mv, r->json, &in);
    if (!rc)
        rc = kz_svc_statement_move(&r->call, r->params[0], (kz_statement_move)mv, &in, &v);
    return rc ? rc : kz_reply(r, mv == KZ_SM_CORRECT ? 201 : 200, view_json(&v));
}

/* A text body of the given media type, from c's arena. */
static kz_rc reply_text(kz_req *r, const char *type, char *text)
{
    if (!text)
        return kz_fail(&r->err, KZ_ENOMEM, NULL, NULL);
    r->status = 200;
    r->raw = text;
    r->raw_len = strlen(text);
    r->content_type = type;
    return KZ_OK;
}

kz_rc kz_h_statement_export(kz_req *r)
{
    char *text;
    kz_rc rc = kz_svc_statement_export(&r->call, r->params[0], &text);
    return rc ? rc : reply_text(r, "application/json", text);
}

kz_rc kz_h_statement_stix(kz_req *r)
{
    kz_statement_view v;
    kz_statement_orgs orgs;
    kz_rc rc = kz_svc_statement_get(&r->call, r->params[0], &v);
    if (!rc) rc = kz_svc_statement_orgs(&r->call, &v, 1, &orgs);
    if (rc)
        return rc;
    char *objects = kz_statement_stix_objects(&v, &orgs, &r->arena);
    char *bundle = objects ? kz_arena_printf(&r->arena, "{\"type\":\"bundle\",\"id\":\"bundle--%s\",\"objects\":%s}",
                                             v.st.id, objects)
                           : NULL;
    return reply_text(r, "application/stix+json;version=2.1", bundle);
}

/* The public statements the caller may see, with their issuers. */
static kz_rc released(kz_req *r, kz_statement_view **v, size_t *n, kz_statement_orgs *orgs)
{
    static const char *const allowed[] = {NULL};
    kz_statement_filter f = {.released = true};
    kz_rc rc = kz_req_query_only(r, allowed);
    if (!rc) rc = kz_svc_statement_list(&r->call, &f, v, n);
    return rc ? rc : kz_svc_statement_orgs(&r->call, *v, *n, orgs);
}

kz_rc kz_h_feed_statements_json(kz_req *r)
{
    kz_statement_view *v;
    size_t n;
    kz_statement_orgs orgs;
    kz_rc rc = released(r, &v, &n, &orgs);
    const char *base = r->call.node->public_url;
    return rc ? rc : reply_text(r, "application/feed+json", kz_statement_json_feed(v, n, &orgs, base, &r->arena));
}

kz_rc kz_h_feed_statements_atom(kz_req *r)
{
    kz_statement_view *v;
    size_t n;
    kz_statement_orgs orgs;
    kz_rc rc = released(r, &v, &n, &orgs);
    if (rc)
        return rc;
    kz_time updated = 0;
    for (size_t i = 0; i < n; i++)
        updated = v[i].st.modified > updated ? v[i].st.modified : updated;
    const char *base = r->call.node->public_url;
    return reply_text(r, "application/atom+xml",
                      kz_statement_atom(v, n, &orgs, base, updated ? updated : kz_now_ms(), &r->arena));
}

/* Who is told what about a request: the points of contact of both sides, the notices
 * of each move, and the words that fill the templates in the recipient's language. */
#include "service/requests/requests_internal.h"

#include "service/core/notify.h"
#include "service/core/settings.h"
#include "service/exercises/exercises.h"
#include "store/federation/federation.h"

#include <stdio.h>
#include <string.h>

static const char *const urgency_names[KZ_URG_COUNT] = {"critical", "high", "normal", "low"};

kz_time kz__request_period(kz_call *c, const kz_request *r, bool answer)
{
    char name[64];
    int u = r->urgency >= 0 && r->urgency < KZ_URG_COUNT ? r->urgency : KZ_URG_NORMAL;
    snprintf(name, sizeof name, "requests.%s_hours.%s", answer ? "answer" : "acknowledge", urgency_names[u]);
    return kz_setting_int(c, name) * KZ__HOUR_MS;
}

size_t kz__request_order(kz_call *c, const kz_request *r, int roles[4])
{
    const char *order = kz_setting_text(c, r->kind == KZ_REQ_PRESERVATION ? "requests.preservation_escalation_order"
                                                                          : "requests.escalation_order");
    size_t n = 0;
    for (const char *p = order; *p && n < 4;) {
        size_t len = strcspn(p, ",");
        for (int i = 0; i < kz_contact_role_enum.count; i++)
            if (strlen(kz_contact_role_enum.values[i]) == len && strncmp(kz_contact_role_enum.values[i], p, len) == 0)
                roles[n++] = i;
        p += len + (p[len] == ',');
    }
    return n;
}

kz_rc kz__request_party_contact(kz_call *c, const kz_request *r, int side, kz_contact **out)
{
    const char *own = side == KZ_SIDE_SENDER ? r->from_contact : r->to_contact;
    const char *org = side == KZ_SIDE_SENDER ? r->from_organization : r->to_organization;
    const char *state = side == KZ_SIDE_SENDER ? r->from_state : r->to_state;
    *out = NULL;
    kz_err e2;
    if (own) {
        kz_contact *ct = kz_arena_calloc(c->arena, 1, sizeof *ct);
        if (!ct)
            return kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
        if (kz_store_contact_get(c->db, own, c->arena, ct, &e2) == KZ_OK) {
            *out = ct;
            return KZ_OK;
        }
        /* the contact was deleted since: fall back to the organization's */
    }
    int roles[8];
    size_t n = kz__request_order(c, r, roles);
    for (int i = 0; i < kz_contact_role_enum.count && n < 8; i++) { /* then every other role */
        bool listed = false;
        for (size_t k = 0; k < n; k++)
            listed |= roles[k] == i;
        if (!listed)
            roles[n++] = i;
    }
    for (size_t k = 0; k < n; k++) {
        kz_contact *items;
        size_t m;
        kz_rc rc = kz_store_contacts_by_role(c->db, state, kz_enum_name(&kz_contact_role_enum, roles[k]), org,
                                             r->exercise, 32,
                                             c->arena, &items, &m, c->err);
        if (rc)
            return rc;
        for (size_t j = 0; j < m; j++)
            if (items[j].email && strcmp(items[j].organization, org) == 0) {
                *out = &items[j];
                return KZ_OK;
            }
    }
    return KZ_OK;
}

/* ---- words ---------------------------------------------------------------------------------- */

static const char *const kind_en[KZ_REQ_KIND_COUNT] = {
    "request for assistance", "request to mitigate malicious activity",
    "request for expedited preservation", "request for information"};
static const char *const kind_ja[KZ_REQ_KIND_COUNT] = {"支援要請", "悪性活動の緩和要請", "迅速な保全の要請", "情報提供要請"};
static const char *const urgency_ja[KZ_URG_COUNT] = {"緊急", "高", "通常", "低"};
static const char *const role_ja[] = {"外交", "技術", "法執行（24時間体制）", "CSIRT"};

static const char *org_name(kz_call *c, const char *id)
{
    kz_org o;
    kz_err e2;
    return id && kz_store_org_get(c->db, id, c->arena, &o, &e2) == KZ_OK ? o.name : id;
}

static const char *norm_title(const char *id)
{
    size_t n;
    const kz_norm_ref *refs = kz_norm_refs(&n);
    for (size_t i = 0; id && i < n; i++)
        if (strcmp(refs[i].id, id) == 0)
            return refs[i].title;
    return id ? id : "";
}

/* At most max code points of s, cut between characters. */
static const char *excerpt(kz_arena *a, const char *s, size_t max)
{
    if (!s)
        return "";
    size_t i = 0, cps = 0;
    while (s[i] && cps < max) {
        i++;
        while (((unsigned char)s[i] & 0xC0) == 0x80)
            i++;
        cps++;
    }
    return s[i] ? kz_arena_printf(a, "%.*s …", (int)i, s) : s;
}

kz_rc kz__request_notify(kz_call *c, const kz_request *r, const char *kind, const kz_contact *to,
                         const char *message, const char *note)
{
    char *elsewhere = NULL;
    kz_rc rc = to ? kz_store_fed_origin(c->db, KZ_FED_CONTACT, to->id, c->arena, &elsewhere, c->err) : KZ_OK;
    if (rc || elsewhere)  /* a contact of another node is told by its own node */
        return rc;
    bool ja = strcmp(kz_notify_language(kind, to), "ja") == 0;
    char ack[64], ans[64], pres[64], at[64], tlp[24];
    int k = r->kind >= 0 && r->kind < KZ_REQ_KIND_COUNT ? r->kind : 0;
    int u = r->urgency >= 0 && r->urgency < KZ_URG_COUNT ? r->urgency : KZ_URG_NORMAL;
    snprintf(tlp, sizeof tlp, "TLP:%s", kz_enum_name(&kz_tlp_enum, r->tlp));
    for (char *p = tlp; *p; p++)
        *p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
    int role = r->escalation_role ? kz_enum_parse(&kz_contact_role_enum, r->escalation_role) : -1;
    const char *msg = message ? kz_arena_printf(c->arena, "%s\n%s\n\n", ja ? "メッセージ:" : "Message:", message) : "";
    /* a request of a table-top exercise says so in every mail about it */
    const char *mark = ja ? "[演習 EXERCISE]" : "[EXERCISE]";
    const char *subject = r->exercise ? kz_arena_printf(c->arena, "%s %s", mark, r->subject) : r->subject;
    const char *description = excerpt(c->arena, r->description, 4000);
    if (r->exercise)
        description = kz_arena_printf(c->arena, "%s\n%s %s\n\n%s", kz_svc_exercise_banner(c, r->exercise, ja), mark,
                                      ja ? "演習です。実際の事案ではありません。" : "This is an exercise, not a real request.",
                                      description ? description : "");
    kz_notify_var vars[] = {
        {"id", r->id},
        {"tlp", tlp},
        {"kind", ja ? kind_ja[k] : kind_en[k]},
        {"urgency", ja ? urgency_ja[u] : urgency_names[u]},
        {"subject", subject},
        {"description", description},
        {"norm", norm_title(r->norm)},
        {"from_org", org_name(c, r->from_organization)},
        {"from_state", r->from_state},
        {"to_org", org_name(c, r->to_organization)},
        {"to_state", r->to_state},
        /* times as the recipient reads them: in the contact's time zone, with the offset */
        {"ack_due", kz_notify_time_for(r->ack_due, to, ack, sizeof ack)},
        {"answer_due", kz_notify_time_for(r->answer_due, to, ans, sizeof ans)},
        {"preserve_until", kz_notify_time_for(r->preserve_until, to, pres, sizeof pres)},
        {"at", kz_notify_time_for(kz_now_ms(), to, at, sizeof at)},
        {"message", msg ? msg : ""},
        {"note", note ? note : ""},
        {"role", role < 0 ? "" : ja ? role_ja[role] : kz_contact_role_enum.values[role]},
        {"author", org_name(c, c->who.org)},
        /* the web interface's page of the request, which signs the reader in first */
        {"link", kz_arena_printf(c->arena, "%s/requests/%s", c->node->public_url, r->id)},
    };
    return kz_notify(c, kind, to, r->id, NULL, vars, sizeof vars / sizeof *vars);
}

kz_rc kz__request_notify_move(kz_call *c, kz_request *r, int move, const char *message)
{
    static const struct {
        int move;
        const char *kind;
        int to;  /* the side told */
    } told[] = {
        {KZ_MV_SEND, "request.new", KZ_SIDE_RECIPIENT},
        {KZ_MV_ACKNOWLEDGE, "request.acknowledged", KZ_SIDE_SENDER},
        {KZ_MV_ANSWER, "request.answered", KZ_SIDE_SENDER},
        {KZ_MV_DECLINE, "request.declined", KZ_SIDE_SENDER},
        {KZ_MV_WITHDRAW, "request.withdrawn", KZ_SIDE_RECIPIENT},
    };
    for (size_t i = 0; i < sizeof told / sizeof *told; i++) {
        if (told[i].move != move || (move == KZ_MV_WITHDRAW && !r->sent_at))
            continue;
        kz_contact *to;
        kz_rc rc = kz__request_party_contact(c, r, told[i].to, &to);
        if (!rc && move == KZ_MV_SEND && to)
            r->escalation_role = (char *)kz_enum_name(&kz_contact_role_enum, to->role);
        return rc ? rc : kz__request_notify(c, r, told[i].kind, to, message, NULL);
    }
    return KZ_OK;
}

/* Unit tests of requests between states: the templates and the transition table, the
 * workflow of both sides with its deadlines, visibility under TLP, the signed record
 * and its verification, and the node's signing key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "codec/requests/record.h"
#include "helpers.h"
#include "service/core/audit.h"
#include "service/requests/requests.h"
#include "service/core/settings.h"
#include "store/requests/requests.h"

enum { HOUR_MS = 3600 * 1000 };

/* ---- tables ------------------------------------------------------------------------------ */

static void content_schema_is_the_prefix_before_workflow(void **state)
{
    (void)state;
    const kz_schema *c = &kz_request_content_schema, *all = &kz_request_schema;
    assert_true(c->count < all->count);
    assert_ptr_equal(c->fields, all->fields);
    assert_string_equal(all->fields[c->count].name, "modified");
    for (size_t i = 0; i < c->count; i++)
        assert_false(strcmp(c->fields[i].name, "status") == 0);
}

static void every_template_field_is_a_content_field(void **state)
{
    (void)state;
    const kz_request_template *all[KZ_REQ_KIND_COUNT + 1] = {&kz_request_common};
    for (int k = 0; k < KZ_REQ_KIND_COUNT; k++)
        all[k + 1] = &kz_request_templates[k];
    for (int t = 0; t <= KZ_REQ_KIND_COUNT; t++)
        for (size_t i = 0; i < all[t]->n_fields; i++) {
            const char *name = all[t]->fields[i].name;
            if (kz_schema_find(&kz_request_content_schema, name) < 0)
                fail_msg("template field %s is not a content field", name);
            assert_non_null(all[t]->fields[i].help);
        }
    /* Budapest Art. 29(2) has six elements; (b) and (c) are two fields each here */
    size_t required = 0;
    const kz_request_template *p = &kz_request_templates[KZ_REQ_PRESERVATION];
    for (size_t i = 0; i < p->n_fields; i++)
        required += p->fields[i].required;
    assert_int_equal(required, 8);
}

static void transitions_give_each_side_its_moves(void **state)
{
    (void)state;
    assert_int_equal(kz_moves_allowed(KZ_RS_DRAFT, KZ_SIDE_SENDER), (1u << KZ_MV_SEND) | (1u << KZ_MV_WITHDRAW));
    assert_int_equal(kz_moves_allowed(KZ_RS_DRAFT, KZ_SIDE_RECIPIENT), 0);
    assert_int_equal(kz_moves_allowed(KZ_RS_SENT, KZ_SIDE_RECIPIENT),
                     (1u << KZ_MV_ACKNOWLEDGE) | (1u << KZ_MV_DECLINE));
    assert_int_equal(kz_moves_allowed(KZ_RS_ACKNOWLEDGED, KZ_SIDE_RECIPIENT),
                     (1u << KZ_MV_START) | (1u << KZ_MV_ANSWER) | (1u << KZ_MV_DECLINE));
    assert_int_equal(kz_moves_allowed(KZ_RS_ANSWERED, KZ_SIDE_SENDER), 1u << KZ_MV_CLOSE);
    for (int s = KZ_RS_CLOSED; s <= KZ_RS_WITHDRAWN; s++) {
        assert_true(kz_request_status_final(s));
        assert_int_equal(kz_moves_allowed(s, KZ_SIDE_SENDER) | kz_moves_allowed(s, KZ_SIDE_RECIPIENT), 0);
    }
    assert_true(kz_transition_find(KZ_RS_SENT, KZ_MV_DECLINE)->needs_message);
    assert_null(kz_transition_find(KZ_RS_SENT, KZ_MV_ANSWER));
}

static kz_request preservation(const char *to)
{
    return (kz_request){
        .kind = KZ_REQ_PRESERVATION, .to_organization = (char *)to, .urgency = KZ_URG_CRITICAL,
        .tlp = KZ_TLP_AMBER, .subject = (char *)"Preserve the logs of 203.0.113.7",
        .description = (char *)"Ransomware at a hospital.", .authority = (char *)"National Police Agency",
        .offence = (char *)"Unauthorized access (Art. 2)", .facts = (char *)"Encrypted on 1 May",
        .stored_data = (char *)"Subscriber and traffic data of 203.0.113.7", .data_relevance = (char *)"C2 server",
        .custodian = (char *)"Example Hosting", .necessity = (char *)"Rotated after 7 days", .mla_intent = true,
    };
}

static void templates_enforce_each_kind(void **state)
{
    (void)state;
    kz_err err;
    kz_request r = preservation("x");
    assert_int_equal(kz_request_check_template(&r, &err), KZ_OK);
    assert_int_equal(r.preservation_days, KZ_PRESERVATION_MIN_DAYS);
    assert_string_equal(r.norm, "budapest-29");

    r = preservation("x");
    r.custodian = NULL;
    assert_int_equal(kz_request_check_template(&r, &err), KZ_EINVAL);
    assert_string_equal(err.field, "custodian");
    r = preservation("x");
    r.mla_intent = false;
    assert_int_equal(kz_request_check_template(&r, &err), KZ_EINVAL);
    assert_string_equal(err.field, "mla_intent");
    r = preservation("x");
    r.preservation_days = 59;
    assert_int_equal(kz_request_check_template(&r, &err), KZ_EINVAL);
    assert_string_equal(err.field, "preservation_days");
    r = preservation("x");
    r.sector = (char *)"health";  /* an assistance field */
    assert_int_equal(kz_request_check_template(&r, &err), KZ_EINVAL);
    assert_string_equal(err.field, "sector");

    char *asked[] = {(char *)"technical-analysis"};
    kz_request a = {.kind = KZ_REQ_ASSISTANCE, .subject = (char *)"s", .description = (char *)"d",
                    .sector = (char *)"health", .incident_class = (char *)"availability",
                    .impact = (char *)"surgeries stopped"};
    assert_int_equal(kz_request_check_template(&a, &err), KZ_EINVAL);
    assert_string_equal(err.field, "assistance_requested");
    a.assistance_requested = (kz_strlist){asked, 1};
    assert_int_equal(kz_request_check_template(&a, &err), KZ_OK);
    assert_string_equal(a.norm, "h");
    a.window_start = 2000;
    a.window_end = 1000;
    assert_int_equal(kz_request_check_template(&a, &err), KZ_EINVAL);
    assert_string_equal(err.field, "window_end");

    kz_request m = {.kind = KZ_REQ_MITIGATION, .activity = (char *)"scanning", .window_start = 1000,
                    .share_responsibility = true};
    char *src[] = {(char *)"AS64500"}, *act[] = {(char *)"block"};
    m.sources = (kz_strlist){src, 1};
    m.action_requested = (kz_strlist){act, 1};
    assert_int_equal(kz_request_check_template(&m, &err), KZ_EINVAL);
    assert_string_equal(err.field, "share_responsibility");
    m.responsibility = (char *)"state-ignored";
    assert_int_equal(kz_request_check_template(&m, &err), KZ_OK);
    assert_string_equal(m.norm, "c");
}

/* ---- the workflow --------------------------------------------------------------------------- */

typedef struct world {
    kz_fixture *f;
    kz_org *jp, *sg, *fr;
    kz_call jp_analyst, sg_analyst, fr_analyst, sg_viewer;
} world;

static world *world_new(void)
{
    world *w = calloc(1, sizeof *w);
    w->f = kz_fixture_new();
    w->jp = kz_fixture_org(w->f, "JPCERT/CC", "JP");
    w->sg = kz_fixture_org(w->f, "SingCERT", "SG");
    w->fr = kz_fixture_org(w->f, "CERT-FR", "FR");
    w->jp_analyst = kz_fixture_as(w->f, w->jp->id, KZ_ROLE_ANALYST);
    w->sg_analyst = kz_fixture_as(w->f, w->sg->id, KZ_ROLE_ANALYST);
    w->fr_analyst = kz_fixture_as(w->f, w->fr->id, KZ_ROLE_ANALYST);
    w->sg_viewer = kz_fixture_as(w->f, w->sg->id, KZ_ROLE_VIEWER);
    return w;
}

static void world_free(world *w)
{
    kz_clock_advance(-kz_clock_advance(0));
    kz_fixture_free(w->f);
    free(w);
}

static kz_rc move(kz_call *c, const char *id, int mv, const char *message, kz_request *out)
{
    unsigned allowed;
    kz_request_post post = {.message = message};
    return kz_svc_request_move(c, id, mv, &post, out, &allowed);
}

static void both_sides_play_a_preservation_request_to_closure(void **state)
{
    (void)state;
    world *w = world_new();
    kz_request r = preservation(w->sg->id), got;
    assert_int_equal(kz_svc_request_create(&w->jp_analyst, &r, NULL), KZ_OK);
    assert_int_equal(r.status, KZ_RS_DRAFT);
    assert_string_equal(r.from_state, "JP");
    assert_string_equal(r.to_state, "SG");
    assert_int_equal(r.entries, 1);

    /* a draft is the sender's alone */
    kz_request_view v;
    assert_int_equal(kz_svc_request_get(&w->sg_analyst, r.id, &v), KZ_ENOTFOUND);
    assert_int_equal(move(&w->sg_analyst, r.id, KZ_MV_ACKNOWLEDGE, NULL, &got), KZ_ENOTFOUND);

    kz_time before = kz_now_ms();
    assert_int_equal(move(&w->jp_analyst, r.id, KZ_MV_SEND, NULL, &got), KZ_OK);
    assert_int_equal(got.status, KZ_RS_SENT);
    assert_true(got.ack_due >= before + 2 * HOUR_MS && got.ack_due <= kz_now_ms() + 2 * HOUR_MS);
    assert_true(got.answer_due >= before + 24 * HOUR_MS);

    /* the wrong side, the wrong move */
    unsigned allowed;
    kz_request_post none = {0};
    assert_int_equal(kz_svc_request_move(&w->jp_analyst, r.id, KZ_MV_ACKNOWLEDGE, &none, &got, &allowed), KZ_ECONFLICT);
    assert_int_equal(allowed, 1u << KZ_MV_WITHDRAW);
    assert_int_equal(kz_svc_request_move(&w->sg_analyst, r.id, KZ_MV_CLOSE, &none, &got, &allowed), KZ_ECONFLICT);
    assert_int_equal(allowed, (1u << KZ_MV_ACKNOWLEDGE) | (1u << KZ_MV_DECLINE));
    assert_int_equal(move(&w->sg_viewer, r.id, KZ_MV_ACKNOWLEDGE, NULL, &got), KZ_EFORBIDDEN);
    assert_int_equal(move(&w->fr_analyst, r.id, KZ_MV_ACKNOWLEDGE, NULL, &got), KZ_ENOTFOUND); /* AMBER */

    assert_int_equal(move(&w->sg_analyst, r.id, KZ_MV_ACKNOWLEDGE, NULL, &got), KZ_OK);
    assert_int_equal(got.preserve_until, got.acknowledged_at + 60LL * 24 * HOUR_MS);
    assert_int_equal(move(&w->sg_analyst, r.id, KZ_MV_START, NULL, &got), KZ_OK);
    assert_int_equal(move(&w->sg_analyst, r.id, KZ_MV_ANSWER, NULL, &got), KZ_EINVAL);
    assert_string_equal(w->f->err.field, "message");
    assert_int_equal(move(&w->sg_analyst, r.id, KZ_MV_ANSWER, "Preserved until 30 June.", &got), KZ_OK);
    assert_int_equal(move(&w->jp_analyst, r.id, KZ_MV_CLOSE, NULL, &got), KZ_OK);
    assert_int_equal(got.status, KZ_RS_CLOSED);
    assert_true(got.closed_at > 0);

    assert_int_equal(kz_svc_request_get(&w->sg_analyst, r.id, &v), KZ_OK);
    assert_int_equal(v.side, KZ_SIDE_RECIPIENT);
    assert_int_equal(v.moves, 0);
    assert_int_equal(v.n_entries, 6);
    const char *actions[] = {"create", "send", "acknowledge", "start", "answer", "close"};
    for (size_t i = 0; i < 6; i++) {
        assert_string_equal(v.entries[i].action, actions[i]);
        assert_int_equal(v.entries[i].seq, (int64_t)i + 1);
    }
    assert_string_equal(v.req.head_hash, v.entries[5].hash);
    world_free(w);
}

static void the_record_verifies_and_tampering_is_caught(void **state)
{
    (void)state;
    world *w = world_new();
    kz_request r = preservation(w->sg->id), got;
    assert_int_equal(kz_svc_request_create(&w->jp_analyst, &r, NULL), KZ_OK);
    assert_int_equal(move(&w->jp_analyst, r.id, KZ_MV_SEND, NULL, &got), KZ_OK);
    kz_attachment att = {.name = (char *)"logs.txt", .media_type = (char *)"text/plain",
                         .data = (const unsigned char *)"hello", .size = 5};
    kz_request_post post = {.message = "Here are the logs.", .attachments = &att, .n_attachments = 1};
    kz_request_entry e;
    assert_int_equal(kz_svc_request_message(&w->jp_analyst, r.id, &post, &e), KZ_OK);
    assert_int_equal(e.seq, 3);
    assert_string_equal(att.sha256, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");

    kz_buf out;
    kz_buf_init(&out, 1 << 24);
    assert_int_equal(kz_svc_request_export(&w->sg_analyst, r.id, KZ_RECORD_JSON, &out), KZ_OK);
    kz_record_report rep;
    kz_err err;
    assert_int_equal(kz_record_verify(out.p, out.len, NULL, &rep, &err), KZ_OK);
    assert_int_equal(rep.entries, 3);
    assert_string_equal(rep.status, "sent");
    char pk[65];
    kz_hex_encode(w->f->node->sign_pk, 32, pk);
    assert_string_equal(rep.public_key, pk);
    assert_int_equal(kz_record_verify(out.p, out.len, pk, &rep, &err), KZ_OK);

    /* another node's key */
    unsigned char opk[32], osk[64];
    char other[65];
    kz_sign_keypair(opk, osk);
    kz_hex_encode(opk, 32, other);
    assert_int_equal(kz_record_verify(out.p, out.len, other, &rep, &err), KZ_ECORRUPT);

    /* one changed word in the message of entry 3 */
    char *p = strstr(out.p, "Here are the logs.");
    assert_non_null(p);
    p[0] = 'h';
    assert_int_equal(kz_record_verify(out.p, out.len, NULL, &rep, &err), KZ_ECORRUPT);
    assert_int_equal(rep.first_bad, 3);
    p[0] = 'H';
    /* the request's status rewritten */
    p = strstr(out.p, "\"status\": \"sent\"");
    assert_non_null(p);
    memcpy(p + 11, "done", 4);
    assert_int_equal(kz_record_verify(out.p, out.len, NULL, &rep, &err), KZ_ECORRUPT);
    assert_int_equal(rep.first_bad, 0);
    assert_int_equal(kz_record_verify("{\"format\": 1", 12, NULL, &rep, &err), KZ_EINVAL);
    kz_buf_free(&out);

    /* the HTML page shows the record */
    kz_buf_init(&out, 1 << 24);
    assert_int_equal(kz_svc_request_export(&w->jp_analyst, r.id, KZ_RECORD_HTML, &out), KZ_OK);
    assert_non_null(strstr(out.p, "<!DOCTYPE html>"));
    assert_non_null(strstr(out.p, "logs.txt"));
    assert_non_null(strstr(out.p, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"));
    kz_buf_free(&out);
    world_free(w);
}

static void red_requests_stay_between_the_two_sides(void **state)
{
    (void)state;
    world *w = world_new();
    kz_request red = preservation(w->sg->id), green = preservation(w->sg->id), got;
    red.tlp = KZ_TLP_RED;
    green.tlp = KZ_TLP_GREEN;
    assert_int_equal(kz_svc_request_create(&w->jp_analyst, &red, NULL), KZ_OK);
    assert_int_equal(kz_svc_request_create(&w->jp_analyst, &green, NULL), KZ_OK);
    assert_int_equal(move(&w->jp_analyst, red.id, KZ_MV_SEND, NULL, &got), KZ_OK);
    assert_int_equal(move(&w->jp_analyst, green.id, KZ_MV_SEND, NULL, &got), KZ_OK);

    kz_request_filter f = {.overdue = -1};
    kz_page pg = {NULL, 50};
    kz_request_page page;
    kz_request_view v;
    /* the third state and the node's own admin see the GREEN request only */
    kz_call *outsiders[] = {&w->fr_analyst, &w->f->call};
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(kz_svc_request_list(outsiders[i], &f, &pg, &page), KZ_OK);
        assert_int_equal(page.n, 1);
        assert_string_equal(page.items[0].id, green.id);
        assert_int_equal(kz_svc_request_get(outsiders[i], red.id, &v), KZ_ENOTFOUND);
        kz_buf out;
        kz_buf_init(&out, 1 << 20);
        assert_int_equal(kz_svc_request_export(outsiders[i], red.id, KZ_RECORD_JSON, &out), KZ_ENOTFOUND);
        kz_buf_free(&out);
    }
    /* seeing a GREEN request does not make a party of it */
    assert_int_equal(move(&w->fr_analyst, green.id, KZ_MV_ACKNOWLEDGE, NULL, &got), KZ_EFORBIDDEN);
    assert_int_equal(kz_svc_request_list(&w->sg_viewer, &f, &pg, &page), KZ_OK);
    assert_int_equal(page.n, 2);
    world_free(w);
}

static void overdue_is_judged_now_and_filterable(void **state)
{
    (void)state;
    world *w = world_new();
    kz_request a = preservation(w->sg->id), b = preservation(w->sg->id), got;
    b.urgency = KZ_URG_LOW;
    assert_int_equal(kz_svc_request_create(&w->jp_analyst, &a, NULL), KZ_OK);
    assert_int_equal(kz_svc_request_create(&w->jp_analyst, &b, NULL), KZ_OK);
    assert_int_equal(move(&w->jp_analyst, a.id, KZ_MV_SEND, NULL, &got), KZ_OK);
    assert_int_equal(move(&w->jp_analyst, b.id, KZ_MV_SEND, NULL, &got), KZ_OK);
    kz_clock_advance(3 * HOUR_MS);  /* past critical's 2 hours, within low's 72 */
    kz_request_filter f = {.overdue = 1, .to_org = w->sg->id};
    kz_page pg = {NULL, 50};
    kz_request_page page;
    assert_int_equal(kz_svc_request_list(&w->sg_viewer, &f, &pg, &page), KZ_OK);
    assert_int_equal(page.n, 1);
    assert_string_equal(page.items[0].id, a.id);
    assert_true(page.items[0].overdue);
    f.overdue = 0;
    assert_int_equal(kz_svc_request_list(&w->sg_viewer, &f, &pg, &page), KZ_OK);
    assert_int_equal(page.n, 1);
    assert_false(page.items[0].overdue);
    /* acknowledging ends the acknowledgement deadline */
    assert_int_equal(move(&w->sg_analyst, a.id, KZ_MV_ACKNOWLEDGE, NULL, &got), KZ_OK);
    assert_false(got.overdue);
    /* a node setting changes the deadline of requests sent afterwards */
    const char *names[] = {"requests.acknowledge_hours.low"}, *values[] = {"1"};
    assert_int_equal(kz_svc_settings_set(&w->f->call, names, values, 1), KZ_OK);
    kz_request c = preservation(w->sg->id);
    c.urgency = KZ_URG_LOW;
    assert_int_equal(kz_svc_request_create(&w->jp_analyst, &c, NULL), KZ_OK);
    assert_int_equal(move(&w->jp_analyst, c.id, KZ_MV_SEND, NULL, &got), KZ_OK);
    assert_int_equal(got.ack_due - got.sent_at, HOUR_MS);
    world_free(w);
}

/* Statistics over no request at all: no rows, no states, and nothing sorted (qsort of
 * no array is undefined; UBSan's nonnull check catches it in the sanitized build). */
static void statistics_of_no_requests_are_empty(void **state)
{
    (void)state;
    world *w = world_new();
    kz_request_stat *items = NULL;
    size_t n = 99;
    assert_int_equal(kz_svc_request_stats(&w->jp_analyst, NULL, 0, &items, &n), KZ_OK);
    assert_int_equal(n, 0);
    assert_int_equal(kz_svc_request_stats(&w->sg_viewer, "inbox", 0, &items, &n), KZ_OK);
    assert_int_equal(n, 0);
    world_free(w);
}

static void bad_input_writes_nothing(void **state)
{
    (void)state;
    world *w = world_new();
    kz_request r = preservation("00000000-0000-4000-8000-000000000000");
    assert_int_equal(kz_svc_request_create(&w->jp_analyst, &r, NULL), KZ_EINVAL);
    assert_string_equal(w->f->err.field, "to_organization");
    r = preservation(w->jp->id);
    assert_int_equal(kz_svc_request_create(&w->jp_analyst, &r, NULL), KZ_EINVAL);
    assert_string_equal(w->f->err.field, "to_organization");
    kz_contact *fr_poc = kz_fixture_contact(w->f, w->fr->id, "Pierre", KZ_CONTACT_TECHNICAL);
    r = preservation(w->sg->id);
    r.to_contact = fr_poc->id;
    assert_int_equal(kz_svc_request_create(&w->jp_analyst, &r, NULL), KZ_EINVAL);
    assert_string_equal(w->f->err.field, "to_contact");

    unsigned char big[300000] = {0};
    kz_attachment att = {.name = (char *)"dump.bin", .data = big, .size = sizeof big};
    kz_request_post post = {.message = "dump", .attachments = &att, .n_attachments = 1};
    r = preservation(w->sg->id);
    assert_int_equal(kz_svc_request_create(&w->jp_analyst, &r, &post), KZ_ETOOBIG);
    assert_string_equal(w->f->err.field, "attachments[0]");
    att.size = 10;
    att.name = (char *)"../etc/passwd";
    assert_int_equal(kz_svc_request_create(&w->jp_analyst, &r, &post), KZ_EINVAL);
    assert_string_equal(w->f->err.field, "attachments[0].name");

    kz_request_filter f = {.overdue = -1};
    kz_page pg = {NULL, 50};
    kz_request_page page;
    assert_int_equal(kz_svc_request_list(&w->jp_analyst, &f, &pg, &page), KZ_OK);
    assert_int_equal(page.n, 0);
    kz_audit_report rep;
    assert_int_equal(kz_svc_audit_verify(&w->f->call, &rep), KZ_OK);
    world_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(content_schema_is_the_prefix_before_workflow),
        cmocka_unit_test(every_template_field_is_a_content_field),
        cmocka_unit_test(transitions_give_each_side_its_moves),
        cmocka_unit_test(templates_enforce_each_kind),
        cmocka_unit_test(both_sides_play_a_preservation_request_to_closure),
        cmocka_unit_test(the_record_verifies_and_tampering_is_caught),
        cmocka_unit_test(red_requests_stay_between_the_two_sides),
        cmocka_unit_test(overdue_is_judged_now_and_filterable),
        cmocka_unit_test(bad_input_writes_nothing),
        cmocka_unit_test(statistics_of_no_requests_are_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

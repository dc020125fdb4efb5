/* Unit tests of the TLP 2.0 policy function: the full matrix of label x relation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "service/core/tlp.h"

enum rel { SOURCE, RECIPIENT, OTHER_MEMBER, OTHER_ADMIN, CLIENT, ANONYMOUS, NREL };

static kz_viewer viewer(enum rel r)
{
    switch (r) {
    case SOURCE: return (kz_viewer){"k1", "org-source", KZ_ROLE_VIEWER};
    case RECIPIENT: return (kz_viewer){"k2", "org-recipient", KZ_ROLE_VIEWER};
    case OTHER_MEMBER: return (kz_viewer){"k3", "org-other", KZ_ROLE_ANALYST};
    case OTHER_ADMIN: return (kz_viewer){"k4", "org-node", KZ_ROLE_ADMIN};
    /* a client of the node, whose organization (org-recipient here) received the object */
    case CLIENT: return (kz_viewer){"k5", "org-client", KZ_ROLE_ANALYST, "org-recipient"};
    default: return (kz_viewer){NULL, NULL, -1};
    }
}

static void matrix(void **state)
{
    (void)state;
    /* expected[label][relation] */
    static const int expected[5][NREL] = {
        [KZ_TLP_CLEAR] = {1, 1, 1, 1, 1, 1},
        [KZ_TLP_GREEN] = {1, 1, 1, 1, 1, 0},
        [KZ_TLP_AMBER] = {1, 1, 0, 0, 0, 0},
        [KZ_TLP_AMBER_STRICT] = {1, 1, 0, 0, 0, 0},
        [KZ_TLP_RED] = {1, 1, 0, 0, 0, 0},
    };
    const char *recipients[] = {"org-recipient"};
    for (int t = KZ_TLP_CLEAR; t <= KZ_TLP_RED; t++)
        for (int r = 0; r < NREL; r++) {
            kz_viewer v = viewer((enum rel)r);
            kz_tlp_subject o = {t, "org-source", recipients, 1, false};
            if (kz_tlp_visible(&v, &o) != expected[t][r])
                fail_msg("tlp %d relation %d", t, r);
        }
}

/* AMBER "with clients": only when the source allows it, only for AMBER, and only for
 * clients of an organization that is itself the source or a recipient. */
static void amber_reaches_clients_only_when_the_source_allows(void **state)
{
    (void)state;
    const char *recipients[] = {"org-recipient"};
    kz_viewer client = viewer(CLIENT);
    kz_viewer stranger = {"k6", "org-client", KZ_ROLE_ADMIN, "org-elsewhere"};
    kz_viewer other = viewer(OTHER_MEMBER);
    for (int t = KZ_TLP_CLEAR; t <= KZ_TLP_RED; t++) {
        kz_tlp_subject o = {t, "org-source", recipients, 1, true};
        assert_int_equal(kz_tlp_visible(&client, &o), t <= KZ_TLP_AMBER);
        assert_int_equal(kz_tlp_visible(&stranger, &o), t <= KZ_TLP_GREEN);
        assert_int_equal(kz_tlp_visible(&other, &o), t <= KZ_TLP_GREEN);
    }
    /* the client's organization may be the source itself */
    kz_viewer src_client = {"k7", "org-client", KZ_ROLE_VIEWER, "org-source"};
    kz_tlp_subject own = {KZ_TLP_AMBER, "org-source", NULL, 0, true};
    assert_true(kz_tlp_visible(&src_client, &own));
    own.allow_clients = false;
    assert_false(kz_tlp_visible(&src_client, &own));
    /* an anonymous viewer never counts as a client */
    kz_viewer anon_client = {NULL, NULL, -1, "org-source"};
    own.allow_clients = true;
    assert_false(kz_tlp_visible(&anon_client, &own));
}

static void without_recipients_only_the_source_sees_above_green(void **state)
{
    (void)state;
    for (int t = KZ_TLP_AMBER; t <= KZ_TLP_RED; t++) {
        kz_tlp_subject o = {t, "org-source", NULL, 0, false};
        kz_viewer src = viewer(SOURCE), rec = viewer(RECIPIENT);
        assert_true(kz_tlp_visible(&src, &o));
        assert_false(kz_tlp_visible(&rec, &o));
    }
}

static void unknown_labels_fail_closed(void **state)
{
    (void)state;
    kz_viewer v = viewer(OTHER_MEMBER);
    kz_tlp_subject o = {17, "org-other", NULL, 0, true};
    assert_false(kz_tlp_visible(&v, &o));
    o.tlp = -1;
    assert_false(kz_tlp_visible(&v, &o));
}

static kz_tlp_subject with(int tlp, const char *const *recipients, size_t n, bool clients)
{
    return (kz_tlp_subject){tlp, "org-source", recipients, n, clients};
}

/* A change narrows when nobody new may see the object: a higher label, fewer
 * recipients, no clients added; anything else is a declassification. */
static void narrowing_and_declassifying(void **state)
{
    (void)state;
    static const char *const r1[] = {"org-recipient"}, *const r2[] = {"org-recipient", "org-other"};
    kz_tlp_subject clear = with(KZ_TLP_CLEAR, NULL, 0, false), green = with(KZ_TLP_GREEN, NULL, 0, false),
                   amber1 = with(KZ_TLP_AMBER, r1, 1, false), amber2 = with(KZ_TLP_AMBER, r2, 2, false),
                   amber1c = with(KZ_TLP_AMBER, r1, 1, true), red1 = with(KZ_TLP_RED, r1, 1, false),
                   red2 = with(KZ_TLP_RED, r2, 2, false);
    assert_true(kz_tlp_narrows(&clear, &green));
    assert_false(kz_tlp_narrows(&green, &clear));
    assert_false(kz_tlp_narrows(&amber1, &clear));
    assert_false(kz_tlp_narrows(&amber1, &green));
    assert_true(kz_tlp_narrows(&green, &red2));
    assert_true(kz_tlp_narrows(&amber2, &amber1));
    assert_false(kz_tlp_narrows(&amber1, &amber2));
    assert_true(kz_tlp_narrows(&amber1, &red1));
    assert_false(kz_tlp_narrows(&amber1, &red2));  /* a stricter label, but a new recipient */
    assert_false(kz_tlp_narrows(&amber1, &amber1c));
    assert_true(kz_tlp_narrows(&amber1c, &amber1));
    assert_true(kz_tlp_narrows(&amber1c, &red1));
    assert_true(kz_tlp_narrows(&red1, &red1));
}

/* The source sees the whole list; a recipient only itself; anyone else nothing. */
static void recipients_are_shown_to_the_source_only(void **state)
{
    (void)state;
    static const char *const r2[] = {"org-recipient", "org-other"};
    kz_tlp_subject o = with(KZ_TLP_GREEN, r2, 2, false);
    const char *shown[2];
    kz_viewer source = viewer(SOURCE), recipient = viewer(RECIPIENT), admin = viewer(OTHER_ADMIN);
    assert_int_equal(kz_tlp_recipients_shown(&source, &o, shown), 2);
    assert_int_equal(kz_tlp_recipients_shown(&recipient, &o, shown), 1);
    assert_string_equal(shown[0], "org-recipient");
    assert_int_equal(kz_tlp_recipients_shown(&admin, &o, shown), 0);
}

/* The embargo of statements: issuers always, everyone else from publish_at on, at once. */
static void statements_are_embargoed_until_their_time(void **state)
{
    (void)state;
    char *cosigners[] = {"org-recipient"};
    kz_statement s = {.organization = "org-source", .cosigners = {cosigners, 1}};
    kz_viewer source = viewer(SOURCE), cosigner = viewer(RECIPIENT), other = viewer(OTHER_MEMBER);
    kz_viewer admin = viewer(OTHER_ADMIN), anon = viewer(ANONYMOUS), forged = {NULL, "org-source", -1};
    for (int st = KZ_ST_DRAFT; st <= KZ_ST_WITHDRAWN; st++) {
        s.status = st;
        s.publish_at = st == KZ_ST_SCHEDULED ? 1000 : 0;
        bool public = st >= KZ_ST_PUBLISHED;
        assert_true(kz_statement_visible(&source, &s, 999));
        assert_true(kz_statement_visible(&cosigner, &s, 999));
        assert_int_equal(kz_statement_visible(&other, &s, 999), public);
        assert_int_equal(kz_statement_visible(&admin, &s, 999), public);  /* no exception for admins */
        assert_int_equal(kz_statement_visible(&anon, &s, 999), public);
        assert_int_equal(kz_statement_visible(&forged, &s, 999), public);  /* an org without a key is nobody */
        /* the moment publish_at comes, a scheduled statement is everyone's */
        assert_int_equal(kz_statement_visible(&other, &s, 1000), public || st == KZ_ST_SCHEDULED);
        assert_int_equal(kz_statement_visible(&anon, &s, 1000), public || st == KZ_ST_SCHEDULED);
    }
    s.status = KZ_ST_SCHEDULED;
    s.publish_at = 1000;
    assert_int_equal(kz_statement_shown(&s, 999), KZ_ST_SCHEDULED);
    assert_int_equal(kz_statement_shown(&s, 1000), KZ_ST_PUBLISHED);
    /* the annex: the drafter is the source, the co-signers the recipients */
    kz_tlp_subject amber = kz_statement_annex_subject(&s, KZ_TLP_AMBER);
    assert_true(kz_tlp_visible(&cosigner, &amber));
    assert_false(kz_tlp_visible(&other, &amber));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(narrowing_and_declassifying),
        cmocka_unit_test(recipients_are_shown_to_the_source_only),
        cmocka_unit_test(matrix),
        cmocka_unit_test(without_recipients_only_the_source_sees_above_green),
        cmocka_unit_test(amber_reaches_clients_only_when_the_source_allows),
        cmocka_unit_test(unknown_labels_fail_closed),
        cmocka_unit_test(statements_are_embargoed_until_their_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

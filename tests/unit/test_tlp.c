/* Unit tests of the TLP 2.0 policy function: the full matrix of label x relation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "service/policy_tlp.h"

enum rel { SOURCE, RECIPIENT, OTHER_MEMBER, OTHER_ADMIN, ANONYMOUS, NREL };

static kz_viewer viewer(enum rel r)
{
    switch (r) {
    case SOURCE: return (kz_viewer){"k1", "org-source", KZ_ROLE_VIEWER};
    case RECIPIENT: return (kz_viewer){"k2", "org-recipient", KZ_ROLE_VIEWER};
    case OTHER_MEMBER: return (kz_viewer){"k3", "org-other", KZ_ROLE_ANALYST};
    case OTHER_ADMIN: return (kz_viewer){"k4", "org-node", KZ_ROLE_ADMIN};
    default: return (kz_viewer){NULL, NULL, -1};
    }
}

static void matrix(void **state)
{
    (void)state;
    /* expected[label][relation] */
    static const int expected[5][NREL] = {
        [KZ_TLP_CLEAR] = {1, 1, 1, 1, 1},
        [KZ_TLP_GREEN] = {1, 1, 1, 1, 0},
        [KZ_TLP_AMBER] = {1, 1, 0, 0, 0},
        [KZ_TLP_AMBER_STRICT] = {1, 1, 0, 0, 0},
        [KZ_TLP_RED] = {1, 1, 0, 0, 0},
    };
    const char *recipients[] = {"org-recipient"};
    for (int t = KZ_TLP_CLEAR; t <= KZ_TLP_RED; t++)
        for (int r = 0; r < NREL; r++) {
            kz_viewer v = viewer((enum rel)r);
            kz_tlp_subject o = {t, "org-source", recipients, 1};
            if (kz_tlp_visible(&v, &o) != expected[t][r])
                fail_msg("tlp %d relation %d", t, r);
        }
}

static void without_recipients_only_the_source_sees_above_green(void **state)
{
    (void)state;
    for (int t = KZ_TLP_AMBER; t <= KZ_TLP_RED; t++) {
        kz_tlp_subject o = {t, "org-source", NULL, 0};
        kz_viewer src = viewer(SOURCE), rec = viewer(RECIPIENT);
        assert_true(kz_tlp_visible(&src, &o));
        assert_false(kz_tlp_visible(&rec, &o));
    }
}

static void unknown_labels_fail_closed(void **state)
{
    (void)state;
    kz_viewer v = viewer(OTHER_MEMBER);
    kz_tlp_subject o = {17, "org-other", NULL, 0};
    assert_false(kz_tlp_visible(&v, &o));
    o.tlp = -1;
    assert_false(kz_tlp_visible(&v, &o));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(matrix),
        cmocka_unit_test(without_recipients_only_the_source_sees_above_green),
        cmocka_unit_test(unknown_labels_fail_closed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

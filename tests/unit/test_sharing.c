/* Unit tests of incident and indicator sharing on a real SQLite file: taxonomy rules,
 * deduplication and merging of indicators, all-or-nothing bulk writes, the SQL function
 * kz_visible agreeing with kz_tlp_visible, counts over visible rows only, sightings and
 * their sums, and the streaming walk. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "codec/sharing/indicator_norm.h"
#include "helpers.h"
#include "model/taxonomy.h"
#include "service/core/tlp.h"
#include "service/sharing/incidents.h"
#include "service/sharing/indicators.h"
#include "service/sharing/sightings.h"
#include "store/core/store_internal.h"

enum { HOUR_MS = 60 * 60 * 1000 };

static kz_indicator ind(int type, const char *value, int tlp)
{
    return (kz_indicator){.type = type, .value = (char *)value, .tlp = tlp};
}

static kz_strlist one(kz_fixture *f, const char *id)
{
    char **v = kz_arena_calloc(&f->arena, 1, sizeof *v);
    v[0] = (char *)id;
    return (kz_strlist){v, 1};
}

static void taxonomies_come_from_the_reference_files(void **state)
{
    (void)state;
    const kz_term *t = kz_vocab_find(&kz_rsit_types, "phishing");
    assert_non_null(t);
    assert_string_equal(t->parent, "fraud");
    assert_non_null(kz_vocab_find(&kz_rsit_classes, "intrusion-attempts"));
    assert_non_null(kz_vocab_find(&kz_nis2_sectors, "health"));
    assert_non_null(kz_vocab_find(&kz_nis2_impacts, "red"));
    assert_null(kz_vocab_find(&kz_rsit_types, "fraud")); /* a class is not a type */
    assert_true(kz_rsit_types.count >= 30);
    assert_int_equal(kz_nis2_sectors.count, 18);
    kz_err err;
    assert_int_equal(kz_valid_nis2_sector("healthcare", "sector", &err), KZ_EINVAL);
    assert_string_equal(err.field, "sector");
    assert_non_null(strstr(err.msg, "NIS2 sector"));
}

/* MISP tags that classify: rsit: and ecsirt: name RSIT types, circl: goes through its
 * table, whose every answer must be an RSIT type; anything else is no classification. */
static void misp_tags_map_to_rsit_types(void **state)
{
    (void)state;
    static const struct {
        const char *tag, *type;
    } cases[] = {
        {"rsit:fraud=\"phishing\"", "phishing"},
        {"ecsirt:malicious-code=\"malware-distribution\"", "malware-distribution"},
        {"circl:incident-classification=\"phishing\"", "phishing"},
        {"circl:incident-classification=\"scan\"", "scanner"},
        {"circl:incident-classification=\"denial-of-service\"", "dos"},
        {"circl:incident-classification=\"malware\"", "infected-system"},
        {"circl:incident-classification=\"information-leak\"", "data-leak"},
        {"circl:incident-classification=\"wiper\"", "data-loss"},
        {"circl:incident-classification=\"XSS\"", NULL},     /* no one RSIT type: a label */
        {"circl:topic=\"finance\"", NULL},
        {"rsit:fraud=\"not-a-type\"", NULL},
        {"rsit:fraud", NULL},
        {"tlp:amber", NULL},
        {"osint:source-type=\"blog-post\"", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *got = kz_rsit_type_of_tag(cases[i].tag);
        if (cases[i].type) {
            assert_non_null(got);
            assert_string_equal(got, cases[i].type);
        } else {
            assert_null(got);
        }
        assert_true(!got || kz_vocab_find(&kz_rsit_types, got));
    }
    /* every value of the CIRCL table is an RSIT type */
    static const char *const circl[] = {"spam", "system-compromise", "scan", "denial-of-service", "copyright-issue",
                                        "phishing", "malware", "vulnerability", "information-leak", "cryptojacking",
                                        "locker", "screenlocker", "wiper"};
    for (size_t i = 0; i < sizeof circl / sizeof *circl; i++) {
        char tag[96];
        snprintf(tag, sizeof tag, "circl:incident-classification=\"%s\"", circl[i]);
        assert_non_null(kz_vocab_find(&kz_rsit_types, kz_rsit_type_of_tag(tag)));
    }
}

static void incident_class_follows_its_type(void **state)
{
    (void)state;
    kz_fixture *f = kz_fixture_new();
    kz_incident o = {.title = (char *)"Phishing wave", .rsit_type = (char *)"phishing", .tlp = KZ_TLP_GREEN};
    assert_int_equal(kz_svc_incident_create(&f->call, &o), KZ_OK);
    assert_string_equal(o.rsit_class, "fraud");
    assert_int_equal(o.status, KZ_INCIDENT_OPEN);
    assert_true(o.occurred > 0);
    assert_string_equal(o.organization, f->node->org_id);

    kz_incident bad = {.title = (char *)"x", .rsit_type = (char *)"phishing",
                       .rsit_class = (char *)"availability", .tlp = KZ_TLP_GREEN};
    assert_int_equal(kz_svc_incident_create(&f->call, &bad), KZ_EINVAL);
    assert_string_equal(f->err.field, "rsit_type");

    kz_incident unknown_recipient = {.title = (char *)"x", .rsit_type = (char *)"ddos", .tlp = KZ_TLP_RED,
                                     .recipients = one(f, "6f0c3e8e-3b2c-4f7e-9a59-1c1d2e3f4a5b")};
    assert_int_equal(kz_svc_incident_create(&f->call, &unknown_recipient), KZ_EINVAL);
    assert_string_equal(f->err.field, "recipients[0]");

    /* a status change lands in the timeline, after the "created" entry */
    kz_timeline_entry *tl;
    size_t n;
    assert_int_equal(kz_svc_timeline_list(&f->call, o.id, &tl, &n), KZ_OK);
    assert_int_equal(n, 1);
    assert_int_equal(tl[0].kind, KZ_TIMELINE_CREATED);
    kz_fixture_free(f);
}

static void indicators_merge_per_type_value_and_source(void **state)
{
    (void)state;
    kz_fixture *f = kz_fixture_new();
    kz_org *other = kz_fixture_org(f, "Other CSIRT", "SG");
    kz_upsert res;
    kz_indicator a = ind(KZ_IND_DOMAIN, "WWW.Example.COM.", KZ_TLP_GREEN);
    assert_int_equal(kz_svc_indicator_create(&f->call, &a, KZ_GIVEN_TLP, &res), KZ_OK);
    assert_int_equal(res, KZ_UPSERT_CREATED);
    assert_string_equal(a.value, "www.example.com");
    assert_string_equal(a.registrable, "example.com");
    assert_int_equal(a.confidence, KZ_CONFIDENCE_DEFAULT);
    char *first_id = a.id;
    kz_time seen = a.first_seen;

    /* the same report again changes nothing, not even modified */
    kz_clock_advance(HOUR_MS);
    kz_indicator b = ind(KZ_IND_DOMAIN, "www.example.com", KZ_TLP_GREEN);
    assert_int_equal(kz_svc_indicator_create(&f->call, &b, KZ_GIVEN_TLP, &res), KZ_OK);
    assert_int_equal(res, KZ_UPSERT_UNCHANGED);
    assert_string_equal(b.id, first_id);
    assert_int_equal(b.modified, a.modified);

    /* a later sighting widens last_seen only; an earlier first_seen widens first_seen */
    kz_indicator c = ind(KZ_IND_DOMAIN, "www.example.com", KZ_TLP_GREEN);
    c.last_seen = seen + 2 * HOUR_MS;
    c.first_seen = seen - HOUR_MS;
    c.confidence = 90;
    assert_int_equal(kz_svc_indicator_create(&f->call, &c,
                                             KZ_GIVEN_TLP | KZ_GIVEN_FIRST_SEEN | KZ_GIVEN_LAST_SEEN | KZ_GIVEN_CONFIDENCE,
                                             &res), KZ_OK);
    assert_int_equal(res, KZ_UPSERT_MERGED);
    assert_string_equal(c.id, first_id);
    assert_int_equal(c.first_seen, seen - HOUR_MS);
    assert_int_equal(c.last_seen, seen + 2 * HOUR_MS);
    assert_int_equal(c.confidence, 90);
    /* an older report does not move last_seen back */
    kz_indicator d = ind(KZ_IND_DOMAIN, "www.example.com", KZ_TLP_GREEN);
    d.last_seen = d.first_seen = seen;
    assert_int_equal(kz_svc_indicator_create(&f->call, &d, KZ_GIVEN_TLP | KZ_GIVEN_FIRST_SEEN | KZ_GIVEN_LAST_SEEN,
                                             &res), KZ_OK);
    assert_int_equal(res, KZ_UPSERT_UNCHANGED);

    /* another source is another indicator */
    kz_call as_other = kz_fixture_as(f, other->id, KZ_ROLE_ANALYST);
    kz_indicator e = ind(KZ_IND_DOMAIN, "www.example.com", KZ_TLP_GREEN);
    assert_int_equal(kz_svc_indicator_create(&as_other, &e, KZ_GIVEN_TLP, &res), KZ_OK);
    assert_int_equal(res, KZ_UPSERT_CREATED);
    assert_string_not_equal(e.id, first_id);
    /* and an analyst cannot speak for a source that is not theirs */
    kz_indicator g = ind(KZ_IND_DOMAIN, "evil.example", KZ_TLP_GREEN);
    g.source = f->node->org_id;
    assert_int_equal(kz_svc_indicator_create(&as_other, &g, KZ_GIVEN_TLP, &res), KZ_EFORBIDDEN);

    /* invalid values are refused with the field */
    kz_indicator h = ind(KZ_IND_IPV4, "10.0.0.256", KZ_TLP_GREEN);
    assert_int_equal(kz_svc_indicator_create(&f->call, &h, KZ_GIVEN_TLP, &res), KZ_EINVAL);
    assert_string_equal(f->err.field, "value");
    kz_fixture_free(f);
}

/* The write rules (service/sharing/sharing.h): a merge never lowers implicitly, the
 * source may ask for it, and a hidden stored indicator is answered as a new one and
 * left alone. */
static void merges_keep_the_stricter_label_and_hide_what_they_may_not_see(void **state)
{
    (void)state;
    kz_fixture *f = kz_fixture_new();
    kz_org *other = kz_fixture_org(f, "Owner CSIRT", "SG");
    kz_call owner = kz_fixture_as(f, other->id, KZ_ROLE_ANALYST);
    kz_upsert res;
    kz_indicator a = ind(KZ_IND_DOMAIN, "amber.example", KZ_TLP_AMBER);
    assert_int_equal(kz_svc_indicator_create(&owner, &a, KZ_GIVEN_TLP, &res), KZ_OK);
    char *id = a.id;
    /* the same source, a lower label, no request to lower: the label stays */
    kz_indicator b = ind(KZ_IND_DOMAIN, "amber.example", KZ_TLP_CLEAR);
    assert_int_equal(kz_svc_indicator_create(&owner, &b, KZ_GIVEN_TLP, &res), KZ_OK);
    assert_int_equal(res, KZ_UPSERT_UNCHANGED);
    assert_int_equal(b.tlp, KZ_TLP_AMBER);
    /* the node admin writing for the owner: hidden, answered as created, nothing written */
    kz_indicator c = ind(KZ_IND_DOMAIN, "amber.example", KZ_TLP_CLEAR);
    c.source = other->id;
    assert_int_equal(kz_svc_indicator_create(&f->call, &c, KZ_GIVEN_TLP | KZ_GIVEN_DECLASSIFY, &res), KZ_OK);
    assert_int_equal(res, KZ_UPSERT_CREATED);
    assert_string_not_equal(c.id, id);
    kz_indicator got;
    assert_int_equal(kz_svc_indicator_get(&owner, id, &got), KZ_OK);
    assert_int_equal(got.tlp, KZ_TLP_AMBER);
    /* the source asking in so many words */
    kz_indicator d = ind(KZ_IND_DOMAIN, "amber.example", KZ_TLP_CLEAR);
    assert_int_equal(kz_svc_indicator_create(&owner, &d, KZ_GIVEN_TLP | KZ_GIVEN_DECLASSIFY, &res), KZ_OK);
    assert_int_equal(res, KZ_UPSERT_MERGED);
    assert_int_equal(d.tlp, KZ_TLP_CLEAR);
    kz_fixture_free(f);
}

static void bulk_is_all_or_nothing_with_every_error(void **state)
{
    (void)state;
    kz_fixture *f = kz_fixture_new();
    kz_indicator items[4] = {
        ind(KZ_IND_IPV4, "192.0.2.1", KZ_TLP_GREEN), ind(KZ_IND_SHA1, "xyz", KZ_TLP_GREEN),
        ind(KZ_IND_CIDR, "192.0.2.77/24", KZ_TLP_GREEN), ind(KZ_IND_ASN, "ASX", KZ_TLP_GREEN),
    };
    unsigned given[4] = {KZ_GIVEN_TLP, KZ_GIVEN_TLP, KZ_GIVEN_TLP, KZ_GIVEN_TLP};
    kz_bulk_report rep;
    assert_int_equal(kz_svc_indicator_bulk(&f->call, items, given, 4, &rep), KZ_EINVAL);
    assert_int_equal(rep.n_errors, 2);
    assert_int_equal(rep.errors[0].index, 1);
    assert_string_equal(rep.errors[0].err.field, "items[1].value");
    assert_int_equal(rep.errors[1].index, 3);
    assert_string_equal(f->err.field, "items[1].value");
    kz_counts counts;
    kz_indicator_filter all = {0};
    assert_int_equal(kz_svc_indicator_counts(&f->call, &all, KZ_INDICATOR_BY_TYPE, &counts), KZ_OK);
    assert_int_equal(counts.total, 0);

    kz_indicator good[3] = {
        ind(KZ_IND_IPV4, "192.0.2.1", KZ_TLP_GREEN), ind(KZ_IND_CIDR, "192.0.2.77/24", KZ_TLP_GREEN),
        ind(KZ_IND_IPV4, "192.0.2.1", KZ_TLP_GREEN),
    };
    assert_int_equal(kz_svc_indicator_bulk(&f->call, good, given, 3, &rep), KZ_OK);
    assert_int_equal(rep.created, 2);
    assert_int_equal(rep.unchanged, 1);
    assert_string_equal(rep.ids[0], rep.ids[2]);
    assert_int_equal(kz_svc_indicator_counts(&f->call, &all, KZ_INDICATOR_BY_TYPE, &counts), KZ_OK);
    assert_int_equal(counts.total, 2);
    kz_indicator got;
    assert_int_equal(kz_svc_indicator_get(&f->call, rep.ids[1], &got), KZ_OK);
    assert_string_equal(got.value, "192.0.2.0/24");
    kz_fixture_free(f);
}

/* Every label, seen by the source, a recipient and a stranger: get (kz_tlp_visible in
 * C) and list and count (kz_visible in SQL) agree with the policy function. */
static void sql_and_c_visibility_agree(void **state)
{
    (void)state;
    kz_fixture *f = kz_fixture_new();
    kz_org *src = kz_fixture_org(f, "Source", "JP");
    kz_org *rec = kz_fixture_org(f, "Recipient", "SG");
    kz_org *other = kz_fixture_org(f, "Stranger", "FR");
    kz_call as_src = kz_fixture_as(f, src->id, KZ_ROLE_ANALYST);
    char *ids[5];
    for (int t = KZ_TLP_CLEAR; t <= KZ_TLP_RED; t++) {
        kz_indicator o = ind(KZ_IND_IPV4, kz_arena_printf(&f->arena, "203.0.113.%d", t + 1), t);
        o.recipients = one(f, rec->id);
        kz_upsert res;
        assert_int_equal(kz_svc_indicator_create(&as_src, &o, KZ_GIVEN_TLP | KZ_GIVEN_RECIPIENTS, &res), KZ_OK);
        ids[t] = o.id;
    }
    const char *orgs[] = {src->id, rec->id, other->id, NULL};
    for (int v = 0; v < 4; v++) {
        kz_call c = kz_fixture_as(f, orgs[v], KZ_ROLE_VIEWER);
        if (!orgs[v]) {
            c.who = (kz_viewer){NULL, NULL, -1, NULL};
            f->node->public_clear = true;
        }
        kz_indicator_page page;
        kz_page pg = {NULL, 100};
        kz_indicator_filter all = {0};
        assert_int_equal(kz_svc_indicator_list(&c, &all, &pg, &page), KZ_OK);
        kz_counts counts;
        assert_int_equal(kz_svc_indicator_counts(&c, &all, KZ_INDICATOR_BY_TLP, &counts), KZ_OK);
        size_t expect = 0;
        for (int t = KZ_TLP_CLEAR; t <= KZ_TLP_RED; t++) {
            kz_indicator got;
            kz_rc rc = kz_svc_indicator_get(&c, ids[t], &got);
            kz_tlp_subject subj = {t, src->id, (const char *const *)&rec->id, 1, false};
            bool visible = kz_tlp_visible(&c.who, &subj);
            assert_int_equal(rc, visible ? KZ_OK : KZ_ENOTFOUND);
            bool listed = false;
            for (size_t i = 0; i < page.n; i++)
                listed |= strcmp(page.items[i].id, ids[t]) == 0;
            assert_int_equal(listed, visible);
            expect += visible;
        }
        assert_int_equal(page.n, expect);
        assert_int_equal(counts.total, (int64_t)expect);
        f->node->public_clear = false;
    }
    /* without a key and without a public node there is nothing to read at all */
    kz_call anon = f->call;
    anon.who = (kz_viewer){NULL, NULL, -1, NULL};
    kz_indicator got;
    assert_int_equal(kz_svc_indicator_get(&anon, ids[KZ_TLP_CLEAR], &got), KZ_EUNAUTH);
    kz_fixture_free(f);
}

static void no_policy_installed_means_nothing_visible(void **state)
{
    (void)state;
    kz_fixture *f = kz_fixture_new();
    kz_indicator o = ind(KZ_IND_MD5, "d41d8cd98f00b204e9800998ecf8427e", KZ_TLP_CLEAR);
    kz_upsert res;
    assert_int_equal(kz_svc_indicator_create(&f->call, &o, KZ_GIVEN_TLP, &res), KZ_OK);
    kz_store_set_visibility(NULL);
    kz_indicator_page page;
    kz_page pg = {NULL, 10};
    kz_indicator_filter all = {0};
    assert_int_equal(kz_store_indicator_list(f->call.db, &f->call.who, &all, &pg, &f->arena, &page, &f->err), KZ_OK);
    assert_int_equal(page.n, 0);
    kz_store_set_visibility(kz_tlp_visible);
    assert_int_equal(kz_store_indicator_list(f->call.db, &f->call.who, &all, &pg, &f->arena, &page, &f->err), KZ_OK);
    assert_int_equal(page.n, 1);
    /* an unbound viewer fails closed too */
    assert_int_equal(kz_store_indicator_list(f->call.db, NULL, &all, &pg, &f->arena, &page, &f->err), KZ_OK);
    assert_int_equal(page.n, 0);
    kz_fixture_free(f);
}

static void sightings_reach_the_source_and_sum_per_observer(void **state)
{
    (void)state;
    kz_fixture *f = kz_fixture_new();
    kz_org *obs = kz_fixture_org(f, "Observer", "VN");
    kz_org *other = kz_fixture_org(f, "Other", "KR");
    kz_indicator o = ind(KZ_IND_URL, "http://bad.example/x", KZ_TLP_GREEN);
    kz_upsert res;
    assert_int_equal(kz_svc_indicator_create(&f->call, &o, KZ_GIVEN_TLP, &res), KZ_OK);

    kz_call as_obs = kz_fixture_as(f, obs->id, KZ_ROLE_ANALYST);
    kz_time t0 = kz_now_ms();
    kz_sighting s = {.indicator = o.id, .count = 3, .tlp = KZ_TLP_AMBER, .first_seen = t0, .last_seen = t0 + HOUR_MS};
    assert_int_equal(kz_svc_sighting_add(&as_obs, &s, &res), KZ_OK);
    assert_int_equal(res, KZ_UPSERT_CREATED);
    assert_string_equal(s.observer, obs->id);
    assert_int_equal(s.recipients.n, 1);
    assert_string_equal(s.recipients.v[0], f->node->org_id); /* the indicator's source */
    /* the same period again replaces the count */
    kz_sighting again = {.indicator = o.id, .count = 4, .tlp = KZ_TLP_AMBER, .first_seen = t0, .last_seen = t0 + HOUR_MS};
    assert_int_equal(kz_svc_sighting_add(&as_obs, &again, &res), KZ_OK);
    assert_int_equal(res, KZ_UPSERT_MERGED);
    kz_sighting later = {.indicator = o.id, .count = 10, .tlp = KZ_TLP_AMBER,
                         .first_seen = t0 + 2 * HOUR_MS, .last_seen = t0 + 3 * HOUR_MS};
    assert_int_equal(kz_svc_sightings_record(&as_obs, &later, 1, NULL), KZ_OK);

    kz_sighting_sum *sums, total;
    size_t n;
    /* the source sees both reports; a stranger sees none (AMBER), yet may see the indicator */
    assert_int_equal(kz_svc_sighting_sums_by_observer(&f->call, o.id, 0, 0, &sums, &n, &total), KZ_OK);
    assert_int_equal(n, 1);
    assert_int_equal(total.count, 14);
    assert_int_equal(total.reports, 2);
    assert_int_equal(total.first_seen, t0);
    assert_int_equal(total.last_seen, t0 + 3 * HOUR_MS);
    kz_call as_other = kz_fixture_as(f, other->id, KZ_ROLE_VIEWER);
    assert_int_equal(kz_svc_sighting_sums_by_observer(&as_other, o.id, 0, 0, &sums, &n, &total), KZ_OK);
    assert_int_equal(n, 0);
    assert_int_equal(total.count, 0);
    /* a time window keeps the reports that overlap it */
    assert_int_equal(kz_svc_sighting_sums_by_observer(&f->call, o.id, t0 + 2 * HOUR_MS, 0, &sums, &n, &total), KZ_OK);
    assert_int_equal(total.count, 10);

    kz_sighting_sum_page page;
    kz_page pg = {NULL, 10};
    assert_int_equal(kz_svc_sighting_sums_by_indicator(&as_obs, obs->id, 0, 0, &pg, &page), KZ_OK);
    assert_int_equal(page.n, 1);
    assert_int_equal(page.items[0].count, 14);

    /* bad reports: unknown indicator, zero count, reversed times */
    kz_sighting bad = {.indicator = (char *)"6f0c3e8e-3b2c-4f7e-9a59-1c1d2e3f4a5b", .count = 1, .tlp = KZ_TLP_GREEN};
    assert_int_equal(kz_svc_sighting_add(&as_obs, &bad, &res), KZ_EINVAL);
    assert_string_equal(f->err.field, "indicator");
    kz_sighting zero = {.indicator = o.id, .count = 0, .tlp = KZ_TLP_GREEN};
    assert_int_equal(kz_svc_sighting_add(&as_obs, &zero, &res), KZ_EINVAL);
    assert_string_equal(f->err.field, "count");
    kz_sighting batch[2] = {{.indicator = o.id, .count = 1, .tlp = KZ_TLP_GREEN},
                            {.indicator = o.id, .count = 1, .tlp = KZ_TLP_GREEN, .first_seen = t0 + 5, .last_seen = t0}};
    size_t failed = 99;
    assert_int_equal(kz_svc_sightings_record(&as_obs, batch, 2, &failed), KZ_EINVAL);
    assert_int_equal(failed, 1);
    kz_fixture_free(f);
}

typedef struct walk {
    size_t n;
    int64_t last_n;
} walk;

static kz_rc count_row(const kz_indicator *o, void *ctx)
{
    walk *w = ctx;
    w->n++;
    assert_non_null(o->value);
    return KZ_OK;
}

static kz_rc stop_at_three(const kz_indicator *o, void *ctx)
{
    (void)o;
    walk *w = ctx;
    return ++w->n == 3 ? KZ_ECONFLICT : KZ_OK;
}

static void each_walks_visible_active_rows(void **state)
{
    (void)state;
    kz_fixture *f = kz_fixture_new();
    kz_ind_batch b;
    assert_int_equal(kz_ind_batch_begin(&f->call, &b, "indicator.import"), KZ_OK);
    kz_time now = kz_now_ms();
    for (int i = 0; i < 1000; i++) {
        kz_arena scratch;
        kz_arena_init(&scratch);
        kz_indicator o = ind(KZ_IND_IPV4, kz_arena_printf(&scratch, "10.%d.%d.1", i / 250, i % 250), KZ_TLP_GREEN);
        unsigned given = KZ_GIVEN_TLP;
        if (i % 2) { /* half of them expired an hour ago */
            o.valid_until = now - HOUR_MS;
            given |= KZ_GIVEN_VALID_UNTIL;
        }
        kz_upsert res;
        assert_int_equal(kz_ind_batch_check(&b, &o, given, &scratch, &f->err), KZ_OK);
        assert_int_equal(kz_ind_batch_put(&b, &o, given, &res, NULL, &f->err), KZ_OK);
        kz_arena_free(&scratch);
    }
    assert_int_equal(kz_ind_batch_end(&b, KZ_OK), KZ_OK);
    assert_int_equal(b.created, 1000);

    walk w = {0};
    kz_indicator_filter all = {0}, active = {.active_at = now};
    assert_int_equal(kz_svc_indicator_each(&f->call, &all, count_row, &w), KZ_OK);
    assert_int_equal(w.n, 1000);
    w.n = 0;
    assert_int_equal(kz_svc_indicator_each(&f->call, &active, count_row, &w), KZ_OK);
    assert_int_equal(w.n, 500);
    w.n = 0;
    assert_int_equal(kz_svc_indicator_each(&f->call, &all, stop_at_three, &w), KZ_ECONFLICT);
    assert_int_equal(w.n, 3);
    kz_fixture_free(f);
}

/* "value:op,..." of the change log's indicator entries, in log order. */
static void indicator_log(kz_db *db, char *out, size_t max)
{
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(db->h, "SELECT i.value, f.op FROM fed_log f JOIN indicators i ON i.id = f.object"
                                               " WHERE f.kind = 'indicator' ORDER BY f.seq", -1, &s, NULL), SQLITE_OK);
    size_t len = 0;
    out[0] = '\0';
    while (sqlite3_step(s) == SQLITE_ROW && len < max)
        len += (size_t)snprintf(out + len, max - len, "%s:%s,", sqlite3_column_text(s, 0), sqlite3_column_text(s, 1));
    sqlite3_finalize(s);
}

static void queue(kz_ind_batch *b, kz_fixture *f, const char *value, int tlp)
{
    kz_arena scratch;
    kz_arena_init(&scratch);
    kz_indicator o = ind(KZ_IND_DOMAIN, value, tlp);
    assert_int_equal(kz_ind_batch_check(b, &o, KZ_GIVEN_TLP, &scratch, &f->err), KZ_OK);
    assert_int_equal(kz_ind_batch_queue(b, &o, KZ_GIVEN_TLP, &f->err), KZ_OK);
    kz_arena_free(&scratch);
}

/* A queued batch (an import) writes the change log itself, once: one entry per row the
 * upserts wrote, in the order written (the queue sorted by key), none for a row left
 * unchanged; afterwards the connection's triggers log single writes again. */
static void a_queued_batch_logs_what_it_wrote_once_in_order(void **state)
{
    (void)state;
    kz_fixture *f = kz_fixture_new();
    kz_ind_batch b;
    char log[512];
    assert_int_equal(kz_ind_batch_begin(&f->call, &b, "indicator.import"), KZ_OK);
    queue(&b, f, "c.log.example", KZ_TLP_CLEAR);
    queue(&b, f, "a.log.example", KZ_TLP_CLEAR);
    queue(&b, f, "b.log.example", KZ_TLP_CLEAR);
    assert_int_equal(kz_ind_batch_end(&b, KZ_OK), KZ_OK);
    indicator_log(f->call.db, log, sizeof log);
    assert_string_equal(log, "a.log.example:upsert,b.log.example:upsert,c.log.example:upsert,");
    /* again: b merged (stricter), c unchanged, d new, in key order b, c, d */
    assert_int_equal(kz_ind_batch_begin(&f->call, &b, "indicator.import"), KZ_OK);
    queue(&b, f, "d.log.example", KZ_TLP_CLEAR);
    queue(&b, f, "c.log.example", KZ_TLP_CLEAR);
    queue(&b, f, "b.log.example", KZ_TLP_GREEN);
    assert_int_equal(kz_ind_batch_end(&b, KZ_OK), KZ_OK);
    assert_int_equal(b.created, 1);
    assert_int_equal(b.merged, 1);
    indicator_log(f->call.db, log, sizeof log);
    /* the queue's entries (b, d), then the commit's re-dating of b through the update trigger */
    assert_string_equal(log, "a.log.example:upsert,b.log.example:upsert,c.log.example:upsert,"
                             "b.log.example:upsert,d.log.example:upsert,b.log.example:upsert,");
    kz_indicator single = ind(KZ_IND_DOMAIN, "e.log.example", KZ_TLP_CLEAR);
    kz_upsert res;
    assert_int_equal(kz_svc_indicator_create(&f->call, &single, KZ_GIVEN_TLP, &res), KZ_OK);
    indicator_log(f->call.db, log, sizeof log);
    assert_non_null(strstr(log, ",e.log.example:upsert,"));
    kz_fixture_free(f);
}

/* kz_store_indicator_unchanged is the upsert's WHERE clause in C (an import answers a row
 * it says is unchanged without the upsert): on random stored rows and random reports of
 * the same key with random given fields, it must say "unchanged" exactly when the upsert
 * writes nothing. */
static void unchanged_in_c_agrees_with_the_upserts_rule(void **state)
{
    (void)state;
    kz_fixture *f = kz_fixture_new();
    kz_db *db = f->call.db;
    char *a = "0190a000-0000-4000-8000-00000000000a", *b2 = "0190a000-0000-4000-8000-00000000000b";
    char *both[] = {a, b2}, *ba[] = {b2, a};
    const kz_strlist lists[] = {{NULL, 0}, {both, 1}, {both, 2}, {ba, 2}, {ba, 1}};
    const char *texts[] = {NULL, "one", "two"};
    const kz_time times[] = {1000, 2000, 3000}, untils[] = {0, 5000, 6000};
    unsigned seed = 20261203, same = 0, differ = 0;
    char id[KZ_UUID_TEXT];
    for (int i = 0; i < 4000; i++) {
        kz_indicator o = ind(KZ_IND_DOMAIN, i % 2 ? "x.cross.example" : "y.cross.example",
                             (int)(rand_r(&seed) % 4));
        kz_uuid_ordered(id, 1700000000000);
        o.id = id;
        o.source = (char *)f->call.who.org;
        o.created = o.modified = 1;
        o.recipients = lists[rand_r(&seed) % 5];
        o.allow_clients = rand_r(&seed) % 2;
        o.confidence = (int64_t)(rand_r(&seed) % 3) * 40;
        o.first_seen = times[rand_r(&seed) % 3];
        o.last_seen = times[rand_r(&seed) % 3];
        o.valid_until = untils[rand_r(&seed) % 3];
        o.description = (char *)texts[rand_r(&seed) % 3];
        o.context_only = rand_r(&seed) % 2;
        unsigned given = (unsigned)rand_r(&seed) & KZ_GIVEN_ALL;
        kz_indicator stored;
        kz_rc found = kz_store_indicator_find(db, &o, &f->arena, &stored, &f->err);
        kz_upsert res;
        assert_int_equal(kz_store_indicator_upsert(db, &o, given, &res, NULL, &f->err), KZ_OK);
        if (found == KZ_ENOTFOUND) {
            assert_int_equal(res, KZ_UPSERT_CREATED);
            continue;
        }
        assert_int_equal(found, KZ_OK);
        bool unchanged = kz_store_indicator_unchanged(&stored, &o, given);
        assert_int_equal(unchanged, res == KZ_UPSERT_UNCHANGED);
        same += unchanged;
        differ += !unchanged;
    }
    assert_true(same > 200 && differ > 200);  /* both answers were put to the test */
    kz_fixture_free(f);
}

/* While a queue looks rows up first (by windows of one set statement), a key equal to the
 * one before it is looked up only after that row's write: a second report with its own id
 * (so put, not the set insert) must meet the first as stored and keep its stricter label. */
static void a_repeated_key_is_looked_up_after_its_first_write(void **state)
{
    (void)state;
    kz_fixture *f = kz_fixture_new();
    kz_ind_batch b;
    assert_int_equal(kz_ind_batch_begin(&f->call, &b, "indicator.import"), KZ_OK);
    b.look_first = true;  /* as after a block of stored keys */
    const char *ids[] = {"0190a000-0000-4000-8000-0000000000a1", "0190a000-0000-4000-8000-0000000000a2"};
    const int tlps[] = {KZ_TLP_AMBER, KZ_TLP_CLEAR};
    for (int i = 0; i < 2; i++) {
        kz_arena scratch;
        kz_arena_init(&scratch);
        kz_indicator o = ind(KZ_IND_DOMAIN, "twice.window.example", tlps[i]);
        o.id = (char *)ids[i];  /* the importer's own ids: written through put */
        assert_int_equal(kz_ind_batch_check(&b, &o, KZ_GIVEN_TLP, &scratch, &f->err), KZ_OK);
        assert_int_equal(kz_ind_batch_queue(&b, &o, KZ_GIVEN_TLP, &f->err), KZ_OK);
        kz_arena_free(&scratch);
    }
    assert_int_equal(kz_ind_batch_end(&b, KZ_OK), KZ_OK);
    assert_int_equal(b.created, 1);
    kz_indicator got;
    assert_int_equal(kz_store_indicator_get(f->call.db, &f->call.who, ids[0], &f->arena, &got, &f->err), KZ_OK);
    assert_int_equal(got.tlp, KZ_TLP_AMBER);
    kz_fixture_free(f);
}

static kz_rc apply_nothing(void *o, void *ctx, kz_err *err)
{
    (void)o, (void)ctx, (void)err;
    return KZ_OK;
}

/* An update of an id that does not exist fails before anything is read into out, so out
 * may hold anything (here a byte pattern that is no valid bool): the update must not read
 * it (UBSan's bool check catches such a read in the sanitized build). */
static void updates_of_a_missing_object_read_nothing_of_out(void **state)
{
    (void)state;
    kz_fixture *f = kz_fixture_new();
    const char *missing = "6f0c3e8e-3b2c-4f7e-9a59-1c1d2e3f4a5b";
    kz_incident inc;
    memset(&inc, 0xA5, sizeof inc);
    assert_int_equal(kz_svc_incident_update(&f->call, missing, apply_nothing, NULL, &inc), KZ_ENOTFOUND);
    kz_indicator o;
    memset(&o, 0xA5, sizeof o);
    assert_int_equal(kz_svc_indicator_update(&f->call, missing, apply_nothing, NULL, &o), KZ_ENOTFOUND);
    kz_fixture_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(taxonomies_come_from_the_reference_files),
        cmocka_unit_test(misp_tags_map_to_rsit_types),
        cmocka_unit_test(incident_class_follows_its_type),
        cmocka_unit_test(indicators_merge_per_type_value_and_source),
        cmocka_unit_test(merges_keep_the_stricter_label_and_hide_what_they_may_not_see),
        cmocka_unit_test(bulk_is_all_or_nothing_with_every_error),
        cmocka_unit_test(sql_and_c_visibility_agree),
        cmocka_unit_test(no_policy_installed_means_nothing_visible),
        cmocka_unit_test(sightings_reach_the_source_and_sum_per_observer),
        cmocka_unit_test(each_walks_visible_active_rows),
        cmocka_unit_test(a_queued_batch_logs_what_it_wrote_once_in_order),
        cmocka_unit_test(updates_of_a_missing_object_read_nothing_of_out),
        cmocka_unit_test(unchanged_in_c_agrees_with_the_upserts_rule),
        cmocka_unit_test(a_repeated_key_is_looked_up_after_its_first_write),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

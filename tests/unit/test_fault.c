/* Allocation-failure runs of whole service calls (curl's torture tests, SQLite's fault
 * simulation): each call runs with its k-th allocation failing, inside SQLite and jansson
 * too, for every k until it succeeds. Every failure must be a clean error code that
 * leaves the database as it was and no transaction open; ASan (the sanitized unit run)
 * shows that nothing leaks; and the call succeeds once nothing fails. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "codec/sharing/indicator_norm.h"
#include "helpers.h"
#include "service/directory/checks.h"
#include "service/requests/requests.h"
#include "service/sharing/indicators.h"
#include "service/stix/stix_import.h"
#include "store/core/store.h"
#include "util/alloc.h"

#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

enum { K_LIMIT = 100000 }; /* a call needing more allocations than this is a bug of its own */

/* ---- the database as text ---------------------------------------------------------- */

static void dump_table(sqlite3 *h, const char *table, FILE *out)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT * FROM \"%s\" ORDER BY rowid", table);
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(h, sql, -1, &s, NULL) != SQLITE_OK) { /* WITHOUT ROWID, virtual */
        sqlite3_finalize(s);
        snprintf(sql, sizeof sql, "SELECT * FROM \"%s\" ORDER BY 1", table);
        assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &s, NULL), SQLITE_OK);
    }
    fprintf(out, "== %s\n", table);
    while (sqlite3_step(s) == SQLITE_ROW) {
        for (int i = 0; i < sqlite3_column_count(s); i++) {
            const unsigned char *v = sqlite3_column_text(s, i);
            fprintf(out, "%s%s", i ? "|" : "", v ? (const char *)v : "NULL");
        }
        fputc('\n', out);
    }
    sqlite3_finalize(s);
}

/* Every row of every table of the database h is open on (its own connection: so, what
 * is committed). Caller frees with free(). Allocates: call with faults off. */
static char *dump_with(sqlite3 *h)
{
    sqlite3_stmt *s = NULL;
    assert_int_equal(sqlite3_prepare_v2(h, "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name",
                                        -1, &s, NULL), SQLITE_OK);
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    while (sqlite3_step(s) == SQLITE_ROW)
        dump_table(h, (const char *)sqlite3_column_text(s, 0), out);
    sqlite3_finalize(s);
    fclose(out);
    return text;
}

static sqlite3 *watch_open(kz_fixture *f)
{
    sqlite3 *h = NULL;
    assert_int_equal(sqlite3_open_v2(f->path, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    return h;
}

static char *dump(kz_fixture *f)
{
    sqlite3 *h = watch_open(f);
    char *text = dump_with(h);
    sqlite3_close(h);
    return text;
}

/* SQLite's data_version on h: it changes when another connection commits, so an equal
 * number means nothing was committed since the last reading. */
static long long data_version(sqlite3 *h)
{
    sqlite3_stmt *s = NULL;
    assert_int_equal(sqlite3_prepare_v2(h, "PRAGMA data_version", -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    long long v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

/* ---- the loop ------------------------------------------------------------------------ */

/* One service call, set up afresh each time (the call writes into what it is given). */
typedef kz_rc (*call_fn)(kz_fixture *f, void *ctx);

/* Runs fn with the k-th allocation failing for k = 0, 1, ... until it succeeds; after
 * every failure the database is exactly as before and no transaction is open. Returns
 * how many runs failed (so the caller can see the faults were really injected). */
static long torture(kz_fixture *f, const char *what, call_fn fn, void *ctx)
{
    sqlite3 *watch = watch_open(f);
    char *before = dump_with(watch);
    long long version = data_version(watch);
    for (long k = 0; k < K_LIMIT; k++) {
        kz_err_clear(&f->err);
        kz_alloc_fail_after(k);
        kz_rc rc = fn(f, ctx);
        kz_alloc_fail_after(-1);
        if (kz_db_in_transaction(f->call.db))
            fail_msg("%s, allocation %ld failing: a transaction was left open (rc %d)", what, k, rc);
        if (rc < 0 || rc >= KZ_RC_COUNT)
            fail_msg("%s, allocation %ld failing: %d is no kz_rc", what, k, rc);
        if (rc == KZ_OK) {
            char *after = dump_with(watch);
            if (strcmp(before, after) == 0)
                fail_msg("%s succeeded after %ld failures and wrote nothing", what, k);
            free(after);
            free(before);
            sqlite3_close(watch);
            print_message("%s: %ld allocations failed cleanly, then it succeeded\n", what, k);
            return k;
        }
        if (data_version(watch) == version)
            continue;  /* nothing committed: the database is as it was */
        char *after = dump_with(watch);
        if (strcmp(before, after) != 0 && getenv("KZ_FAULT_DUMP")) {
            FILE *a = fopen("/tmp/kz-fault-before", "w"), *b = fopen("/tmp/kz-fault-after", "w");
            fputs(before, a);
            fputs(after, b);
            fclose(a);
            fclose(b);
        }
        if (strcmp(before, after) != 0)
            fail_msg("%s, allocation %ld failing (rc %d, %s): the database changed", what, k, rc, f->err.msg);
        free(after);
        version = data_version(watch);
    }
    fail_msg("%s never succeeded", what);
    return -1;
}

/* ---- the libraries allocate through util/alloc.c ---------------------------------------- */

static void sqlite_and_jansson_allocate_through_kizuna(void **state)
{
    (void)state;
    kz_fixture *f = kz_fixture_new(); /* a node: both are set up by then */
    unsigned long n = kz_alloc_count();
    json_t *o = json_pack("{s:s, s:[i]}", "a", "b", "c", 1);
    assert_non_null(o);
    assert_true(kz_alloc_count() > n);
    json_decref(o);
    kz_alloc_fail_after(0);
    o = json_object();
    kz_alloc_fail_after(-1);
    assert_null(o);

    n = kz_alloc_count();
    free(dump(f));
    assert_true(kz_alloc_count() > n);
    sqlite3 *h = NULL;
    kz_alloc_fail_after(0);
    int rc = sqlite3_open_v2(f->path, &h, SQLITE_OPEN_READONLY, NULL);
    kz_alloc_fail_after(-1);
    assert_int_equal(rc, SQLITE_NOMEM);
    sqlite3_close(h);
    kz_fixture_free(f);
}

/* ---- the calls ------------------------------------------------------------------------- */

static kz_rc indicator_create(kz_fixture *f, void *ctx)
{
    (void)ctx;
    kz_indicator o = {.type = KZ_IND_DOMAIN, .value = (char *)"WWW.Fault.Example.", .tlp = KZ_TLP_GREEN};
    kz_upsert res;
    kz_rc rc = kz_svc_indicator_create(&f->call, &o, KZ_GIVEN_TLP, &res);
    if (!rc)
        assert_int_equal(res, KZ_UPSERT_CREATED);
    return rc;
}

static void creating_an_indicator_fails_cleanly_at_every_allocation(void **state)
{
    (void)state;
    kz_fixture *f = kz_fixture_new();
    assert_true(torture(f, "indicator create", indicator_create, NULL) > 10);
    kz_fixture_free(f);
}

static kz_rc indicator_bulk(kz_fixture *f, void *ctx)
{
    (void)ctx;
    kz_indicator items[3] = {
        {.type = KZ_IND_IPV4, .value = (char *)"192.0.2.1", .tlp = KZ_TLP_GREEN},
        {.type = KZ_IND_CIDR, .value = (char *)"198.51.100.7/24", .tlp = KZ_TLP_AMBER},
        {.type = KZ_IND_URL, .value = (char *)"HTTP://Phish.Example:80/a/../login", .tlp = KZ_TLP_GREEN},
    };
    unsigned given[3] = {KZ_GIVEN_TLP, KZ_GIVEN_TLP, KZ_GIVEN_TLP};
    kz_bulk_report rep;
    kz_rc rc = kz_svc_indicator_bulk(&f->call, items, given, 3, &rep);
    if (!rc)
        assert_int_equal(rep.created, 3);
    return rc;
}

static void a_bulk_create_fails_cleanly_at_every_allocation(void **state)
{
    (void)state;
    kz_fixture *f = kz_fixture_new();
    assert_true(torture(f, "bulk create", indicator_bulk, NULL) > 10);
    kz_fixture_free(f);
}

/* ---- a request and its moves ----------------------------------------------------------- */

typedef struct req_ctx {
    kz_call sender, recipient;
    const char *to;
    char *id;         /* in f's arena, once created */
    int mv;
    const char *message;
    int status;       /* the status the move leads to */
} req_ctx;

static kz_rc request_create(kz_fixture *f, void *ctx)
{
    (void)f;
    req_ctx *q = ctx;
    kz_request r = {
        .kind = KZ_REQ_PRESERVATION, .to_organization = (char *)q->to, .urgency = KZ_URG_CRITICAL,
        .tlp = KZ_TLP_AMBER, .subject = (char *)"Preserve the logs of 203.0.113.7",
        .description = (char *)"Ransomware at a hospital.", .authority = (char *)"National Police Agency",
        .offence = (char *)"Unauthorized access (Art. 2)", .facts = (char *)"Encrypted on 1 May",
        .stored_data = (char *)"Subscriber and traffic data of 203.0.113.7", .data_relevance = (char *)"C2 server",
        .custodian = (char *)"Example Hosting", .necessity = (char *)"Rotated after 7 days", .mla_intent = true,
    };
    kz_rc rc = kz_svc_request_create(&q->sender, &r, NULL);
    if (!rc)
        q->id = r.id;
    return rc;
}

static kz_rc request_move(kz_fixture *f, void *ctx)
{
    (void)f;
    req_ctx *q = ctx;
    kz_request_post post = {.message = q->message};
    kz_request out;
    unsigned allowed;
    kz_call *c = q->mv == KZ_MV_SEND || q->mv == KZ_MV_CLOSE ? &q->sender : &q->recipient;
    kz_rc rc = kz_svc_request_move(c, q->id, q->mv, &post, &out, &allowed);
    if (!rc)
        assert_int_equal(out.status, q->status);
    return rc;
}

static void a_request_and_its_moves_fail_cleanly_at_every_allocation(void **state)
{
    (void)state;
    kz_fixture *f = kz_fixture_new();
    kz_org *jp = kz_fixture_org(f, "JPCERT/CC", "JP"), *sg = kz_fixture_org(f, "SingCERT", "SG");
    req_ctx q = {.sender = kz_fixture_as(f, jp->id, KZ_ROLE_ANALYST),
                 .recipient = kz_fixture_as(f, sg->id, KZ_ROLE_ANALYST), .to = sg->id};
    assert_true(torture(f, "request create", request_create, &q) > 10);
    static const struct {
        int mv;
        const char *message;
        int status;
    } moves[] = {
        {KZ_MV_SEND, NULL, KZ_RS_SENT},
        {KZ_MV_ACKNOWLEDGE, NULL, KZ_RS_ACKNOWLEDGED},
        {KZ_MV_START, NULL, KZ_RS_IN_PROGRESS},
        {KZ_MV_ANSWER, "Preserved until 30 June.", KZ_RS_ANSWERED},
        {KZ_MV_CLOSE, NULL, KZ_RS_CLOSED},
    };
    for (size_t i = 0; i < sizeof moves / sizeof *moves; i++) {
        q.mv = moves[i].mv;
        q.message = moves[i].message;
        q.status = moves[i].status;
        assert_true(torture(f, kz_enum_name(&kz_request_move_enum, q.mv), request_move, &q) > 5);
    }
    kz_fixture_free(f);
}

/* ---- a STIX bundle ------------------------------------------------------------------------ */

static const char bundle[] =
    "{\"type\":\"bundle\",\"id\":\"bundle--6e1c6e4b-1a7f-4d0e-9d5b-2f4c6f1c2a10\",\"objects\":["
    "{\"type\":\"report\",\"spec_version\":\"2.1\",\"id\":\"report--1e1c6e4b-1a7f-4d0e-9d5b-2f4c6f1c2a10\","
    "\"created\":\"2026-01-01T00:00:00.000Z\",\"modified\":\"2026-01-01T00:00:00.000Z\",\"name\":\"Phishing wave\","
    "\"published\":\"2026-01-01T00:00:00Z\",\"object_refs\":[\"indicator--2e1c6e4b-1a7f-4d0e-9d5b-2f4c6f1c2a10\"]},"
    "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--2e1c6e4b-1a7f-4d0e-9d5b-2f4c6f1c2a10\","
    "\"created\":\"2026-01-01T00:00:00.000Z\",\"modified\":\"2026-01-01T00:00:00.000Z\","
    "\"pattern\":\"[url:value = 'HTTP://Phish.Example:80/a/../login']\",\"pattern_type\":\"stix\","
    "\"valid_from\":\"2026-01-01T00:00:00Z\",\"object_marking_refs\":[\"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb\"]},"
    "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--3e1c6e4b-1a7f-4d0e-9d5b-2f4c6f1c2a10\","
    "\"created\":\"2026-01-01T00:00:00.000Z\",\"modified\":\"2026-01-01T00:00:00.000Z\","
    "\"pattern\":\"[file:name = 'a.exe']\",\"pattern_type\":\"stix\",\"valid_from\":\"2026-01-01T00:00:00Z\"},"
    "{\"type\":\"marking-definition\",\"spec_version\":\"2.1\",\"id\":\"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb\","
    "\"created\":\"2022-10-01T00:00:00.000Z\",\"name\":\"TLP:GREEN\"}"
    "]}";

typedef struct memsrc {
    const char *p;
    size_t n, at;
} memsrc;

static kz_rc mem_read(void *ctx, char *buf, size_t cap, size_t *got, kz_err *err)
{
    (void)err;
    memsrc *m = ctx;
    size_t k = m->n - m->at < cap ? m->n - m->at : cap;
    memcpy(buf, m->p + m->at, k);
    m->at += k;
    *got = k;
    return KZ_OK;
}

static kz_rc stix_import(kz_fixture *f, void *ctx)
{
    (void)ctx;
    memsrc m = {bundle, sizeof bundle - 1, 0};
    kz_byte_source src = {mem_read, &m};
    kz_stix_import_opts o = {.tlp = KZ_TLP_AMBER, .min_tlp = -1};
    kz_stix_import_report r;
    kz_rc rc = kz_svc_stix_import(&f->call, &src, &o, &r);
    if (!rc) {
        assert_int_equal(r.indicators_created, 1);
        assert_int_equal(r.incidents_created, 1);
        assert_int_equal(r.kept, 1);
    }
    return rc;
}

static void a_stix_import_fails_cleanly_at_every_allocation(void **state)
{
    (void)state;
    kz_fixture *f = kz_fixture_new();
    assert_true(torture(f, "STIX import", stix_import, NULL) > 10);
    kz_fixture_free(f);
}

/* ---- a communication check ---------------------------------------------------------------- */

typedef struct check_ctx {
    const char *token;  /* of the first invitation, once the check exists */
} check_ctx;

static kz_rc check_create(kz_fixture *f, void *ctx)
{
    check_ctx *q = ctx;
    kz_check k = {.state = (char *)"SG", .deadline_hours = 2};
    kz_check_view v;
    kz_rc rc = kz_svc_check_create(&f->call, &k, &v);
    if (!rc) {
        assert_int_equal(v.n, 2);
        q->token = strrchr(v.targets[0].answer_url, '/') + 1;
    }
    return rc;
}

static kz_rc check_answer(kz_fixture *f, void *ctx)
{
    check_ctx *q = ctx;
    kz_check_answer ans;
    kz_rc rc = kz_svc_check_answer(&f->call, q->token, &ans);
    if (!rc)
        assert_false(ans.late);
    return rc;
}

static void a_communication_check_fails_cleanly_at_every_allocation(void **state)
{
    (void)state;
    kz_fixture *f = kz_fixture_new();
    kz_org *o = kz_fixture_org(f, "Checked CSIRT", "SG");
    kz_fixture_contact(f, o->id, "A", KZ_CONTACT_CSIRT);
    kz_fixture_contact(f, o->id, "B", KZ_CONTACT_TECHNICAL);
    check_ctx q = {0};
    assert_true(torture(f, "check create", check_create, &q) > 10);
    assert_true(torture(f, "check answer", check_answer, &q) > 5);
    kz_fixture_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sqlite_and_jansson_allocate_through_kizuna),
        cmocka_unit_test(creating_an_indicator_fails_cleanly_at_every_allocation),
        cmocka_unit_test(a_bulk_create_fails_cleanly_at_every_allocation),
        cmocka_unit_test(a_request_and_its_moves_fail_cleanly_at_every_allocation),
        cmocka_unit_test(a_stix_import_fails_cleanly_at_every_allocation),
        cmocka_unit_test(a_communication_check_fails_cleanly_at_every_allocation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

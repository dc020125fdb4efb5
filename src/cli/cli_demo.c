/* kizuna demo: create a database filled with the fictitious demo directory and one
 * finished communication check. The whole history is written as if it had happened
 * over the last days (the clock is moved back, then forward answer by answer), so
 * that the check statistics and the audit chain look like real use. */
#include "cli/cli.h"

#include "codec/demo.h"
#include "crypto/crypto.h"
#include "service/directory/checks.h"
#include "service/directory/orgs.h"
#include "service/directory/contacts.h"
#include "service/directory/keys.h"
#include "service/core/node.h"

#include <stdlib.h>
#include <string.h>

enum { MINUTE_MS = 60 * 1000, DAY_MS = 24 * 60 * MINUTE_MS };

typedef struct answer {
    const char *contact;
    int64_t minutes;
} answer;

static int by_minutes(const void *a, const void *b)
{
    int64_t x = ((const answer *)a)->minutes, y = ((const answer *)b)->minutes;
    return (x > y) - (x < y);
}

/* Creates every organization and contact; collects who answers the check, and when. */
static kz_rc load_directory(kz_call *c, kz_demo_data *d, answer *ans, size_t *n_ans, kz_strlist *ids)
{
    for (size_t i = 0; i < d->n_orgs; i++) {
        kz_rc rc = kz_svc_org_create(c, &d->orgs[i].org);
        for (size_t j = 0; !rc && j < d->orgs[i].n_contacts; j++) {
            kz_demo_contact *dc = &d->orgs[i].contacts[j];
            dc->contact.organization = d->orgs[i].org.id;
            rc = kz_svc_contact_create(c, &dc->contact);
            if (rc)
                break;
            ids->v[ids->n++] = dc->contact.id;
            if (dc->answer_after_minutes >= 0)
                ans[(*n_ans)++] = (answer){dc->contact.id, dc->answer_after_minutes};
        }
        if (rc)
            return rc;
    }
    return KZ_OK;
}

/* The check, sent d->check_days_ago days ago, answered in order of delay. */
static kz_rc run_check(kz_call *c, kz_demo_data *d, answer *ans, size_t n_ans, kz_strlist *ids)
{
    kz_check k = {.contacts = *ids, .deadline_hours = d->check_deadline_hours};
    kz_check_view v;
    kz_rc rc = kz_svc_check_create(c, &k, &v);
    qsort(ans, n_ans, sizeof *ans, by_minutes);
    int64_t at = 0;
    for (size_t i = 0; !rc && i < n_ans; i++) {
        kz_clock_advance((ans[i].minutes - at) * MINUTE_MS);
        at = ans[i].minutes;
        const char *token = NULL;
        for (size_t t = 0; t < v.n; t++)
            if (strcmp(v.targets[t].contact, ans[i].contact) == 0)
                token = strrchr(v.targets[t].answer_url, '/') + 1;
        kz_check_answer a;
        rc = token ? kz_svc_check_answer(c, token, &a) : KZ_EINTERNAL;
    }
    return rc;
}

static int seed(const kz_args *a, const char *db, kz_demo_data *d, kz_arena *ar)
{
    kz_err err;
    char key[KZ_KEY_TEXT];
    kz_node_setup setup = {d->node_org_name, d->node_state, kz_arg(a, "key-file")};
    int64_t back = (d->check_days_ago + 1) * DAY_MS;
    kz_clock_advance(-back);
    if (kz_node_create(db, &setup, key, sizeof key, &err))
        return kz_cli_error(a, "%s", err.msg);
    kz_node *node = NULL;
    kz_call c;
    kz_rc rc = kz_cli_open_node(a, db, 0, &node, &err);
    if (!rc)
        rc = kz_call_init_system(&c, node, "cli", ar, &err);
    size_t total = 0;
    for (size_t i = 0; i < d->n_orgs; i++)
        total += d->orgs[i].n_contacts;
    answer *ans = kz_arena_calloc(ar, total + 1, sizeof *ans);
    kz_strlist ids = {kz_arena_calloc(ar, total + 1, sizeof(char *)), 0};
    size_t n_ans = 0;
    if (!rc && (!ans || !ids.v))
        rc = kz_fail(&err, KZ_ENOMEM, NULL, NULL);
    if (!rc)
        rc = load_directory(&c, d, ans, &n_ans, &ids);
    kz_clock_advance(DAY_MS);
    if (!rc)
        rc = run_check(&c, d, ans, n_ans, &ids);
    kz_clock_advance(-kz_clock_advance(0)); /* back to the real time */
    if (!rc && d->schedule_every_days) {
        kz_check_schedule s = {.role = (char *)d->schedule_role, .every_days = d->schedule_every_days,
                               .next_run = kz_now_ms() + (d->schedule_every_days - d->check_days_ago) * DAY_MS};
        rc = kz_svc_schedule_create(&c, &s);
    }
    kz_node_close(node);
    if (rc)
        return kz_cli_error(a, "%s%s%s", err.field[0] ? err.field : "", err.field[0] ? ": " : "", err.msg);
    printf("Created demo database %s: %zu organizations, %zu contacts, one finished check.\n", db,
           d->n_orgs, ids.n);
    printf("The admin API key follows; it is shown only this once:\n%s\n", key);
    kz_wipe(key, sizeof key);
    return 0;
}

static int run(const kz_args *a)
{
    const char *db = kz_arg(a, "db");
    if (!db)
        return kz_cli_usage_error(a, "give the database file with --db FILE (or KIZUNA_DB)");
    kz_arena ar;
    kz_arena_init(&ar);
    kz_demo_data d = {0};
    kz_err err;
    int status = kz_demo_load(kz_arg(a, "data"), &ar, &d, &err)
                     ? kz_cli_error(a, "%s%s%s", err.field, err.field[0] ? ": " : "", err.msg)
                     : seed(a, db, &d, &ar);
    kz_arena_free(&ar);
    return status;
}

static const kz_opt opts[] = {
    KZ_OPT_DB,
    KZ_OPT_KEY_FILE,
    {"data", "FILE", "demo/directory.json", "the demo directory to load"},
    KZ_OPT_LOG,
    {0},
};

const kz_cmd kz_cmd_demo = {
    "demo", "--db FILE [--data FILE]", "create a database with fictitious demo data",
    "Like init, then loads the demo directory (states, organizations, contacts at .example\n"
    "domains) and a communication check sent a week ago with its answers, so that the\n"
    "statistics are not empty. Prints the admin API key last.",
    opts, run, 0, 0,
};

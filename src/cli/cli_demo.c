/* kizuna demo: create a database filled with the fictitious demo directory, one
 * finished communication check and a few open requests between states. The whole history is written as if it had happened
 * over the last days (the clock is moved back, then forward answer by answer), so
 * that the check statistics and the audit chain look like real use. */
#include "cli/cli.h"

#include "codec/core/demo.h"
#include "crypto/crypto.h"
#include "service/directory/checks.h"
#include "service/directory/orgs.h"
#include "service/directory/contacts.h"
#include "service/directory/keys.h"
#include "service/core/node.h"
#include "service/directory/users.h"
#include "service/requests/requests.h"
#include "service/statements/statements.h"
#include "service/law/documents.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { MINUTE_MS = 60 * 1000, HOUR_MS = 60 * MINUTE_MS, DAY_MS = 24 * HOUR_MS };

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

/* The e-mail domain of an organization's first contact with an address, or NULL. */
static const char *org_domain(const kz_demo_org *o)
{
    for (size_t j = 0; j < o->n_contacts; j++) {
        const char *at = o->contacts[j].contact.email ? strchr(o->contacts[j].contact.email, '@') : NULL;
        if (at)
            return at + 1;
    }
    return NULL;
}

/* One demo user: created, its password set directly (no link), printed on stdout. */
typedef struct demo_password {
    const char *text;
    char hash[KZ_PWHASH_TEXT];
} demo_password;

static kz_rc demo_user(kz_call *c, const char *email, const char *org_id, const char *org_name, int role,
                       const char *state, const char *time_zone, const demo_password *pw)
{
    kz_user u = {.email = email, .name = "Demo User", .organization = org_id, .role = role,
                 .language = strcmp(state, "JP") == 0 ? "ja" : "en", .time_zone = time_zone ? time_zone : "UTC"};
    char *link = NULL;
    kz_rc rc = kz_svc_user_create(c, &u, "http://127.0.0.1:8470", &link);
    if (!rc)
        rc = kz_svc_user_password_now(c, u.id, pw->hash);
    if (!rc)
        printf("demo user: %s %s (%s, %s)\n", email, pw->text, kz_enum_name(&kz_key_role_enum, role), org_name);
    return rc;
}

/* One user per demo organization (analyst) and an admin of the node's own, all with
 * one password made for this database (demo data only: real users get a link). */
static kz_rc demo_users(kz_call *c, kz_demo_data *d, kz_arena *ar)
{
    char token[KZ_TOKEN_TEXT];
    kz_token_new(token);
    demo_password *password = kz_arena_calloc(ar, 1, sizeof *password);
    if (password && (!(password->text = kz_arena_printf(ar, "demo-%.16s", token)) ||
                     kz_password_hash(password->text, password->hash)))
        password = NULL;
    const char *node_domain = "kizuna.example";
    for (size_t i = 0; i < d->n_orgs; i++)
        if (strcmp(d->orgs[i].org.state, d->node_state) == 0 && org_domain(&d->orgs[i])) {
            node_domain = org_domain(&d->orgs[i]);
            break;
        }
    char *admin = kz_arena_printf(ar, "admin@%s", node_domain);
    if (!password || !admin)
        return kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    kz_rc rc = demo_user(c, admin, c->node->org_id, d->node_org_name, KZ_ROLE_ADMIN, d->node_state,
                         strcmp(d->node_state, "JP") == 0 ? "Asia/Tokyo" : NULL, password);
    for (size_t i = 0; !rc && i < d->n_orgs; i++) {
        kz_demo_org *o = &d->orgs[i];
        const char *domain = org_domain(o);
        char *email = domain ? kz_arena_printf(ar, "demo@%s", domain) : kz_arena_printf(ar, "demo%zu@kizuna.example", i + 1);
        const char *tz = o->n_contacts ? o->contacts[0].contact.timezone : NULL;
        rc = email ? demo_user(c, email, o->org.id, o->org.name, KZ_ROLE_ANALYST, o->org.state, tz, password)
                   : kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    }
    return rc;
}

/* The moves the recipient makes; the sender makes the others. */
static bool recipient_moves(int move)
{
    return move == KZ_MV_ACKNOWLEDGE || move == KZ_MV_START || move == KZ_MV_ANSWER || move == KZ_MV_DECLINE;
}

/* One demo request, created and moved by each side in turn (the call acts as the
 * organization whose move it is), as if sent q->hours_ago. */
static kz_rc demo_request(kz_call *c, const kz_demo_data *d, kz_demo_request *q)
{
    const char *from = kz_demo_org_id(d, q->from), *to = kz_demo_org_id(d, q->to);
    if (!from || !to)
        return kz_fail(c->err, KZ_EINVAL, "requests", "no demo organization called %s", from ? q->to : q->from);
    q->request.to_organization = (char *)to;
    kz_clock_advance(-q->hours_ago * HOUR_MS);
    c->who.org = from;
    kz_rc rc = kz_svc_request_create(c, &q->request, NULL);
    for (size_t m = 0; !rc && m < q->n_moves; m++) {
        kz_request_post post = {m == 0 ? q->message : NULL, NULL, 0};
        kz_request out;
        unsigned allowed;
        kz_clock_advance(10 * MINUTE_MS);
        c->who.org = recipient_moves(q->moves[m]) ? to : from;
        rc = kz_svc_request_move(c, q->request.id, q->moves[m], &post, &out, &allowed);
    }
    kz_clock_advance(-kz_clock_advance(0));
    return rc;
}

static kz_rc demo_requests(kz_call *c, kz_demo_data *d)
{
    const char *node_org = c->who.org;
    kz_rc rc = KZ_OK;
    for (size_t i = 0; !rc && i < d->n_requests; i++)
        rc = demo_request(c, d, &d->requests[i]);
    c->who.org = node_org;
    return rc;
}

/* The statement file: --statement, or statement.json beside --data when there is one
 * (NULL: none). In ar. */
static const char *statement_path(const kz_args *a, kz_arena *ar)
{
    const char *given = kz_arg(a, "statement"), *data = kz_arg(a, "data");
    if (given)
        return given;
    const char *slash = strrchr(data, '/');
    char *path = kz_arena_printf(ar, "%.*sstatement.json", slash ? (int)(slash - data + 1) : 0, data);
    return path && access(path, R_OK) == 0 ? path : NULL;
}

/* One published statement: drafted by one demo organization, approved by it and each
 * co-signer (as that organization, the node signing), then published. */
static kz_rc demo_statement(kz_call *c, const kz_demo_data *d, const char *path)
{
    const char *drafter, *own = c->who.org;
    char *content;
    kz_statement_view v;
    kz_statement_move_in none = {0};
    kz_rc rc = kz_demo_statement_load(path, d, c->arena, &drafter, &content, c->err);
    if (!rc) {
        c->who.org = drafter;
        rc = kz_svc_statement_create(c, content, strlen(content), &v);
    }
    if (!rc)
        rc = kz_svc_statement_move(c, v.st.id, KZ_SM_CIRCULATE, &none, &v);
    kz_statement_move_in approve = {.content_hash = rc ? NULL : v.st.content_hash};
    for (size_t k = 0; !rc && k <= v.st.cosigners.n; k++) {
        c->who.org = k ? v.st.cosigners.v[k - 1] : drafter;
        rc = kz_svc_statement_move(c, v.st.id, KZ_SM_APPROVE, &approve, &v);
    }
    c->who.org = drafter;
    if (!rc)
        rc = kz_svc_statement_move(c, v.st.id, KZ_SM_PUBLISH, &none, &v);
    c->who.org = own;
    if (!rc)
        printf("demo statement: %s (published, %zu co-signers)\n", v.st.id, v.st.cosigners.n);
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
    if (!rc)
        rc = demo_users(&c, d, ar);
    if (!rc)
        rc = demo_requests(&c, d);
    const char *statement = rc ? NULL : statement_path(a, ar);
    if (statement)
        rc = demo_statement(&c, d, statement);
    kz_library_import_report lib = {0};
    int status = 0;
    if (!rc && kz_arg(a, "library"))
        status = kz_cli_library_load(a, &c, kz_arg(a, "library"), 0, ar, &lib);
    kz_node_close(node);
    if (rc)
        return kz_cli_error(a, "%s%s%s", err.field[0] ? err.field : "", err.field[0] ? ": " : "", err.msg);
    if (status)
        return status;
    printf("Created demo database %s: %zu organizations, %zu contacts, one finished check, %zu open requests, "
           "%llu library document versions.\n", db, d->n_orgs, ids.n, d->n_requests, (unsigned long long)lib.created);
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
    {"statement", "FILE", NULL, "the demo statement (default: statement.json beside --data, when there is one)"},
    {"library", "FILE", "demo/library.jsonl", "the demo policy library to load (library import's JSON lines)"},
    KZ_OPT_LOG,
    {0},
};

const kz_cmd kz_cmd_demo = {
    "demo", "--db FILE [--data FILE]", "create a database with fictitious demo data",
    "Like init, then loads the demo directory (states, organizations, contacts at .example\n"
    "domains) and a communication check sent a week ago with its answers, so that the\n"
    "statistics are not empty, a few open requests between states (so that My work is\n"
    "not empty), one public attribution statement co-signed by three states and\n"
    "published, one user of the web interface per organization\n"
    "(\"demo user: EMAIL PASSWORD (ROLE, ORGANIZATION)\" lines), and a policy library of fictitious\n"
    "national documents in English and Japanese. Prints the admin API key last.",
    opts, run, 0, 0,
};

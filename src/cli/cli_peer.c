/* kizuna node (this node's identity and key fingerprint, to read to a peer's operator)
 * and kizuna peer add|list|pause|resume|remove|sync: the peers of the node of --db,
 * pinned by the fingerprint their operators gave out of band. */
#include "cli/cli_session.h"

#include "model/enums.h"
#include "service/federation/federation.h"
#include "store/federation.h"

#include <stdio.h>
#include <string.h>

typedef int (*node_action)(const kz_args *a, kz_call *c);

/* Opens the node of --db as the node itself, runs act, closes. */
static int with_node(const kz_args *a, node_action act)
{
    const char *db = kz_arg(a, "db");
    if (!db)
        return kz_cli_usage_error(a, "give the database file with --db FILE (or KIZUNA_DB)");
    kz_cli_session s;
    int status = kz_cli_session_open(a, &s);
    if (!status)
        status = act(a, &s.call);
    kz_cli_session_close(&s);
    return status;
}

static int fail(const kz_args *a, const kz_call *c)
{
    if (c->err->field[0] && strcmp(c->err->field, "fingerprint") == 0)
        return kz_cli_error(a, "%s (--fingerprint)", c->err->msg);
    return kz_cli_error(a, "%s", c->err->msg);
}

static void print_peer(const kz_peer_view *v)
{
    const kz_peer *p = &v->peer;
    char when[40] = "never";
    if (p->last_success)
        kz_time_format(p->last_success, when, sizeof when);
    printf("%s  %s  %s (%s)  %s\n", p->id, kz_enum_name(&kz_peer_status_enum, p->status), p->name, p->state, p->url);
    printf("    fingerprint %s\n", p->fingerprint);
    printf("    last exchange %s; waiting: %lld to it, %lld from it; refused %lld\n", when,
           (long long)v->waiting_out, (long long)v->waiting_in, (long long)p->refused);
    if (p->last_error)
        printf("    last error: %s\n", p->last_error);
    for (size_t i = 0; i < v->n_refusals; i++)
        printf("    refused (%s): %s\n", v->refusals[i].direction, v->refusals[i].reason);
}

static int show_node(const kz_args *a, kz_call *c)
{
    kz_node_identity id;
    if (kz_svc_node_identity(c, &id))
        return fail(a, c);
    printf("node         %s\noperator     %s (%s)\npublic key   ed25519 %s\nfingerprint  %s\n", id.node, id.name,
           id.state, id.public_key, id.fingerprint);
    return 0;
}

static int run_node(const kz_args *a) { return with_node(a, show_node); }

static int add(const kz_args *a, kz_call *c)
{
    kz_peer_view v;
    if (!kz_arg(a, "fingerprint"))
        return kz_cli_usage_error(a, "give the peer's key fingerprint with --fingerprint FP (from `kizuna node` there)");
    if (kz_svc_peer_add(c, a->rest[0], kz_arg(a, "fingerprint"), &v))
        return fail(a, c);
    printf("Added peer %s: %s (%s) at %s.\n", v.peer.id, v.peer.name, v.peer.state, v.peer.url);
    return 0;
}

static int list(const kz_args *a, kz_call *c)
{
    kz_peer_view *items;
    size_t n;
    if (kz_svc_peer_list(c, &items, &n))
        return fail(a, c);
    for (size_t i = 0; i < n; i++)
        print_peer(&items[i]);
    if (!n)
        printf("No peers.\n");
    return 0;
}

static int set_status(const kz_args *a, kz_call *c, int status)
{
    kz_peer_view v;
    if (kz_svc_peer_set_status(c, a->rest[0], status, &v))
        return fail(a, c);
    print_peer(&v);
    return 0;
}

static int pause_peer(const kz_args *a, kz_call *c) { return set_status(a, c, KZ_PEER_PAUSED); }
static int resume_peer(const kz_args *a, kz_call *c) { return set_status(a, c, KZ_PEER_ACTIVE); }

static int remove_peer(const kz_args *a, kz_call *c)
{
    if (kz_svc_peer_remove(c, a->rest[0]))
        return fail(a, c);
    printf("Removed peer %s.\n", a->rest[0]);
    return 0;
}

static int sync_peer(const kz_args *a, kz_call *c)
{
    kz_sync_report rep;
    if (kz_svc_peer_sync(c, a->rest[0], &rep))
        return fail(a, c);
    printf("%lld changes applied, %lld refused, %lld waiting, in %lld messages (%lld bytes); cursor %lld.\n",
           (long long)rep.applied, (long long)rep.refused, (long long)rep.pending, (long long)rep.messages,
           (long long)rep.bytes, (long long)rep.cursor);
    return 0;
}

static int run_add(const kz_args *a) { return with_node(a, add); }
static int run_list(const kz_args *a) { return with_node(a, list); }
static int run_pause(const kz_args *a) { return with_node(a, pause_peer); }
static int run_resume(const kz_args *a) { return with_node(a, resume_peer); }
static int run_remove(const kz_args *a) { return with_node(a, remove_peer); }
static int run_sync(const kz_args *a) { return with_node(a, sync_peer); }

static const kz_opt node_opts[] = {KZ_OPT_DB, KZ_OPT_KEY_FILE, KZ_OPT_LOG, {0}};
static const kz_opt add_opts[] = {
    KZ_OPT_DB, KZ_OPT_KEY_FILE,
    {"fingerprint", "FP", NULL, "the SHA-256 fingerprint of the peer's key, as `kizuna node` shows it there"},
    KZ_OPT_LOG, {0},
};

const kz_cmd kz_cmd_node = {
    "node", "--db FILE", "show this node's identity and the fingerprint of its key",
    "Prints the node's organization and state, its ed25519 public key and the key's\n"
    "fingerprint (SHA-256 of the key, 64 hex digits). Read the fingerprint to the operator\n"
    "of a peer node over a second channel (telephone, a signed letter): they give it to\n"
    "`kizuna peer add`, which refuses a node whose key does not have it.",
    node_opts, run_node, 0, 0,
};

const kz_cmd kz_cmd_peer_add = {
    "peer add", "--db FILE URL --fingerprint FP", "add a peer node, pinned by the fingerprint of its key",
    "Reads the node at URL (its /api/v1/node) and adds it as a peer only when the key it\n"
    "presents has the fingerprint given, which its operator read out of band from\n"
    "`kizuna node`. No trust on first use: a wrong fingerprint adds nothing. URL is\n"
    "https:// (or http:// on a closed network). Audited as peer.add.",
    add_opts, run_add, 1, 1,
};

const kz_cmd kz_cmd_peer_list = {
    "peer list", "--db FILE", "list the peer nodes with their health",
    "For each peer: its state (active or paused), last successful exchange, how many\n"
    "changes wait in each direction, its last error and the messages refused with\n"
    "their reasons.",
    node_opts, run_list, 0, 0,
};

const kz_cmd kz_cmd_peer_pause = {
    "peer pause", "--db FILE ID", "pause a peer: nothing is pulled from it and its messages are refused",
    NULL, node_opts, run_pause, 1, 1,
};

const kz_cmd kz_cmd_peer_resume = {
    "peer resume", "--db FILE ID", "resume a paused peer", NULL, node_opts, run_resume, 1, 1,
};

const kz_cmd kz_cmd_peer_remove = {
    "peer remove", "--db FILE ID", "remove a peer; what it sent stays, read-only", NULL, node_opts, run_remove, 1, 1,
};

const kz_cmd kz_cmd_peer_sync = {
    "peer sync", "--db FILE ID", "pull now every change waiting at a peer",
    "Pulls the peer's changes after this node's cursor, page by page; each page is applied\n"
    "and the cursor moved in one transaction, so an interrupted sync resumes where it\n"
    "stopped. `serve` does the same for every active peer on its scheduler.",
    node_opts, run_sync, 1, 1,
};

/* kizuna node (this node's identity and key fingerprint, to read to a peer's operator)
 * and kizuna peer add|list|pause|resume|remove|sync: the peers of the node of --db,
 * pinned by the fingerprint their operators gave out of band. */
#include "cli/cli_session.h"

#include "model/enums.h"
#include "service/federation/federation.h"
#include "store/federation/federation.h"
#include "util/mapfile.h"

#include <stdio.h>
#include <stdlib.h>
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
    static const char *const flags[] = {"fingerprint", "ca"};  /* fields that are options here */
    for (size_t i = 0; i < sizeof flags / sizeof *flags; i++)
        if (strcmp(c->err->field, flags[i]) == 0)
            return kz_cli_error(a, "%s (--%s)", c->err->msg, flags[i]);
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
    char next[40] = "when asked";
    if (p->next_attempt)
        kz_time_format(p->next_attempt, next, sizeof next);
    printf("    consecutive failures %lld; next attempt %s\n", (long long)p->failures, next);
    if (p->poke_failures) {
        char pn[40] = "when the log grows";
        if (p->poke_next)
            kz_time_format(p->poke_next, pn, sizeof pn);
        printf("    pokes failed %lld times; next try %s: %s\n", (long long)p->poke_failures, pn,
               p->poke_error ? p->poke_error : "");
    }
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

static void print_told(const kz_key_report *rep)
{
    for (size_t i = 0; i < rep->n; i++)
        printf("    %s (%s): %s\n", rep->told[i].name, rep->told[i].peer,
               rep->told[i].error ? rep->told[i].error : "told");
}

static int rotate_key(const kz_args *a, kz_call *c)
{
    kz_key_report rep;
    const char *given = kz_arg(a, "overlap");
    char *end = NULL;
    long long overlap = given ? strtoll(given, &end, 10) : KZ_FED_OVERLAP_S;
    if (given && (end == given || *end))
        return kz_cli_usage_error(a, "--overlap takes a number of seconds");
    if (kz_svc_node_rotate_key(c, overlap, &rep))
        return fail(a, c);
    char when[40];
    printf("New key %s\nreplaces    %s\nwhich peers accept until %s. Peers:\n", rep.fingerprint, rep.old_fingerprint,
           kz_time_format(rep.until, when, sizeof when));
    print_told(&rep);
    if (!rep.n)
        printf("    (none)\n");
    return 0;
}

static int revoke_key(const kz_args *a, kz_call *c)
{
    kz_key_report rep;
    if (kz_svc_node_revoke_key(c, kz_arg(a, "reason"), &rep))
        return fail(a, c);
    printf("Revoked %s; peers refuse it from now on and accept only %s. Peers:\n", rep.old_fingerprint,
           rep.fingerprint);
    print_told(&rep);
    if (!rep.n)
        printf("    (none)\n");
    return 0;
}

static int run_rotate(const kz_args *a) { return with_node(a, rotate_key); }
static int run_revoke(const kz_args *a) { return with_node(a, revoke_key); }

/* The text of --ca FILE in c->arena (*pem NULL without the option). */
static int read_ca(const kz_args *a, kz_call *c, const char **pem)
{
    const char *path = kz_arg(a, "ca");
    *pem = NULL;
    if (!path)
        return 0;
    const void *p;
    size_t n;
    if (kz_map_file(path, &p, &n, c->err))
        return kz_cli_error(a, "--ca: %s", c->err->msg);
    bool text = n <= KZ_PEER_CA_MAX && !memchr(p, '\0', n);
    *pem = text ? kz_arena_strndup(c->arena, p, n) : NULL;
    kz_unmap_file(NULL, p, n);
    if (!text)
        return kz_cli_error(a, "--ca: %s is not a PEM text file of at most %d bytes", path, KZ_PEER_CA_MAX);
    return *pem ? 0 : kz_cli_error(a, "--ca: out of memory");
}

static int add(const kz_args *a, kz_call *c)
{
    kz_peer_view v;
    const char *ca;
    if (!kz_arg(a, "fingerprint"))
        return kz_cli_usage_error(a, "give the peer's key fingerprint with --fingerprint FP (from `kizuna node` there)");
    int status = read_ca(a, c, &ca);
    if (status)
        return status;
    if (kz_svc_peer_add(c, a->rest[0], kz_arg(a, "fingerprint"), ca, &v))
        return fail(a, c);
    printf("Added peer %s: %s (%s) at %s%s.\n", v.peer.id, v.peer.name, v.peer.state, v.peer.url,
           ca ? ", its certificate checked against the CA given" : "");
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

static int set_ca(const kz_args *a, kz_call *c)
{
    kz_peer_view v;
    const char *ca;
    int status = read_ca(a, c, &ca);
    if (status)
        return status;
    if (kz_svc_peer_set_ca(c, a->rest[0], ca, &v))
        return fail(a, c);
    printf("Peer %s (%s): its certificate is now checked against %s.\n", v.peer.name, v.peer.url,
           ca ? "the CA given" : "the system's CA store");
    return 0;
}

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

static int compact_log(const kz_args *a, kz_call *c)
{
    kz_fed_compaction got;
    if (kz_svc_fed_compact(c, &got))
        return fail(a, c);
    printf("Change log: %lld entries before, %lld after (%lld dropped, up to seq %lld of %lld).\n",
           (long long)got.before, (long long)got.after, (long long)got.dropped, (long long)got.bound,
           (long long)got.head);
    return 0;
}

static int run_add(const kz_args *a) { return with_node(a, add); }
static int run_list(const kz_args *a) { return with_node(a, list); }
static int run_pause(const kz_args *a) { return with_node(a, pause_peer); }
static int run_resume(const kz_args *a) { return with_node(a, resume_peer); }
static int run_remove(const kz_args *a) { return with_node(a, remove_peer); }
static int run_set_ca(const kz_args *a) { return with_node(a, set_ca); }
static int run_sync(const kz_args *a) { return with_node(a, sync_peer); }
static int run_compact(const kz_args *a) { return with_node(a, compact_log); }

static const kz_opt node_opts[] = {KZ_OPT_DB, KZ_OPT_KEY_FILE, KZ_OPT_LOG, {0}};
static const kz_opt add_opts[] = {
    KZ_OPT_DB, KZ_OPT_KEY_FILE,
    {"fingerprint", "FP", NULL, "the SHA-256 fingerprint of the peer's key, as `kizuna node` shows it there"},
    {"ca", "FILE", NULL, "PEM certificates the peer's https certificate must chain to (default: the system's CA store)"},
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

static const kz_opt rotate_opts[] = {
    KZ_OPT_DB, KZ_OPT_KEY_FILE,
    {"overlap", "SECONDS", NULL, "how long peers still accept the old key (default 604800, a week; at most 90 days)"},
    KZ_OPT_LOG, {0},
};
static const kz_opt revoke_opts[] = {
    KZ_OPT_DB, KZ_OPT_KEY_FILE, {"reason", "TEXT", NULL, "why, shown in the peers' refused lists"}, KZ_OPT_LOG, {0},
};

const kz_cmd kz_cmd_node_rotate_key = {
    "node rotate-key", "--db FILE [--overlap SECONDS]", "replace the node's signing key, telling every peer",
    "Makes a new ed25519 signing key and writes it into the key file (the old one stays\n"
    "there as prev-sign-key until it is revoked, to sign the notices). The audit chain\n"
    "records the new key in an entry the old key signs. Every peer is sent a rotation\n"
    "notice signed by the old key that names the new one; peers accept both keys until\n"
    "the overlap ends, then only the new one. A peer that cannot be reached now is told\n"
    "before the next sync with it. Run it while `kizuna serve` is stopped (or use POST\n"
    "/api/v1/node/rotate-key on the running server): a server still holding the old key\n"
    "refuses to write until restarted. Back up the new key file.",
    rotate_opts, run_rotate, 0, 0,
};

const kz_cmd kz_cmd_node_revoke_key = {
    "node revoke-key", "--db FILE [--reason TEXT]", "revoke the key the last rotation replaced",
    "Ends the overlap of the last rotation at once: every peer is sent a revocation\n"
    "notice, signed by the current key, and refuses the old key from then on (its\n"
    "refused list says why). The old secret leaves the key file. Audited.",
    revoke_opts, run_revoke, 0, 0,
};

const kz_cmd kz_cmd_peer_add = {
    "peer add", "--db FILE URL --fingerprint FP [--ca FILE]", "add a peer node, pinned by the fingerprint of its key",
    "Reads the node at URL (its /api/v1/node) and adds it as a peer only when the key it\n"
    "presents has the fingerprint given, which its operator read out of band from\n"
    "`kizuna node`. No trust on first use: a wrong fingerprint adds nothing. URL is\n"
    "https:// (or http:// on a closed network). Over https the peer's certificate must\n"
    "verify, chain and host name, against the system's CA store or, with --ca FILE,\n"
    "against the certificates of FILE alone (kept in the database, used for every\n"
    "exchange with the peer); one that does not adds nothing. Audited as peer.add.",
    add_opts, run_add, 1, 1,
};

static const kz_opt ca_opts[] = {
    KZ_OPT_DB, KZ_OPT_KEY_FILE,
    {"ca", "FILE", NULL, "PEM certificates the peer's https certificate must chain to (none: the system's CA store)"},
    KZ_OPT_LOG, {0},
};

const kz_cmd kz_cmd_peer_ca = {
    "peer ca", "--db FILE ID [--ca FILE]", "change the CA a peer's certificate is checked against",
    "When a peer's TLS certificate moved to another CA: reads the peer's identity again,\n"
    "its certificate checked against the certificates of FILE alone (without --ca: the\n"
    "system's CA store), and keeps them for every later exchange only when it verifies\n"
    "and the peer still presents its pinned key; nothing changes otherwise. Its cursors,\n"
    "keys and what it sent stay as they were. Audited as peer.ca.",
    ca_opts, run_set_ca, 1, 1,
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

const kz_cmd kz_cmd_peer_compact = {
    "peer compact", "--db FILE", "compact the change log below what every peer acknowledged",
    "Drops the entries of this node's change log that a later entry of the same object\n"
    "supersedes, but only at or below the lowest cursor that all peers acknowledged\n"
    "(paused ones included): nothing a peer has not acknowledged is dropped. A tombstone\n"
    "that is the last entry of its object is kept. A peer pulling afterwards, even from\n"
    "the start, ends with the same objects. `serve` does this every hour. Audited.",
    node_opts, run_compact, 0, 0,
};

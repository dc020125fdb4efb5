/* kizuna statement export and kizuna statement verify: a public attribution statement
 * with every version and co-signature out of a node's database, and its offline check
 * by anyone who holds the file and the keys they trust. */
#include "cli/cli_session.h"

#include "codec/statements/statement.h"
#include "model/validate.h"
#include "service/statements/statements.h"
#include "util/alloc.h"

#include <stdio.h>
#include <string.h>

static int run_export(const kz_args *a)
{
    kz_cli_export x;
    char *text = NULL;
    int status = kz_cli_export_open(a, "statement", &x);
    kz_rc rc = status ? KZ_OK : kz_svc_statement_export(&x.s.call, x.id, &text);
    return kz_cli_export_finish(a, &x, status, rc, text, text ? strlen(text) : 0,
                                " (or it is not public yet: give --as ORG, one of its issuers)");
}

static void print_check(const kz_statement_check *k)
{
    char when[32];
    printf("  %s %s (%s) signed version %lld (SHA-256 %.16s...) at %s by %s%s\n", k->valid ? "ok  " : "BAD ",
           k->name ? k->name : k->organization, k->state ? k->state : "?", (long long)k->version,
           k->content_hash ? k->content_hash : "?", kz_time_format(k->signed_at, when, sizeof when),
           k->actor ? k->actor : "?",
           k->valid && !k->current ? " — an earlier version, void for the current one" : "");
    if (k->key_fingerprint)
        printf("       with the key of fingerprint %s\n", k->key_fingerprint);
    if (k->problem)
        printf("       %s\n", k->problem);
}

static void print_report(const kz_statement_report *rep)
{
    printf("statement %s, version %lld, %s: %s\n", rep->id, (long long)rep->version, rep->status,
           rep->title ? rep->title : "");
    for (size_t i = 0; i < rep->n_checks; i++)
        print_check(&rep->checks[i]);
    if (rep->withdrawn)
        printf("  withdrawal notice: %s\n", rep->withdraw_valid ? "signed, valid" : "BAD signature");
    printf("  summary (status, dates, issuers) and lists: %s\n", rep->sealed ? "sealed by the node, valid" : "NOT sealed validly");
    if (rep->key_given)
        printf("checked against the key(s) given (first fingerprint %s)\n", rep->key_fingerprint);
    else
        printf("NOT authenticated: checked against the key the file itself names (fingerprint %s); compare it\n"
               "with the node's (GET /api/v1/node) or give the keys you trust with --public-key HEX\n",
               rep->key_fingerprint ? rep->key_fingerprint : "?");
}

static int run_verify(const kz_args *a)
{
    const char *path = a->rest[0];
    kz_err err;
    kz_err_clear(&err);
    size_t len = 0, n_keys = 0;
    const char *const *keys = kz_arg_all(a, "public-key", &n_keys);
    char *text = kz_cli_slurp(path, &len, &err);
    if (!text)
        return kz_cli_error(a, "%s", err.msg);
    kz_arena ar;
    kz_arena_init(&ar);
    kz_statement_report rep;
    kz_rc rc = kz_statement_verify(text, len, keys, n_keys, &ar, &rep, &err);
    kz_free(text);
    int status = 0;
    if (rc == KZ_OK || rc == KZ_ECORRUPT) {
        print_report(&rep);
        if (rc == KZ_ECORRUPT)
            printf("statement TAMPERED: %s\n", rep.problem);
        else
            printf("statement intact: every version matches its hash, every signature and the seal verify\n");
        status = rc ? 1 : 0;
    } else {
        status = kz_cli_file_error(a, path, &err);
    }
    kz_arena_free(&ar);
    return status;
}

static const kz_opt export_opts[] = {
    KZ_OPT_DB,
    KZ_OPT_KEY_FILE,
    KZ_OPT_OUTPUT("file"),
    KZ_OPT_AS("one of the issuers"),
    KZ_OPT_LOG,
    {0},
};

static const kz_opt verify_opts[] = {
    {"public-key", "HEX", NULL, "an ed25519 public key you trust (GET /api/v1/node of the signing node); "
                                "repeat for several (one per node that approved, for a statement co-signed across "
                                "nodes); without it the key the file names is used, and said so"},
    {0},
};

const kz_cmd kz_cmd_statement_export = {
    "statement export", "ID --db FILE [--output FILE] [--as ORG]",
    "write a public attribution statement with all its signatures",
    "Writes the statement, every version of its content with its SHA-256 hash, every\n"
    "co-signer's ed25519 signature of the version it approved (with the approving user\n"
    "and organization), the signed withdrawal notice if any, and the node's public key,\n"
    "for kizuna statement verify. Before publication only its issuers may export it\n"
    "(--as picks one); after it, anyone else gets the published version and its\n"
    "signatures only. The file carries the whole technical annex.",
    export_opts, run_export, 1, 1,
};

const kz_cmd kz_cmd_statement_verify = {
    "statement verify", "FILE [--public-key HEX]...", "check an exported statement offline",
    "Checks every version's content against its hash, that the statement names its\n"
    "latest version, every signature against the keys given (or, saying so, the key the\n"
    "file names) and the withdrawal notice, then prints who signed which version and\n"
    "when. Needs no database and no network. Exits 0 when intact, 1 naming the first\n"
    "failure, 2 when FILE is not a statement export. FILE - reads stdin.",
    verify_opts, run_verify, 1, 1,
};

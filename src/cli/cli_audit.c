/* kizuna audit verify and kizuna audit head: check the signed audit chain of a database
 * offline (against the node's key file or a public key given), and export its head for
 * a third party to keep. */
#include "cli/cli_session.h"

#include "codec/core/audit_head.h"
#include "service/core/audit.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

enum { HEAD_MAX = 64 << 10 };

/* Reads and parses the head file at path; 0, or the exit status after the message. */
static int read_head(const kz_args *a, const char *path, kz_audit_head *h)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return kz_cli_error(a, "cannot open %s: %s", path, strerror(errno));
    static char text[HEAD_MAX + 1];
    size_t n = fread(text, 1, sizeof text, f);
    bool ok = !ferror(f);
    fclose(f);
    if (!ok || n > HEAD_MAX)
        return kz_cli_usage_error(a, "--head: %s is unreadable or too large to be a head", path);
    kz_err err;
    if (kz_audit_head_parse(text, n, h, &err))
        return kz_cli_usage_error(a, "--head %s: %s%s%s", path, err.field, err.field[0] ? ": " : "", err.msg);
    return 0;
}

/* --public-key as 32 bytes into pk; 0 or the exit status. */
static int public_key(const kz_args *a, unsigned char pk[KZ_SIGN_PK_BYTES])
{
    const char *hex = kz_arg(a, "public-key");
    if (!hex || strlen(hex) != 2 * KZ_SIGN_PK_BYTES || kz_hex_decode(hex, pk, KZ_SIGN_PK_BYTES) != KZ_SIGN_PK_BYTES)
        return kz_cli_usage_error(a, "--public-key must be the node's ed25519 public key, 64 hex digits "
                                     "(GET /api/v1/node)");
    return 0;
}

static void print_intact(const kz_audit_report *rep, const unsigned char *pk, const kz_audit_head *pinned)
{
    char fp[KZ_HASH_HEX];
    kz_key_fingerprint(pk, fp);
    printf("audit chain intact: %lld entries, each signed by the node key (ed25519, fingerprint %s)\n",
           (long long)rep->entries, fp);
    if (rep->unsigned_before)
        printf("entries 1 to %lld predate signing; the signature of entry %lld covers them through the chain\n",
               (long long)rep->unsigned_before, (long long)rep->unsigned_before + 1);
    if (pinned)
        printf("the exported head (entry %lld, %s) is in the chain\n", (long long)pinned->seq, pinned->hash);
}

static int verify(const kz_args *a, kz_node *node, const unsigned char *given, const kz_audit_head *pinned)
{
    kz_err err;
    kz_arena ar;
    kz_arena_init(&ar);
    kz_call c;
    kz_audit_report rep = {0};
    const unsigned char *pk = given ? given : node->sign_pk;
    char hex[2 * KZ_SIGN_PK_BYTES + 1];
    kz_hex_encode(pk, KZ_SIGN_PK_BYTES, hex);
    kz_rc rc = kz_call_init_system(&c, node, "cli", &ar, &err);
    if (!rc && pinned && strcmp(pinned->public_key, hex) != 0)
        rc = kz_fail(&err, KZ_ECORRUPT, "head", "the exported head names another public key than the node's");
    if (!rc)
        rc = kz_svc_audit_verify_with(&c, pk, pinned, &rep);
    int status = 0;
    if (rc == KZ_OK)
        print_intact(&rep, pk, pinned);
    else if (rc == KZ_ECORRUPT && rep.first_bad)
        status = kz_cli_error(a, "audit chain broken at entry %lld: %s (%lld entries read)",
                              (long long)rep.first_bad, rep.reason, (long long)rep.entries);
    else
        status = kz_cli_error(a, "%s", err.msg);
    kz_arena_free(&ar);
    return status;
}

static int run_verify(const kz_args *a)
{
    const char *db = kz_arg(a, "db"), *head = kz_arg(a, "head");
    if (!db)
        return kz_cli_usage_error(a, "give the database file with --db FILE (or KIZUNA_DB)");
    unsigned char pk[KZ_SIGN_PK_BYTES];
    kz_audit_head pinned;
    bool given = kz_arg(a, "public-key") != NULL;
    int status = given ? public_key(a, pk) : 0;
    if (!status && head)
        status = read_head(a, head, &pinned);
    if (status)
        return status;
    kz_err err;
    kz_node *node = NULL;
    bool wal = kz_store_has_wal(db);
    /* read as it is, never migrated or written (it may be a backup, or on read-only
     * media); with a key given, the key file is not needed: a copy of the database suffices */
    if (kz_cli_open_node(a, db, KZ_NODE_READ_ONLY | (given ? KZ_NODE_PUBLIC_ONLY : 0), &node, &err))
        return kz_cli_error(a, "%s%s", err.msg,
                            err.rc == KZ_ENOTFOUND && !given ? " (or check a copy with --public-key HEX)" : "");
    kz_db *h = kz_store_db(node->store, &err);
    if (h && !wal && kz_store_marked_serving(h))
        status = kz_cli_error(a, "%s carries the mark of a running server but has no -wal file beside it: it is a "
                                 "copy made without its -wal file (the newest changes and audit entries may be "
                                 "missing, so the chain cannot be called intact), or its server did not stop "
                                 "cleanly. Copy a live database with kizuna backup; after a crash, start and stop "
                                 "the server once.", db);
    else
        status = verify(a, node, given ? pk : NULL, head ? &pinned : NULL);
    kz_node_close(node);
    return status;
}

static int run_head(const kz_args *a)
{
    const char *db = kz_arg(a, "db"), *path = kz_arg(a, "output");
    if (!db)
        return kz_cli_usage_error(a, "give the database file with --db FILE (or KIZUNA_DB)");
    kz_cli_session s;
    kz_audit_head h;
    kz_buf out;
    kz_buf_init(&out, HEAD_MAX);
    int status = kz_cli_session_open(a, &s);
    if (!status && (kz_svc_audit_head(&s.call, &h) || kz_audit_head_write(&h, &out, &s.err)))
        status = kz_cli_error(a, "%s", s.err.msg);
    FILE *f = !status && path ? fopen(path, "wb") : stdout;
    if (!status && (!f || fwrite(out.p, 1, out.len, f) != out.len || (f != stdout && fclose(f) != 0)))
        status = kz_cli_error(a, "cannot write %s: %s", path ? path : "stdout", strerror(errno));
    kz_buf_free(&out);
    kz_cli_session_close(&s);
    return status;
}

static const kz_opt verify_opts[] = {
    KZ_OPT_DB,
    KZ_OPT_KEY_FILE,
    {"public-key", "HEX", NULL, "check the signatures with this ed25519 public key (GET /api/v1/node) instead of "
                                "the key file's: then a copy of the database without its key file suffices"},
    {"head", "FILE", NULL, "a head exported earlier (kizuna audit head): the chain must still hold it"},
    KZ_OPT_LOG,
    {0},
};

static const kz_opt head_opts[] = {
    KZ_OPT_DB,
    KZ_OPT_KEY_FILE,
    {"output", "FILE", NULL, "write the head here instead of stdout"},
    KZ_OPT_LOG,
    {0},
};

const kz_cmd kz_cmd_audit_verify = {
    "audit verify", "--db FILE [--public-key HEX] [--head FILE]", "verify the signed hash chain of the audit log",
    "Recomputes every entry's hash in order and checks every entry's ed25519 signature\n"
    "against the node's public key: the key file's, or the one given with --public-key\n"
    "(never a key read from the database itself). With --head, the chain must still hold\n"
    "that exported head, so a rewrite or removal of anything up to it is caught even by\n"
    "someone holding the signing key. The file is only read (never migrated or switched to\n"
    "WAL; a backup stays as it is), so it must be of this kizuna's schema. Exits 0 when the\n"
    "chain is intact, 1 naming the first entry that was changed, removed, inserted or\n"
    "re-signed.",
    verify_opts, run_verify, 0, 0,
};

const kz_cmd kz_cmd_audit_head = {
    "audit head", "--db FILE [--output FILE]", "export the signed head of the audit chain as JSON",
    "Writes the newest entry's number, time, hash and signature with the node's id, public\n"
    "key and its fingerprint. Give it to a third party (a peer node, an auditor) to keep:\n"
    "kizuna audit verify --head FILE later proves the chain was not rewritten before it.",
    head_opts, run_head, 0, 0,
};

/* kizuna request export and kizuna request verify: the signed record of a request out
 * of a node's database, and its offline check by anyone who holds the file. */
#include "cli/cli_session.h"

#include "codec/requests/record.h"
#include "crypto/crypto.h"
#include "model/validate.h"
#include "service/requests/requests.h"
#include "util/alloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { RECORD_MAX = 256 << 20 };

int kz_cli_write_out(const kz_args *a, const char *path, const char *data, size_t n)
{
    if (!path || strcmp(path, "-") == 0)
        return fwrite(data, 1, n, stdout) == n && fflush(stdout) == 0 ? 0 : kz_cli_error(a, "cannot write stdout");
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid()) >= (int)sizeof tmp)
        return kz_cli_usage_error(a, "--output path too long");
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return kz_cli_error(a, "cannot create %s: %s", tmp, strerror(errno));
    bool ok = fwrite(data, 1, n, f) == n;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return kz_cli_error(a, "cannot write %s: %s", path, strerror(e));
    }
    return 0;
}

static int run_export(const kz_args *a)
{
    const char *format = kz_arg(a, "format");
    if (!kz_arg(a, "db"))
        return kz_cli_usage_error(a, "give the database file with --db FILE (or KIZUNA_DB)");
    if (strcmp(format, "json") && strcmp(format, "html"))
        return kz_cli_usage_error(a, "--format must be json or html");
    kz_cli_export x;
    kz_buf out;
    kz_buf_init(&out, RECORD_MAX);
    int status = kz_cli_export_open(a, "request", &x);
    kz_rc rc = status ? KZ_OK : kz_svc_request_export(&x.s.call, x.id, strcmp(format, "html") == 0 ? KZ_RECORD_HTML
                                                                                                  : KZ_RECORD_JSON, &out);
    status = kz_cli_export_finish(a, &x, status, rc, out.p, out.len,
                                  " (or it is not visible to the node's own organization: give --as ORG, one of "
                                  "its sides)");
    kz_buf_free(&out);
    return status;
}

char *kz_cli_slurp(const char *path, size_t *len, kz_err *err)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        kz_fail(err, KZ_EIO, "FILE", "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    kz_buf b;
    kz_buf_init(&b, RECORD_MAX);
    char chunk[65536];
    size_t n;
    kz_rc rc = KZ_OK;
    while (!rc && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        rc = kz_buf_append(&b, chunk, n);
    if (!rc && ferror(f))
        rc = kz_fail(err, KZ_EIO, "FILE", "cannot read %s", path);
    else if (rc)
        kz_fail(err, rc, "FILE", "%s is larger than %d MiB", path, RECORD_MAX >> 20);
    if (f != stdin)
        fclose(f);
    if (rc) {
        kz_buf_free(&b);
        return NULL;
    }
    *len = b.len;
    return b.p ? kz_buf_steal(&b) : kz_strdup("");
}

static int run_verify(const kz_args *a)
{
    const char *path = a->rest[0];
    kz_err err;
    kz_err_clear(&err);
    size_t len = 0;
    char *text = kz_cli_slurp(path, &len, &err);
    if (!text)
        return kz_cli_error(a, "%s", err.msg);
    /* --public-key HEX[,HEX]: the exporting node's keys (old and new across a rotation);
     * --peer-key HEX[,HEX], once per other node: that node's keys */
    size_t n_own = 0, n_peers = 0;
    const char *const *own = kz_arg_all(a, "public-key", &n_own);
    const char *const *peers = kz_arg_all(a, "peer-key", &n_peers);
    kz_record_report rep;
    kz_rc rc = kz_record_verify_sides(text, len, own, n_own, peers, n_peers, &rep, &err);
    kz_free(text);
    if (rc == KZ_OK) {
        unsigned char pk[KZ_SIGN_PK_BYTES];
        char fp[KZ_HASH_HEX];
        kz_hex_decode(rep.public_key, pk, sizeof pk);
        kz_key_fingerprint(pk, fp);
        if (rep.key_given)
            printf("record intact: request %s, %lld entries, status %s, signed by ed25519 key %s (fingerprint %s), "
                   "the key given\n", rep.request, (long long)rep.entries, rep.status, rep.public_key, fp);
        else
            printf("record consistent, NOT authenticated: request %s, %lld entries, status %s.\n"
                   "Only its internal consistency was checked: its signatures verify with the key the file\n"
                   "itself names, which whoever wrote the file chose:\n"
                   "  public key   %s\n"
                   "  fingerprint  %s\n"
                   "Compare the fingerprint with the node's (GET /api/v1/node), or give the node's key\n"
                   "with --public-key HEX.\n",
                   rep.request, (long long)rep.entries, rep.status, rep.public_key, fp);
        if (rep.peer_public_key[0])
            printf("The other side's entries are signed by its node's key %s (%s).\n", rep.peer_public_key,
                   rep.key_given ? "a key given" : "named by the record, NOT authenticated");
        if (rep.version < 2)
            printf("This is a version 1 record: its summary (dates, overdue, escalation level, names) is not "
                   "covered by its seal, only its status and content are checked against the entries.\n");
        return 0;
    }
    if (rc == KZ_ECORRUPT) {
        if (rep.first_bad)
            printf("record TAMPERED: entry %lld: %s (%lld entries verified before it)\n", (long long)rep.first_bad,
                   rep.reason, (long long)rep.entries);
        else
            printf("record TAMPERED: %s (%lld entries verified)\n", rep.reason, (long long)rep.entries);
        return 1;
    }
    return kz_cli_file_error(a, path, &err);
}

static const kz_opt export_opts[] = {
    KZ_OPT_DB,
    KZ_OPT_KEY_FILE,
    KZ_OPT_OUTPUT("record"),
    {"format", "FORMAT", "json", "json (the signed record) or html (a printable page of it)"},
    KZ_OPT_AS("one of the request's sides"),
    KZ_OPT_LOG,
    {0},
};

static const kz_opt verify_opts[] = {
    {"public-key", "HEX[,HEX]", NULL, "the exporting node's ed25519 public key (GET /api/v1/node); after a key "
                                      "rotation its old and new keys, comma-separated or the option repeated; "
                                      "without it only the record's internal consistency is checked, against "
                                      "the key the file names"},
    {"peer-key", "HEX[,HEX]", NULL, "a request between nodes: the other node's public key (after a rotation its "
                                    "old and new keys, comma-separated), whose node signed the other side's "
                                    "entries; repeat it for each other node"},
    {0},
};

const kz_cmd kz_cmd_request_export = {
    "request export", "ID --db FILE [--output FILE] [--format json|html]",
    "write the signed record of a request",
    "Writes the request, every entry of its record with its SHA-256 hash and the node's\n"
    "ed25519 signature, and a seal signed now that counts the entries. The record can be\n"
    "shown to a third party as proof that the request was sent, received and answered;\n"
    "they check it with kizuna request verify. The request must be visible to the\n"
    "exporting organization under its TLP label (--as picks one of its two sides).",
    export_opts, run_export, 1, 1,
};

const kz_cmd kz_cmd_request_verify = {
    "request verify", "FILE [--public-key HEX[,HEX]] [--peer-key HEX[,HEX]]...", "check a request record offline",
    "Checks every entry's hash, its link to the entry before and its signature, the seal\n"
    "(which also covers the request summary and the node's name, so every field the\n"
    "record and its printable page show), and that the summary agrees with the signed\n"
    "entries. Needs no database and no network. Without --public-key it checks only\n"
    "internal consistency and says so, printing the fingerprint of the key the file names\n"
    "to compare. Exits 0 when intact (or consistent), 1 naming the first tampered entry, 2\n"
    "when FILE is not a record. FILE - reads stdin. A request between two nodes holds\n"
    "entries signed by each node (its side's moves); give the other node's key with\n"
    "--peer-key, and either node's export verifies. A node that rotated its key\n"
    "(kizuna node rotate-key) signed its entries with the old key before the rotation and\n"
    "the new one after: give both, --public-key OLD,NEW or --peer-key OLD,NEW.",
    verify_opts, run_verify, 1, 1,
};

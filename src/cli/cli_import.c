/* kizuna import csv: a CSV feed (URLhaus, PhishTank style lists, or a Kizuna export)
 * into indicators. */
#include "cli/cli.h"

#include "model/validate.h"
#include "service/directory/keys.h"
#include "service/sharing/import.h"
#include "util/clock.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum { REJECTS_SHOWN = 100 };

/* "id,id,..." into a list in ar, each a UUID. */
int kz_cli_id_list(const kz_args *a, const char *opt, kz_arena *ar, kz_strlist *out)
{
    const char *v = kz_arg(a, opt);
    out->n = 0;
    out->v = NULL;
    if (!v)
        return 0;
    size_t n = 1;
    for (const char *p = v; *p; p++)
        n += *p == ',';
    out->v = kz_arena_calloc(ar, n, sizeof *out->v);
    char *copy = kz_arena_strdup(ar, v);
    if (!out->v || !copy)
        return kz_cli_error(a, "out of memory");
    for (char *rest = copy, *tok; (tok = strsep(&rest, ",")) != NULL;) {
        if (!*tok)
            continue;  /* an empty item between two commas is no id */
        kz_err e;
        if (kz_valid_uuid(tok, opt, &e))
            return kz_cli_usage_error(a, "--%s: '%s' is not an id", opt, tok);
        out->v[out->n++] = tok;
    }
    return 0;
}

int kz_cli_import_failed(const kz_args *a, const char *msg, const char *unit, uint64_t records, uint64_t committed)
{
    if (committed)
        return kz_cli_error(a, "%s (the first %llu %s were imported, in chunks of --chunk; nothing after "
                               "them was: fix the input and import it again, what landed stays unchanged)",
                            msg, (unsigned long long)committed, unit);
    return kz_cli_error(a, "%s%s", msg, records ? " (nothing was imported)" : "");
}

static void print_reject(void *ctx, const char *file, uint64_t line, const kz_err *e)
{
    uint64_t *shown = ctx;
    if ((*shown)++ < REJECTS_SHOWN)
        fprintf(stderr, "kizuna import csv: %s:%llu: %s%s%s (record skipped)\n", file, (unsigned long long)line,
                e->field, e->field[0] ? ": " : "", e->msg);
}

static int one_char(const kz_args *a, const char *opt, char *out)
{
    const char *v = kz_arg(a, opt);
    if (!v)
        return 0;
    if (strcmp(v, "tab") == 0 || strcmp(v, "\\t") == 0)
        v = "\t";
    if (strlen(v) != 1 || v[0] == '"' || v[0] == '\n')
        return kz_cli_usage_error(a, "--%s must be one character (or 'tab')", opt);
    *out = v[0];
    return 0;
}

static int options(const kz_args *a, kz_arena *ar, kz_import_csv_opts *o)
{
    kz_csv_defaults *d = &o->defaults;
    const char *type = kz_arg(a, "type"), *tlp = kz_arg(a, "tlp");
    d->type = -1;
    d->tlp = -1;
    if (type && (d->type = kz_ind_type_from_name(type)) < 0)
        return kz_cli_usage_error(a, "--type must be an indicator type (ipv4, ipv6, cidr, domain, url, email, "
                                     "md5, sha1, sha256, asn) or auto");
    if (tlp && (d->tlp = kz_tlp_from_name(tlp)) < 0)
        return kz_cli_choices_error(a, "tlp");
    d->confidence = kz_arg(a, "confidence") ? kz_arg_num(a, "confidence", 0, 100) : -1;
    if (kz_arg(a, "confidence") && d->confidence < 0)
        return 2;
    int rc = kz_cli_id_list(a, "recipients", ar, &d->recipients);
    if (!rc)
        rc = kz_cli_id_list(a, "incident", ar, &d->incidents);
    if (rc)
        return rc;
    d->recipients_given = kz_arg(a, "recipients") != NULL;
    d->allow_clients = kz_arg(a, "allow-clients") != NULL;
    d->source = kz_arg(a, "source");
    kz_err e;
    if (d->source && kz_valid_uuid(d->source, "source", &e))
        return kz_cli_usage_error(a, "--source must be an organization id");
    o->map = kz_arg(a, "map");
    o->no_header = kz_arg(a, "no-header") != NULL;
    o->skip_invalid = kz_arg(a, "skip-invalid") != NULL;
    o->dry_run = kz_arg(a, "dry-run") != NULL;
    if (kz_arg_chunk(a, &o->chunk))
        return 2;
    o->allow_declassify = kz_arg(a, "allow-declassify") != NULL;
    if ((rc = kz_arg_exercise(a, &o->exercise)))
        return rc;
    if ((rc = one_char(a, "delimiter", &o->delim)) || (rc = one_char(a, "comment", &o->comment)))
        return rc;
    return 0;
}

static int run(const kz_args *a)
{
    kz_node *node = NULL;
    kz_arena ar;
    kz_err err;
    kz_call c;
    kz_import_csv_opts o = {.path = a->rest[0], .progress_fd = STDERR_FILENO};
    uint64_t shown = 0;
    o.on_reject = print_reject;
    o.ctx = &shown;
    kz_arena_init(&ar);
    int status = options(a, &ar, &o);
    if (status || (status = kz_cli_call(a, &node, &ar, &err, &c))) {
        kz_arena_free(&ar);
        return status;
    }
    kz_import_report rep;
    double t0 = kz_mono_s();
    kz_rc rc = status ? KZ_EINVAL : kz_svc_import_csv(&c, &o, &rep);
    double secs = kz_mono_s() - t0;
    if (!status && rc)
        status = kz_cli_import_failed(a, err.msg, "records", rep.records, rep.committed);
    if (!status) {
        if (shown > REJECTS_SHOWN)
            fprintf(stderr, "kizuna import csv: ... and %llu more records skipped\n",
                    (unsigned long long)(shown - REJECTS_SHOWN));
        printf("%s: %llu records: %llu created, %llu merged, %llu unchanged, %llu rejected%s"
               " (%.1f s, %.0f records/s)\n",
               o.path, (unsigned long long)rep.records, (unsigned long long)rep.created,
               (unsigned long long)rep.merged, (unsigned long long)rep.unchanged,
               (unsigned long long)rep.rejected, o.dry_run ? "; dry run, nothing written" : "", secs,
               secs > 0 ? (double)rep.records / secs : 0.0);
    }
    kz_arena_free(&ar);
    kz_node_close(node);
    return status;
}

static const kz_opt opts[] = {
    KZ_OPT_DB,
    KZ_OPT_KEY_FILE,
    {"map", "COL=FIELD,...", NULL, "which column feeds which field (type, value, tlp, confidence, first_seen, "
                                   "last_seen, valid_until, description); COL is a header name or a 1-based "
                                   "number; without it the header must name the fields"},
    {"type", "TYPE", NULL, "the type of every value when no column says (auto: detect each)"},
    {"tlp", "LABEL", NULL, "the TLP label when no column says", &kz_tlp_enum},
    {"confidence", "N", NULL, "confidence 0-100 when no column says (default 50 for new indicators)"},
    {"recipients", "ORG,...", NULL, "organization ids the indicators are shared with"},
    {"allow-clients", NULL, NULL, "AMBER: recipients may pass the indicators on to the node's clients"},
    {"incident", "ID,...", NULL, "link every indicator to these incidents"},
    {"source", "ORG", NULL, "the source organization (default: the node's, or the key's)"},
    {"no-header", NULL, NULL, "the first line is data; --map uses column numbers"},
    {"delimiter", "C", ",", "field separator (one character, or 'tab')"},
    {"comment", "C", NULL, "skip lines starting with this character (e.g. '#')"},
    {"skip-invalid", NULL, NULL, "skip bad records (each reported on stderr) instead of importing nothing"},
    {"dry-run", NULL, NULL, "check the whole feed, write nothing"},
    KZ_OPT_CHUNK,
    {"allow-declassify", NULL, NULL, "let a merge lower the label or widen the recipients of your own organization's indicators (audited)"},
    {"exercise", "ID", NULL, "a player's import during a table-top exercise: everything imported is made in that run"},
    {"key", "KEY", NULL, "import as this API key's organization and role (default: the node itself)"},
    KZ_OPT_LOG,
    {0},
};

const kz_cmd kz_cmd_import_csv = {
    "import csv", "--db FILE [options] FILE|-", "import a CSV feed of indicators",
    "Streams FILE (or standard input; gzip is recognised) into indicators, committing every\n"
    "--chunk records (so that the running server's API writes get through between chunks),\n"
    "in constant memory, with a progress line on a terminal. Values are normalized and\n"
    "deduplicated per (type, value, source), so importing the same feed again changes\n"
    "nothing. The first bad record stops the import with FILE:LINE, the column and the\n"
    "reason (unless --skip-invalid): the chunks before it stay imported and the message says\n"
    "how many records that is; nothing after them is. --chunk 0 keeps the whole file in\n"
    "one transaction: then nothing at all is written. Example, a URLhaus list:\n"
    "  kizuna import csv --db k.db --comment '#' --no-header --map 3=value,2=first_seen \\\n"
    "      --type url --tlp clear csv.txt",
    opts, run, 1, 1,
};

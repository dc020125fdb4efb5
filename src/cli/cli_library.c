/* kizuna library export|import: the policy library as JSON lines or CSV (every
 * version the caller may see, with its stored copy), read back all or nothing with
 * errors that give the line and the column. */
#include "cli/cli.h"

#include "service/law/documents.h"
#include "util/reader.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum { LINE_MAX_BYTES = 8 << 20, RECORDS_MAX = 1000000 };

/* --format, or from the file name: .csv is CSV, anything else JSON lines. 1 = CSV,
 * 0 = JSON lines, -1 after printing a usage error. */
static int format_of(const kz_args *a, const char *path)
{
    const char *f = kz_arg(a, "format");
    if (!f) {
        size_t n = path ? strlen(path) : 0;
        return n > 4 && strcmp(path + n - 4, ".csv") == 0;
    }
    if (strcmp(f, "csv") == 0 || strcmp(f, "jsonl") == 0)
        return f[0] == 'c';
    kz_cli_usage_error(a, "--format must be jsonl or csv");
    return -1;
}

typedef struct sink {
    FILE *f;
    bool csv;
    kz_buf b;
} sink;

static int put(void *ctx, const kz_document *o, const kz_document_blob *file)
{
    sink *s = ctx;
    kz_buf_reset(&s->b);
    kz_rc rc = s->csv ? kz_document_csv_row(&s->b, o, file) : kz_document_jsonl(&s->b, o, file);
    return rc || fwrite(s->b.p, 1, s->b.len, s->f) != s->b.len;
}

static int run_export(const kz_args *a)
{
    const char *path = kz_arg(a, "output");
    int csv = format_of(a, path);
    if (csv < 0)
        return 2;
    FILE *f = stdout;
    if (path && !(f = fopen(path, "wb")))
        return kz_cli_error(a, "cannot create %s: %s", path, strerror(errno));
    sink s = {f, csv == 1, {0}};
    kz_buf_init(&s.b, 16u << 20);
    kz_node *node = NULL;
    kz_arena ar;
    kz_err err;
    kz_call c;
    kz_arena_init(&ar);
    uint64_t count = 0;
    int status = kz_cli_call(a, &node, &ar, &err, &c);
    if (!status && csv && (kz_document_csv_header(&s.b) || fwrite(s.b.p, 1, s.b.len, f) != s.b.len))
        status = kz_cli_error(a, "cannot write the export: %s", strerror(errno));
    if (!status && kz_svc_document_export(&c, put, &s, &count))
        status = kz_cli_error(a, "%s", err.msg);
    if (fflush(f) != 0 && !status)
        status = kz_cli_error(a, "cannot write the export: %s", strerror(errno));
    if (path) {
        fclose(f);
        if (status)
            unlink(path);  /* no half export left behind */
        else
            fprintf(stderr, "%s: %llu document versions\n", path, (unsigned long long)count);
    }
    kz_buf_free(&s.b);
    kz_arena_free(&ar);
    kz_node_close(node);
    return status;
}

/* What import holds: every record decoded, with the line it started on. */
typedef struct records {
    kz_document *docs;
    kz_document_blob *files;
    uint64_t *lines;
    size_t n, cap;
} records;

static int grow(records *r, kz_arena *ar)
{
    if (r->n < r->cap)
        return 0;
    size_t cap = r->cap ? r->cap * 2 : 64;
    kz_document *d = kz_arena_calloc(ar, cap, sizeof *d);
    kz_document_blob *f = kz_arena_calloc(ar, cap, sizeof *f);
    uint64_t *l = kz_arena_calloc(ar, cap, sizeof *l);
    if (!d || !f || !l || cap > RECORDS_MAX)
        return -1;
    if (r->n) {
        memcpy(d, r->docs, r->n * sizeof *d);
        memcpy(f, r->files, r->n * sizeof *f);
        memcpy(l, r->lines, r->n * sizeof *l);
    }
    *r = (records){d, f, l, r->n, cap};
    return 0;
}

/* Reads every record of path into recs; 0, or the exit status after printing
 * "path:line: message". */
static int read_records(const kz_args *a, const char *path, bool csv, kz_arena *ar, records *recs)
{
    kz_reader *rd = NULL;
    kz_err e;
    if (kz_reader_open(path, 2 * LINE_MAX_BYTES, LINE_MAX_BYTES, &rd, &e))
        return kz_cli_error(a, "%s", e.msg);
    kz_csv_reader cr;
    kz_csv_reader_init(&cr, ',', 0);
    kz_document_columns cols;
    bool header = csv;
    kz_line line;
    int got, status = 0;
    uint64_t at = 0;
    while (!status && (got = kz_reader_next(rd, &line, &e)) == 1) {
        at = line.no;
        kz_rc rc = KZ_OK;
        if (line.too_long) {
            rc = kz_fail(&e, KZ_ETOOBIG, NULL, "line longer than %d bytes", LINE_MAX_BYTES);
        } else if (!csv) {
            if (!line.len)
                continue;
            if (grow(recs, ar))
                rc = kz_fail(&e, KZ_ENOMEM, NULL, "too many records");
            else if (!(rc = kz_document_from_json(line.p, line.len, ar, &recs->docs[recs->n], &recs->files[recs->n], &e)))
                recs->lines[recs->n++] = line.no;
        } else {
            const kz_csv_record *r;
            int k = kz_csv_reader_line(&cr, line.p, line.len, line.no, &r, &e);
            at = k < 0 ? cr.line : line.no;
            if (k < 0)
                rc = KZ_EINVAL;
            else if (k > 0 && header) {
                header = false;
                rc = kz_document_csv_columns(r, &cols, &e);
                at = r->line;
            } else if (k > 0) {
                at = r->line;
                if (grow(recs, ar))
                    rc = kz_fail(&e, KZ_ENOMEM, NULL, "too many records");
                else if (!(rc = kz_document_from_csv(&cols, r, ar, &recs->docs[recs->n], &recs->files[recs->n], &e)))
                    recs->lines[recs->n++] = r->line;
            }
        }
        if (rc)
            status = kz_cli_error(a, "%s:%llu: %s%s%s", path, (unsigned long long)at, e.field,
                                  e.field[0] ? ": " : "", e.msg);
    }
    if (!status && got < 0)
        status = kz_cli_error(a, "%s: %s", path, e.msg);
    if (!status && csv && kz_csv_reader_end(&cr, &e))
        status = kz_cli_error(a, "%s:%llu: %s", path, (unsigned long long)cr.line, e.msg);
    kz_csv_reader_free(&cr);
    kz_reader_close(rd);
    return status;
}

int kz_cli_library_load(const kz_args *a, kz_call *c, const char *path, int csv, kz_arena *ar,
                        kz_library_import_report *rep)
{
    records recs = {0};
    memset(rep, 0, sizeof *rep);
    int status = read_records(a, path, csv == 1, ar, &recs);
    if (!status && kz_svc_document_import(c, recs.docs, recs.files, recs.n, rep))
        status = kz_cli_error(a, "%s:%llu: %s%s%s (nothing imported)", path,
                              (unsigned long long)(rep->failed < recs.n ? recs.lines[rep->failed] : 0),
                              c->err->field, c->err->field[0] ? ": " : "", c->err->msg);
    return status;
}

static int run_import(const kz_args *a)
{
    const char *path = a->rest[0];
    int csv = format_of(a, path);
    if (csv < 0)
        return 2;
    kz_node *node = NULL;
    kz_arena ar;
    kz_err err;
    kz_call c;
    kz_arena_init(&ar);
    kz_library_import_report rep = {0};
    int status = kz_cli_call(a, &node, &ar, &err, &c);
    if (!status)
        status = kz_cli_library_load(a, &c, path, csv, &ar, &rep);
    if (!status)
        printf("%llu document versions imported, %llu already there\n", (unsigned long long)rep.created,
               (unsigned long long)rep.unchanged);
    kz_arena_free(&ar);
    kz_node_close(node);
    return status;
}

static const kz_opt export_opts[] = {
    KZ_OPT_DB,
    KZ_OPT_KEY_FILE,
    {"format", "FORMAT", NULL, "jsonl or csv (default: csv when --output ends in .csv, else jsonl)"},
    {"output", "FILE", NULL, "write there instead of standard output (removed again on failure)"},
    {"key", "KEY", NULL, "export what this API key's organization may see (default: the node's own organization)"},
    KZ_OPT_LOG,
    {0},
};

static const kz_opt import_opts[] = {
    KZ_OPT_DB,
    KZ_OPT_KEY_FILE,
    {"format", "FORMAT", NULL, "jsonl or csv (default: csv when FILE ends in .csv, else jsonl)"},
    {"key", "KEY", NULL, "import as this API key's organization (default: the node's own organization)"},
    KZ_OPT_LOG,
    {0},
};

const kz_cmd kz_cmd_library_export = {
    "library export", "--db FILE [--format jsonl|csv] [--output FILE]", "export the policy library",
    "Writes every version of every document the caller may see under TLP, oldest first,\n"
    "with its stored copy (file_base64): one JSON object per line, or CSV under a header\n"
    "of field names (lists joined with spaces). library import reads both back.",
    export_opts, run_export, 0, 0,
};

const kz_cmd kz_cmd_library_import = {
    "library import", "--db FILE [--format jsonl|csv] FILE", "import documents exported by library export",
    "Reads every record first and stops at the first bad one, naming its line and column\n"
    "(CSV) or field; then writes all of them in one transaction, or none. Versions already\n"
    "stored with the same hash are skipped; the hash and sha256 of each record are checked\n"
    "against its content, so a record changed after export is refused.",
    import_opts, run_import, 1, 1,
};

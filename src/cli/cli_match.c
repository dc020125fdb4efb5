/* kizuna match: telemetry against shared indicators, and kizuna stats victims: the
 * distinct victims behind the matches per period, as a table, CSV, JSON or an SVG chart. */
#include "cli/cli.h"

#include "codec/telemetry/victims_json.h"
#include "util/reader.h"
#include "service/directory/keys.h"
#include "service/routing/geo.h"
#include "service/telemetry/match_sources.h"
#include "service/telemetry/victims.h"
#include "util/alloc.h"
#include "util/json_text.h"
#include "util/progress.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { MATCH_BLOCK = 2 << 20 };  /* the reading thread's block, see run_match */

/* ---- kizuna match ----------------------------------------------------------------- */

typedef struct out_ctx {
    const kz_indset *set;
    FILE *out;
    kz_buf line;
    kz_match_recorder *rec;
} out_ctx;

static kz_rc print_hit(void *ctx, const kz_match_hit *h)
{
    out_ctx *o = ctx;
    if (o->out) {
        kz_buf_reset(&o->line);
        kz_rc rc = kz_match_hit_json(o->set, h, &o->line);
        if (rc == KZ_OK)
            rc = kz_buf_puts(&o->line, "\n");
        if (rc != KZ_OK || fwrite(o->line.p, 1, o->line.len, o->out) != o->line.len)
            return KZ_EIO;
    }
    return o->rec ? kz_match_recorder_add(o->rec, h) : KZ_OK;
}

static void print_summary(const kz_args *a, const kz_match_stats *st, const kz_indset *set,
                          const kz_match_record_report *rr, bool recorded, bool cached)
{
    size_t n = kz_indset_count(set);
    double per = n ? (double)kz_indset_bytes(set) / (double)n : 0;
    if (strcmp(kz_arg(a, "summary"), "json") == 0) {
        fprintf(stderr,
                "{\"files\":%llu,\"failed_files\":%llu,\"lines\":%llu,\"bytes\":%llu,"
                "\"bytes_read\":%llu,\"matches\":%llu,\"matched_lines\":%llu,\"malformed\":%llu,"
                "\"too_long\":%llu,\"invalid_utf8\":%llu,\"truncated\":%llu,\"seconds\":%.3f,"
                "\"threads\":%d,\"indicators\":%zu,\"indicator_bytes\":%zu,"
                "\"bytes_per_indicator\":%.1f",
                (unsigned long long)st->files, (unsigned long long)st->failed_files,
                (unsigned long long)st->lines, (unsigned long long)st->bytes,
                (unsigned long long)st->bytes_in, (unsigned long long)st->matches,
                (unsigned long long)st->matched_lines, (unsigned long long)st->malformed,
                (unsigned long long)st->too_long, (unsigned long long)st->invalid_utf8,
                (unsigned long long)st->truncated, st->seconds, st->threads, n,
                kz_indset_bytes(set), per);
        fprintf(stderr, ",\"indicators_cached\":%s", cached ? "true" : "false");
        if (recorded)
            fprintf(stderr, ",\"sightings\":%zu,\"victims_added\":%zu", rr->sightings,
                    rr->victims_added);
        fprintf(stderr, "}\n");
        return;
    }
    char b[32], rate[32], c1[32], c2[32], c3[32];
    double secs = st->seconds > 0 ? st->seconds : 1e-9;
    fprintf(stderr, "kizuna match: %s lines, %s in %.2f s (%s/s) on %d threads; %s matches on %s lines\n",
            kz_fmt_count(st->lines, c1, sizeof c1), kz_fmt_bytes(st->bytes, b, sizeof b), st->seconds,
            kz_fmt_bytes((uint64_t)((double)st->bytes / secs), rate, sizeof rate), st->threads,
            kz_fmt_count(st->matches, c2, sizeof c2), kz_fmt_count(st->matched_lines, c3, sizeof c3));
    fprintf(stderr, "  %zu indicators in %s (%.1f bytes each%s)", n,
            kz_fmt_bytes(kz_indset_bytes(set), b, sizeof b), per,
            cached ? ", the compiled set kept beside the file" : "");
    if (st->malformed || st->too_long || st->invalid_utf8 || st->truncated || st->failed_files)
        fprintf(stderr, "; bad input: %llu malformed, %llu over-long, %llu not UTF-8, %llu truncated"
                        " lines, %llu unreadable or cut-short inputs",
                (unsigned long long)st->malformed, (unsigned long long)st->too_long,
                (unsigned long long)st->invalid_utf8, (unsigned long long)st->truncated,
                (unsigned long long)st->failed_files);
    fprintf(stderr, "\n");
    if (recorded)
        fprintf(stderr, "  recorded %zu sighting report%s and %zu new victim row%s%s\n", rr->sightings,
                rr->sightings == 1 ? "" : "s", rr->victims_added, rr->victims_added == 1 ? "" : "s",
                rr->skipped_no_id ? " (matches of file indicators are not recorded)" : "");
}

static void loading(void *ctx, uint64_t added) { kz_progress_update(ctx, added); }

/* The indicators of the file, through the compiled set kept beside it (FILE.kzi) unless
 * --no-cache; *out is the caller's. */
static kz_rc load_file(const kz_args *a, const char *path, kz_ind_load_report *rep, kz_indset **out,
                       bool *cached, kz_err *err)
{
    char cache[4096];
    bool use = !kz_arg(a, "no-cache") && (size_t)snprintf(cache, sizeof cache, "%s.kzi", path) < sizeof cache;
    return kz_match_load_file_cached(path, use ? cache : NULL, stderr, 20, rep, out, cached, err);
}

/* The indicators the caller may see in the database, and those of the file (NULL: none)
 * beside them, compiled into *out (the caller's). Errors in err (c->err). */
static kz_rc load_with_db(kz_call *c, const char *path, kz_ind_load_report *rep, kz_indset **out, kz_err *err)
{
    kz_indset_builder *b = kz_indset_builder_new();
    if (!b)
        return kz_fail(err, KZ_ENOMEM, NULL, "out of memory");
    kz_rc rc = path ? kz_match_load_file(b, path, stderr, 20, rep, err) : KZ_OK;
    if (!rc)
        rc = kz_match_load_db(c, b, rep);
    if (rc) {
        kz_indset_builder_free(b);
        return rc;
    }
    return kz_indset_compile(b, out, err);
}

static int run_match(const kz_args *a)
{
    const char *ind_file = kz_arg(a, "indicators"), *db = kz_arg(a, "db");
    if (!ind_file && !db)
        return kz_cli_usage_error(a, "give indicators with --indicators FILE or --db FILE");
    kz_match_opts o = {0};
    int fmt = kz_arg_enum(a, "format");
    int tlp = fmt < 0 ? -1 : kz_arg_enum(a, "sighting-tlp");
    if (fmt < 0 || tlp < 0)
        return 2;
    long long threads = kz_arg_num(a, "threads", 0, 256);
    long long max_line = kz_arg_num(a, "max-line", 256, 64ll << 20);
    if (threads < 0 || max_line < 0)
        return 2;
    const char *summary = kz_arg(a, "summary");
    if (strcmp(summary, "text") && strcmp(summary, "json"))
        return kz_cli_usage_error(a, "--summary must be text or json");
    static char *stdin_only[] = {"-"};
    o.inputs = a->nrest ? a->rest : stdin_only;
    o.n_inputs = a->nrest ? a->nrest : 1;
    o.fmt.format = (kz_log_format)fmt;
    o.fmt.fields = kz_arg(a, "fields");
    o.fmt.ts_field = kz_arg(a, "ts-field");
    o.fmt.victim_field = kz_arg(a, "victim-field");
    o.fmt.header = kz_arg(a, "header") != NULL;
    o.threads = (int)threads;
    o.max_line = (size_t)max_line;
    /* blocks of 2 MiB, not the reader's 4: the reading thread's copy and its scan for
     * Zeek headers stay in cache, and the workers take them sooner (bench/RESULTS.md,
     * issue 17 point 1, perf-zeek); never under two of the longest lines */
    o.block_size = (size_t)max_line * 2 > MATCH_BLOCK ? (size_t)max_line * 2 : MATCH_BLOCK;
    o.progress = true;
    o.warn = stderr;
    o.max_warnings = KZ_MATCH_WARNINGS;

    kz_err err;
    kz_err_clear(&err);
    kz_node *node = NULL;
    kz_arena ar;
    kz_arena_init(&ar);
    kz_call c;
    int status = 0;
    kz_indset *set = NULL;
    bool cached = false;
    kz_geodb *geo = NULL;
    kz_match_recorder *rec = NULL;
    out_ctx oc = {0};
    kz_buf_init(&oc.line, 1 << 20);
    static char outbuf[1 << 16];
    FILE *out = stdout;

    if (db && (status = kz_cli_call(a, &node, &ar, &err, &c)))
        goto out;
    kz_progress *pg = kz_progress_new(STDERR_FILENO, "loading", "indicators", -1);
    kz_ind_load_report rep = {.progress = loading, .progress_ctx = pg};
    kz_rc rc = db ? load_with_db(&c, ind_file, &rep, &set, &err)
                  : load_file(a, ind_file, &rep, &set, &cached, &err);
    kz_progress_done(pg);
    if (rc) {
        status = kz_cli_error(a, "%s", err.msg);
        goto out;
    }
    if (kz_indset_has(set, KZ_IND_ASN)) {
        if (kz_cli_geodb_open(a, &geo, &err)) {
            status = kz_cli_error(a, "AS indicators need the routing data: %s", err.msg);
            goto out;
        }
        o.geodb = geo;
    }
    const char *output = kz_arg(a, "output");
    if (kz_arg(a, "count")) {
        out = NULL;
    } else if (output && strcmp(output, "-") != 0) {
        if (!(out = fopen(output, "w"))) {
            status = kz_cli_error(a, "cannot create %s: %s", output, strerror(errno));
            goto out;
        }
    }
    if (out)
        setvbuf(out, outbuf, _IOFBF, sizeof outbuf);
    bool record = db && !kz_arg(a, "dry-run");
    if (record && !(rec = kz_match_recorder_new(&c, set, tlp))) {
        status = kz_cli_error(a, "out of memory");
        goto out;
    }
    oc.set = set;
    oc.out = out;
    oc.rec = rec;
    kz_match_stats st;
    rc = kz_match_run(set, &o, print_hit, &oc, &st, &err);
    if (out && fflush(out) != 0 && !rc)
        rc = kz_fail(&err, KZ_EIO, "output", "cannot write the matches: %s", strerror(errno));
    kz_match_record_report rr = {0};
    if (!rc && rec)
        rc = kz_match_recorder_finish(rec, &rr);
    if (rc) {
        status = kz_cli_error(a, "%s", err.msg[0] ? err.msg : kz_strerror(rc));
        goto out;
    }
    print_summary(a, &st, set, &rr, record, cached);
    if (geo)
        kz_cli_geo_footer(geo);
    status = st.failed_files ? 1 : 0;
out:
    if (out && out != stdout)
        fclose(out);
    kz_buf_free(&oc.line);
    kz_match_recorder_free(rec);
    kz_indset_free(set);
    if (geo)
        kz_geodb_close(geo);
    kz_arena_free(&ar);
    if (node)
        kz_node_close(node);
    return status;
}

static const kz_opt match_opts[] = {
    {"indicators", "FILE", NULL, "indicators to match: lines of type,value[,id], or a STIX 2.1 bundle"},
    KZ_OPT_DB,
    KZ_OPT_KEY_FILE,
    {"key", "KEY", NULL, "with --db: match what this API key may see (default: the node's own organization)"},
    {"format", "FORMAT", "auto", "the log format (auto: csv/tsv when the first line is a header)", &kz_log_format_enum},
    {"fields", "LIST", NULL, "json/csv/tsv: the fields to match, name[:kind],... (kinds ip, host, url, email, hash, auto, text)"},
    {"header", NULL, NULL, "csv/tsv: the first line names the columns (also detected)"},
    {"ts-field", "NAME", NULL, "the field holding the time (default: detected by name)"},
    {"victim-field", "NAME", NULL, "the field naming the victim (default: a user field, else the source address)"},
    {"output", "FILE", "-", "where the matches go, as JSON lines"},
    {"no-cache", NULL, NULL, "do not read or write the compiled indicators FILE.kzi kept beside --indicators FILE"},
    {"count", NULL, NULL, "print only the summary, not the matches"},
    {"summary", "FORMAT", "text", "the summary on stderr: text or json"},
    {"dry-run", NULL, NULL, "with --db: record no sightings and no victims"},
    {"sighting-tlp", "TLP", "amber", "TLP of the sighting reports written back", &kz_tlp_enum},
    {"threads", "N", "0", "worker threads (0: one per CPU)"},
    {"max-line", "BYTES", "1048576", "longer lines are reported and skipped"},
    KZ_OPT_TABLE,
    KZ_OPT_LOG,
    {0},
};

const kz_cmd kz_cmd_match = {
    "match", "[options] [FILE...]", "scan telemetry for shared indicators",
    "Reads each FILE (or the standard input; gzip is recognized) in the given log format,\n"
    "matches addresses (longest prefix), host names (and their parent domains), URLs (exact\n"
    "and prefix, after the same normalization as on import), e-mail addresses, hashes and,\n"
    "through the routing data, AS numbers, and prints one JSON line per match. With --db\n"
    "the indicators are those the caller may see and that have not expired, and the\n"
    "matches are written back as sighting reports per indicator and day, with their victims\n"
    "as keyed hashes for `kizuna stats victims`. The compiled set of an --indicators file\n"
    "is kept beside it as FILE.kzi and mapped by the next run while the file and kizuna\n"
    "are unchanged (--no-cache: neither read nor written). A summary ends on stderr.",
    match_opts, run_match, 0, -1,
};

/* ---- kizuna stats victims ------------------------------------------------------------ */

static void csv_cell(FILE *f, const char *s)
{
    if (!s)
        return;
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void print_stats(const char *format, const kz_victim_query *q, const kz_victim_stat *v, size_t n)
{
    bool grouped = q->by != KZ_VICTIMS_TOTAL;
    const char *by = kz_enum_name(&kz_victim_dim_enum, (int)q->by);
    if (strcmp(format, "csv") == 0) {
        printf("period,start,%s%svictims,previous,change_pct\n", grouped ? by : "", grouped ? "," : "");
        for (size_t i = 0; i < n; i++) {
            printf("%s,%s,", v[i].period, v[i].start);
            if (grouped) {
                csv_cell(stdout, v[i].group);
                putchar(',');
            }
            printf("%lld,", (long long)v[i].victims);
            if (v[i].previous >= 0)
                printf("%lld", (long long)v[i].previous);
            putchar(',');
            if (!isnan(v[i].change_pct))
                printf("%.1f", v[i].change_pct);
            putchar('\n');
        }
        return;
    }
    if (strcmp(format, "json") == 0) {
        json_t *j = kz_victim_stats_json(q, v, n);
        char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
        if (text)
            printf("%s\n", text);
        kz_free_libc(text);
        json_decref(j);
        return;
    }
    printf("%-12s %-28s %12s %12s %8s\n", "period", grouped ? by : "", "victims", "previous", "change");
    for (size_t i = 0; i < n; i++) {
        char vc[32], pc[32] = "-", ch[16] = "-";
        kz_fmt_count((uint64_t)v[i].victims, vc, sizeof vc);
        if (v[i].previous >= 0)
            kz_fmt_count((uint64_t)v[i].previous, pc, sizeof pc);
        if (!isnan(v[i].change_pct))
            snprintf(ch, sizeof ch, "%+.0f%%", v[i].change_pct);
        printf("%-12s %-28.28s %12s %12s %8s\n", v[i].period,
               grouped ? (v[i].group ? v[i].group : "(none)") : "", vc, pc, ch);
    }
}

static int run_victims(const kz_args *a)
{
    if (!kz_arg(a, "db"))
        return kz_cli_usage_error(a, "give the database file with --db FILE (or KIZUNA_DB)");
    kz_victim_query q = {0};
    int p = kz_arg_enum(a, "period");
    int by = p < 0 ? -1 : kz_arg_enum(a, "by");
    const char *format = kz_arg(a, "format");
    if (p < 0 || by < 0)
        return 2;
    if (strcmp(format, "table") && strcmp(format, "csv") && strcmp(format, "json"))
        return kz_cli_usage_error(a, "--format must be table, csv or json");
    q.period = (kz_period)p;
    q.by = (kz_victim_dim)by;
    q.since = kz_arg(a, "since");
    q.until = kz_arg(a, "until");
    kz_err err;
    kz_err_clear(&err);
    kz_node *node;
    kz_arena ar;
    kz_arena_init(&ar);
    kz_call c;
    int status = kz_cli_call(a, &node, &ar, &err, &c);
    if (status) {
        kz_arena_free(&ar);
        return status;
    }
    kz_victim_stat *rows;
    size_t n;
    kz_rc rc = kz_svc_victim_stats(&c, &q, &rows, &n);
    if (rc) {
        status = rc == KZ_EINVAL ? kz_cli_usage_error(a, "--%s: %s", err.field, err.msg)
                                 : kz_cli_error(a, "%s", err.msg);
    } else {
        print_stats(format, &q, rows, n);
        const char *svg = kz_arg(a, "svg");
        if (svg) {
            kz_buf b;
            kz_buf_init(&b, 64 << 20);
            rc = kz_victim_stats_svg(&b, &q, rows, n);
            FILE *f = rc ? NULL : fopen(svg, "w");
            if (rc == KZ_EINVAL)
                status = kz_cli_error(a, "no victims to chart in %s", svg);
            else if (!f || fwrite(b.p, 1, b.len, f) != b.len || fclose(f) != 0)
                status = kz_cli_error(a, "cannot write %s: %s", svg, rc ? kz_strerror(rc) : strerror(errno));
            kz_buf_free(&b);
        }
    }
    kz_arena_free(&ar);
    kz_node_close(node);
    return status;
}

static const kz_opt victims_opts[] = {
    KZ_OPT_DB,
    KZ_OPT_KEY_FILE,
    {"key", "KEY", NULL, "count what this API key may see (default: the node's own organization)"},
    {"period", "PERIOD", "month", NULL, &kz_period_enum},
    {"by", "GROUP", "total", "what the counts are grouped by; class and sector are the incident's, source and type the indicator's", &kz_victim_dim_enum},
    {"since", "DATE", NULL, "first day counted, YYYY-MM-DD"},
    {"until", "DATE", NULL, "day after the last one counted, YYYY-MM-DD"},
    {"format", "FORMAT", "table", "table, csv or json"},
    {"svg", "FILE", NULL, "also draw the counts as an SVG chart into FILE"},
    KZ_OPT_LOG,
    {0},
};

const kz_cmd kz_cmd_stats_victims = {
    "stats victims", "[options]", "distinct victims of matched indicators per period",
    "Counts the distinct victims (source addresses or users of matching log lines, kept as\n"
    "keyed hashes by `kizuna match --db`) per period, in total or per incident class, sector,\n"
    "indicator source or type, with the change against the previous period. Only indicators\n"
    "and incidents the caller may see under TLP are counted.",
    victims_opts, run_victims, 0, 0,
};

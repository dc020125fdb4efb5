/* kizuna route: events (CSV or JSON lines, any size, plain or gzip) to the networks and
 * states they come from. Streams the input, looks addresses up in batches, tallies per
 * country and AS, and prints a summary table or JSON. */
#include "cli/cli.h"

#include "codec/routing/events.h"
#include "model/request.h"
#include "service/core/node.h"
#include "service/routing/route.h"
#include "util/buf.h"
#include "util/progress.h"
#include "util/reader.h"
#include "util/alloc.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { BATCH = 4096 };

typedef enum fmt { FMT_AUTO, FMT_CSV, FMT_JSON } fmt;

typedef struct route_run {
    const kz_args *a;
    kz_geodb *db;
    kz_tally *tally;
    kz_resolver *hosts;  /* with --resolve */
    bool skip_bad, resolve, want_times;
    fmt format;
    const char *map_spec;
    bool no_header;
    kz_ip ips[BATCH];
    kz_geo_hit hits[BATCH];
    kz_time times[BATCH];
    size_t n;
    uint64_t lines, bad, blank;
    char first_bad[600];
    char *scratch;  /* KZ_READER_MAX_LINE bytes */
    kz_progress *progress;
    uint64_t bytes_before;  /* input bytes of the files already read */
} route_run;

static kz_rc flush(route_run *r)
{
    kz_geo_reader rd;
    kz_geodb_begin(r->db, &rd);
    kz_geodb_lookup(&rd, r->ips, r->n, r->hits);
    kz_rc rc = kz_tally_add(r->tally, r->ips, r->hits, r->times, r->n);
    kz_geodb_end(&rd);
    r->n = 0;
    return rc;
}

static fmt guess_format(const char *path, const kz_line *first)
{
    const char *dot = strrchr(path, '.');
    if (dot && strcmp(dot, ".gz") == 0) {  /* events.jsonl.gz */
        const char *p = dot;
        while (p > path && p[-1] != '.')
            p--;
        dot = p > path ? p - 1 : NULL;
    }
    if (dot && (strncmp(dot, ".jsonl", 6) == 0 || strncmp(dot, ".ndjson", 7) == 0 ||
                strncmp(dot, ".json", 5) == 0))
        return FMT_JSON;
    if (dot && (strncmp(dot, ".csv", 4) == 0))
        return FMT_CSV;
    bool header;
    return first && kz_event_sniff(first->p, first->len, &header) == KZ_SHAPE_JSON ? FMT_JSON : FMT_CSV;
}

/* Reports a bad line: counted with --skip-bad, else the error that stops the command. */
static int bad_line(route_run *r, const char *path, uint64_t no, const kz_err *e)
{
    if (r->skip_bad) {
        if (!r->bad++)
            snprintf(r->first_bad, sizeof r->first_bad, "%s:%llu: %s", path, (unsigned long long)no, e->msg);
        return 0;
    }
    kz_progress_done(r->progress);
    r->progress = NULL;
    kz_cli_error(r->a, "%s:%llu: %s%s", path, (unsigned long long)no, e->msg,
                 " (--skip-bad counts and skips such lines)");
    return 1;
}

static int route_file(route_run *r, const char *path)
{
    kz_err err;
    kz_reader *rd;
    if (kz_reader_open(path, 0, 0, &rd, &err))
        return kz_cli_error(r->a, "%s", err.msg);
    kz_event_map map;
    kz_event_map_json_default(&map);
    if (r->map_spec && kz_event_map_parse(r->map_spec, &map, &err)) {
        kz_reader_close(rd);
        return kz_cli_usage_error(r->a, "--map: %s", err.msg);
    }
    fmt f = r->format;
    int status = 0, got;
    kz_line line;
    bool first = true;
    while (!status && (got = kz_reader_next(rd, &line, &err)) == 1) {
        r->lines++;
        if ((r->lines & 0xffff) == 0)
            kz_progress_update(r->progress, r->bytes_before + kz_reader_bytes_in(rd));
        if (line.too_long) {
            kz_err e;
            kz_fail(&e, KZ_ETOOBIG, NULL, "the line is longer than %d bytes", KZ_READER_MAX_LINE);
            status = bad_line(r, path, line.no, &e);
            continue;
        }
        if (first) {
            first = false;
            if (f == FMT_AUTO)
                f = guess_format(path, &line);
            if (f == FMT_CSV) {
                bool header = !r->no_header;
                if (kz_event_map_csv(&map, line.p, line.len, header, r->scratch, &err)) {
                    status = kz_cli_error(r->a, "%s:1: %s", path, err.msg);
                    break;
                }
                if (header)
                    continue;
            }
        }
        size_t k = 0;
        while (k < line.len && (line.p[k] == ' ' || line.p[k] == '\t' || line.p[k] == '\r'))
            k++;
        if (k == line.len) {
            r->blank++;
            continue;
        }
        kz_event ev;
        kz_rc rc = f == FMT_JSON ? kz_event_parse_json(&map, line.p, line.len, r->scratch, &ev, &err)
                                 : kz_event_parse_csv(&map, line.p, line.len, r->scratch, &ev, &err);
        char host[KZ_EVENT_HOST_MAX];
        size_t hlen;
        kz_event_origin origin;
        if (!rc)
            rc = kz_event_origin_of(&ev, &r->ips[r->n], host, &hlen, &origin, &err);
        if (rc) {
            status = bad_line(r, path, line.no, &err);
            continue;
        }
        if (origin == KZ_ORIGIN_HOST) {
            if (!r->resolve || !kz_resolver_lookup(r->hosts, host, &r->ips[r->n])) {
                kz_tally_add_unresolved(r->tally);
                continue;
            }
            kz_tally_add_resolved(r->tally);
        }
        r->times[r->n] = r->want_times ? kz_event_time(&ev) : 0;
        if (++r->n == BATCH && flush(r))
            status = kz_cli_error(r->a, "out of memory");
    }
    if (!status && got < 0)
        status = kz_cli_error(r->a, "%s", err.msg);
    r->bytes_before += kz_reader_bytes_in(rd);
    kz_reader_close(rd);
    return status;
}

static void print_count(FILE *f, uint64_t n, int width)
{
    char buf[32];
    fprintf(f, "%*s", width, kz_fmt_count(n, buf, sizeof buf));
}

static void print_table(const route_run *r, const kz_tally_summary *s, int top)
{
    char a[32], b[32], d[32];
    printf("%s lines: %s events with an address in %s distinct addresses", kz_fmt_count(r->lines, a, sizeof a),
           kz_fmt_count(s->events, b, sizeof b), kz_fmt_count(s->addresses, d, sizeof d));
    if (s->resolved)
        printf(" (%s from resolved host names)", kz_fmt_count(s->resolved, a, sizeof a));
    if (s->unresolved)
        printf("; %s with only a host name, not resolved%s", kz_fmt_count(s->unresolved, a, sizeof a),
               r->resolve ? "" : " (use --resolve)");
    if (r->bad)
        printf("; %s bad lines skipped (first: %s)", kz_fmt_count(r->bad, a, sizeof a), r->first_bad);
    printf("\n\n%-4s %-28s %12s %7s %12s\n", "CC", "STATE", "EVENTS", "SHARE", "ADDRESSES");
    for (size_t i = 0; i < s->ncountries; i++) {
        const kz_tally_country *c = &s->countries[i];
        printf("%-4s %-28.28s ", c->cc[0] ? c->cc : "--", c->name);
        print_count(stdout, c->events, 12);
        printf(" %6.1f%% ", s->events ? 100.0 * (double)c->events / (double)s->events : 0.0);
        print_count(stdout, c->addresses, 12);
        printf("\n");
        for (size_t k = 0; c->cc[0] && k < c->nasns && (int)k < top; k++) {
            const kz_tally_asn *x = &c->asns[k];
            char as[16];
            snprintf(as, sizeof as, "AS%u", x->asn);
            printf("  %-10s %-21.21s ", x->asn ? as : "-", x->asn ? x->org : "(no AS in the data)");
            print_count(stdout, x->events, 12);
            printf(" %6.1f%% ", c->events ? 100.0 * (double)x->events / (double)c->events : 0.0);
            print_count(stdout, x->addresses, 12);
            printf("\n");
        }
        if (c->cc[0] && c->nasns > (size_t)top)
            printf("  ... %zu more ASNs\n", c->nasns - (size_t)top);
    }
    printf("\n");
}

typedef struct notices {
    kz_route_notice *v;
    size_t n;
    bool wanted;  /* --db was given */
} notices;

static void print_notices(const notices *nt)
{
    for (size_t i = 0; i < nt->n; i++) {
        const kz_route_notice *x = &nt->v[i];
        if (x->request_id)
            printf("%-4s draft mitigation request %s to %s (%s point of contact)\n", x->cc,
                   x->request_id, x->contact_name, x->contact_role);
        else
            printf("%-4s no request: %s\n", x->cc, x->skipped);
    }
    if (nt->n)
        printf("Review and send the drafts: GET /api/v1/requests?box=outbox&status=draft\n\n");
}

static json_t *notices_json(const notices *nt)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < nt->n; i++) {
        const kz_route_notice *x = &nt->v[i];
        json_t *o = json_object();
        json_object_set_new(o, "country", json_string(x->cc));
        json_object_set_new(o, "events", json_integer((json_int_t)x->events));
        json_object_set_new(o, "request", x->request_id ? json_string(x->request_id) : json_null());
        json_object_set_new(o, "organization", x->organization ? json_string(x->organization) : json_null());
        json_object_set_new(o, "contact", x->contact_name ? json_string(x->contact_name) : json_null());
        json_object_set_new(o, "contact_role", x->contact_role ? json_string(x->contact_role) : json_null());
        json_object_set_new(o, "skipped", x->skipped ? json_string(x->skipped) : json_null());
        json_array_append_new(arr, o);
    }
    return arr;
}

static int print_json(const route_run *r, const kz_tally_summary *s, int top, const notices *nt)
{
    json_t *o = json_object(), *cs = json_array();
    json_object_set_new(o, "lines", json_integer((json_int_t)r->lines));
    json_object_set_new(o, "events", json_integer((json_int_t)s->events));
    json_object_set_new(o, "addresses", json_integer((json_int_t)s->addresses));
    json_object_set_new(o, "resolved", json_integer((json_int_t)s->resolved));
    json_object_set_new(o, "unresolved", json_integer((json_int_t)s->unresolved));
    json_object_set_new(o, "bad_lines", json_integer((json_int_t)r->bad));
    for (size_t i = 0; i < s->ncountries; i++) {
        const kz_tally_country *c = &s->countries[i];
        json_t *jc = json_object(), *as = json_array();
        json_object_set_new(jc, "country", c->cc[0] ? json_string(c->cc) : json_null());
        json_object_set_new(jc, "name", json_string(c->name));
        json_object_set_new(jc, "events", json_integer((json_int_t)c->events));
        json_object_set_new(jc, "addresses", json_integer((json_int_t)c->addresses));
        json_object_set_new(jc, "asn_count", json_integer((json_int_t)c->nasns));
        for (size_t k = 0; k < c->nasns && (int)k < top; k++) {
            const kz_tally_asn *x = &c->asns[k];
            json_t *ja = json_object();
            json_object_set_new(ja, "asn", x->asn ? json_integer(x->asn) : json_null());
            json_object_set_new(ja, "org", x->asn ? json_string(x->org) : json_null());
            json_object_set_new(ja, "events", json_integer((json_int_t)x->events));
            json_object_set_new(ja, "addresses", json_integer((json_int_t)x->addresses));
            json_array_append_new(as, ja);
        }
        json_object_set_new(jc, "top_asns", as);
        json_array_append_new(cs, jc);
    }
    json_object_set_new(o, "countries", cs);
    if (nt->wanted)
        json_object_set_new(o, "requests", notices_json(nt));
    const char *att = kz_geodb_attribution(r->db);
    json_object_set_new(o, "attribution", json_stringn(att, strcspn(att, "\n")));
    int rc = json_dumpf(o, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
    fputc('\n', stdout);
    json_decref(o);
    return rc ? 1 : 0;
}

/* --db: one draft per responsible state through the requests workflow. */
static int notify(const kz_args *a, route_run *r, const kz_tally_summary *s, kz_arena *ar, notices *nt)
{
    kz_route_notify o = {0};
    o.tlp = kz_arg_enum(a, "tlp");
    o.urgency = o.tlp < 0 ? -1 : kz_arg_enum(a, "urgency");
    if (o.tlp < 0 || o.urgency < 0)
        return 2;
    long long min = kz_arg_num(a, "min-events", 1, (long long)1 << 62);
    if (min < 0)
        return 2;
    o.min_events = (uint64_t)min;
    const char *acts = kz_arg(a, "action");
    char *copy = kz_arena_strdup(ar, acts);
    o.actions.v = kz_arena_calloc(ar, 8, sizeof *o.actions.v);
    if (!copy || !o.actions.v)
        return kz_cli_error(a, "out of memory");
    for (char *save = NULL, *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (kz_enum_parse(&kz_mitigation_action_enum, t) < 0 || o.actions.n == 5)
            return kz_cli_usage_error(a, "--action: \"%s\" is not one of stop, block, sinkhole, "
                                         "notify-network-owner, preserve-evidence (up to five)", t);
        o.actions.v[o.actions.n++] = t;
    }
    kz_buf in;
    kz_buf_init(&in, 2000);
    for (int i = 0; i < (a->nrest ? a->nrest : 1); i++)
        kz_buf_printf(&in, "%s%s", i ? ", " : "", a->nrest ? a->rest[i] : "standard input");
    o.inputs = kz_arena_strdup(ar, in.p ? in.p : "");
    kz_buf_free(&in);
    o.activity = kz_arg(a, "activity");
    if (!o.activity)
        o.activity = kz_arena_printf(ar, "Malicious activity recorded in %s.", o.inputs);
    const char *att = kz_geodb_attribution(r->db);
    o.attribution = kz_arena_strndup(ar, att, strcspn(att, "\n"));

    kz_err err;
    kz_node *node = NULL;
    kz_call c;
    int status = kz_cli_call(a, &node, ar, &err, &c);
    if (status)
        return status;
    nt->wanted = true;
    kz_rc rc = kz_svc_route_notify(&c, r->tally, s, &o, &nt->v, &nt->n);
    kz_node_close(node);
    if (rc) {
        int done = 0;
        for (size_t i = 0; i < nt->n; i++)
            done += nt->v[i].request_id != NULL;
        return kz_cli_error(a, "creating the drafts failed after %d of them: %s", done, err.msg);
    }
    return 0;
}

static int run(const kz_args *a)
{
    long long top = kz_arg_num(a, "top", 0, 1000000);
    if (top < 0)
        return 2;
    const char *format = kz_arg(a, "format");
    fmt f = FMT_AUTO;
    if (strcmp(format, "csv") == 0)
        f = FMT_CSV;
    else if (strcmp(format, "jsonl") == 0)
        f = FMT_JSON;
    else if (strcmp(format, "auto") != 0)
        return kz_cli_usage_error(a, "--format must be auto, csv or jsonl");
    route_run *r = kz_calloc(1, sizeof *r);
    if (!r || !(r->scratch = kz_malloc(KZ_READER_MAX_LINE + 1))) {
        kz_free(r);
        return kz_cli_error(a, "out of memory");
    }
    r->a = a;
    r->format = f;
    r->map_spec = kz_arg(a, "map");
    r->no_header = kz_arg(a, "no-header") != NULL;
    r->skip_bad = kz_arg(a, "skip-bad") != NULL;
    r->resolve = kz_arg(a, "resolve") != NULL;
    int status = 0;
    kz_err err;
    if (kz_cli_geodb_open(a, &r->db, &err))
        status = kz_cli_error(a, "%s", err.msg);
    bool with_db = kz_arg(a, "db") != NULL;
    r->want_times = with_db;
    if (!status && (!(r->tally = kz_tally_new(with_db)) || (r->resolve && !(r->hosts = kz_resolver_new()))))
        status = kz_cli_error(a, "out of memory");
    int64_t total = 0;
    static char *const stdin_only[] = {(char *)"-"};
    char *const *files = a->nrest ? a->rest : stdin_only;
    int nfiles = a->nrest ? a->nrest : 1;
    for (int i = 0; i < nfiles; i++) {
        struct stat st;
        if (strcmp(files[i], "-") != 0 && stat(files[i], &st) == 0 && total >= 0)
            total += st.st_size;
        else
            total = -1;
    }
    if (!status)
        r->progress = kz_progress_new(STDERR_FILENO, "routing", NULL, total);
    for (int i = 0; !status && i < nfiles; i++)
        status = route_file(r, files[i]);
    if (!status && r->n && flush(r))
        status = kz_cli_error(a, "out of memory");
    kz_progress_done(r->progress);
    if (!status) {
        kz_arena ar;
        kz_arena_init(&ar);
        kz_tally_summary s;
        notices nt = {0};
        if (kz_tally_summarize(r->tally, &ar, &s))
            status = kz_cli_error(a, "out of memory");
        if (!status && with_db)
            status = notify(a, r, &s, &ar, &nt);
        if (status)
            ;
        else if (kz_arg(a, "json"))
            status = print_json(r, &s, (int)top, &nt);
        else {
            print_table(r, &s, (int)top);
            print_notices(&nt);
        }
        fflush(stdout);
        if (!status && !kz_arg(a, "json"))
            kz_cli_geo_footer(r->db);
        kz_arena_free(&ar);
    }
    kz_tally_free(r->tally);
    kz_resolver_free(r->hosts);
    kz_geodb_close(r->db);
    kz_free(r->scratch);
    kz_free(r);
    return status;
}

static const kz_opt opts[] = {
    {"format", "FMT", "auto", "auto, csv or jsonl (auto: by the file name, else by the first line)"},
    {"map", "ROLE=NAME,...", NULL,
     "where the fields are: roles ip, url, domain, resolved; NAME is a CSV header name, a "
     "1-based column or a JSON field (dotted for nested)"},
    {"no-header", NULL, NULL, "the CSV has no header line (columns by number; ip=1 by default)"},
    {"resolve", NULL, NULL, "resolve host names that come without an address (DNS; off by default)"},
    {"json", NULL, NULL, "print the summary as JSON"},
    {"top", "N", "5", "ASNs shown per country"},
    {"skip-bad", NULL, NULL, "count and skip malformed lines instead of stopping at the first"},
    {"table", "FILE", NULL, "geo table (or a MaxMind .mmdb); default data/geo.kzg of the project"},
    {"db", "FILE", NULL, "create one draft mitigation request per state in this Kizuna database"},
    KZ_OPT_KEY_FILE,
    {"tlp", "LABEL", "amber", "--db: TLP of the drafts", &kz_tlp_enum},
    {"urgency", "LEVEL", "normal", "--db: urgency of the drafts", &kz_urgency_enum},
    {"activity", "TEXT", NULL, "--db: what was observed (default: names the input files)"},
    {"action", "LIST", "stop,notify-network-owner",
     "--db: actions asked: stop, block, sinkhole, notify-network-owner, preserve-evidence"},
    {"min-events", "N", "1", "--db: states with fewer events get no draft"},
    KZ_OPT_LOG,
    {0},
};

const kz_cmd kz_cmd_route = {
    "route", "[options] [FILE...]",
    "group events by the country and network they come from",
    "Reads events from the files (or standard input; plain or gzip), one per line: CSV\n"
    "with a header, or JSON lines. Each event routes by its ip field, else by the address\n"
    "its domain or URL resolved to (a resolved field), else by its URL's or domain's host\n"
    "when that is an address; a host name alone is resolved only with --resolve. Prints,\n"
    "per country (the state responsible for the network), the events, their share, the\n"
    "distinct addresses and the top ASNs. A malformed line stops the command with its\n"
    "file, line and column, unless --skip-bad. Columns and fields named ip, src_ip,\n"
    "source_ip, url, domain, host, resolved_ip, time... are found without --map.\n"
    "With --db, creates in that database one draft mitigation request (norm c) per\n"
    "responsible state, from the node's organization to the state's CSIRT (else\n"
    "technical) point of contact in the directory, with the ASNs and addresses as\n"
    "sources and every address with its event count attached; review and send them\n"
    "through the requests API. States without such a contact are listed, not skipped\n"
    "silently. The input is read completely before any draft is written.",
    opts, run, 0, -1,
};

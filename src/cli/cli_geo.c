/* kizuna geo, kizuna geodata build, kizuna geodata info: address lookups on the routing
 * table and the table's compilation from the routing data installed by npm. */
#include "cli/cli.h"

#include "service/routing/geo.h"
#include "util/alloc.h"

#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The project directory: the working directory when it holds the routing data or the
 * table, else the directory above the one holding the kizuna binary (build/kizuna). */
static void project_root(char *out, size_t size)
{
    if (access(KZ_GEO_DEFAULT_TABLE, F_OK) == 0 || access(KZ_GEO_NPM_DIR, F_OK) == 0) {
        snprintf(out, size, ".");
        return;
    }
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) {
        snprintf(out, size, ".");
        return;
    }
    exe[n] = '\0';
    snprintf(out, size, "%s/..", dirname(exe));
}

static void table_path(const kz_args *a, char *out, size_t size)
{
    const char *t = kz_arg(a, "table");
    if (t) {
        snprintf(out, size, "%s", t);
        return;
    }
    char root[2048];
    project_root(root, sizeof root);
    snprintf(out, size, "%s/%s", root, KZ_GEO_DEFAULT_TABLE);
}

static void print_report(const char *path, const kz_geodata_report *r)
{
    fprintf(stderr,
            "geo table %s: %u IPv4 and %u IPv6 ranges, %u distinct answers, %.1f MB, from %llu "
            "lines (%llu AS ranges, %llu country ranges) in %.2f s\n",
            path, r->v4_ranges, r->v6_ranges, r->records, r->table_bytes / 1e6,
            (unsigned long long)r->lines, (unsigned long long)r->as_ranges,
            (unsigned long long)r->country_ranges, r->seconds);
    if (r->skipped)
        fprintf(stderr, "skipped %llu bad lines; the first: %s\n", (unsigned long long)r->skipped,
                r->first_bad);
}

/* Builds the default table from the npm routing data under root. */
static kz_rc build_default(const char *root, const char *out, bool skip_bad, kz_geodata_report *rep,
                           kz_err *err)
{
    char paths[4][4096];
    if (kz_geodata_default_sources(root, paths) != 4)
        return kz_fail(err, KZ_ENOTFOUND, "sources",
                       "the routing data is not installed (%s/%s); run scripts/install-deps "
                       "(npm install) or give the range files",
                       root, KZ_GEO_NPM_DIR);
    const char *p[4] = {paths[0], paths[1], paths[2], paths[3]};
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", out);
    char *d = dirname(dir);
    if (access(d, F_OK) != 0 && mkdir(d, 0755) != 0 && errno != EEXIST)
        return kz_fail(err, KZ_EIO, NULL, "%s: %s", d, strerror(errno));
    return kz_geodata_build(p, 4, KZ_GEO_ATTRIBUTION, out, skip_bad, NULL, NULL, rep, err);
}

kz_rc kz_cli_geodb_open(const kz_args *a, kz_geodb **db, kz_err *err)
{
    char path[4096];
    table_path(a, path, sizeof path);
    kz_rc rc = kz_geodb_open(path, db, err);
    if ((rc != KZ_ENOTFOUND && rc != KZ_EVERSION) || kz_arg(a, "table"))
        return rc;
    /* First use, or a table of another format version: the default table is derived
     * data, compiled again from the installed routing data. */
    char root[2048];
    project_root(root, sizeof root);
    fprintf(stderr, "kizuna: building the geo table %s from the routing data (%s)\n", path,
            rc == KZ_ENOTFOUND ? "once" : "its format changed");
    kz_geodata_report rep;
    if ((rc = build_default(root, path, false, &rep, err)))
        return rc;
    print_report(path, &rep);
    return kz_geodb_open(path, db, err);
}

void kz_cli_geo_footer(kz_geodb *db)
{
    const char *att = kz_geodb_attribution(db);
    size_t n = strcspn(att, "\n");
    FILE *f = isatty(STDOUT_FILENO) ? stdout : stderr;
    fprintf(f, "# %.*s\n", (int)n, att);
}

/* --- kizuna geo --------------------------------------------------------------------- */

enum { GEO_BATCH = 4096 };

typedef struct geo_out {
    kz_ip ip[GEO_BATCH];
    kz_geo_hit hit[GEO_BATCH];
    size_t n;
} geo_out;

static void flush_batch(kz_geodb *db, geo_out *o)
{
    kz_geo_reader r;
    kz_geodb_begin(db, &r);
    kz_geodb_lookup(&r, o->ip, o->n, o->hit);
    for (size_t i = 0; i < o->n; i++) {
        char text[64];
        const kz_geo_hit *h = &o->hit[i];
        kz_ip_format(&o->ip[i], text, sizeof text);
        if (h->asn)
            printf("%s\t%u\t%.*s\t%s\n", text, h->asn, (int)h->org_len, h->org, h->cc[0] ? h->cc : "-");
        else
            printf("%s\t-\t%.*s\t%s\n", text, (int)h->org_len, h->org, h->cc[0] ? h->cc : "-");
    }
    kz_geodb_end(&r);
    o->n = 0;
}

/* Adds one address; returns false (after reporting) when it is not one. */
static bool add_ip(const kz_args *a, geo_out *o, kz_geodb *db, const char *s, size_t n,
                   const char *where, unsigned long long at, unsigned long long *bad)
{
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        n--;
    while (n && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    if (n == 0 && *where == 'l')
        return true;  /* blank input line */
    if (!kz_ip_parse(s, n, &o->ip[o->n])) {
        if (kz_arg(a, "skip-bad")) {
            ++*bad;
            return true;
        }
        kz_cli_error(a, "%s %llu: not an IP address: \"%.*s\"", where, at, (int)(n > 60 ? 60 : n), s);
        return false;
    }
    if (++o->n == GEO_BATCH)
        flush_batch(db, o);
    return true;
}

static int run_geo(const kz_args *a)
{
    kz_err err;
    kz_geodb *db;
    if (kz_cli_geodb_open(a, &db, &err))
        return kz_cli_error(a, "%s", err.msg);
    geo_out *o = kz_calloc(1, sizeof *o);
    if (!o) {
        kz_geodb_close(db);
        return kz_cli_error(a, "out of memory");
    }
    static char outbuf[1 << 16];
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
    int status = 0;
    unsigned long long bad = 0;
    bool from_stdin = a->nrest == 0 || (a->nrest == 1 && strcmp(a->rest[0], "-") == 0);
    if (!from_stdin) {
        for (int i = 0; i < a->nrest && !status; i++)
            if (!add_ip(a, o, db, a->rest[i], strlen(a->rest[i]), "argument", (unsigned long long)i + 1, &bad))
                status = 1;
    } else {
        char *line = NULL;
        size_t cap = 0;
        ssize_t len;
        unsigned long long no = 0;
        while (!status && (len = getline(&line, &cap, stdin)) >= 0) {
            no++;
            if (len && line[len - 1] == '\n')
                len--;
            if (!add_ip(a, o, db, line, (size_t)len, "line", no, &bad))
                status = 1;
        }
        kz_free_libc(line);  /* getline's buffer */
    }
    if (!status)
        flush_batch(db, o);
    fflush(stdout);
    if (bad)
        fprintf(stderr, "kizuna geo: skipped %llu input lines that are not IP addresses\n", bad);
    kz_cli_geo_footer(db);
    kz_free(o);
    kz_geodb_close(db);
    return status;
}


static const kz_opt geo_opts[] = {
    KZ_OPT_TABLE,
    {"skip-bad", NULL, NULL, "skip (and count) input that is not an IP address instead of stopping"},
    KZ_OPT_LOG,
    {0},
};

const kz_cmd kz_cmd_geo = {
    "geo", "[options] [IP...]", "look up the AS, AS organization and country of addresses",
    "Prints IP<TAB>ASN<TAB>AS-ORG<TAB>CC for each address given, or for each line of the\n"
    "standard input when none is (or '-' is) given; '-' marks what the data does not cover.\n"
    "The data's attribution follows the results (on stderr when stdout is not a terminal).\n"
    "The table is built from the installed routing data on first use.",
    geo_opts, run_geo, 0, -1,
};

/* --- kizuna geodata build / info ----------------------------------------------------- */

static int run_build(const kz_args *a)
{
    char out[4096], root[2048];
    table_path(a, out, sizeof out);
    project_root(root, sizeof root);
    kz_err err;
    kz_geodata_report rep;
    kz_rc rc;
    bool skip = kz_arg(a, "skip-bad") != NULL;
    if (a->nrest == 0)
        rc = build_default(root, out, skip, &rep, &err);
    else
        rc = kz_geodata_build((const char *const *)a->rest, (size_t)a->nrest,
                              kz_arg(a, "attribution"), out, skip, NULL, NULL, &rep, &err);
    if (rc)
        return kz_cli_error(a, "%s", err.msg);
    print_report(out, &rep);
    return 0;
}

static const kz_opt build_opts[] = {
    {"table", "FILE", NULL, "where to write the table (default data/geo.kzg of the project)"},
    {"attribution", "TEXT", NULL, "attribution line stored with the table (for other data)"},
    {"skip-bad", NULL, NULL, "skip (and count) malformed range lines instead of stopping"},
    KZ_OPT_LOG,
    {0},
};

const kz_cmd kz_cmd_geodata_build = {
    "geodata build", "[options] [RANGE-FILE...]", "compile routing range files into the geo table",
    "Reads CSV range files (first,last,asn,organization or first,last,country; addresses\n"
    "or, in files named *-num*, numbers) and writes one checksummed table file that\n"
    "kizuna geo and kizuna route memory-map. Without files, uses the ip-location-db\n"
    "packages installed by npm (node_modules/@ip-location-db/asn and asn-country).\n"
    "Where ranges of one kind overlap, the one starting later wins inside it.",
    build_opts, run_build, 0, -1,
};

static int run_info(const kz_args *a)
{
    char path[4096];
    table_path(a, path, sizeof path);
    kz_err err;
    kz_geodb *db;
    if (kz_geodb_open(path, &db, &err))
        return kz_cli_error(a, "%s", err.msg);
    kz_geo_info gi;
    if (kz_geodb_info(db, &gi, &err)) {
        printf("%s: MaxMind DB\n%s\n", path, kz_geodb_attribution(db));
    } else {
        char when[32];
        time_t t = (time_t)gi.built;
        struct tm tm;
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
        printf("table: %s\nformat version: %u\nbuilt: %s\nbytes: %zu (IPv4 %zu, IPv6 %zu, answers "
               "%zu)\nIPv4 ranges: %u\nIPv6 ranges: %u\ndistinct answers: %u\n%s",
               path, gi.version, when, gi.bytes, gi.v4_bytes, gi.v6_bytes, gi.answer_bytes,
               gi.v4_ranges, gi.v6_ranges, gi.records, gi.sources);
    }
    kz_geodb_close(db);
    return 0;
}

static const kz_opt info_opts[] = {KZ_OPT_TABLE, KZ_OPT_LOG, {0}};

const kz_cmd kz_cmd_geodata_info = {
    "geodata info", "[options]", "show what a geo table holds and where its data comes from",
    NULL, info_opts, run_info, 0, 0,
};

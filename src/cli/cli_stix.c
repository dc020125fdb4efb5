/* kizuna import stix and kizuna export stix: STIX 2.1 bundles in and out of a node's
 * database, as the node itself or as the organization of an API key (--key), with the
 * same TLP view and filters as the API. */
#include "cli/cli.h"

#include "cli/cli_sharing.h"
#include "codec/indicator_norm.h"
#include "model/validate.h"
#include "service/stix.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* ---- import ------------------------------------------------------------------------- */

typedef struct listing {
    bool quiet;
    uint64_t shown;
} listing;

static void print_outcome(void *ctx, const char *id, const char *version, kz_stix_outcome what, const kz_err *why)
{
    (void)version;
    listing *l = ctx;
    if (what != KZ_STIX_REJECTED || l->quiet)
        return;
    if (l->shown++ < 1000)
        fprintf(stderr, "rejected %s: %s%s%s\n", id, why->field[0] ? why->field : "", why->field[0] ? ": " : "",
                why->msg);
}

static int run_import(const kz_args *a)
{
    kz_cli_session s;
    kz_stix_import_opts o = {.tlp = KZ_TLP_AMBER, .min_tlp = -1};
    listing l = {.quiet = kz_arg(a, "quiet") != NULL};
    int status = kz_cli_session_open(a, &s);
    if (status)
        return status;
    const char *tlp = kz_arg(a, "tlp");
    if ((o.tlp = kz_enum_parse(&kz_tlp_enum, tlp)) < 0)
        status = kz_cli_usage_error(a, "--tlp must be clear, green, amber, amber+strict or red");
    if (!status)
        status = kz_cli_org_ids(a, "recipients", &s.arena, &o.recipients);
    o.source = kz_arg(a, "source");
    if (!status && o.source && kz_check_uuid(o.source, "source", &s.err))
        status = kz_cli_usage_error(a, "--source must be an organization id");
    o.allow_clients = kz_arg(a, "allow-clients") != NULL;
    o.dry_run = kz_arg(a, "dry-run") != NULL;
    o.on_object = print_outcome;
    o.ctx = &l;
    kz_cli_input in;
    if (!status)
        status = kz_cli_input_open(a, a->rest[0], "importing", &in);
    if (status) {
        kz_cli_session_close(&s);
        return status;
    }
    kz_stix_import_report r;
    kz_byte_source src = {kz_cli_input_read, &in};
    kz_rc rc = kz_svc_stix_import(&s.call, &src, &o, &r);
    kz_cli_input_close(&in);
    if (rc) {
        status = kz_cli_error(a, "%s: %s%s%s", a->rest[0], s.err.field[0] ? s.err.field : "",
                              s.err.field[0] ? ": " : "", s.err.msg);
    } else {
        printf("%s%llu objects: %llu accepted, %llu kept, %llu rejected\n"
               "indicators: %llu created, %llu merged, %llu unchanged\n"
               "incidents: %llu created, %llu updated, %llu unchanged; %llu links, %llu sightings recorded\n",
               o.dry_run ? "dry run, nothing written: " : "", (unsigned long long)r.objects,
               (unsigned long long)r.accepted, (unsigned long long)r.kept, (unsigned long long)r.rejected,
               (unsigned long long)r.indicators_created, (unsigned long long)r.indicators_merged,
               (unsigned long long)r.indicators_unchanged, (unsigned long long)r.incidents_created,
               (unsigned long long)r.incidents_updated, (unsigned long long)r.incidents_unchanged,
               (unsigned long long)r.links, (unsigned long long)r.sightings);
        if (l.shown > 1000)
            fprintf(stderr, "(%llu more rejected objects not listed)\n", (unsigned long long)(l.shown - 1000));
    }
    kz_cli_session_close(&s);
    return status;
}

static const kz_opt import_opts[] = {
    KZ_OPT_DB,
    KZ_OPT_KEY,
    {"tlp", "LABEL", "amber", "TLP of objects that carry no TLP marking"},
    {"recipients", "IDS", NULL, "organization ids (comma-separated) added as recipients of every object"},
    {"allow-clients", NULL, NULL, "AMBER objects may reach the node's clients"},
    {"source", "ORG", NULL, "the sharing organization (admins; default: the key's or the node's)"},
    {"dry-run", NULL, NULL, "check and count everything, write nothing"},
    {"quiet", NULL, NULL, "do not list rejected objects"},
    KZ_OPT_LOG,
    {0},
};

const kz_cmd kz_cmd_import_stix = {
    "import stix", "[options] FILE|-", "import a STIX 2.1 bundle (or one object) from a file or stdin",
    "Indicators with a pattern of one supported observable ([ipv4-addr:value = '...'], domain-name, url,\n"
    "email-addr, file hashes MD5/SHA-1/SHA-256, autonomous-system) become Kizuna indicators; reports and\n"
    "groupings become incidents; sightings of known indicators become sightings. Every other object is\n"
    "kept as it is and returned by export stix and TAXII. Each rejected object is listed with its id and\n"
    "the reason; the rest is imported in one transaction. Importing the same bundle again changes nothing.",
    import_opts, run_import, 1, 1,
};

/* ---- export ------------------------------------------------------------------------- */

static kz_rc write_fd(void *ctx, const void *p, size_t n, kz_err *err)
{
    int fd = *(int *)ctx;
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return kz_fail(err, KZ_EIO, "output", "cannot write: %s", strerror(errno));
        c += w;
        n -= (size_t)w;
    }
    return KZ_OK;
}

static int run_export(const kz_args *a)
{
    kz_cli_session s;
    kz_stix_export_opts o = {.indicators = true, .incidents = true, .kept = true};
    int status = kz_cli_session_open(a, &s);
    if (status)
        return status;
    const char *what = kz_arg(a, "what");
    if (strcmp(what, "indicators") == 0)
        o.incidents = o.kept = false;
    else if (strcmp(what, "incidents") == 0)
        o.indicators = o.kept = false;
    else if (strcmp(what, "all") != 0)
        status = kz_cli_usage_error(a, "--what must be indicators, incidents or all");
    if (!status)
        status = kz_cli_sharing_filters(a, &o.indicator_filter, &o.incident_filter);
    const char *path = kz_arg(a, "output");
    int fd = STDOUT_FILENO;
    char tmp[4096] = "";
    if (!status && path && strcmp(path, "-") != 0) {
        if (snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid()) >= (int)sizeof tmp)
            status = kz_cli_usage_error(a, "--output path too long");
        else if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0)
            status = kz_cli_error(a, "cannot create %s: %s", tmp, strerror(errno));
    }
    if (status) {
        kz_cli_session_close(&s);
        return status;
    }
    o.out = (kz_stix_sink){write_fd, &fd};
    kz_stix_export_report r;
    kz_rc rc = kz_svc_stix_export(&s.call, &o, &r);
    if (tmp[0]) {
        if (close(fd) != 0 && !rc)
            rc = kz_fail(&s.err, KZ_EIO, "output", "cannot write %s: %s", path, strerror(errno));
        if (!rc && rename(tmp, path) != 0)
            rc = kz_fail(&s.err, KZ_EIO, "output", "cannot write %s: %s", path, strerror(errno));
        if (rc)
            unlink(tmp);
    }
    if (rc)
        status = kz_cli_error(a, "%s", s.err.msg);
    else
        fprintf(stderr,
                "exported %llu indicators, %llu incidents, %llu sightings, %llu kept objects, %llu identities, "
                "%llu markings (%llu bytes)\n",
                (unsigned long long)r.indicators, (unsigned long long)r.incidents, (unsigned long long)r.sightings,
                (unsigned long long)r.kept, (unsigned long long)r.identities, (unsigned long long)r.markings,
                (unsigned long long)r.bytes);
    kz_cli_session_close(&s);
    return status;
}

static const kz_opt export_opts[] = {
    KZ_OPT_DB,
    KZ_OPT_KEY,
    {"output", "FILE", "-", "where the bundle goes (written to a temporary file, then renamed)"},
    {"what", "WHAT", "all", "indicators, incidents or all (all adds the kept STIX objects)"},
    KZ_OPT_SHARING_FILTERS,
    KZ_OPT_LOG,
    {0},
};

const kz_cmd kz_cmd_export_stix = {
    "export stix", "[options]", "export a STIX 2.1 bundle of what the caller may see",
    "Indicators, incidents (as reports), sightings and the kept STIX objects, with the identities of the\n"
    "organizations they name and the TLP 2.0 marking definitions they use. --key exports what that key's\n"
    "organization may see (its TLP view); without it the node's own organization's view is used.",
    export_opts, run_export, 0, 0,
};

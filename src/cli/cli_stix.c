/* kizuna import stix: STIX 2.1 bundles into a node's database, as the node itself or as
 * the organization of an API key (--key). (kizuna export stix is a row of the export
 * formats, service/sharing/export.h.) */
#include "cli/cli.h"
#include "model/validate.h"

#include "cli/cli_session.h"
#include "service/stix/stix_import.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void print_outcome(void *ctx, const char *id, const char *version, kz_stix_outcome what, const kz_err *why)
{
    (void)version;
    if (what == KZ_STIX_REJECTED)
        kz_cli_reject(ctx, id, "", why);
}

static int run_import(const kz_args *a)
{
    kz_cli_session s;
    kz_stix_import_opts o = {.tlp = KZ_TLP_AMBER, .min_tlp = -1};
    kz_cli_rejects l = {.quiet = kz_arg(a, "quiet") != NULL};
    int status = kz_cli_session_open(a, &s);
    if (status)
        return status;
    status = kz_cli_sharing_args(a, &s, &o.tlp, &o.recipients, &o.source);
    o.allow_clients = kz_arg(a, "allow-clients") != NULL;
    o.dry_run = kz_arg(a, "dry-run") != NULL;
    o.allow_declassify = kz_arg(a, "allow-declassify") != NULL;
    if (!status) status = kz_arg_exercise(a, &o.exercise);
    if (kz_arg_chunk(a, &o.chunk))
        status = 2;
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
        char msg[512];
        snprintf(msg, sizeof msg, "%s: %s%s%s", a->rest[0], s.err.field[0] ? s.err.field : "",
                 s.err.field[0] ? ": " : "", s.err.msg);
        status = kz_cli_import_failed(a, msg, "objects", 0, r.committed);
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
        kz_cli_rejects_done(&l, "rejected objects");
    }
    kz_cli_session_close(&s);
    return status;
}

static const kz_opt import_opts[] = {
    KZ_OPT_DB,
    KZ_OPT_KEY_FILE,
    KZ_OPT_KEY,
    {"tlp", "LABEL", "amber", "TLP of objects that carry no TLP marking", &kz_tlp_enum},
    {"recipients", "IDS", NULL, "organization ids (comma-separated) added as recipients of every object"},
    {"allow-clients", NULL, NULL, "AMBER objects may reach the node's clients"},
    {"source", "ORG", NULL, "the sharing organization (admins; default: the key's or the node's)"},
    {"dry-run", NULL, NULL, "check and count everything, write nothing"},
    KZ_OPT_CHUNK,
    {"allow-declassify", NULL, NULL, "let a merge lower the label or widen the recipients of your own organization's indicators and incidents (audited)"},
    {"exercise", "ID", NULL, "a player's import during a table-top exercise: everything imported is made in that run"},
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
    "the reason; the rest is imported, committed every --chunk objects so that the running server's API\n"
    "writes get through (a bundle cut short keeps the chunks before the cut, and the message says how\n"
    "many objects; --chunk 0: one transaction, nothing written then). Importing the same bundle again\n"
    "changes nothing.",
    import_opts, run_import, 1, 1,
};

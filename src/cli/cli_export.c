/* kizuna export FORMAT: what a caller may see, with the API's filters, as CSV or JSON
 * (the formats are the table of service/sharing/export.h). */
#include "cli/cli.h"

#include "codec/sharing/indicator_csv.h"
#include "model/taxonomy.h"
#include "model/validate.h"
#include "service/sharing/export.h"
#include "util/clock.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

extern const kz_enum kz_ind_type_enum;

static kz_rc file_write(void *ctx, const void *p, size_t n, kz_err *err)
{
    if (fwrite(p, 1, n, ctx) != n)
        return kz_fail(err, KZ_EIO, NULL, "cannot write the export: %s", strerror(errno));
    return KZ_OK;
}

static int checked(const kz_args *a, const char *opt, kz_valid_fn check, const char **out)
{
    kz_err e;
    *out = kz_arg(a, opt);
    if (*out && check && check(*out, opt, &e))
        return kz_cli_usage_error(a, "--%s: %s", opt, e.msg);
    return 0;
}

/* An option of the choices of its table row, as text (NULL when not given). */
static int enum_opt(const kz_args *a, const char *opt, const char **out)
{
    *out = kz_arg(a, opt);
    return kz_arg_enum(a, opt) == -1 ? 2 : 0;
}

static int time_opt(const kz_args *a, const char *opt, kz_time *out)
{
    const char *v = kz_arg(a, opt);
    if (v && kz_time_parse(v, out))
        return kz_cli_usage_error(a, "--%s must be an RFC 3339 time or a date (2026-01-31)", opt);
    return 0;
}

static int filters(const kz_args *a, kz_export_opts *o)
{
    kz_indicator_filter *fi = &o->indicators;
    kz_incident_filter *fc = &o->incidents;
    const char *what = kz_arg(a, "what"), *tlp;
    int w = kz_enum_parse(&kz_export_what_enum, what);
    if (w < 0)
        return kz_cli_usage_error(a, "--what must be indicators, incidents or all");
    o->what = (kz_export_what)w;
    int rc = 0;
    if (!rc) rc = enum_opt(a, "tlp", &tlp);
    if (!rc) rc = enum_opt(a, "type", &fi->type);
    if (!rc) rc = checked(a, "source", kz_valid_uuid, &fi->source);
    if (!rc) rc = checked(a, "incident", kz_valid_uuid, &fi->incident);
    if (!rc) rc = checked(a, "rsit-class", kz_valid_rsit_class, &fc->rsit_class);
    if (!rc) rc = checked(a, "rsit-type", kz_valid_rsit_type, &fc->rsit_type);
    if (!rc) rc = checked(a, "sector", kz_valid_nis2_sector, &fc->sector);
    if (!rc) rc = checked(a, "state", kz_valid_country, &fc->state);
    if (!rc) rc = checked(a, "impact", kz_valid_impact, &fc->impact);
    if (!rc) rc = checked(a, "organization", kz_valid_uuid, &fc->organization);
    if (!rc) rc = enum_opt(a, "status", &fc->status);
    if (!rc) rc = time_opt(a, "since", &fi->since);
    if (!rc) rc = time_opt(a, "until", &fi->until);
    if (!rc) rc = checked(a, "exercise", kz_valid_uuid, &o->exercise);
    if (rc)
        return rc;
    fi->tlp = fc->tlp = tlp;
    fi->q = fc->q = kz_arg(a, "q");
    fc->since = fi->since;
    fc->until = fi->until;
    if (kz_arg(a, "active"))
        fi->active_at = kz_now_ms();
    return 0;
}

static int run(const kz_args *a)
{
    const kz_export_format *fmt = kz_export_format_find(a->rest[0]);
    if (!fmt) {
        char names[128] = "";
        for (const kz_export_format *f = kz_export_formats; f->name; f++)
            snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", names[0] ? ", " : "", f->name);
        return kz_cli_usage_error(a, "unknown format '%s' (formats: %s)", a->rest[0], names);
    }
    kz_export_opts o = {0};
    int status = filters(a, &o);
    if (status)
        return status;
    const char *path = kz_arg(a, "output");
    FILE *f = stdout;
    if (path && !(f = fopen(path, "wb")))
        return kz_cli_error(a, "cannot create %s: %s", path, strerror(errno));
    o.out = (kz_sink){file_write, f};
    kz_node *node = NULL;
    kz_arena ar;
    kz_err err;
    kz_call c;
    kz_arena_init(&ar);
    status = kz_cli_call(a, &node, &ar, &err, &c);
    kz_export_report rep = {0};
    if (!status && fmt->run(&c, &o, &rep))
        status = kz_cli_error(a, "%s", err.msg);
    if (fflush(f) != 0 && !status)
        status = kz_cli_error(a, "cannot write the export: %s", strerror(errno));
    if (path) {
        fclose(f);
        if (status)
            unlink(path);  /* no half export left behind */
        else
            fprintf(stderr, "%s: %llu indicators, %llu incidents\n", path, (unsigned long long)rep.indicators,
                    (unsigned long long)rep.incidents);
    }
    kz_arena_free(&ar);
    kz_node_close(node);
    return status;
}

static const kz_opt opts[] = {
    KZ_OPT_DB,
    KZ_OPT_KEY_FILE,
    {"what", "KIND", "indicators", "indicators, incidents, or all (JSON only)"},
    {"exercise", "ID", NULL, "what that table-top run made, under its banner (default: real work only)"},
    {"output", "FILE", NULL, "write there instead of standard output (removed again on failure)"},
    {"key", "KEY", NULL, "export what this API key's organization may see (default: what the node's own "
                         "organization may see)"},
    {"q", "TEXT", NULL, "indicators: the value starts with TEXT or its registrable domain is TEXT; "
                        "incidents: words of title and description"},
    {"type", "TYPE", NULL, "indicators of this type", &kz_ind_type_enum},
    {"tlp", "LABEL", NULL, "objects with this TLP label", &kz_tlp_enum},
    {"source", "ORG", NULL, "indicators of this source organization"},
    {"incident", "ID", NULL, "indicators linked to this incident"},
    {"active", NULL, NULL, "indicators not expired"},
    {"since", "TIME", NULL, "indicators last seen, incidents occurred, at or after TIME"},
    {"until", "TIME", NULL, "... before TIME"},
    {"rsit-class", "CLASS", NULL, "incidents of this RSIT class"},
    {"rsit-type", "TYPE", NULL, "incidents of this RSIT type"},
    {"sector", "SECTOR", NULL, "incidents in this NIS2 sector"},
    {"state", "CC", NULL, "incidents affecting this state"},
    {"status", "STATUS", NULL, "incidents in this status", &kz_incident_status_enum},
    {"impact", "IMPACT", NULL, "incidents of this impact"},
    {"organization", "ORG", NULL, "incidents reported by this organization"},
    KZ_OPT_LOG,
    {0},
};

const kz_cmd kz_cmd_export = {
    "export", "--db FILE [options] csv|json|stix", "export incidents or indicators the caller may see",
    "Writes every indicator (or incident) that the caller may see under TLP and that\n"
    "matches the filters, in one consistent snapshot and constant memory. csv: a header\n"
    "of field names, then one line per object (import csv reads it back without --map).\n"
    "json: {\"indicators\": [...]} with the objects as the API shows them.\n"
    "stix: a STIX 2.1 bundle (--what all adds the STIX objects kept by import stix).",
    opts, run, 1, 1,
};

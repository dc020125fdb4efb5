/* Export: every incident or indicator the caller may see that matches the API's
 * filters, streamed in one read snapshot and constant memory to a sink. The formats are
 * a table: `kizuna export FORMAT` looks FORMAT up here, so a new format (STIX 2.1
 * bundles) is one more row whose run function walks the same service calls
 * (kz_svc_indicator_each, kz_svc_incident_list) and writes its own encoding. */
#ifndef KZ_SERVICE_EXPORT_H
#define KZ_SERVICE_EXPORT_H

#include "service/sharing/incidents.h"
#include "service/sharing/indicators.h"

/* Where the bytes go (a file, standard output, later an HTTP response). */
typedef struct kz_sink {
    kz_rc (*write)(void *ctx, const void *p, size_t n, kz_err *err);
    void *ctx;
} kz_sink;

typedef enum kz_export_what { KZ_EXPORT_INDICATORS, KZ_EXPORT_INCIDENTS, KZ_EXPORT_ALL } kz_export_what;
extern const kz_enum kz_export_what_enum;  /* "indicators", "incidents", "all" */

typedef struct kz_export_opts {
    kz_export_what what;
    kz_indicator_filter indicators;
    kz_incident_filter incidents;
    kz_sink out;
    const char *exercise;        /* NULL: real work only, nothing a table-top exercise made;
                                    a run's id: what that run made only, under its banner
                                    (a CSV comment line, the JSON's "banner", a STIX note) */
} kz_export_opts;

typedef struct kz_export_report {
    uint64_t indicators, incidents;
    uint64_t bytes;
} kz_export_report;

typedef struct kz_export_format {
    const char *name;            /* "csv" */
    const char *summary;         /* one line for --help */
    kz_rc (*run)(kz_call *c, const kz_export_opts *o, kz_export_report *rep);
} kz_export_format;

/* The table-top run an export is of (all NULL/0 for real work). */
typedef struct kz_export_run {
    const char *banner;
    const char *organization;    /* the facilitator */
    kz_time created;
} kz_export_run;

/* For the format runners: the filters of what o exports (real work, or o->exercise's
 * objects) into fi and fc, and the run (banner NULL for real work). A run the caller
 * takes no part in is KZ_ENOTFOUND naming "exercise", as one that does not exist. */
kz_rc kz__export_scope(kz_call *c, const kz_export_opts *o, kz_indicator_filter *fi, kz_incident_filter *fc,
                       kz_export_run *run);

/* The formats, ending with a zeroed row. */
extern const kz_export_format kz_export_formats[];

/* The format called name, or NULL. */
const kz_export_format *kz_export_format_find(const char *name);

#endif

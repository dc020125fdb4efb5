/* The export formats of kizuna export (export.h): CSV and JSON, written through a
 * bounded buffer flushed to the sink, from the caller's TLP view only. */
#include "service/sharing/export.h"

#include "service/exercises/exercises.h"
#include "service/stix/stix_export.h"

#include "codec/sharing/csv.h"
#include "codec/json/json_write.h"
#include "util/json_text.h"

#include <string.h>

enum { FLUSH_AT = 256 * 1024, INCIDENT_PAGE = 500 };

static const char *const what_values[] = {"indicators", "incidents", "all"};
const kz_enum kz_export_what_enum = {"export content", what_values, 3};

typedef struct out {
    kz_call *c;
    kz_buf b;
    const kz_sink *sink;
    kz_export_report *rep;
    bool json;
    bool first;              /* no item written yet in the current JSON array */
    kz_indicator_filter fi;  /* what is exported (kz__export_scope) */
    kz_incident_filter fc;
    kz_export_run run;       /* a table-top run's banner, or none for real work */
} out;

static kz_rc flush(out *o, bool all)
{
    if (o->b.len == 0 || (!all && o->b.len < FLUSH_AT))
        return KZ_OK;
    kz_rc rc = o->sink->write(o->sink->ctx, o->b.p, o->b.len, o->c->err);
    o->rep->bytes += o->b.len;
    kz_buf_reset(&o->b);
    return rc;
}

/* One object: a CSV line or a JSON array element. */
static kz_rc item(out *o, const kz_schema *s, const void *obj)
{
    kz_rc rc = KZ_OK;
    if (o->json) {
        if (!o->first)
            rc = kz_buf_append(&o->b, ",\n", 2);
        o->first = false;
        if (!rc)
            rc = kz_json_write(&o->b, s, obj);
    } else {
        rc = kz_csv_row(&o->b, s, obj);
    }
    if (rc)
        return kz_fail(o->c->err, rc, NULL, "cannot encode an object for export");
    return flush(o, false);
}

static kz_rc one_indicator(const kz_indicator *ind, void *ctx)
{
    out *o = ctx;
    o->rep->indicators++;
    return item(o, &kz_indicator_schema, ind);
}

static kz_rc indicators(out *o, const kz_export_opts *opts)
{
    (void)opts;
    return kz_svc_indicator_each(o->c, &o->fi, one_indicator, o);
}

/* Incidents are few next to indicators: pages of the ordinary list, each in its own
 * arena so that memory does not grow with their number. */
static kz_rc incidents(out *o, const kz_export_opts *opts)
{
    kz_page pg = {NULL, INCIDENT_PAGE};
    char cursor[KZ_CURSOR_TEXT] = "";
    kz_arena *saved = o->c->arena;
    kz_rc rc = KZ_OK;
    (void)opts;
    do {
        kz_arena page_arena;
        kz_arena_init(&page_arena);
        o->c->arena = &page_arena;
        kz_incident_page page;
        pg.cursor = cursor[0] ? cursor : NULL;
        rc = kz_svc_incident_list(o->c, &o->fc, &pg, &page);
        for (size_t i = 0; !rc && i < page.n; i++) {
            o->rep->incidents++;
            rc = item(o, &kz_incident_schema, &page.items[i]);
        }
        if (!rc)
            memcpy(cursor, page.next, sizeof cursor);
        o->c->arena = saved;
        kz_arena_free(&page_arena);
    } while (!rc && cursor[0]);
    return rc;
}

kz_rc kz__export_scope(kz_call *c, const kz_export_opts *o, kz_indicator_filter *fi, kz_incident_filter *fc,
                       kz_export_run *run)
{
    *fi = o->indicators;
    *fc = o->incidents;
    *run = (kz_export_run){0};
    if (!o->exercise) {  /* an export of real work: nothing a table-top exercise made */
        fi->real_work = fc->real_work = true;
        return KZ_OK;
    }
    kz_exercise_view v;
    kz_rc rc = kz_svc_exercise_get(c, o->exercise, &v);
    if (rc)
        return rc;
    fi->exercise = fc->exercise = o->exercise;
    *run = (kz_export_run){v.scenario.banner, v.x.organization, v.x.created};
    return KZ_OK;
}

static kz_rc begin(out *o, kz_call *c, const kz_export_opts *opts, kz_export_report *rep, bool json)
{
    memset(rep, 0, sizeof *rep);
    memset(o, 0, sizeof *o);
    o->c = c;
    o->sink = &opts->out;
    o->rep = rep;
    o->json = json;
    kz_rc rc = kz__export_scope(c, opts, &o->fi, &o->fc, &o->run);
    if (!rc)
        kz_buf_init(&o->b, FLUSH_AT + KZ_CSV_MAX_RECORD);
    return rc;
}

/* A run's export says so first: a comment line of CSV ("# banner"), a JSON member. */
static kz_rc put_banner(out *o, const kz_export_opts *opts)
{
    if (!o->run.banner)
        return KZ_OK;
    if (!o->json)
        return kz_buf_printf(&o->b, "# %s\n", o->run.banner);
    kz_rc rc = kz_buf_puts(&o->b, "\"exercise\":");
    if (!rc)
        rc = kz_json_text_str(&o->b, opts->exercise);
    if (!rc)
        rc = kz_buf_puts(&o->b, ",\"banner\":");
    if (!rc)
        rc = kz_json_text_str(&o->b, o->run.banner);
    if (!rc)
        rc = kz_buf_puts(&o->b, ",\n");
    return rc;
}

static kz_rc csv_run(kz_call *c, const kz_export_opts *opts, kz_export_report *rep)
{
    out o;
    if (opts->what == KZ_EXPORT_ALL)
        return kz_fail(c->err, KZ_EINVAL, "what", "a CSV file holds one kind of object: export indicators "
                                                  "and incidents separately");
    kz_rc rc = begin(&o, c, opts, rep, false);
    if (rc)
        return rc;
    bool ind = opts->what == KZ_EXPORT_INDICATORS;
    rc = put_banner(&o, opts);
    if (!rc)
        rc = kz_csv_header(&o.b, ind ? &kz_indicator_schema : &kz_incident_schema);
    if (!rc)
        rc = ind ? indicators(&o, opts) : incidents(&o, opts);
    if (!rc)
        rc = flush(&o, true);
    kz_buf_free(&o.b);
    return rc;
}

/* {"indicators": [...]} or {"incidents": [...]}, or both for "all". */
static kz_rc json_run(kz_call *c, const kz_export_opts *opts, kz_export_report *rep)
{
    out o;
    kz_rc rc = begin(&o, c, opts, rep, true);
    if (rc)
        return rc;
    rc = kz_buf_append(&o.b, "{", 1);
    if (!rc)
        rc = put_banner(&o, opts);
    if (!rc && opts->what != KZ_EXPORT_INDICATORS) {
        o.first = true;
        rc = kz_buf_puts(&o.b, "\"incidents\":[\n");
        if (!rc)
            rc = incidents(&o, opts);
        if (!rc)
            rc = kz_buf_puts(&o.b, opts->what == KZ_EXPORT_ALL ? "],\n" : "]");
    }
    if (!rc && opts->what != KZ_EXPORT_INCIDENTS) {
        o.first = true;
        rc = kz_buf_puts(&o.b, "\"indicators\":[\n");
        if (!rc)
            rc = indicators(&o, opts);
        if (!rc)
            rc = kz_buf_puts(&o.b, "]");
    }
    if (!rc)
        rc = kz_buf_puts(&o.b, "}\n");
    if (!rc)
        rc = flush(&o, true);
    kz_buf_free(&o.b);
    return rc;
}

const kz_export_format kz_export_formats[] = {
    {"csv", "one line per object under a header of field names (kizuna import csv reads it back)", csv_run},
    {"json", "one JSON document: {\"indicators\": [...]} as the API writes them", json_run},
    {"stix", "one STIX 2.1 bundle with identities and TLP markings; --what all adds the kept STIX objects", kz_stix_export_format},
    {0},
};

const kz_export_format *kz_export_format_find(const char *name)
{
    for (const kz_export_format *f = kz_export_formats; f->name; f++)
        if (strcmp(f->name, name) == 0)
            return f;
    return NULL;
}

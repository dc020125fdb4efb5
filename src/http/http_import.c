/* Files in and out through the API, for the web interface's upload and download:
 * POST /api/v1/indicators/import (a CSV feed or a STIX 2.1 bundle as the body) runs the
 * same importers as kizuna import; GET /api/v1/{indicators,incidents}/export runs the
 * formats of kizuna export (service/sharing/export.h) into the reply. */
#include "http/handlers.h"

#include "http/http_sharing.h"
#include "model/validate.h"
#include "service/sharing/export.h"
#include "service/sharing/import.h"
#include "service/stix/stix_import.h"
#include "util/alloc.h"

#include <string.h>
#include <sys/mman.h> /* memfd_create (the build defines _GNU_SOURCE) */
#include <unistd.h>

enum { KZ_EXPORT_REPLY_MAX = 512u << 20, KZ_IMPORT_REJECTS_SHOWN = 100 };

/* ---- the body as a byte source (shared with TAXII) --------------------------------- */

static kz_rc body_read(void *ctx, char *buf, size_t cap, size_t *got, kz_err *err)
{
    (void)err;
    kz_body_src *s = ctx;
    size_t left = s->b->len - s->at;
    *got = left < cap ? left : cap;
    memcpy(buf, s->b->p + s->at, *got);
    s->at += *got;
    return KZ_OK;
}

kz_byte_source kz_body_source(kz_body_src *s, const kz_buf *b)
{
    *s = (kz_body_src){b, 0};
    return (kz_byte_source){body_read, s};
}

/* ---- import ------------------------------------------------------------------------ */

/* The sharing query parameters every import takes: tlp (for records that name none),
 * recipients (comma-separated organization ids), allow_clients, dry_run. */
typedef struct import_query {
    int tlp;
    kz_strlist recipients;
    bool allow_clients, dry_run;
    const char *exercise;   /* the run a player imports into, NULL: real work */
    const char *name;   /* the file's name, for messages */
} import_query;

static bool flag(kz_req *r, const char *name)
{
    const char *v = kz_req_query(r, name);
    return v && strcmp(v, "true") == 0;
}

static kz_rc id_list(kz_req *r, const char *name, kz_strlist *out)
{
    const char *v = kz_req_query(r, name);
    *out = (kz_strlist){0};
    if (!v || !*v)
        return KZ_OK;
    size_t n = 1;
    for (const char *p = v; *p; p++)
        n += *p == ',';
    if (!(out->v = kz_arena_calloc(&r->arena, n, sizeof *out->v)))
        return kz_fail(&r->err, KZ_ENOMEM, NULL, NULL);
    char *copy = kz_arena_strdup(&r->arena, v);
    for (char *p = copy, *end; p; p = end) {
        end = strchr(p, ',');
        if (end)
            *end++ = '\0';
        kz_rc rc = kz_valid_uuid(p, name, &r->err);
        if (rc)
            return rc;
        out->v[out->n++] = p;
    }
    return KZ_OK;
}

static kz_rc import_query_read(kz_req *r, import_query *q)
{
    static const char *const allowed[] = {"format", "tlp", "recipients", "allow_clients", "dry_run", "name", "exercise", NULL};
    const char *tlp;
    kz_rc rc = kz_req_query_only(r, allowed);
    if (!rc) rc = kz_req_query_enum(r, "tlp", &kz_tlp_enum, &tlp);
    if (!rc) rc = id_list(r, "recipients", &q->recipients);
    if (rc)
        return rc;
    q->tlp = tlp ? kz_enum_parse(&kz_tlp_enum, tlp) : -1;
    q->allow_clients = flag(r, "allow_clients");
    q->dry_run = flag(r, "dry_run");
    q->exercise = kz_req_query(r, "exercise");
    if (q->exercise && (rc = kz_valid_uuid(q->exercise, "exercise", &r->err)))
        return rc;
    q->name = kz_req_query(r, "name");
    if (!q->name || !*q->name || strlen(q->name) > 200)
        q->name = "upload";
    return KZ_OK;
}

/* The CSV importer reads a descriptor: the body goes into an anonymous in-memory file. */
static kz_rc import_csv(kz_req *r, const import_query *q)
{
    kz_import_csv_opts o = {.path = q->name, .progress_fd = -1, .dry_run = q->dry_run, .exercise = q->exercise,
                            .defaults = {.type = KZ_CSV_TYPE_AUTO, .tlp = q->tlp, .confidence = -1,
                                         .recipients = q->recipients, .recipients_given = q->recipients.n > 0,
                                         .allow_clients = q->allow_clients}};
    int fd = memfd_create("kizuna-import", MFD_CLOEXEC);
    if (fd < 0)
        return kz_fail(&r->err, KZ_EIO, NULL, "no room for the upload");
    kz_rc rc = KZ_OK;
    for (size_t at = 0; !rc && at < r->body.len;) {
        ssize_t n = write(fd, r->body.p + at, r->body.len - at);
        if (n <= 0)
            rc = kz_fail(&r->err, KZ_EIO, NULL, "no room for the upload");
        else
            at += (size_t)n;
    }
    if (!rc && lseek(fd, 0, SEEK_SET) != 0)
        rc = kz_fail(&r->err, KZ_EIO, NULL, "no room for the upload");
    o.fd = fd;
    kz_import_report rep;
    if (!rc)
        rc = kz_svc_import_csv(&r->call, &o, &rep);
    close(fd);
    if (rc)
        return rc;
    return kz_reply(r, 200, json_pack("{s:s, s:b, s:I, s:I, s:I, s:I, s:I}", "format", "csv", "dry_run", q->dry_run,
                                      "records", (json_int_t)rep.records, "created", (json_int_t)rep.created,
                                      "merged", (json_int_t)rep.merged, "unchanged", (json_int_t)rep.unchanged,
                                      "bytes", (json_int_t)rep.bytes));
}

/* The rejected objects of a STIX import, the first KZ_IMPORT_REJECTS_SHOWN of them. */
static void note_rejected(void *ctx, const char *id, const char *version, kz_stix_outcome what, const kz_err *why)
{
    (void)version;
    json_t *rejected = ctx;
    if (what != KZ_STIX_REJECTED || json_array_size(rejected) >= KZ_IMPORT_REJECTS_SHOWN)
        return;
    json_array_append_new(rejected, json_pack("{s:s, s:s, s:s}", "id", id, "field", why->field, "message", why->msg));
}

static kz_rc import_stix(kz_req *r, const import_query *q)
{
    json_t *rejected = json_array();
    kz_stix_import_opts o = {.tlp = q->tlp < 0 ? KZ_TLP_AMBER : q->tlp, .min_tlp = -1, .recipients = q->recipients,
                             .allow_clients = q->allow_clients, .dry_run = q->dry_run, .exercise = q->exercise,
                             .on_object = note_rejected, .ctx = rejected};
    kz_stix_import_report rep;
    kz_body_src s;
    kz_byte_source src = kz_body_source(&s, &r->body);
    kz_rc rc = rejected ? kz_svc_stix_import(&r->call, &src, &o, &rep) : kz_fail(&r->err, KZ_ENOMEM, NULL, NULL);
    if (rc) {
        json_decref(rejected);
        return rc;
    }
    return kz_reply(r, 200, json_pack("{s:s, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}", "format", "stix",
                                      "dry_run", q->dry_run, "objects", (json_int_t)rep.objects,
                                      "accepted", (json_int_t)rep.accepted, "kept", (json_int_t)rep.kept,
                                      "rejected", (json_int_t)rep.rejected,
                                      "indicators_created", (json_int_t)rep.indicators_created,
                                      "indicators_merged", (json_int_t)rep.indicators_merged,
                                      "incidents_created", (json_int_t)rep.incidents_created,
                                      "sightings", (json_int_t)rep.sightings, "rejected_objects", rejected));
}

kz_rc kz_h_indicator_import(kz_req *r)
{
    import_query q;
    const char *format;
    kz_rc rc = import_query_read(r, &q);
    if (!rc && !(format = kz_req_query(r, "format")))
        rc = kz_fail(&r->err, KZ_EINVAL, "format", "say format=csv or format=stix");
    if (rc)
        return rc;
    if (strcmp(format, "csv") == 0)
        return import_csv(r, &q);
    if (strcmp(format, "stix") == 0)
        return import_stix(r, &q);
    return kz_fail(&r->err, KZ_EINVAL, "format", "format must be csv or stix");
}

/* ---- export ------------------------------------------------------------------------ */

static kz_rc to_buf(void *ctx, const void *p, size_t n, kz_err *err)
{
    kz_rc rc = kz_buf_append(ctx, p, n);
    return rc ? kz_fail(err, rc, NULL, "the export is larger than this node answers in one reply") : KZ_OK;
}

static const struct { const char *format, *media, *ext; } export_media[] = {
    {"csv", "text/csv; charset=utf-8", "csv"},
    {"json", "application/json", "json"},
    {"stix", "application/stix+json;version=2.1", "json"},
};

const char *const kz_export_params[] = {"format", "exercise", NULL};

kz_rc kz_reply_export(kz_req *r, kz_export_opts *o, const char *what)
{
    const char *name = kz_req_query(r, "format");
    const kz_export_format *fmt = name ? kz_export_format_find(name) : NULL;
    if (!fmt)
        return kz_fail(&r->err, KZ_EINVAL, "format", "format must be csv, json or stix");
    /* real work only, or ?exercise=ID: what that table-top run made, under its banner */
    o->exercise = kz_req_query(r, "exercise");
    kz_rc vr = o->exercise ? kz_valid_uuid(o->exercise, "exercise", &r->err) : KZ_OK;
    if (vr)
        return vr;
    size_t m = 0;
    while (m + 1 < sizeof export_media / sizeof *export_media && strcmp(export_media[m].format, fmt->name) != 0)
        m++;
    kz_buf b;
    kz_buf_init(&b, KZ_EXPORT_REPLY_MAX);
    o->out = (kz_sink){to_buf, &b};
    kz_export_report rep = {0};
    kz_rc rc = fmt->run(&r->call, o, &rep);
    if (rc) {
        kz_buf_free(&b);
        return rc;
    }
    char disposition[80];
    snprintf(disposition, sizeof disposition, "attachment; filename=\"kizuna-%s.%s\"", what, export_media[m].ext);
    r->status = 200;
    r->content_type = export_media[m].media;
    r->raw_len = b.len;
    r->raw_heap = kz_buf_steal(&b);
    if (!r->raw_heap && (r->raw_heap = kz_malloc(1)))
        r->raw_heap[0] = '\0';
    return kz_reply_header(r, "Content-Disposition", kz_arena_strdup(&r->arena, disposition));
}

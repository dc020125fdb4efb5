/* kizuna import csv: util/reader lines -> codec/csv records -> codec/indicator_csv
 * indicators -> one kz_ind_batch. Memory is bounded by the reader's block, one record
 * and a scratch arena recycled every few hundred records, whatever the feed's size. */
#include "service/sharing/import.h"

#include "util/progress.h"
#include "util/reader.h"

#include <stdio.h>
#include <string.h>

enum { SCRATCH_RECORDS = 256, PROGRESS_EVERY = 4096 };

typedef struct importer {
    kz_call *c;
    const kz_import_csv_opts *o;
    kz_import_report *rep;
    kz_ind_batch batch;
    kz_csv_reader csv;
    kz_csv_map map;
    bool have_map;
    kz_arena scratch;
    unsigned in_scratch;
} importer;

/* "feed.csv:17: column 'url' (value): reason" into c->err, keeping the field. */
static kz_rc located(importer *im, uint64_t line, const kz_err *e)
{
    char field[sizeof e->field];
    memcpy(field, e->field, sizeof field);
    kz_fail(im->c->err, e->rc, field, "%s:%llu: %s%s%s", im->o->path, (unsigned long long)line, field,
            field[0] ? ": " : "", e->msg);
    return e->rc;
}

/* A bad record: the end of an all-or-nothing import, or one more rejected record. */
static kz_rc reject(importer *im, uint64_t line, const kz_err *e)
{
    if (!im->o->skip_invalid || e->rc == KZ_ENOMEM || e->rc == KZ_ESTORE || e->rc == KZ_EBUSY || e->rc == KZ_EINTERNAL ||
        e->rc == KZ_EFORBIDDEN || e->rc == KZ_EUNAUTH)
        return located(im, line, e);
    im->rep->rejected++;
    if (im->o->on_reject)
        im->o->on_reject(im->o->ctx, im->o->path, line, e);
    return KZ_OK;
}

static kz_rc header(importer *im, const kz_csv_record *r)
{
    kz_err e;
    kz_err_clear(&e);
    kz_rc rc = im->o->map ? kz_csv_map_resolve(&im->map, r, &e) : kz_csv_map_from_header(&im->map, r, &e);
    im->have_map = true;
    return rc ? located(im, r->line, &e) : KZ_OK;
}

static kz_rc record(importer *im, const kz_csv_record *r)
{
    if (!im->have_map)
        return header(im, r);
    im->rep->records++;
    if (++im->in_scratch == SCRATCH_RECORDS) {
        kz_arena_free(&im->scratch);
        kz_arena_init(&im->scratch);
        im->in_scratch = 0;
    }
    kz_indicator o;
    unsigned given;
    kz_err e;
    kz_err_clear(&e);
    kz_rc rc = kz_csv_indicator(&im->map, &im->o->defaults, r, &im->scratch, &o, &given, &e);
    if (!rc && (rc = kz_ind_batch_check(&im->batch, &o, given, &im->scratch, &e)))
        kz_csv_map_field(&im->map, &e);
    if (rc)
        rc = reject(im, r->line, &e);
    else if ((rc = kz_ind_batch_queue(&im->batch, &o, given, &e)))
        return located(im, r->line, &e);
    return rc ? rc : kz_ind_batch_step(&im->batch, 1);
}

static kz_rc run(importer *im, kz_reader *rd, kz_progress *pg)
{
    kz_line line;
    kz_err e;
    kz_err_clear(&e);
    int got;
    uint64_t n = 0;
    while ((got = kz_reader_next(rd, &line, &e)) == 1) {
        if (line.too_long) {
            kz_fail(&e, KZ_ETOOBIG, NULL, "line longer than %d bytes", KZ_READER_MAX_LINE);
            return located(im, line.no, &e);
        }
        const kz_csv_record *r;
        int k = kz_csv_reader_line(&im->csv, line.p, line.len, line.no, &r, &e);
        kz_rc rc = k < 0 ? reject(im, im->csv.line, &e) : k > 0 ? record(im, r) : KZ_OK;
        if (rc)
            return rc;
        if (++n % PROGRESS_EVERY == 0)
            kz_progress_update(pg, kz_reader_bytes_in(rd));
    }
    if (got < 0)
        return kz_fail(im->c->err, e.rc, NULL, "%s: %s", im->o->path, e.msg);
    if (kz_csv_reader_end(&im->csv, &e))
        return reject(im, im->csv.line, &e);
    if (!im->have_map && !im->o->no_header)
        return kz_fail(im->c->err, KZ_EINVAL, NULL, "%s: no header line", im->o->path);
    return KZ_OK;
}

kz_rc kz_svc_import_csv(kz_call *c, const kz_import_csv_opts *o, kz_import_report *rep)
{
    memset(rep, 0, sizeof *rep);
    importer im = {.c = c, .o = o, .rep = rep};
    kz_err e;
    kz_rc rc = KZ_OK;
    if (o->map && (rc = kz_csv_map_parse(o->map, &im.map, c->err)))
        return rc;
    if (o->no_header) {
        if (!o->map)
            return kz_fail(c->err, KZ_EINVAL, "map", "without a header line, give --map with column numbers");
        if ((rc = kz_csv_map_resolve(&im.map, NULL, c->err)))
            return rc;
        im.have_map = true;
    }
    kz_reader *rd = NULL;
    rc = o->fd > 0 ? kz_reader_open_fd(o->fd, o->path, 0, 0, &rd, &e) : kz_reader_open(o->path, 0, 0, &rd, &e);
    if (rc)
        return kz_fail(c->err, rc, NULL, "%s", e.msg);
    if ((rc = kz_ind_batch_begin(c, &im.batch, "indicator.import"))) {
        kz_reader_close(rd);
        return rc;
    }
    kz_csv_reader_init(&im.csv, o->delim, o->comment);
    kz_arena_init(&im.scratch);
    kz_progress *pg = o->progress_fd >= 0 ? kz_progress_new(o->progress_fd, "importing", NULL, kz_reader_size(rd))
                                          : NULL;
    im.batch.ids_at_write = true;  /* every record checked is queued (record) */
    im.batch.dry_run = o->dry_run;
    im.batch.allow_declassify = o->allow_declassify;
    im.batch.exercise = o->exercise;
    im.batch.commit_every = o->chunk;
    rc = run(&im, rd, pg);
    rc = kz_ind_batch_end(&im.batch, rc);  /* writes the last chunk too */
    kz_progress_done(pg);
    rep->created = im.batch.created;
    rep->merged = im.batch.merged;
    rep->unchanged = im.batch.unchanged;
    rep->bytes = kz_reader_bytes_in(rd);
    rep->committed = im.batch.committed;
    kz_arena_free(&im.scratch);
    kz_csv_reader_free(&im.csv);
    kz_reader_close(rd);
    return rc;
}

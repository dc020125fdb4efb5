/* What the matcher matches against and what it writes back: indicators from a file
 * ("type,value[,id]" lines) or from the database (those the caller may see, unexpired),
 * and the recorder that turns matches into sightings (per indicator and day) and
 * victim rows. */
#include "service/telemetry/match_sources.h"

#include "codec/sharing/csv.h"
#include "codec/stix/stix.h"
#include "service/sharing/indicators.h"
#include "service/sharing/sightings.h"
#include "service/telemetry/victims.h"
#include "util/alloc.h"
#include "util/reader.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* ---- indicator file --------------------------------------------------------------- */

static void warn_line(FILE *warn, int *shown, int max, const char *path, uint64_t line,
                      const char *field, const char *msg)
{
    if (!warn || *shown >= max)
        return;
    fprintf(warn, "%s:%llu: %s%s%s\n", path, (unsigned long long)line, field ? field : "",
            field && *field ? ": " : "", msg);
    (*shown)++;
}

/* Counts one more indicator added, and tells the progress callback now and then. */
static void added_one(kz_ind_load_report *rep)
{
    if (++rep->added % 16384 == 0 && rep->progress)
        rep->progress(rep->progress_ctx, rep->added);
}

/* ---- STIX bundles ----------------------------------------------------------------- */

typedef struct stix_load {
    kz_indset_builder *b;
    kz_ind_load_report *rep;
    kz_arena a;
    FILE *warn;
    int shown, max;
    const char *path;
    kz_time now;
    kz_err *err;
} stix_load;

static kz_rc file_read(void *ctx, char *buf, size_t cap, size_t *got, kz_err *err)
{
    FILE *f = ctx;
    *got = fread(buf, 1, cap, f);
    if (*got == 0 && ferror(f))
        return kz_fail(err, KZ_EIO, "indicators", "read failed");
    return KZ_OK;
}

static kz_rc stix_object(void *ctx, const char *json, size_t len, const char *where)
{
    stix_load *l = ctx;
    kz_stix_obj o;
    kz_err e;
    kz_arena_free(&l->a);
    kz_arena_init(&l->a);
    l->rep->lines++;
    if (kz_stix_decode(json, len, &l->a, &o, &e) != KZ_OK) {
        l->rep->bad++;
        if (l->warn && l->shown++ < l->max)
            fprintf(l->warn, "%s: %s: %s%s%s\n", l->path, where, e.field, *e.field ? ": " : "", e.msg);
        return KZ_OK;
    }
    if (o.kind != KZ_STIX_INDICATOR)
        return KZ_OK;  /* identities, markings, reports: nothing to match */
    if (o.revoked || (o.valid_until && o.valid_until <= l->now) || !o.single || o.context_only) {
        l->rep->skipped++;  /* revoked, expired, a pattern that is not one observable, or context */
        return KZ_OK;
    }
    kz_norm nm;
    if (kz_indicator_normalize_as((kz_ind_type)o.ind_type, o.value, strlen(o.value), &l->a, "value",
                                  false, &nm, &e) != KZ_OK) {
        l->rep->bad++;
        if (l->warn && l->shown++ < l->max)
            fprintf(l->warn, "%s: %s (%s): pattern: %s\n", l->path, where, o.id, e.msg);
        return KZ_OK;
    }
    kz_rc rc = kz_indset_add(l->b, (kz_ind_type)o.ind_type, &nm, o.id, l->err);
    if (!rc)
        added_one(l->rep);
    return rc;
}

static kz_rc load_stix(kz_indset_builder *b, const char *path, FILE *in, FILE *warn,
                       int max_warnings, kz_ind_load_report *rep, kz_err *err)
{
    stix_load l = {.b = b, .rep = rep, .warn = warn, .max = max_warnings, .path = path,
                   .now = kz_now_ms(), .err = err};
    kz_arena_init(&l.a);
    kz_byte_source src = {file_read, in};
    kz_stix_doc doc;
    kz_err e;
    kz_err_clear(&e);
    kz_rc rc = kz_stix_read(&src, stix_object, &l, &doc, &e);
    kz_arena_free(&l.a);
    if (rc && e.rc)  /* the document itself (err holds what stix_object failed with) */
        return kz_fail(err, rc, "indicators", "%s: %s", path, e.msg);
    if (!rc && rep->bad)
        rc = kz_fail(err, KZ_EINVAL, "indicators", "%s: %llu bad STIX object%s", path,
                     (unsigned long long)rep->bad, rep->bad == 1 ? "" : "s");
    return rc;
}

/* The first byte that is not blank: '{' opens a STIX bundle. */
static int first_byte(FILE *f)
{
    int c;
    while ((c = getc(f)) != EOF && (c == ' ' || c == '\t' || c == '\r' || c == '\n'))
        ;
    if (c != EOF)
        ungetc(c, f);
    return c;
}

kz_rc kz_match_load_file(kz_indset_builder *b, const char *path, FILE *warn, int max_warnings,
                         kz_ind_load_report *rep, kz_err *err)
{
    if (strcmp(path, "-") != 0) {
        FILE *f = fopen(path, "rb");
        if (!f)
            return kz_fail(err, KZ_EIO, "indicators", "%s: %s", path, strerror(errno));
        kz_rc rc = KZ_OK;
        bool stix = first_byte(f) == '{';
        if (stix)
            rc = load_stix(b, path, f, warn, max_warnings, rep, err);
        fclose(f);
        if (stix)
            return rc;
    }
    kz_reader *r;
    kz_rc rc = kz_reader_open(path, 0, 64 * 1024, &r, err);
    if (rc)
        return rc;
    char *scratch = kz_malloc(64 * 1024);
    if (!scratch) {
        kz_reader_close(r);
        return kz_fail(err, KZ_ENOMEM, NULL, NULL);
    }
    kz_arena a;
    kz_arena_init(&a);
    kz_line ln;
    int got, shown = 0;
    bool first = true;
    while ((got = kz_reader_next(r, &ln, err)) == 1) {
        rep->lines++;
        if (ln.too_long) {
            rep->bad++;
            warn_line(warn, &shown, max_warnings, path, ln.no, NULL, "line over 64 KiB");
            continue;
        }
        size_t i = 0;
        while (i < ln.len && (ln.p[i] == ' ' || ln.p[i] == '\t'))
            i++;
        if (i == ln.len || ln.p[i] == '#')
            continue;
        kz_csv_field f[4];
        int nf;
        kz_err e;
        if (kz_csv_split(ln.p, ln.len, ',', scratch, f, 4, &nf, &e) != KZ_OK) {
            rep->bad++;
            warn_line(warn, &shown, max_warnings, path, ln.no, NULL, e.msg);
            continue;
        }
        if (first && nf >= 2 && f[0].n == 4 && memcmp(f[0].p, "type", 4) == 0) {
            first = false;  /* a header line */
            continue;
        }
        first = false;
        if (nf < 2 || nf > 3) {
            rep->bad++;
            warn_line(warn, &shown, max_warnings, path, ln.no, NULL,
                      "an indicator line is type,value or type,value,id");
            continue;
        }
        char type[16];
        size_t tn = f[0].n < sizeof type ? f[0].n : 0;
        memcpy(type, f[0].p, tn);
        type[tn] = '\0';
        int t = kz_enum_parse(&kz_ind_type_enum, type);
        if (t < 0) {
            char list[128], msg[200];
            kz_enum_list(&kz_ind_type_enum, list, sizeof list);
            snprintf(msg, sizeof msg, "unknown type (one of %s)", list);
            rep->bad++;
            warn_line(warn, &shown, max_warnings, path, ln.no, "type", msg);
            continue;
        }
        kz_norm nm;
        if (kz_indicator_normalize_as((kz_ind_type)t, f[1].p, f[1].n, &a, "value", false, &nm, &e) != KZ_OK) {
            rep->bad++;
            warn_line(warn, &shown, max_warnings, path, ln.no, e.field, e.msg);
            continue;
        }
        char *id = nf == 3 && f[2].n ? kz_arena_strndup(&a, f[2].p, f[2].n) : NULL;
        if ((rc = kz_indset_add(b, (kz_ind_type)t, &nm, id, err)))
            break;
        added_one(rep);
        if (a.total > (8u << 20)) {
            kz_arena_free(&a);
            kz_arena_init(&a);
        }
    }
    if (got < 0 && !rc)
        rc = err->rc ? err->rc : KZ_EIO;
    if (!rc && rep->bad) {
        if (warn && rep->bad > (uint64_t)shown)
            fprintf(warn, "%s: %llu more bad lines not shown\n", path,
                    (unsigned long long)(rep->bad - (uint64_t)shown));
        rc = kz_fail(err, KZ_EINVAL, "indicators", "%s: %llu bad indicator line%s", path,
                     (unsigned long long)rep->bad, rep->bad == 1 ? "" : "s");
    }
    kz_arena_free(&a);
    kz_free(scratch);
    kz_reader_close(r);
    return rc;
}

/* ---- the database ---------------------------------------------------------------- */

typedef struct db_load {
    kz_indset_builder *b;
    kz_ind_load_report *rep;
    kz_arena a;
    kz_err *err;
} db_load;

static kz_rc add_stored(const kz_indicator *o, void *ctx)
{
    db_load *l = ctx;
    l->rep->lines++;
    kz_norm nm;
    kz_err e;
    /* stored values are canonical; normalizing again yields the parsed form */
    if (kz_indicator_normalize_as((kz_ind_type)o->type, o->value, strlen(o->value), &l->a, "value",
                                  false, &nm, &e) != KZ_OK) {
        l->rep->bad++;
        return KZ_OK;
    }
    kz_rc rc = kz_indset_add(l->b, (kz_ind_type)o->type, &nm, o->id, l->err);
    if (rc)
        return rc;
    added_one(l->rep);
    if (l->a.total > (8u << 20)) {
        kz_arena_free(&l->a);
        kz_arena_init(&l->a);
    }
    return KZ_OK;
}

kz_rc kz_match_load_db(kz_call *c, kz_indset_builder *b, kz_ind_load_report *rep)
{
    /* context (MISP's to_ids false) is shared to be read, never to raise sightings */
    kz_indicator_filter f = {.active_at = kz_now_ms(), .detect_only = true};
    db_load l = {.b = b, .rep = rep, .err = c->err};
    kz_arena_init(&l.a);
    kz_rc rc = kz_svc_indicator_each(c, &f, add_stored, &l);
    kz_arena_free(&l.a);
    return rc;
}

/* ---- recording sightings and victims ------------------------------------------------ */

typedef struct agg {
    uint64_t key;          /* indicator << 32 | (day + 2^31); 0 = empty */
    int64_t count;
    kz_time first, last;
} agg;

typedef struct vkey {
    uint32_t ind;
    int32_t day;
    unsigned char v[KZ_VICTIM_KEY_BYTES];
    bool used;
} vkey;

enum { VICTIM_FLUSH = 1 << 16 };

struct kz_match_recorder {
    kz_call *c;
    const kz_indset *set;
    int tlp;
    kz_time now;
    agg *agg;
    size_t agg_n, agg_cap;
    vkey *vset;            /* victims seen since the last flush (a set, VICTIM_FLUSH * 2) */
    size_t v_n;
    kz_victim_row *rows;
    char (*ids)[48];
    kz_ind_load_report *rep;
    size_t sightings, victims_added, skipped_no_id;
};

static uint64_t mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    return h ^ (h >> 33);
}

kz_match_recorder *kz_match_recorder_new(kz_call *c, const kz_indset *set, int tlp)
{
    kz_match_recorder *r = kz_calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->c = c;
    r->set = set;
    r->tlp = tlp;
    r->now = kz_now_ms();
    r->agg_cap = 1024;
    r->agg = kz_calloc(r->agg_cap, sizeof *r->agg);
    r->vset = kz_calloc(VICTIM_FLUSH * 2, sizeof *r->vset);
    r->rows = kz_malloc(VICTIM_FLUSH * sizeof *r->rows);
    r->ids = kz_malloc(VICTIM_FLUSH * sizeof *r->ids);
    if (!r->agg || !r->vset || !r->rows || !r->ids) {
        kz_match_recorder_free(r);
        return NULL;
    }
    return r;
}

void kz_match_recorder_free(kz_match_recorder *r)
{
    if (!r)
        return;
    kz_free(r->agg);
    kz_free(r->vset);
    kz_free(r->rows);
    kz_free(r->ids);
    kz_free(r);
}

static bool agg_grow(kz_match_recorder *r)
{
    size_t cap = r->agg_cap * 2;
    agg *g = kz_calloc(cap, sizeof *g);
    if (!g)
        return false;
    for (size_t i = 0; i < r->agg_cap; i++) {
        if (!r->agg[i].key)
            continue;
        size_t k = mix(r->agg[i].key) & (cap - 1);
        while (g[k].key)
            k = (k + 1) & (cap - 1);
        g[k] = r->agg[i];
    }
    kz_free(r->agg);
    r->agg = g;
    r->agg_cap = cap;
    return true;
}

static kz_rc flush_victims(kz_match_recorder *r)
{
    size_t n = 0;
    for (size_t i = 0; i < VICTIM_FLUSH * 2; i++) {
        vkey *k = &r->vset[i];
        if (!k->used)
            continue;
        kz_ind_info info;
        kz_indset_get(r->set, k->ind, &info, r->ids[n]);
        r->rows[n].indicator = info.id;  /* into ids[n] or into the set's pool */
        r->rows[n].day = k->day;
        memcpy(r->rows[n].victim, k->v, KZ_VICTIM_KEY_BYTES);
        n++;
        k->used = false;
    }
    r->v_n = 0;
    if (!n)
        return KZ_OK;
    size_t added = 0;
    kz_rc rc = kz_svc_victims_record(r->c, r->rows, n, &added);
    r->victims_added += added;
    return rc;
}

kz_rc kz_match_recorder_add(void *ctx, const kz_match_hit *h)
{
    kz_match_recorder *r = ctx;
    kz_ind_info info;
    char idbuf[48];
    kz_indset_get(r->set, h->ind, &info, idbuf);
    if (!info.id) {
        r->skipped_no_id++;  /* from an indicator file: nothing to write back to */
        return KZ_OK;
    }
    kz_time t = h->time ? h->time : r->now;
    int64_t day = kz_day_of(t);
    uint64_t key = (uint64_t)h->ind << 32 | (uint32_t)(day + 0x80000000LL);
    if (key == 0)
        key = 1;
    if ((r->agg_n + 1) * 2 > r->agg_cap && !agg_grow(r))
        return kz_fail(r->c->err, KZ_ENOMEM, NULL, NULL);
    size_t k = mix(key) & (r->agg_cap - 1);
    while (r->agg[k].key && r->agg[k].key != key)
        k = (k + 1) & (r->agg_cap - 1);
    agg *g = &r->agg[k];
    if (!g->key) {
        g->key = key;
        g->first = g->last = t;
        r->agg_n++;
    }
    g->count++;
    if (t < g->first)
        g->first = t;
    if (t > g->last)
        g->last = t;
    if (!h->victim || !h->victim_len)
        return KZ_OK;
    vkey v = {.ind = h->ind, .day = (int32_t)day, .used = true};
    kz_victim_key(r->c->node, h->victim, h->victim_len, v.v);
    uint64_t vh = mix(((uint64_t)v.ind << 32 | (uint32_t)v.day) ^ (uint64_t)v.v[0] << 56 ^
                      (uint64_t)v.v[1] << 48 ^ (uint64_t)v.v[2] << 40 ^ (uint64_t)v.v[3] << 32 ^
                      (uint64_t)v.v[4] << 24 ^ (uint64_t)v.v[5] << 16);
    size_t i = vh & (VICTIM_FLUSH * 2 - 1);
    while (r->vset[i].used) {
        const vkey *o = &r->vset[i];
        if (o->ind == v.ind && o->day == v.day && memcmp(o->v, v.v, sizeof v.v) == 0)
            return KZ_OK;
        i = (i + 1) & (VICTIM_FLUSH * 2 - 1);
    }
    r->vset[i] = v;
    if (++r->v_n >= VICTIM_FLUSH)
        return flush_victims(r);
    return KZ_OK;
}

kz_rc kz_match_recorder_finish(kz_match_recorder *r, kz_match_record_report *out)
{
    kz_rc rc = flush_victims(r);
    enum { BATCH = 4096 };
    kz_sighting *items = kz_calloc(BATCH, sizeof *items);
    char (*ids)[48] = kz_malloc(BATCH * sizeof *ids);
    if (!items || !ids)
        rc = rc ? rc : kz_fail(r->c->err, KZ_ENOMEM, NULL, NULL);
    size_t n = 0;
    for (size_t i = 0; !rc && i <= r->agg_cap; i++) {
        if (i < r->agg_cap && r->agg[i].key) {
            const agg *g = &r->agg[i];
            kz_ind_info info;
            kz_indset_get(r->set, (uint32_t)(g->key >> 32), &info, ids[n]);
            items[n] = (kz_sighting){.indicator = (char *)info.id, .count = g->count,
                                     .first_seen = g->first, .last_seen = g->last, .tlp = r->tlp};
            n++;
        }
        if (n == BATCH || (i == r->agg_cap && n)) {
            size_t failed = 0;
            rc = kz_svc_sightings_record(r->c, items, n, &failed);
            r->sightings += rc ? 0 : n;
            n = 0;
        }
    }
    kz_free(items);
    kz_free(ids);
    out->sightings = r->sightings;
    out->victims_added = r->victims_added;
    out->skipped_no_id = r->skipped_no_id;
    return rc;
}

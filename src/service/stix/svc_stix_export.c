/* STIX 2.1 export: one bundle of what the caller may see, written as text into a buffer
 * that is flushed to the sink every megabyte, inside one read snapshot. Indicators come
 * through kz_svc_indicator_each (constant memory), incidents page by page, then the
 * sightings and the kept objects; the identities of the organizations named, the kept
 * identities and marking definitions the objects written refer to, and the TLP marking
 * definitions used close the bundle. A native object imported from STIX is
 * written as the texts it came in (every version), in place of Kizuna's rendering when
 * one has its id; texts carry the sharing of their native object. */
#include "service/stix/stix_export.h"

#include "service/directory/orgs.h"
#include "service/sharing/sharing.h"
#include "service/sharing/incidents.h"
#include "service/sharing/indicators.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { FLUSH_AT = 1 << 20, MAX_ORGS = 4096, MAX_REFS = 4096, INCIDENT_PAGE = 200 };

/* An identity or marking definition an object of source written refers to
 * (created_by_ref, object_marking_refs); written: it is in the bundle already. Served
 * only as that source keeps it, so that no organization's text is shown through the
 * objects of another, and not when it names a TLP label of its own above tlp. */
typedef struct referred {
    char id[KZ_STIX_ID_MAX + 1];
    char source[37];
    int tlp;                 /* the least restrictive label of the objects referring */
    bool written;
} referred;

typedef struct export {
    kz_call *c;
    const kz_stix_export_opts *o;
    kz_stix_export_report *rep;
    kz_buf b;
    bool first;
    bool tlp_used[5];
    char (*orgs)[37];        /* organizations named, for their identities */
    size_t n_orgs;
    unsigned markings;       /* kz_stix_marking_bit of the TLP markings referred to */
    referred *refs;
    size_t n_refs;
    const char *source;      /* of the text being written, for the refs it names */
    int tlp;                 /* the label it is written under */
    kz_stix_native *natives; /* native objects with imported texts, sorted */
    size_t n_natives;
    bool texts_apart;        /* the texts of indicators and sightings in passes of their own */
    kz_err *err;
} export;

static kz_rc flush(export *ex, bool force)
{
    if (!force && ex->b.len < FLUSH_AT)
        return KZ_OK;
    kz_rc rc = ex->b.len ? ex->o->out.write(ex->o->out.ctx, ex->b.p, ex->b.len, ex->err) : KZ_OK;
    ex->rep->bytes += ex->b.len;
    kz_buf_reset(&ex->b);
    return rc;
}

/* The separator before the next object; before the first, the bundle's objects (which,
 * when present, must not be empty: STIX 2.1 section 8). */
static kz_rc next(export *ex)
{
    kz_rc rc = kz_buf_puts(&ex->b, ex->first ? ",\"objects\":[" : ",");
    ex->first = false;
    return rc;
}

static void name_org(export *ex, const char *org)
{
    if (!org)
        return;
    for (size_t i = 0; i < ex->n_orgs; i++)
        if (strcmp(ex->orgs[i], org) == 0)
            return;
    if (ex->n_orgs < MAX_ORGS)
        snprintf(ex->orgs[ex->n_orgs++], 37, "%s", org);
}

/* Whether the bundle holds id already. */
static bool written(const export *ex, const char *id)
{
    for (size_t i = 0; i < ex->n_refs; i++)
        if (ex->refs[i].written && strcmp(ex->refs[i].id, id) == 0)
            return true;
    return false;
}

/* Notes an id an object of source written under label tlp refers to, or (source NULL)
 * one the bundle holds. */
static void refer(export *ex, const char *id, const char *source, int tlp)
{
    bool known = false;
    for (size_t i = 0; i < ex->n_refs; i++) {
        referred *r = &ex->refs[i];
        if (strcmp(r->id, id) != 0)
            continue;
        r->written |= !source;
        if (source && strcmp(r->source, source) == 0) {
            r->tlp = tlp < r->tlp ? tlp : r->tlp;
            known = true;
        }
        known |= !source;
    }
    if (!known && ex->n_refs < MAX_REFS && strlen(id) <= KZ_STIX_ID_MAX) {
        referred *r = &ex->refs[ex->n_refs++];
        snprintf(r->id, sizeof r->id, "%s", id);
        snprintf(r->source, sizeof r->source, "%s", source ? source : "");
        r->tlp = tlp;
        r->written = !source;
    }
}

/* A marking ref of a text written: TLP ones by their bit, the others to be served. */
static void refer_marking(void *ctx, const char *id)
{
    export *ex = ctx;
    unsigned bit = kz_stix_marking_bit(id);
    if (bit)
        ex->markings |= bit;
    else
        refer(ex, id, ex->source, ex->tlp);
}

static void use_tlp(export *ex, int tlp)
{
    if (tlp >= KZ_TLP_CLEAR && tlp <= KZ_TLP_RED)
        ex->tlp_used[tlp] = true;
}

static kz_rc done(export *ex, kz_rc rc)
{
    if (rc == KZ_ENOMEM || rc == KZ_ETOOBIG)
        return kz_fail(ex->err, rc, NULL, "%s", kz_strerror(rc));
    return rc ? rc : flush(ex, false);
}

/* A stored text (kept, or an imported native object's version) under the sharing it
 * is exported with, naming its creator's identity and noting its markings. */
static kz_rc put_text(const kz_stix_object *o, void *ctx)
{
    export *ex = ctx;
    unsigned bits = 0;
    kz_strlist shown = o->recipients;  /* its recipients as the caller is shown them (sharing.h) */
    kz__show_recipients(ex->c, o->source, o->tlp, o->allow_clients, &shown);
    kz_rc rc = next(ex);
    if (!rc)
        rc = kz_stix_write_kept(&ex->b, o->json, o->tlp, &shown, o->allow_clients, &bits);
    ex->markings |= bits;
    const char *creator = o->created_by ? kz_stix_uuid(o->created_by, "identity") : NULL;
    name_org(ex, creator);
    ex->source = o->source;
    ex->tlp = o->tlp;
    if (o->created_by)
        refer(ex, o->created_by, o->source, o->tlp);
    kz_stix_each_marking_ref(o->json, refer_marking, ex);
    return done(ex, rc);
}

static kz_rc put_kept(const kz_stix_object *o, void *ctx)
{
    export *ex = ctx;
    ex->rep->kept++;
    if (strcmp(o->type, "identity") == 0 || strcmp(o->type, "marking-definition") == 0)
        refer(ex, o->id, NULL, -1);
    return put_text(o, ctx);
}

/* A version of a kept identity or marking definition that an object written refers to:
 * as kept, since it is served with that object (the caller may see the object). */
static kz_rc put_referred_text(const kz_stix_object *o, void *ctx)
{
    export *ex = ctx;
    if (kz_stix_text_tlp(o->json) > ex->tlp)  /* its own TLP says not to these readers */
        return KZ_OK;
    kz_rc rc = next(ex);
    if (!rc)
        rc = kz_buf_puts(&ex->b, o->json);
    ex->source = o->source;
    kz_stix_each_marking_ref(o->json, refer_marking, ex);  /* its TLP ones only: not followed */
    ex->rep->kept++;
    return done(ex, rc);
}

/* The kept identities and marking definitions referred to that are not written yet;
 * the ones they refer to in turn are not followed (TAXII serves the same). */
static kz_rc put_referred(export *ex)
{
    kz_rc rc = KZ_OK;
    size_t n = ex->n_refs;
    for (size_t i = 0; !rc && i < n; i++) {
        referred *r = &ex->refs[i];
        if (r->written || written(ex, r->id))
            continue;
        uint64_t before = ex->rep->kept;
        ex->tlp = r->tlp;
        rc = kz_store_stix_referred_each(ex->c->db, r->id, r->source, put_referred_text, ex, ex->err);
        r->written = ex->rep->kept > before;
    }
    return rc;
}

static int native_cmp(const void *key, const void *e) { return strcmp(key, ((const kz_stix_native *)e)->key); }

/* Writes the imported texts of a native object, if it has any; *replaced when one of
 * them stands in place of Kizuna's rendering. */
static kz_rc put_native_texts(export *ex, char kind, const char *id, bool *replaced)
{
    char key[40];
    snprintf(key, sizeof key, "%c%s", kind, id);
    const kz_stix_native *n = ex->n_natives ? bsearch(key, ex->natives, ex->n_natives, sizeof *n, native_cmp) : NULL;
    *replaced = n && n->replaced;
    if (!n || (ex->texts_apart && kind != 'r'))
        return KZ_OK;
    return kz_store_stix_native_each(ex->c->db, &ex->c->who, kind, id, put_text, ex, ex->err);
}

static kz_rc put_indicator(const kz_indicator *o, void *ctx)
{
    export *ex = ctx;
    bool replaced;
    kz_rc rc = put_native_texts(ex, 'i', o->id, &replaced);
    if (!rc && !replaced && !(rc = next(ex)))
        rc = kz_stix_write_indicator(&ex->b, o);
    name_org(ex, o->source);
    use_tlp(ex, o->tlp);
    ex->rep->indicators++;
    return done(ex, rc);
}

static kz_rc put_sighting(const kz_sighting *s, void *ctx)
{
    export *ex = ctx;
    kz_sighting shown = *s;  /* its recipients as the caller is shown them (sharing.h) */
    kz__show_sighting(ex->c, &shown);
    bool replaced;
    kz_rc rc = put_native_texts(ex, 's', s->id, &replaced);
    if (!rc && !replaced && !(rc = next(ex)))
        rc = kz_stix_write_sighting(&ex->b, &shown);
    name_org(ex, s->observer);
    use_tlp(ex, s->tlp);
    ex->rep->sightings++;
    return done(ex, rc);
}

/* Collects the ids of the indicators linked to one incident. */
typedef struct linked {
    char **ids;
    size_t n, cap;
    kz_arena *a;
} linked;

static kz_rc collect_linked(const kz_indicator *o, void *ctx)
{
    linked *l = ctx;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        char **v = kz_arena_calloc(l->a, cap, sizeof *v);
        if (!v)
            return KZ_ENOMEM;
        if (l->n)
            memcpy(v, l->ids, l->n * sizeof *v);
        l->ids = v;
        l->cap = cap;
    }
    return (l->ids[l->n++] = kz_arena_strdup(l->a, o->id)) ? KZ_OK : KZ_ENOMEM;
}

kz_rc kz__stix_write_incident(kz_call *c, kz_buf *b, const kz_incident *o, kz_arena *a)
{
    linked l = {.a = a};
    kz_indicator_filter f = {.incident = o->id, .real_work = !o->exercise};  /* real work names real work */
    kz_rc rc = kz_store_indicator_each(c->db, &c->who, &f, collect_linked, &l, c->err);
    return rc ? rc : kz_stix_write_incident(b, o, (const char *const *)l.ids, l.n);
}

static kz_rc put_incidents(export *ex)
{
    kz_call *c = ex->c;
    kz_page pg = {NULL, INCIDENT_PAGE};
    char cursor[KZ_CURSOR_TEXT] = "";
    kz_arena *caller = c->arena;
    kz_rc rc = KZ_OK;
    do {
        kz_arena page_arena;
        kz_arena_init(&page_arena);
        c->arena = &page_arena;  /* one page at a time in memory */
        kz_incident_page page;
        pg.cursor = cursor[0] ? cursor : NULL;
        rc = kz_svc_incident_list(c, &ex->o->incident_filter, &pg, &page);
        for (size_t i = 0; !rc && i < page.n; i++) {
            const kz_incident *o = &page.items[i];
            bool replaced;
            rc = put_native_texts(ex, 'r', o->id, &replaced);
            if (!rc && !replaced && !(rc = next(ex)))
                rc = kz__stix_write_incident(c, &ex->b, o, &page_arena);
            name_org(ex, o->organization);
            use_tlp(ex, o->tlp);
            ex->rep->incidents++;
            rc = done(ex, rc);
        }
        if (!rc)
            snprintf(cursor, sizeof cursor, "%s", page.next);
        c->arena = caller;
        kz_arena_free(&page_arena);
    } while (!rc && cursor[0]);
    return rc;
}

/* The identities of the organizations named, as far as the caller may read the
 * directory (callers without a key may not: their bundle names them by id only). */
static kz_rc put_identities(export *ex)
{
    kz_call *c = ex->c;
    kz_err e, *saved = c->err;
    kz_rc rc = KZ_OK;
    for (size_t i = 0; !rc && i < ex->n_orgs; i++) {
        kz_org org;
        c->err = &e;
        kz_rc got = kz_svc_org_get(c, ex->orgs[i], &org);
        c->err = saved;
        if (got)
            continue;
        char id[KZ_STIX_ID_MAX + 1];
        snprintf(id, sizeof id, "identity--%s", ex->orgs[i]);
        refer(ex, id, NULL, -1);
        if (!(rc = next(ex)))
            rc = kz_stix_write_identity(&ex->b, &org);
        ex->rep->identities++;
        rc = done(ex, rc);
    }
    return rc;
}

static bool filtered(const kz_indicator_filter *f)
{
    return f->type || f->tlp || f->source || f->incident || f->q || f->since || f->until || f->active_at;
}

kz_rc kz_svc_stix_export(kz_call *c, const kz_stix_export_opts *o, kz_stix_export_report *rep)
{
    memset(rep, 0, sizeof *rep);
    export ex = {.c = c, .o = o, .rep = rep, .first = true, .err = c->err};
    kz_rc rc = kz__sharing_read(c);
    if (rc)
        return rc;
    ex.orgs = kz_arena_calloc(c->arena, MAX_ORGS, sizeof *ex.orgs);
    ex.refs = kz_arena_calloc(c->arena, MAX_REFS, sizeof *ex.refs);
    if (!ex.orgs || !ex.refs)
        return kz_fail(c->err, KZ_ENOMEM, NULL, NULL);
    kz_buf_init(&ex.b, (size_t)FLUSH_AT * 64);
    if ((rc = kz_rtx_begin(c))) {
        kz_buf_free(&ex.b);
        return rc;
    }
    rc = kz_store_stix_natives(c->db, c->arena, &ex.natives, &ex.n_natives, c->err);
    if (!rc)
        rc = kz_stix_write_bundle_head(&ex.b);
    /* unfiltered, the imported texts of indicators and sightings are read in one pass
     * each instead of one lookup per object */
    /* ... and only for a caller in no table-top run: those passes would not leave a
     * run's objects out of an export of real work */
    ex.texts_apart = !filtered(&o->indicator_filter) && !c->who.n_exercises;
    if (!rc && o->banner) {
        name_org(&ex, o->facilitator);
        if (!(rc = next(&ex)))
            rc = kz_stix_write_banner(&ex.b, o->exercise, o->exercise_created, o->facilitator, o->banner);
        rc = done(&ex, rc);
    }
    if (!rc && o->indicators)
        rc = kz_svc_indicator_each(c, &o->indicator_filter, put_indicator, &ex);
    if (!rc && o->indicators && ex.texts_apart)
        rc = kz_store_stix_native_each(c->db, &c->who, 'i', NULL, put_text, &ex, c->err);
    /* sightings of the exported indicators: all of them when nothing narrows the export
     * but its scope (real work, or one run's own objects) */
    if (!rc && o->indicators && !filtered(&o->indicator_filter))
        rc = kz_store_sighting_each(c->db, &c->who, o->indicator_filter.exercise, o->indicator_filter.real_work,
                                    put_sighting, &ex, c->err);
    if (!rc && o->indicators && ex.texts_apart)
        rc = kz_store_stix_native_each(c->db, &c->who, 's', NULL, put_text, &ex, c->err);
    if (!rc && o->incidents)
        rc = put_incidents(&ex);
    if (!rc && o->kept)
        rc = kz_store_stix_each(c->db, &c->who, -1, put_kept, &ex, c->err);
    if (!rc)
        rc = put_identities(&ex);
    if (!rc)
        rc = put_referred(&ex);
    for (int t = 0; t < 5; t++)
        ex.markings |= ex.tlp_used[t] ? 1u << t : 0;
    for (unsigned bit = 0; !rc && bit < 9; bit++) {  /* every TLP definition referred to */
        if (!(ex.markings & (1u << bit)))
            continue;
        if (!(rc = next(&ex)))
            rc = kz_stix_write_marking_bit(&ex.b, bit);
        rep->markings++;
        rc = done(&ex, rc);
    }
    if (!rc)
        rc = kz_buf_puts(&ex.b, ex.first ? "}\n" : "]}\n");
    if (!rc)
        rc = flush(&ex, true);
    kz_rtx_end(c);
    kz_buf_free(&ex.b);
    return rc;
}

kz_rc kz_stix_export_format(kz_call *c, const kz_export_opts *o, kz_export_report *rep)
{
    kz_stix_export_opts so = {
        .indicators = o->what != KZ_EXPORT_INCIDENTS, .incidents = o->what != KZ_EXPORT_INDICATORS,
        .kept = o->what == KZ_EXPORT_ALL, .indicator_filter = o->indicators, .incident_filter = o->incidents,
        .out = o->out,
    };
    /* real work only, or a run's objects under its banner */
    kz_export_run run;
    kz_rc rc = kz__export_scope(c, o, &so.indicator_filter, &so.incident_filter, &run);
    if (rc)
        return rc;
    so.exercise = o->exercise;
    so.kept = so.kept && !o->exercise;  /* kept STIX objects are of no run */
    so.banner = run.banner;
    so.facilitator = run.organization;
    so.exercise_created = run.created;
    kz_stix_export_report r;
    rc = kz_svc_stix_export(c, &so, &r);
    *rep = (kz_export_report){r.indicators, r.incidents, r.bytes};
    return rc;
}

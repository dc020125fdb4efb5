/* STIX 2.1 import: the bundle is read object by object (codec/stix/stix.h) inside a write
 * transaction (one per chunk of objects, or one in all); indicators go through the same kz_ind_batch as every importer, incidents
 * and sightings through their own use cases (nested as savepoints, so a rejected object
 * undoes only itself), everything else into the kept-object store. References that
 * point forward in the bundle (a report listing indicators that come later, a sighting
 * before its indicator, observed data before its observables) are resolved when their
 * target arrives or at the end. */
#include "service/stix/stix_import.h"

#include "codec/sharing/indicator_norm.h"
#include "service/sharing/sharing.h"
#include "store/directory/directory.h"
#include "service/sharing/incidents.h"
#include "service/sharing/indicators.h"
#include "service/sharing/sightings.h"
#include "util/alloc.h"

#include <stdio.h>
#include <string.h>

/* ---- a string map for ids, in arena memory ----------------------------------------- */

typedef struct entry {
    const char *key;
    void *value;
} entry;

typedef struct smap {
    entry *v;
    size_t cap, n;
} smap;

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    while (*s)
        h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
    return h;
}

static entry *smap_slot(const smap *m, const char *key)
{
    for (size_t i = hash(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1))
        if (!m->v[i].key || strcmp(m->v[i].key, key) == 0)
            return &m->v[i];
}

static void *smap_get(const smap *m, const char *key)
{
    if (!m->n)
        return NULL;
    entry *e = smap_slot(m, key);
    return e->key ? e->value : NULL;
}

/* Sets key (copied into a) to value. KZ_ENOMEM when out of memory. */
static kz_rc smap_put(smap *m, kz_arena *a, const char *key, void *value)
{
    if ((m->n + 1) * 2 > m->cap) {
        smap bigger = {kz_calloc(m->cap ? m->cap * 2 : 64, sizeof(entry)), m->cap ? m->cap * 2 : 64, 0};
        if (!bigger.v)
            return KZ_ENOMEM;
        for (size_t i = 0; i < m->cap; i++)
            if (m->v[i].key) {
                *smap_slot(&bigger, m->v[i].key) = m->v[i];
                bigger.n++;
            }
        kz_free(m->v);
        *m = bigger;
    }
    entry *e = smap_slot(m, key);
    if (!e->key) {
        if (!(e->key = kz_arena_strdup(a, key)))
            return KZ_ENOMEM;
        m->n++;
    }
    e->value = value;
    return KZ_OK;
}

/* ---- the import ------------------------------------------------------------------- */

/* An incident waiting for an indicator that comes later in the bundle. */
typedef struct pending_link {
    const char *incident;
    struct pending_link *next;
} pending_link;

/* A sighting resolved at the end: the decoded object, deep-copied. */
typedef struct deferred {
    kz_stix_obj obj;
    struct deferred *next;
} deferred;

typedef struct import {
    kz_call *c;
    const kz_stix_import_opts *o;
    kz_stix_import_report *rep;
    kz_ind_batch b;
    const char *acting;      /* the importing organization */
    kz_arena *caller_arena;
    kz_arena obj;            /* per object */
    kz_arena keep;           /* for the whole import */
    smap links;              /* STIX indicator id -> pending_link list */
    smap orgs;               /* organization id -> (void *)1 exists, (void *)2 does not */
    smap written;            /* STIX indicator id -> the Kizuna id this import wrote it to
                                ("" when the write was withheld: sharing.h) */
    deferred *later, **later_tail;
    bool changed;
    kz_time now;
} import;

static void outcome(import *im, const char *id, const char *version, kz_stix_outcome what, const kz_err *why)
{
    char now[40];
    if (!version)  /* an object without created or modified is versioned by when it came */
        version = kz_time_format(im->now, now, sizeof now);
    if (what == KZ_STIX_ACCEPTED)
        im->rep->accepted++;
    else if (what == KZ_STIX_KEPT)
        im->rep->kept++;
    else
        im->rep->rejected++;
    if (im->o->on_object)
        im->o->on_object(im->o->ctx, id, version, what, why);
}

static kz_rc reject(import *im, const kz_stix_obj *obj, const char *where, kz_rc rc, const kz_err *why)
{
    if (kz__import_fatal(rc)) {
        *im->c->err = *why;
        return rc;
    }
    outcome(im, obj && obj->id ? obj->id : where, obj ? obj->version : NULL, KZ_STIX_REJECTED, why);
    return KZ_OK;
}

static bool org_exists(import *im, const char *id)
{
    void *known = smap_get(&im->orgs, id);
    if (known)
        return known == (void *)1;
    kz_org org;
    kz_err e;
    bool exists = kz_store_org_get(im->c->db, id, &im->obj, &org, &e) == KZ_OK;
    if (smap_put(&im->orgs, &im->keep, id, exists ? (void *)1 : (void *)2))
        return false;
    return exists;
}

/* The organization of an identity id when it is in the directory and the caller may
 * act for it. */
static const char *own_org(import *im, const char *identity)
{
    const char *u = identity ? kz_stix_uuid(identity, "identity") : NULL;
    if (!u || !org_exists(im, u))
        return NULL;
    if (kz_is_admin(im->c) || (im->c->who.org && strcmp(u, im->c->who.org) == 0))
        return u;
    return NULL;
}

/* An admin recording a sighting for another organization acts as that organization,
 * so that the sighting use case checks the indicator as its observer sees it. Only
 * for sightings, whose indicator was resolved before as the caller sees it (or as this
 * import wrote it): every other decision is made as the caller (sharing.h).
 * Returns the caller's own organization for act_end. */
static const char *act_as(import *im, const char *org)
{
    const char *own = im->c->who.org;
    if (org && kz_is_admin(im->c))
        im->c->who.org = org;
    return own;
}

static void act_end(import *im, const char *own) { im->c->who.org = own; }

static const char *source_of(import *im, const kz_stix_obj *obj)
{
    const char *s = own_org(im, obj->created_by);
    return s ? s : im->acting;
}

static int tlp_of(import *im, const kz_stix_obj *obj)
{
    int t = obj->tlp >= 0 ? obj->tlp : im->o->tlp;
    return t < im->o->min_tlp ? im->o->min_tlp : t;
}

/* The import's recipients and the object's own, those in the directory only. */
static kz_rc recipients_of(import *im, const kz_stix_obj *obj, kz_strlist *out)
{
    size_t max = im->o->recipients.n + obj->recipients.n;
    memset(out, 0, sizeof *out);
    if (!max)
        return KZ_OK;
    out->v = kz_arena_calloc(&im->obj, max, sizeof *out->v);
    if (!out->v)
        return KZ_ENOMEM;
    for (size_t i = 0; i < max && out->n < KZ_RECIPIENTS_MAX; i++) {
        char *id = i < im->o->recipients.n ? im->o->recipients.v[i] : obj->recipients.v[i - im->o->recipients.n];
        bool dup = false;
        for (size_t k = 0; k < out->n && !dup; k++)
            dup = strcmp(out->v[k], id) == 0;
        if (!dup && org_exists(im, id))
            out->v[out->n++] = id;
    }
    return KZ_OK;
}

/* The Kizuna indicator a STIX indicator id stands for: written by this import,
 * imported before, or one of Kizuna's own ("indicator--<id>"), in both cases one the
 * caller may see (sharing.h: a hidden one is as if it did not exist). */
static bool resolve_indicator(import *im, const char *stix_id, char out[37])
{
    char kind;
    kz_err e;
    const char *mine = smap_get(&im->written, stix_id);
    if (mine) {
        snprintf(out, 37, "%s", mine);
        return true;
    }
    if (kz_store_stix_ref_get(im->c->db, stix_id, &kind, out, NULL, &e) == KZ_OK)
        return kind == 'i' && !kz__hidden(im->c, 'i', out);
    const char *u = kz_stix_uuid(stix_id, "indicator");
    kz_indicator ind;
    if (!u || kz_store_indicator_get(im->c->db, NULL, u, &im->obj, &ind, &e))
        return false;
    kz_tlp_subject subj = kz_indicator_subject(&ind);
    if (!kz_tlp_visible(&im->c->who, &subj))
        return false;
    snprintf(out, 37, "%s", ind.id);
    return true;
}

/* The UUID of a STIX id when no Kizuna object of that kind has it yet, so that what
 * came in keeps its id (a TAXII client finds it again under the id it sent); NULL to let
 * the use case pick a new one. */
static bool id_taken(import *im, const char *id, char kind)
{
    kz_err e;
    kz_rc rc;
    if (kind == 'i') {
        kz_indicator o;
        rc = kz_store_indicator_get(im->c->db, NULL, id, &im->obj, &o, &e);
    } else if (kind == 'r') {
        kz_incident o;
        rc = kz_store_incident_get(im->c->db, id, &im->obj, &o, &e);
    } else {
        kz_sighting o;
        rc = kz_store_sighting_get(im->c->db, id, &im->obj, &o, &e);
    }
    return rc != KZ_ENOTFOUND;
}

static char *free_id(import *im, const char *stix_id, const char *type, char kind)
{
    const char *u = kz_stix_uuid(stix_id, type);
    if (!u || id_taken(im, u, kind))
        return NULL;
    return kz_arena_strdup(&im->obj, u);
}

/* Remembers where a STIX id landed, unless it already names an object the caller may
 * not see: that mapping stays its owner's. */
static kz_rc put_ref(import *im, const char *stix_id, char kind, const char *id, const char *version)
{
    char k, old[37];
    kz_err e;
    if (kz_store_stix_ref_get(im->c->db, stix_id, &k, old, NULL, &e) == KZ_OK && kz__hidden(im->c, k, old))
        return KZ_OK;
    return kz_store_stix_ref_put(im->c->db, stix_id, kind, id, version, im->c->err);
}

/* Stores one version of obj's text: a kept object (native NULL), or the text of the
 * native object it became (kind 'i', 'r', 's' and its id), so that nothing it came with
 * is lost and its id and every version can be fetched again. *added: a new version. */
static kz_rc store_text(import *im, const kz_stix_obj *obj, char kind, const char *native, bool *added)
{
    /* an object without timestamps (an observable, immutable) has one version: "" here,
     * its date added over TAXII */
    char k[2] = {kind, '\0'};
    const char *dd = strstr(obj->id, "--");
    kz_stix_object row = {
        .id = (char *)obj->id, .created = obj->created, .modified = obj->modified ? obj->modified : im->now,
        .type = (char *)obj->type, .version = (char *)(obj->version ? obj->version : ""),
        .spec_version = (char *)obj->spec_version,
        .added = im->now, .source = (char *)source_of(im, obj), .tlp = tlp_of(im, obj),
        .allow_clients = obj->allow_clients || im->o->allow_clients, .json = (char *)obj->json,
        .kz_kind = native ? k : NULL, .kz_id = (char *)native,
        .replaces = native && dd && strcmp(dd + 2, native) == 0, .created_by = (char *)obj->created_by,
    };
    kz_rc rc = recipients_of(im, obj, &row.recipients);
    *added = false;
    if (!rc)
        rc = kz_store_stix_put(im->c->db, &row, added, im->c->err);
    if (!rc && *added)
        im->changed = true;
    return rc;
}

static kz_rc keep_object(import *im, const kz_stix_obj *obj)
{
    if (im->o->exercise) {  /* a kept object has no exercise mark: it would be real work */
        kz_err e;
        kz_fail(&e, KZ_EINVAL, "exercise", "a %s is kept as it came and cannot be made in a table-top exercise",
                obj->type);
        return reject(im, obj, NULL, KZ_EINVAL, &e);
    }
    bool added;
    kz_rc rc = store_text(im, obj, 0, NULL, &added);
    if (rc)
        return kz__import_fatal(rc) ? rc : reject(im, obj, NULL, rc, im->c->err);
    if (added)
        im->rep->kept_new++;
    outcome(im, obj->id, obj->version, KZ_STIX_KEPT, NULL);
    return KZ_OK;
}

/* Whether obj is one of Kizuna's own objects coming back (an export imported again): its
 * id names the native object uuid of this kind, which no imported text stands for. Such
 * an object is Kizuna's rendering, so its text is not stored. */
static bool own_object(import *im, const kz_stix_obj *obj, const char *type, char kind)
{
    const char *u = kz_stix_uuid(obj->id, type);
    bool known = false;
    kz_err e;
    if (!u || !id_taken(im, u, kind))
        return false;
    return kz_store_stix_known(im->c->db, obj->id, &known, &e) == KZ_OK && !known;
}

static kz_rc put_indicator(import *im, const kz_stix_obj *obj)
{
    kz_indicator ind = {
        .id = free_id(im, obj->id, "indicator", 'i'), .type = obj->ind_type, .value = (char *)obj->value, .source = (char *)source_of(im, obj),
        .tlp = tlp_of(im, obj), .allow_clients = obj->allow_clients || im->o->allow_clients,
        .confidence = obj->confidence, .description = (char *)obj->description,
        .first_seen = obj->valid_from, .valid_until = obj->revoked ? obj->modified : obj->valid_until,
        .context_only = obj->context_only,
    };
    ind.last_seen = obj->last_seen > ind.first_seen ? obj->last_seen : ind.first_seen;
    unsigned given = KZ_GIVEN_TLP | KZ_GIVEN_RECIPIENTS | KZ_GIVEN_ALLOW_CLIENTS | KZ_GIVEN_FIRST_SEEN |
                     KZ_GIVEN_LAST_SEEN | (obj->confidence >= 0 ? KZ_GIVEN_CONFIDENCE : 0) |
                     (ind.valid_until ? KZ_GIVEN_VALID_UNTIL : 0) | (obj->description ? KZ_GIVEN_DESCRIPTION : 0) |
                     KZ_GIVEN_CONTEXT_ONLY;
    kz_rc rc = recipients_of(im, obj, &ind.recipients);
    if (rc)
        return rc;
    kz_err e;
    kz_err_clear(&e);
    if ((rc = kz_ind_batch_check(&im->b, &ind, given, &im->obj, &e)))
        return reject(im, obj, NULL, rc, &e);
    kz_upsert res;
    char id[37];
    bool back = own_object(im, obj, "indicator", 'i'), stored;
    if ((rc = kz_ind_batch_put(&im->b, &ind, given, &res, id, im->c->err)))
        return rc;
    /* hidden: answered as new, nothing written (sharing.h); what refers to it later in
     * the bundle is counted as for a new indicator and written nowhere either */
    bool hidden = im->b.hidden_last;
    char *mine = kz_arena_strdup(&im->keep, hidden ? "" : id);
    if (!mine || smap_put(&im->written, &im->keep, obj->id, mine))
        return KZ_ENOMEM;
    if (!hidden && ((rc = put_ref(im, obj->id, 'i', id, obj->version)) ||
                    (!back && (rc = store_text(im, obj, 'i', id, &stored)))))
        return rc;
    /* incidents of this import that listed it before it came (created here, for an
     * organization the caller acts for, so linked whatever the caller's own view) */
    for (pending_link *p = smap_get(&im->links, obj->id); p; p = p->next) {
        bool added = false;
        if (hidden || !p->incident) {  /* counted as for a new one, not written */
            im->rep->links++;
            continue;
        }
        if ((rc = kz_store_indicator_link(im->c->db, id, p->incident, &added, im->c->err)))
            return rc;
        if (added) {
            im->rep->links++;
            im->changed = true;
        }
    }
    outcome(im, obj->id, obj->version, KZ_STIX_ACCEPTED, NULL);
    return KZ_OK;
}

kz_rc kz__apply_imported_incident(void *target, void *ctx, kz_err *err)
{
    (void)err;
    kz_incident *t = target;
    const kz_incident *src = ctx;
    t->title = src->title;
    t->description = src->description;
    t->rsit_class = src->rsit_class;
    t->rsit_type = src->rsit_type;
    t->sector = src->sector;
    t->states = src->states;
    t->impact = src->impact;
    t->status = src->status;
    t->occurred = src->occurred;
    t->tlp = src->tlp;
    t->recipients = src->recipients;
    t->allow_clients = src->allow_clients;
    if (src->norms.n)  /* an import that names no norms keeps those linked here */
        t->norms = src->norms;
    return KZ_OK;
}

bool kz__import_fatal(kz_rc rc) { return rc == KZ_ENOMEM || rc == KZ_ESTORE || rc == KZ_EBUSY || rc == KZ_EINTERNAL || rc == KZ_ECORRUPT; }

/* Links the indicators a report lists to incident; incident NULL (a withheld report):
 * counts the links as for a new incident and writes nothing. */
static kz_rc link_refs(import *im, const kz_stix_obj *obj, const char *incident)
{
    for (size_t i = 0; i < obj->refs.n; i++) {
        const char *ref = obj->refs.v[i];
        if (strncmp(ref, "indicator--", 11) != 0)
            continue;
        char ind[37];
        kz_rc rc;
        if (resolve_indicator(im, ref, ind)) {
            bool added = !incident || !ind[0];  /* withheld, one side or the other */
            if (!added && (rc = kz_store_indicator_link(im->c->db, ind, incident, &added, im->c->err)))
                return rc;
            if (added) {
                im->rep->links++;
                im->changed = true;
            }
            continue;
        }
        pending_link *p = kz_arena_alloc(&im->keep, sizeof *p);
        const char *inc = incident ? kz_arena_strdup(&im->keep, incident) : NULL;
        if (!p || (incident && !inc))
            return KZ_ENOMEM;
        p->incident = inc;
        p->next = smap_get(&im->links, ref);
        if ((rc = smap_put(&im->links, &im->keep, ref, p)))
            return rc;
    }
    return KZ_OK;
}

static kz_rc put_incident(import *im, const kz_stix_obj *obj)
{
    kz_call *c = im->c;
    kz_incident inc = obj->incident;
    inc.organization = (char *)source_of(im, obj);
    inc.tlp = tlp_of(im, obj);
    inc.allow_clients = obj->allow_clients || im->o->allow_clients;
    inc.exercise = (char *)im->o->exercise;
    kz_rc rc = recipients_of(im, obj, &inc.recipients);
    if (rc)
        return rc;
    char kind, id[37], version[64];
    kz_err e;
    bool known = kz_store_stix_ref_get(c->db, obj->id, &kind, id, version, &e) == KZ_OK && kind == 'r';
    if (known && kz__hidden(c, 'r', id)) {
        /* another organization's report the caller may not see: answered as a new one,
         * nothing written (sharing.h) */
        im->rep->incidents_created++;
        im->changed = true;
        if ((rc = kz__audit_withheld(c, "incident", id)) || (rc = link_refs(im, obj, NULL)))
            return rc;
        outcome(im, obj->id, obj->version, KZ_STIX_ACCEPTED, NULL);
        return KZ_OK;
    }
    const char *native = kz_stix_uuid(obj->id, "report");
    bool back = false;  /* one of Kizuna's own reports */
    kz_incident stored;
    kz_tlp_subject subj;
    if (!known && native && kz_store_incident_get(c->db, native, &im->obj, &stored, &e) == KZ_OK &&
        (subj = kz_incident_subject(&stored), kz_tlp_visible(&c->who, &subj))) {
        /* one of Kizuna's own reports coming back (an export imported again): the same
         * incident, unchanged unless the report is newer */
        known = back = true;
        snprintf(id, sizeof id, "%s", stored.id);
        snprintf(version, sizeof version, "%s", stored.modified >= obj->modified && obj->version ? obj->version : "");
    }
    kz_err *saved = c->err;
    kz_err_clear(&e);
    c->err = &e;
    if (!known) {
        inc.id = free_id(im, obj->id, obj->type, 'r');
        rc = kz_svc_incident_create(c, &inc);
        if (!rc) {
            snprintf(id, sizeof id, "%s", inc.id);
            im->rep->incidents_created++;
        }
    } else if (obj->version && strcmp(version, obj->version) == 0) {
        im->rep->incidents_unchanged++;
    } else {
        kz_incident out;
        rc = kz__incident_reimport(c, id, &inc, im->o->allow_declassify, kz__apply_imported_incident, &out);
        if (!rc)
            im->rep->incidents_updated++;
    }
    c->err = saved;
    if (rc)
        return reject(im, obj, NULL, rc, &e);
    im->changed |= !known || strcmp(version, obj->version ? obj->version : "") != 0;
    bool text_new;
    if ((rc = put_ref(im, obj->id, 'r', id, obj->version)) || (rc = link_refs(im, obj, id)) ||
        (!back && (rc = store_text(im, obj, 'r', id, &text_new))))
        return rc;
    outcome(im, obj->id, obj->version, KZ_STIX_ACCEPTED, NULL);
    return KZ_OK;
}

/* Records one sighting report through the use case; rejects the object on its errors. */
static kz_rc record_sighting(import *im, const kz_stix_obj *obj, kz_sighting *s, bool *done)
{
    kz_call *c = im->c;
    if (!s->indicator[0]) {  /* of an indicator whose write was withheld: counted only */
        im->rep->sightings++;
        im->changed = true;
        *done = true;
        return KZ_OK;
    }
    kz_err e, *saved = c->err;
    kz_upsert res;
    kz_err_clear(&e);
    c->err = &e;
    const char *own = act_as(im, s->observer);
    kz_rc rc = kz_svc_sighting_add(c, s, &res);
    act_end(im, own);
    c->err = saved;
    *done = !rc;
    if (rc)
        return reject(im, obj, NULL, rc, &e);
    if (res != KZ_UPSERT_UNCHANGED) {
        im->rep->sightings++;
        im->changed = true;
    }
    return KZ_OK;
}

static kz_rc put_sighting(import *im, const kz_stix_obj *obj, const char *indicator)
{
    const char *observer = obj->where_sighted.n ? own_org(im, obj->where_sighted.v[0]) : NULL;
    kz_sighting s = {
        .id = free_id(im, obj->id, "sighting", 's'), .indicator = (char *)indicator, .observer = (char *)(observer ? observer : source_of(im, obj)),
        .count = obj->count < 0 ? 1 : obj->count, .first_seen = obj->first_seen ? obj->first_seen : obj->created,
        .tlp = tlp_of(im, obj), .allow_clients = obj->allow_clients || im->o->allow_clients,
        .exercise = (char *)im->o->exercise,
    };
    s.last_seen = obj->seen_until ? obj->seen_until : s.first_seen;
    kz_rc rc = recipients_of(im, obj, &s.recipients);
    bool done, back = own_object(im, obj, "sighting", 's'), stored;
    if (rc || (rc = record_sighting(im, obj, &s, &done)) || !done)
        return rc;
    if (indicator[0] && ((rc = put_ref(im, obj->id, 's', s.id, obj->version)) ||
                         (!back && (rc = store_text(im, obj, 's', s.id, &stored)))))
        return rc;
    outcome(im, obj->id, obj->version, KZ_STIX_ACCEPTED, NULL);
    return KZ_OK;
}

/* ---- deep copies for deferred objects ---------------------------------------------- */

static const char *dup(import *im, const char *s, bool *ok)
{
    if (!s)
        return NULL;
    char *d = kz_arena_strdup(&im->keep, s);
    *ok &= d != NULL;
    return d;
}

static kz_strlist dup_list(import *im, const kz_strlist *l, bool *ok)
{
    kz_strlist out = {NULL, 0};
    if (!l->n)
        return out;
    out.v = kz_arena_calloc(&im->keep, l->n, sizeof *out.v);
    *ok &= out.v != NULL;
    for (size_t i = 0; out.v && i < l->n; i++)
        out.v[out.n++] = (char *)dup(im, l->v[i], ok);
    return out;
}

static kz_rc defer(import *im, const kz_stix_obj *obj)
{
    bool ok = true;
    deferred *d = kz_arena_calloc(&im->keep, 1, sizeof *d);
    if (!d)
        return KZ_ENOMEM;
    d->obj = *obj;
    kz_stix_obj *o = &d->obj;
    o->type = dup(im, obj->type, &ok);
    o->id = dup(im, obj->id, &ok);
    o->spec_version = dup(im, obj->spec_version, &ok);
    o->created_by = dup(im, obj->created_by, &ok);
    o->version = dup(im, obj->version, &ok);
    o->json = dup(im, obj->json, &ok);
    o->recipients = dup_list(im, &obj->recipients, &ok);
    o->sighting_of = dup(im, obj->sighting_of, &ok);
    o->where_sighted = dup_list(im, &obj->where_sighted, &ok);
    o->refs = dup_list(im, &obj->refs, &ok);
    o->observed_data.n = 0;
    if (obj->n_observables) {
        o->observables = kz_arena_calloc(&im->keep, obj->n_observables, sizeof *o->observables);
        ok &= o->observables != NULL;
        for (size_t i = 0; o->observables && i < obj->n_observables; i++)
            o->observables[i] = (kz_stix_observable){obj->observables[i].type, dup(im, obj->observables[i].value, &ok)};
    }
    if (!ok)
        return KZ_ENOMEM;
    *im->later_tail = d;
    im->later_tail = &d->next;
    return KZ_OK;
}

/* ---- one object ---------------------------------------------------------------------- */

static kz_rc one(import *im, const char *json, size_t len, const char *where)
{
    kz_stix_obj obj;
    kz_err e;
    kz_err_clear(&e);
    im->rep->objects++;
    kz_rc rc = kz_stix_decode(json, len, &im->obj, &obj, &e);
    if (rc) {
        /* name the object even when it failed to decode, if its id is readable */
        return reject(im, obj.id ? &obj : NULL, where[0] ? where : "the document", rc, &e);
    }
    char ind[37];
    switch (obj.kind) {
    case KZ_STIX_INDICATOR:
        return obj.single && strcmp(obj.pattern_type, "stix") == 0 ? put_indicator(im, &obj) : keep_object(im, &obj);
    case KZ_STIX_INCIDENT:
        return put_incident(im, &obj);
    case KZ_STIX_SIGHTING:
        if (resolve_indicator(im, obj.sighting_of, ind))
            return obj.count == 0 ? keep_object(im, &obj) : put_sighting(im, &obj, ind);
        return strncmp(obj.sighting_of, "indicator--", 11) == 0 ? defer(im, &obj) : keep_object(im, &obj);
    case KZ_STIX_IDENTITY: {
        const char *u = kz_stix_uuid(obj.id, "identity");
        if (u && org_exists(im, u)) {
            outcome(im, obj.id, obj.version, KZ_STIX_ACCEPTED, NULL);
            return KZ_OK;
        }
        return keep_object(im, &obj);
    }
    case KZ_STIX_MARKING:
        if (obj.marking_tlp >= 0) {
            outcome(im, obj.id, obj.version, KZ_STIX_ACCEPTED, NULL);
            return KZ_OK;
        }
        return keep_object(im, &obj);
    case KZ_STIX_OBSERVED:  /* what was observed, not a sighting: only a sighting says so */
    case KZ_STIX_OTHER:
        return keep_object(im, &obj);
    }
    return KZ_OK;
}

enum { ARENA_OBJECTS = 64 };

static kz_rc on_object(void *ctx, const char *json, size_t len, const char *where)
{
    import *im = ctx;
    if (im->rep->objects % ARENA_OBJECTS == 0) {  /* constant memory however long the bundle */
        kz_arena_free(&im->obj);
        kz_arena_init(&im->obj);
    }
    kz_rc rc = one(im, json, len, where);
    if (rc && !im->c->err->rc)
        kz_fail(im->c->err, rc, NULL, NULL);
    return rc ? rc : kz_ind_batch_step(&im->b, 1);
}

static kz_rc finish_deferred(import *im)
{
    for (deferred *d = im->later; d; d = d->next) {
        kz_arena_free(&im->obj);
        kz_arena_init(&im->obj);
        kz_rc rc;
        char ind[37];
        if (resolve_indicator(im, d->obj.sighting_of, ind))
            rc = d->obj.count == 0 ? keep_object(im, &d->obj) : put_sighting(im, &d->obj, ind);
        else
            rc = keep_object(im, &d->obj);  /* a sighting of an indicator Kizuna does not have */
        if (rc)
            return rc;
    }
    return KZ_OK;
}

/* Audits "stix.import" with the counts so far; chunk: the chunk's number (0: not
 * chunked, or the last one). */
static kz_rc audit_import(import *im, size_t chunk)
{
    const kz_stix_import_report *rep = im->rep;
    char detail[360], part[40] = "";
    if (chunk || im->b.chunks)
        snprintf(part, sizeof part, ",\"chunk\":%zu", chunk ? chunk : im->b.chunks + 1);
    snprintf(detail, sizeof detail,
             "{\"objects\":%llu,\"accepted\":%llu,\"kept\":%llu,\"rejected\":%llu,\"kept_new\":%llu,"
             "\"incidents_created\":%llu,\"incidents_updated\":%llu,\"sightings\":%llu,\"links\":%llu%s}",
             (unsigned long long)rep->objects, (unsigned long long)rep->accepted, (unsigned long long)rep->kept,
             (unsigned long long)rep->rejected, (unsigned long long)rep->kept_new,
             (unsigned long long)rep->incidents_created, (unsigned long long)rep->incidents_updated,
             (unsigned long long)rep->sightings, (unsigned long long)rep->links, part);
    return kz_audit(im->c, "stix.import", "bundle", rep->bundle[0] ? rep->bundle : NULL, detail);
}

/* The chunk's events are audited when the chunk changed something. */
static kz_rc audit_chunk(void *ctx, size_t chunk)
{
    import *im = ctx;
    if (!im->changed && !kz_ind_batch_chunk_changed(&im->b))
        return KZ_OK;
    im->changed = false;
    return audit_import(im, chunk);
}

kz_rc kz_svc_stix_import(kz_call *c, const kz_byte_source *src, const kz_stix_import_opts *o,
                         kz_stix_import_report *rep)
{
    memset(rep, 0, sizeof *rep);
    import im = {.c = c, .o = o, .rep = rep, .caller_arena = c->arena, .now = kz_now_ms()};
    im.later_tail = &im.later;
    kz_rc rc = kz_ind_batch_begin(c, &im.b, "indicator.import");
    if (rc)
        return rc;
    im.b.allow_declassify = o->allow_declassify;
    im.b.exercise = o->exercise;
    im.b.commit_every = o->dry_run ? 0 : o->chunk;
    im.b.audit_chunk = audit_chunk;
    im.b.chunk_ctx = &im;
    kz_arena_init(&im.obj);
    kz_arena_init(&im.keep);
    c->arena = &im.obj;
    const char *acting = NULL;
    rc = kz__acting_org(c, o->source, "source", &acting, c->err);
    im.acting = acting;
    kz_stix_doc doc;
    if (!rc)
        rc = kz_stix_read(src, on_object, &im, &doc, c->err);
    if (!rc)
        rc = finish_deferred(&im);
    rep->bytes = doc.bytes;
    snprintf(rep->bundle, sizeof rep->bundle, "%s", doc.id);
    rep->indicators_created = im.b.created;
    rep->indicators_merged = im.b.merged;
    rep->indicators_unchanged = im.b.unchanged;
    c->arena = im.caller_arena;
    if (!rc && (im.changed || kz_ind_batch_chunk_changed(&im.b)))
        rc = audit_import(&im, 0);
    c->arena = im.caller_arena;
    if (!rc && o->dry_run) {
        kz_ind_batch_end(&im.b, KZ_ECONFLICT);  /* roll everything back */
    } else {
        rc = kz_ind_batch_end(&im.b, rc);
    }
    rep->committed = rc ? im.b.committed : rep->objects;
    kz_free(im.links.v);
    kz_free(im.orgs.v);
    kz_free(im.written.v);
    kz_arena_free(&im.obj);
    kz_arena_free(&im.keep);
    return rc;
}

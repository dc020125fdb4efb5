/* MISP feed import: the manifest streamed, each event file read in two passes
 * (codec/stix/misp.h), events into incidents through their use case (nested as savepoints),
 * attributes into indicators through the one kz_ind_batch of the import. */
#include "service/stix/misp.h"

#include "codec/sharing/indicator_norm.h"
#include "model/taxonomy.h"
#include "model/validate.h"
#include "service/sharing/sharing.h"
#include "service/sharing/incidents.h"
#include "service/sharing/indicators.h"
#include "service/stix/stix_import.h"
#include "store/stix/feeds.h"
#include "store/stix/stix.h"
#include "util/utf8.h"

#include <stdio.h>
#include <string.h>

enum { ARENA_ATTRIBUTES = 256 };

typedef struct misp_import {
    kz_call *c;
    const kz_misp_feed *feed;
    const kz_misp_import_opts *o;
    kz_misp_import_report *rep;
    kz_ind_batch b;
    const char *acting;
    kz_arena *caller_arena;
    kz_arena obj;                /* per attribute (released every few hundred) */
    kz_arena event;              /* per event */
    char file[64];               /* "<uuid>.json" being read */
    char incident[37];           /* the current event's incident, "" when it failed */
    bool withheld;               /* the current event's incident is hidden from the caller:
                                    answered as created, nothing written (sharing.h) */
    int event_tlp;
    bool changed;
} misp_import;

static kz_rc reject(misp_import *im, const char *where, kz_rc rc, const kz_err *e)
{
    if (kz__import_fatal(rc)) {
        if (e != im->c->err)
            *im->c->err = *e;
        return rc;
    }
    if (im->o->on_reject)
        im->o->on_reject(im->o->ctx, im->file, where, e);
    return KZ_OK;
}

static int stricter(int a, int b) { return a > b ? a : b; }

/* A tlp tag (-1 when absent), else the distribution, else fallback. */
static int label(int tag_tlp, int distribution, int fallback)
{
    if (tag_tlp >= 0)
        return tag_tlp;
    int d = kz_misp_distribution_tlp(distribution);
    return d >= 0 ? d : fallback;
}

/* The event's tags that are neither TLP nor its classification, then its threat level
 * and analysis as MISP names them: misp:threat-level="high", misp:analysis="completed". */
static kz_strlist event_labels(kz_arena *a, const kz_misp_event *ev)
{
    kz_strlist l = {kz_arena_calloc(a, ev->labels.n + 2, sizeof *l.v), 0};
    const char *threat = kz_misp_threat_level_name(ev->threat_level), *analysis = kz_misp_analysis_name(ev->analysis);
    for (size_t i = 0; l.v && i < ev->labels.n && l.n < KZ_LABELS_MAX; i++)
        l.v[l.n++] = ev->labels.v[i];
    if (l.v && threat && l.n < KZ_LABELS_MAX)
        l.v[l.n++] = kz_arena_printf(a, "misp:threat-level=\"%s\"", threat);
    if (l.v && analysis && l.n < KZ_LABELS_MAX)
        l.v[l.n++] = kz_arena_printf(a, "misp:analysis=\"%s\"", analysis);
    for (size_t i = 0; i < l.n; i++)
        if (!l.v[i])
            return (kz_strlist){NULL, 0};
    return l;
}

/* A changed event replaces what the imported incident came with, its labels too. */
static kz_rc apply_event(void *target, void *ctx, kz_err *err)
{
    kz_rc rc = kz__apply_imported_incident(target, ctx, err);
    ((kz_incident *)target)->labels = ((const kz_incident *)ctx)->labels;
    return rc;
}

static kz_rc on_event(void *ctx, const kz_misp_event *ev)
{
    misp_import *im = ctx;
    kz_call *c = im->c;
    im->incident[0] = '\0';
    im->withheld = false;
    im->event_tlp = label(ev->tlp, ev->distribution, im->o->tlp);
    const kz_term *rsit = ev->rsit_type ? kz_vocab_find(&kz_rsit_types, ev->rsit_type) : NULL;
    kz_incident inc = {
        .title = kz_text_fit(&im->event, ev->info && ev->info[0] ? ev->info : "MISP event", 300, false),
        .description = kz_arena_printf(&im->event, "MISP event %s%s%s", ev->uuid, ev->orgc ? " by " : "",
                                       ev->orgc ? ev->orgc : ""),
        .rsit_type = (char *)(rsit ? rsit->value : "undetermined"),
        .occurred = ev->date ? ev->date : ev->timestamp,
        .tlp = im->event_tlp, .recipients = im->o->recipients, .organization = (char *)im->acting,
        .exercise = (char *)im->o->exercise,
    };
    inc.labels = event_labels(&im->event, ev);
    if (!inc.title || !inc.description || (ev->labels.n && !inc.labels.v))
        return KZ_ENOMEM;
    if (inc.description && strlen(inc.description) > 20000)
        inc.description[20000] = '\0';
    char key[80], kind, id[37], version[64], now_version[32];
    snprintf(key, sizeof key, "misp-event:%s", ev->uuid);
    snprintf(now_version, sizeof now_version, "%lld", (long long)ev->timestamp);
    kz_err e;
    bool known = kz_store_stix_ref_get(c->db, key, &kind, id, version, &e) == KZ_OK && kind == 'r';
    if (known && kz__hidden(c, 'r', id)) {
        /* another organization's event the caller may not see: answered as a new one,
         * nothing written, its attributes' links counted as for a new one (sharing.h) */
        im->rep->events_created++;
        im->changed = true;
        im->withheld = true;
        return kz__audit_withheld(c, "incident", id);
    }
    kz_err *saved = c->err;
    kz_err_clear(&e);
    c->err = &e;
    kz_rc rc = KZ_OK;
    if (!known) {
        kz_incident taken;  /* the event's uuid becomes the incident's id when free */
        kz_err e2;
        if (kz_valid_uuid(ev->uuid, "uuid", &e2) == KZ_OK && kz_store_incident_get(c->db, ev->uuid, &im->event, &taken, &e2) == KZ_ENOTFOUND)
            inc.id = (char *)ev->uuid;
        if (!(rc = kz_svc_incident_create(c, &inc))) {
            snprintf(id, sizeof id, "%s", inc.id);
            im->rep->events_created++;
            im->changed = true;
        }
    } else if (strcmp(version, now_version) == 0) {
        im->rep->events_unchanged++;
    } else {
        kz_incident out, stored;
        /* MISP says nothing of status, sector, states or impact: the stored ones stay */
        if (!(rc = kz_svc_incident_get(c, id, &stored))) {
            inc.status = stored.status;
            inc.sector = stored.sector;
            inc.states = stored.states;
            inc.impact = stored.impact;
            inc.allow_clients = stored.allow_clients;
        }
        if (!rc && !(rc = kz__incident_reimport(c, id, &inc, im->o->allow_declassify, apply_event, &out))) {
            im->rep->events_updated++;
            im->changed = true;
        }
    }
    c->err = saved;
    if (rc) {
        im->rep->events_failed++;
        return reject(im, "Event", rc, &e);
    }
    snprintf(im->incident, sizeof im->incident, "%s", id);
    return kz_store_stix_ref_put(c->db, key, 'r', id, now_version, c->err);
}

/* "category: comment", and a composite type's whole value, whose other part (a file
 * name, a port, a domain's address) is no field of the indicator: "Payload delivery;
 * filename|sha256 invoice.pdf.exe|e3b0...". NULL when there is nothing to say. */
static char *describe(misp_import *im, const kz_misp_attribute *at)
{
    bool composite = strchr(at->type, '|') || strcmp(at->type, "malware-sample") == 0;
    const char *cat = at->category ? at->category : "", *com = at->comment ? at->comment : "";
    if (!cat[0] && !com[0] && !composite)
        return NULL;
    char *d = kz_arena_printf(&im->obj, "%s%s%s%s%s%s%s", cat, cat[0] && com[0] ? ": " : "", com,
                              composite && (cat[0] || com[0]) ? "; " : "", composite ? at->type : "",
                              composite ? " " : "", composite ? at->value : "");
    return kz_text_fit(&im->obj, d, 4000, true);
}

static kz_rc put_linked(misp_import *im, kz_indicator *ind, unsigned given, const kz_misp_attribute *at,
                        const char *where);

static kz_rc on_attribute(void *ctx, const kz_misp_attribute *at, const char *where, const kz_err *bad)
{
    misp_import *im = ctx;
    im->rep->attributes++;
    if (im->rep->attributes % ARENA_ATTRIBUTES == 0) {
        kz_arena_free(&im->obj);
        kz_arena_init(&im->obj);
    }
    if (bad) {
        im->rep->rejected++;
        return reject(im, where, bad->rc, bad);
    }
    const char *value;
    int type = at->deleted ? -1 : kz_misp_ind_type(at->type, at->value, &im->obj, &value);
    if (type < 0) {
        im->rep->skipped++;
        return KZ_OK;
    }
    kz_time seen = at->timestamp;
    kz_indicator ind = {
        /* the event's label bounds every attribute: an attribute may be stricter, never
         * lower (its own distribution does not undo a tlp:red event) */
        .type = type, .value = (char *)value, .tlp = stricter(label(at->tlp, at->distribution, -1), im->event_tlp),
        .recipients = im->o->recipients, .source = (char *)im->acting,
        .first_seen = at->first_seen ? at->first_seen : seen, .last_seen = at->last_seen ? at->last_seen : seen,
        .context_only = !at->to_ids,  /* "not for detection": kept as context, never matched */
    };
    if (ind.first_seen > ind.last_seen)
        ind.last_seen = ind.first_seen;
    ind.labels = at->labels;
    ind.description = describe(im, at);
    /* the description, the labels and the seen times describe the first report; a value
     * repeated in the feed only widens the seen times, so a re-import finds nothing to
     * change */
    unsigned given = KZ_GIVEN_TLP | KZ_GIVEN_RECIPIENTS | KZ_GIVEN_CONTEXT_ONLY |
                     (ind.first_seen ? KZ_GIVEN_FIRST_SEEN : 0) | (ind.last_seen ? KZ_GIVEN_LAST_SEEN : 0);
    kz_indicator taken;
    kz_err e;
    if (at->uuid && kz_valid_uuid(at->uuid, "uuid", &e) == KZ_OK &&
        kz_store_indicator_get(im->c->db, NULL, at->uuid, &im->obj, &taken, &e) == KZ_ENOTFOUND)
        ind.id = kz_arena_strdup(&im->obj, at->uuid);
    kz_rc rc = put_linked(im, &ind, given, at, where);
    /* domain|ip: the address is an indicator too, linked to the same incident */
    const char *second;
    if (!rc && (ind.type = kz_misp_ind_type2(at->type, at->value, &second)) >= 0) {
        ind.value = (char *)second;
        ind.id = NULL;
        rc = put_linked(im, &ind, given, at, where);
    }
    return rc;
}

/* One indicator of an attribute checked, written and linked to the event's incident;
 * a value not valid for its type is reported and skipped. */
static kz_rc put_linked(misp_import *im, kz_indicator *ind, unsigned given, const kz_misp_attribute *at,
                        const char *where)
{
    kz_err e;
    kz_err_clear(&e);
    kz_rc rc = kz_ind_batch_check(&im->b, ind, given, &im->obj, &e);
    if (rc) {
        im->rep->rejected++;
        char w[160];
        snprintf(w, sizeof w, "%s (%s)", where, at->uuid ? at->uuid : at->type);
        return reject(im, w, rc, &e);
    }
    kz_upsert res;
    char id[37];
    if ((rc = kz_ind_batch_put(&im->b, ind, given, &res, id, im->c->err)))
        return rc;
    if (im->withheld || (im->incident[0] && im->b.hidden_last)) {
        im->rep->links++;  /* as for a new incident or indicator; not written */
        im->changed = true;
    } else if (im->incident[0]) {
        bool added = false;
        if ((rc = kz_store_indicator_link(im->c->db, id, im->incident, &added, im->c->err)))
            return rc;
        if (added) {
            im->rep->links++;
            im->changed = true;
        }
    }
    return KZ_OK;
}

/* What the acting organization's imports saw of an item of the feed. */
static kz_rc seen_of(misp_import *im, const char *item, kz_feed_seen *seen)
{
    return kz_store_feed_seen_get(im->c->db, im->acting, item, seen, im->c->err);
}

/* The event this organization imported last has the manifest's timestamp, and its
 * incident is still there for it to see: nothing to read. */
static bool unchanged_in_manifest(misp_import *im, const char *uuid, kz_time timestamp, const kz_feed_seen *seen)
{
    char key[80], kind, id[37], now_version[32];
    kz_err e;
    snprintf(key, sizeof key, "misp-event:%s", uuid);
    snprintf(now_version, sizeof now_version, "%lld", (long long)timestamp);
    return timestamp && strcmp(seen->version, now_version) == 0 &&
           kz_store_stix_ref_get(im->c->db, key, &kind, id, NULL, &e) == KZ_OK && kind == 'r' &&
           !kz__hidden(im->c, 'r', id);
}

static kz_rc one_event(void *ctx, const char *uuid, kz_time timestamp)
{
    misp_import *im = ctx;
    snprintf(im->file, sizeof im->file, "%.40s.json", uuid);
    kz_arena_free(&im->event);
    kz_arena_init(&im->event);
    kz_misp_input in;
    kz_err e;
    kz_err_clear(&e);
    im->rep->events++;
    uint64_t attributes_before = im->rep->attributes;
    char item[80];
    snprintf(item, sizeof item, "misp-event:%.40s", uuid);
    kz_feed_seen seen;
    kz_rc rc = seen_of(im, item, &seen);
    if (rc)
        return rc;
    if (unchanged_in_manifest(im, uuid, timestamp, &seen)) {
        im->rep->events_unchanged++;
        im->rep->events_not_fetched++;
        goto done;
    }
    if (!im->feed->url)  /* validators only mean something for a fetched file */
        memset(&seen.v, 0, sizeof seen.v);
    im->incident[0] = '\0';
    im->withheld = false;
    if (!(rc = im->feed->event(im->feed->ctx, uuid, &seen.v, &in, &e)) && seen.v.not_modified) {
        im->rep->events_unchanged++;
        im->rep->events_not_fetched++;
        goto done;
    }
    if (!rc) {
        kz_misp_sink sink = {on_event, on_attribute, im};
        rc = kz_misp_read_event(&in, &sink, &e);
        im->feed->close(im->feed->ctx, in.src.ctx);
        /* read and imported (not failed, not withheld): the next import may skip it */
        snprintf(seen.version, sizeof seen.version, "%lld", (long long)timestamp);
        if (!timestamp)
            seen.version[0] = '\0';
        if (!rc && im->incident[0] && !im->withheld)
            rc = kz_store_feed_seen_put(im->c->db, im->acting, item, &seen, im->c->err);
    }
    if (rc && !kz__import_fatal(rc)) {  /* a file that cannot be read or parsed: reported, skipped */
        if (!e.rc)
            e = *im->c->err;
        im->rep->events_failed++;
        rc = reject(im, "", rc, &e);
    } else if (rc && e.rc && im->c->err->rc != rc) {
        *im->c->err = e;
    }
done:
    if (!rc && im->o->on_progress)
        im->o->on_progress(im->o->ctx, im->rep->events);
    size_t chunks = im->b.chunks;
    if (!rc && !(rc = kz_ind_batch_step(&im->b, 1 + im->rep->attributes - attributes_before)) && im->b.chunks > chunks)
        im->rep->committed = im->rep->events;
    return rc;
}

/* Audits "misp.import" with the counts so far; chunk: the chunk's number (0: not
 * chunked, or the last one). */
static kz_rc audit_import(misp_import *im, size_t chunk)
{
    const kz_misp_import_report *rep = im->rep;
    char detail[300], part[40] = "";
    if (chunk || im->b.chunks)
        snprintf(part, sizeof part, ",\"chunk\":%zu", chunk ? chunk : im->b.chunks + 1);
    snprintf(detail, sizeof detail,
             "{\"events\":%llu,\"created\":%llu,\"updated\":%llu,\"attributes\":%llu,\"skipped\":%llu,"
             "\"rejected\":%llu,\"links\":%llu%s}",
             (unsigned long long)rep->events, (unsigned long long)rep->events_created,
             (unsigned long long)rep->events_updated, (unsigned long long)rep->attributes,
             (unsigned long long)rep->skipped, (unsigned long long)rep->rejected, (unsigned long long)rep->links, part);
    return kz_audit(im->c, "misp.import", "feed", NULL, detail);
}

/* The chunk's event is audited when the chunk changed something. */
static kz_rc audit_chunk(void *ctx, size_t chunk)
{
    misp_import *im = ctx;
    if (!im->changed && !kz_ind_batch_chunk_changed(&im->b))
        return KZ_OK;
    im->changed = false;
    return audit_import(im, chunk);
}

kz_rc kz_svc_misp_import(kz_call *c, const kz_misp_feed *feed, const kz_misp_import_opts *o,
                         kz_misp_import_report *rep)
{
    memset(rep, 0, sizeof *rep);
    misp_import im = {.c = c, .feed = feed, .o = o, .rep = rep, .caller_arena = c->arena};
    kz_rc rc = kz_ind_batch_begin(c, &im.b, "indicator.import");
    if (rc)
        return rc;
    im.b.allow_declassify = o->allow_declassify;
    im.b.exercise = o->exercise;
    im.b.commit_every = o->dry_run ? 0 : o->chunk;
    im.b.audit_chunk = audit_chunk;
    im.b.chunk_ctx = &im;
    kz_arena_init(&im.obj);
    kz_arena_init(&im.event);
    c->arena = &im.obj;
    const char *acting = NULL;
    rc = kz__acting_org(c, o->source, "source", &acting, c->err);
    im.acting = acting;
    kz_byte_source man = {NULL, NULL};
    char url[4096];
    kz_feed_seen v = {.version = ""};
    snprintf(url, sizeof url, "%s%s", feed->url ? feed->url : "", "manifest.json");
    if (!rc && feed->url)
        rc = seen_of(&im, url, &v);
    if (!rc)
        rc = feed->manifest(feed->ctx, &v.v, &man, c->err);
    if (!rc && v.v.not_modified) {
        rep->manifest_unchanged = true;
    } else if (!rc) {
        snprintf(im.file, sizeof im.file, "manifest.json");
        rc = kz_misp_read_manifest(&man, one_event, &im, c->err);
        if (rc && !strstr(c->err->msg, ".json"))
            kz_fail(c->err, rc, c->err->field, "%s: %.280s", im.file, c->err->msg);
        feed->close(feed->ctx, man.ctx);
        if (!rc && feed->url)
            rc = kz_store_feed_seen_put(c->db, im.acting, url, &v, c->err);
    }
    c->arena = im.caller_arena;
    rep->indicators_created = im.b.created;
    rep->indicators_merged = im.b.merged;
    rep->indicators_unchanged = im.b.unchanged;
    if (!rc && (im.changed || kz_ind_batch_chunk_changed(&im.b)))
        rc = audit_import(&im, 0);
    if (!rc && o->dry_run)
        kz_ind_batch_end(&im.b, KZ_ECONFLICT);  /* roll everything back */
    else
        rc = kz_ind_batch_end(&im.b, rc);
    if (!rc)
        rep->committed = rep->events;
    kz_arena_free(&im.obj);
    kz_arena_free(&im.event);
    return rc;
}
